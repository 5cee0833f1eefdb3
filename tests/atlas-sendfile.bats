#!/usr/bin/env bats
# The errno atlas for sendfile(2) and the openat(2) before it: each test makes
# one cause happen on the running kernel and checks that the explanation
# names it. Test names read "atlas: CALL ERRNO - cause".

load atlas_helper

# A listener (3), a client (4) and the accepted connection (5).
CONNECTED=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3'

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"	# as test_helper's setup: never the real home
	mkdir -p "$HOME"
	FILE="$BATS_TEST_TMPDIR/page.html"
	printf 'hello\n' >"$FILE"
}

@test "atlas: sendfile EAGAIN - non-blocking, and the send buffer is full" {
	SCRIPT_TEXT=$'socketpair\nnonblock 3 on\nsend 3 "x"*1000000\nsendfile 3 '"$FILE"$'\nexpect EAGAIN'
	repl
	assert_success
	assert_line 'sendfile(3, 5, NULL, 6) = -1 EAGAIN (Resource temporarily unavailable)'
	assert_line --partial 'EAGAIN: the socket is non-blocking and its send buffer is full'
	assert_line 'close(5) = 0'
}

@test "atlas: sendfile EBADF - the socket fd is not open" {
	SCRIPT_TEXT="sendfile 9 $FILE"
	repl
	assert_line 'sendfile(9, 3, NULL, 6) = -1 EBADF (Bad file descriptor)'
	assert_line --partial 'EBADF: the socket fd is not open'
}

@test "atlas: sendfile EINVAL - FILE is a directory: open works, sendfile does not" {
	SCRIPT_TEXT="$CONNECTED"$'\nsendfile 5 '"$BATS_TEST_TMPDIR"$'\nexpect EINVAL'
	repl
	assert_success
	assert_line "openat(AT_FDCWD, \"$BATS_TEST_TMPDIR\", O_RDONLY) = 6"
	assert_line --regexp '^sendfile\(5, 6, NULL, [0-9]+\) = -1 EINVAL \(Invalid argument\)$'
	assert_line --partial 'EINVAL: the file cannot be read this way: on Linux a directory'
}

@test "atlas: sendfile EPIPE - this side shut down writing" {
	SCRIPT_TEXT="$CONNECTED"$'\nshutdown 5 wr\nsendfile 5 '"$FILE"$'\nexpect EPIPE'
	repl
	assert_success
	assert_line 'sendfile(5, 6, NULL, 6) = -1 EPIPE (Broken pipe)'
	assert_line --partial 'EPIPE: this side can no longer send: it was shut down for writing'
}

@test "atlas: openat ENOENT - no file at that path" {
	SCRIPT_TEXT=$'socketpair\nsendfile 3 '"$BATS_TEST_TMPDIR/nope.html"$'\nexpect ENOENT'
	repl
	assert_success
	assert_line "openat(AT_FDCWD, \"$BATS_TEST_TMPDIR/nope.html\", O_RDONLY) = -1 ENOENT (No such file or directory)"
	assert_line --partial 'ENOENT: no file exists at that path'
	refute_output --partial 'sendfile('
}

@test "atlas: openat ENOTDIR - a file used as a directory in the path" {
	SCRIPT_TEXT=$'socketpair\nsendfile 3 '"$FILE/x"$'\nexpect ENOTDIR'
	repl
	assert_success
	assert_line --partial 'ENOTDIR: a component of the path used as a directory is not one'
}

@test "atlas: openat ELOOP - a symbolic link loop" {
	ln -s loop "$BATS_TEST_TMPDIR/loop"
	SCRIPT_TEXT=$'socketpair\nsendfile 3 '"$BATS_TEST_TMPDIR/loop"$'\nexpect ELOOP'
	repl
	assert_success
	assert_line --partial 'ELOOP: resolving the path met too many symbolic links'
}

@test "atlas: openat ENAMETOOLONG - a path component over 255 bytes" {
	SCRIPT_TEXT=$'socketpair\nsendfile 3 '"$BATS_TEST_TMPDIR/$(printf 'a%.0s' $(seq 300))"$'\nexpect ENAMETOOLONG'
	repl
	assert_success
	assert_line --partial 'ENAMETOOLONG: a component of the path is longer than NAME_MAX'
}

@test "atlas: openat EACCES - the file is not readable by this user" {
	public_copy
	printf 'secret\n' >"$PUBLIC_DIR/secret.html"
	chmod 600 "$PUBLIC_DIR/secret.html"
	SCRIPT_TEXT=$'socketpair\nsendfile 3 '"$PUBLIC_DIR/secret.html"$'\nexpect EACCES'
	repl_as_nobody
	assert_success
	assert_line "openat(AT_FDCWD, \"$PUBLIC_DIR/secret.html\", O_RDONLY) = -1 EACCES (Permission denied)"
	assert_line --partial 'EACCES: this user may not read the file'
}

@test "atlas: openat EMFILE - the process is at its open-fd limit" {
	SCRIPT_TEXT=$(for _ in $(seq 14); do echo socket; done; echo "sendfile 3 $FILE")
	repl_with_fd_limit 16
	assert_line "openat(AT_FDCWD, \"$FILE\", O_RDONLY) = -1 EMFILE (Too many open files)"
	assert_line --partial 'EMFILE: this process already has as many open fds as its limit (RLIMIT_NOFILE)'
}

@test "atlas: openat EINTR - Ctrl-C while opening a FIFO that has no writer" {
	mkfifo "$BATS_TEST_TMPDIR/fifo" "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socketpair\nsendfile 3 %s\n' "$BATS_TEST_TMPDIR/fifo" >&8
	wait_for '^fd 4: CONNECTED'
	repl_blocked openat
	kill -INT "$REPL_PID"
	wait_for '^openat('
	printf 'expect EINTR\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line "openat(AT_FDCWD, \"$BATS_TEST_TMPDIR/fifo\", O_RDONLY) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)"
	assert_line --partial '  the program got -1 EINTR'
	assert_line --partial 'EINTR: a signal (Ctrl-C) arrived while open waited: opening a FIFO'
	refute_output --partial 'sendfile(3'
	refute_output --regexp '^line [0-9]+:'
}

@test "atlas: sendfile EINTR - Ctrl-C while sendfile waited for room, before any byte was taken" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socketpair\nnonblock 3 on\nsend 3 "x"*1000000\nnonblock 3 off\nsendfile 3 %s\n' "$FILE" >&8
	repl_blocked sendfile 3
	kill -INT "$REPL_PID"
	wait_for '^close(5)'
	printf 'expect EINTR\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line 'sendfile(3, 5, NULL, 6) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)'
	assert_line --partial '  the program got -1 EINTR'
	assert_line --partial 'EINTR: a signal (Ctrl-C) arrived while sendfile waited for room'
	assert_line 'close(5) = 0'
	refute_output --regexp '^line [0-9]+:'
}
