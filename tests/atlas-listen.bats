#!/usr/bin/env bats
# The errno atlas for listen(2): each test makes one cause happen on the
# running kernel and checks that the explanation names it. Test names read
# "atlas: CALL ERRNO - cause" (tests/atlas-size counts them for the README).

load atlas_helper

@test "atlas: listen EADDRINUSE - a socket of this session already listens there (SO_REUSEADDR binds, not listens)" {
	SCRIPT_TEXT=$'socket\nsetsockopt SO_REUSEADDR on\nbind 127.0.0.1 0\nsocket\nsetsockopt 4 SO_REUSEADDR on\nbind 4 @3\nexpect ok\nlisten 3 1\nlisten 4 1'
	repl
	assert_line 'listen(4, 1) = -1 EADDRINUSE (Address already in use)'
	assert_line --regexp '^  here: fd 3 of this session already listens on 127\.0\.0\.1:[0-9]+\. SO_REUSEADDR lets two sockets bind one port, not listen on it; SO_REUSEPORT on both \(set by the same user\) lets them, and the kernel then spreads new connections between them\.$'
}

@test "atlas: listen EADDRINUSE - another process already listens on the port" {
	# both bind with SO_REUSEADDR; the other process listens first
	python_peer 'import os, socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1], flush=True)
while not os.path.exists(sys.argv[1]): time.sleep(0.05)
s.listen(); print("listening", flush=True); time.sleep(15)' "$BATS_TEST_TMPDIR/go"
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket\nsetsockopt SO_REUSEADDR on\nbind 127.0.0.1 %s\n' "$port" >&8
	wait_for '^bind(3, .*) = 0'
	touch "$BATS_TEST_TMPDIR/go"
	wait_until grep -q listening "$BATS_TEST_TMPDIR/peer"
	printf 'listen 3 1\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	kill "$peer"
	run cat "$OUT"
	assert_line 'listen(3, 1) = -1 EADDRINUSE (Address already in use)'
	assert_line "  here: python3 (pid $peer) already listens on port $port."
}

@test "atlas: listen EADDRINUSE - an unbound socket finds no free port in the ephemeral range" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket\nbind 127.0.0.1 0\nsocket\nlisten 5 1'
	repl_in_netns 'net.ipv4.ip_local_port_range=40000,40001'
	assert_line 'listen(5, 1) = -1 EADDRINUSE (Address already in use)'
	assert_line '  here: listen on an unbound socket asks the kernel for a free port, and none is left in net.ipv4.ip_local_port_range (40000-40001): sockets hold them all.'
}

@test "SO_REUSEPORT lets two sockets of one user listen on a port, not another user's; connections are spread" {
	needs_root
	SCRIPT_TEXT=$'socket\nsetsockopt SO_REUSEPORT on\nbind 127.0.0.1 0\nlisten 3 64\nsocket\nsetsockopt 4 SO_REUSEPORT on\nbind 4 @3\nlisten 4 64\nexpect ok\nsockets'
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf '%s\n' "$SCRIPT_TEXT" >&8
	wait_for '^listen(4, 64) = 0'
	local port
	port=$(port_of 3)
	# another user may not join the group; twenty connections land on both listeners
	run setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c 'import errno, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError as e:
    print(errno.errorcode[e.errno])' "$port"
	assert_output EADDRINUSE
	/usr/bin/python3 -c 'import socket, sys
cs = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(20)]' "$port"
	printf 'sockets\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp '^3 +tcp +LISTENING .* LISTEN +[1-9]'
	assert_line --regexp '^4 +tcp +LISTENING .* LISTEN +[1-9]'
}

@test "atlas: listen EBADF - the fd is not open" {
	SCRIPT_TEXT='listen 9 1'
	repl
	assert_line 'listen(9, 1) = -1 EBADF (Bad file descriptor)'
	assert_line '  here: fd 9 is not open, and this session has no sockets yet.'
}

@test "atlas: listen EINVAL - the socket is connected" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nlisten 4 1'
	repl
	assert_line 'listen(4, 1) = -1 EINVAL (Invalid argument)'
	assert_line --regexp '^  here: fd 4 is [A-Z-]+, TCP ESTABLISHED\.$'
}

@test "atlas: listen EINVAL - the socket is connecting (SYN-SENT)" {
	# backlog 0 holds one connection; the next SYN is dropped, so fd 5 stays in SYN-SENT
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten 0\nsocket\nconnect @3\nsocket\nnonblock 5 on\nconnect 5 @3\nlisten 5 1'
	repl
	assert_line --regexp '^connect\(5, .*\) = -1 EINPROGRESS '
	assert_line 'listen(5, 1) = -1 EINVAL (Invalid argument)'
	assert_line --regexp '^  here: fd 5 is [A-Z-]+, TCP SYN-SENT\.$'
}

@test "atlas: listen ENOTSOCK - the fd is sockrepl's standard input" {
	SCRIPT_TEXT='listen 0 1'
	repl
	assert_line 'listen(0, 1) = -1 ENOTSOCK (Socket operation on non-socket)'
	assert_line "  here: fd 0 is sockrepl's own standard input, not a socket."
}

@test "atlas: listen ENOTSOCK - the fd is open but is not a socket (the file record writes)" {
	# record keeps its file at the highest fd the limit allows: 63 under ulimit -n 64
	SCRIPT_TEXT="record $BATS_TEST_TMPDIR/rec.txt"$'\nlisten 63 1'
	repl_with_fd_limit 64
	assert_line 'listen(63, 1) = -1 ENOTSOCK (Socket operation on non-socket)'
	assert_line '  here: fd 63 is open but is not a socket.'
}

@test "atlas: listen EOPNOTSUPP - a UDP socket has no connections to accept" {
	SCRIPT_TEXT=$'socket udp\nlisten 3 1'
	repl
	assert_line 'listen(3, 1) = -1 EOPNOTSUPP (Operation not supported)'
	assert_line --partial 'EOPNOTSUPP: this kind of socket cannot listen: only stream sockets'
}

@test "the listen note reads net.ipv4.tcp_abort_on_overflow: 1 resets a handshake the full queue cannot take" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten'
	repl_in_netns 'net.ipv4.tcp_abort_on_overflow=1'
	assert_line "  note: Linux lets backlog + 1 = 2 finished connections wait for accept; when that many wait, new SYNs are dropped, and a handshake's final ACK is answered with a reset (net.ipv4.tcp_abort_on_overflow = 1)."
}

@test "a full accept queue drops a handshake's final ACK, or resets it with tcp_abort_on_overflow 1 (as the note says)" {
	needs_root
	run timeout 10 unshare --net /usr/bin/python3 "$REPO_ROOT/tests/fixtures/overflow-ack.py" 0
	assert_output dropped
	run timeout 10 unshare --net /usr/bin/python3 "$REPO_ROOT/tests/fixtures/overflow-ack.py" 1
	assert_output reset
}
