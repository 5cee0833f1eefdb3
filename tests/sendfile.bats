#!/usr/bin/env bats
# sendfile FD FILE [COUNT]: openat, sendfile and close, each printed.

load atlas_helper	# python_peer

# A listener (3), a client (4) and the accepted connection (5).
CONNECTED=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3'

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"	# as test_helper's setup: never the real home
	mkdir -p "$HOME"
	FILE="$BATS_TEST_TMPDIR/index.html"
	printf '<h1>It works</h1>\n' >"$FILE"	# 18 bytes
}

@test "sendfile opens the file, sends it whole and closes it: three call lines" {
	SCRIPT_TEXT="$CONNECTED"$'\nsendfile 5 '"$FILE"$'\nrecv 4'
	repl
	assert_success
	assert_line "openat(AT_FDCWD, \"$FILE\", O_RDONLY) = 6"
	assert_line 'sendfile(5, 6, NULL, 18) = 18'
	assert_line "  the kernel copied the 18 bytes from the file into fd 5's send buffer itself: they never passed through this process."
	assert_line 'close(6) = 0'
	assert_line 'recvfrom(4, "<h1>It works</h1>\n", 4096, 0, NULL, NULL) = 18'
	# the file fd is gone: the next socket gets fd 6
	SCRIPT_TEXT="$CONNECTED"$'\nsendfile 5 '"$FILE"$'\nsocket'
	repl
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 6'
}

@test "a real peer reads exactly the file's bytes" {
	python_peer 'import socket, sys
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
print(l.getsockname()[1], flush=True)
c, _ = l.accept()
data = b""
while True:
    b = c.recv(4096)
    if not b:
        break
    data += b
open(sys.argv[1], "wb").write(data)' "$BATS_TEST_TMPDIR/got"
	SCRIPT_TEXT="socket"$'\n'"connect 127.0.0.1 $port"$'\n'"sendfile $FILE"$'\nclose 3'
	repl
	assert_success
	assert_line 'sendfile(3, 4, NULL, 18) = 18'
	timeout 10 tail --pid="$peer" -f /dev/null
	cmp "$FILE" "$BATS_TEST_TMPDIR/got"
}

@test "sendfile COUNT sends that many bytes; past the end of the file it sends what there is" {
	SCRIPT_TEXT="$CONNECTED"$'\nsendfile 5 '"$FILE"$' 4\nrecv 4\nsendfile 5 '"$FILE"$' 100\nrecv 4'
	repl
	assert_success
	assert_line 'sendfile(5, 6, NULL, 4) = 4'
	assert_line 'recvfrom(4, "<h1>", 4096, 0, NULL, NULL) = 4'
	assert_line 'sendfile(5, 6, NULL, 100) = 18'
	assert_line '  18 of 100 bytes: sendfile stops at the end of the file, or, on a non-blocking socket, when the send buffer is full; call it again for the rest.'
}

@test "a missing FILE is a usage error; a file that cannot be opened is the kernel's ENOENT, and nothing is sent" {
	SCRIPT_TEXT="$CONNECTED"$'\nsendfile 5\nsendfile 5 '"$BATS_TEST_TMPDIR/none"$'\nexpect ENOENT'
	repl
	assert_failure 1
	assert_line 'line 7: sendfile: missing FILE (usage: sendfile [FD] FILE [COUNT])'
	assert_line "openat(AT_FDCWD, \"$BATS_TEST_TMPDIR/none\", O_RDONLY) = -1 ENOENT (No such file or directory)"
	refute_output --partial 'sendfile(5'
}

@test "sendfile without FD uses the newest connected socket; a relative FILE is from sockrepl's directory" {
	cd "$BATS_TEST_TMPDIR"
	SCRIPT_TEXT="$CONNECTED"$'\nsendfile index.html\nrecv 4'
	repl
	assert_success
	assert_line 'openat(AT_FDCWD, "index.html", O_RDONLY) = 6'
	assert_line 'sendfile(5, 6, NULL, 18) = 18'
	assert_line 'recvfrom(4, "<h1>It works</h1>\n", 4096, 0, NULL, NULL) = 18'
}
