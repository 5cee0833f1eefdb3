#!/usr/bin/env bats
# The errno atlas for accept(2): each test makes one cause happen on the
# running kernel and checks that the explanation names it; and what Linux
# does where BSD returns ECONNABORTED. Test names read
# "atlas: CALL ERRNO - cause" (tests/atlas-size counts them for the README).

load atlas_helper

@test "atlas: accept EAGAIN - the queue is empty and the listener is non-blocking" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nnonblock on\naccept'
	repl
	assert_line --regexp '^accept\(3, 0x[0-9a-f]+, \[16\]\) = -1 EAGAIN '
	assert_line "  here: no connection is waiting in fd 3's accept queue, and fd 3 is non-blocking."
}

@test "atlas: accept EAGAIN - the queue stayed empty for the listener's SO_RCVTIMEO" {
	# input stays open while accept waits (a closed script input ends the wait)
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket\nbind 127.0.0.1 0\nlisten\nsetsockopt SO_RCVTIMEO 0.2\naccept\n' >&8
	wait_for '^accept('
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp '^accept\(3, 0x[0-9a-f]+, \[16\]\) = -1 EAGAIN '
	assert_line "  here: no connection arrived within fd 3's SO_RCVTIMEO (0.200 s), so accept stopped waiting."
}

@test "atlas: accept EBADF - the fd is not open" {
	SCRIPT_TEXT='accept 9'
	repl
	assert_line --regexp '^accept\(9, .*\) = -1 EBADF '
	assert_line '  here: fd 9 is not open, and this session has no sockets yet.'
}

@test "atlas: accept EINTR - Ctrl-C (SIGINT) while accept waits" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket\nbind 127.0.0.1 0\nlisten\naccept\n' >&8
	wait_for "accept blocks until one arrives"
	interrupt_until '^accept('
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp '^accept\(3, 0x[0-9a-f]+, \[16\]\) = \? ERESTARTSYS '
	assert_line "  here: SIGINT (Ctrl-C) arrived while the call waited and sockrepl's handler ran; the note under the call line says what the kernel answered and why the program saw EINTR."
	assert_line --partial "  the program got -1 EINTR: strace shows the kernel's answer, ERESTARTSYS"
}

@test "atlas: accept EINVAL - the socket is not listening" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\naccept 3'
	repl
	assert_line --regexp '^accept\(3, .*\) = -1 EINVAL '
	assert_line --regexp '^  here: fd 3 is [A-Z-]+, TCP CLOSED\.$'
}

@test "atlas: accept EMFILE - the process is at its fd limit; the connection stays queued" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nsocket\naccept 3\nclose 5\naccept 3\nexpect ok'
	repl_with_fd_limit 6
	assert_success
	assert_line --regexp '^accept\(3, .*\) = -1 EMFILE '
	assert_line '  here: the limit is 6 open fds; this session holds 3 sockets.'
	assert_line --regexp '^accept\(3, \{sa_family=AF_INET, .*\) = 5$'
}

@test "atlas: accept ENOTSOCK - the fd is sockrepl's standard input" {
	SCRIPT_TEXT='accept 0'
	repl
	assert_line --regexp '^accept\(0, .*\) = -1 ENOTSOCK '
	assert_line "  here: fd 0 is sockrepl's own standard input, not a socket."
}

@test "atlas: accept EOPNOTSUPP - a UDP socket has no connections" {
	SCRIPT_TEXT=$'socket udp\nbind 127.0.0.1 0\naccept 3'
	repl
	assert_line --regexp '^accept\(3, .*\) = -1 EOPNOTSUPP '
	assert_line --partial 'EOPNOTSUPP: this socket type has no connections to accept'
}

@test "Linux returns a connection reset while queued (BSD: ECONNABORTED); its first recv gives ECONNRESET" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nsetsockopt 4 SO_LINGER on 0\nclose 4\naccept 3\nexpect ok\nrecv 4\nexpect ECONNRESET\nexplain ECONNABORTED'
	repl
	assert_success
	assert_line --regexp '^accept\(3, \{sa_family=AF_INET, .*\) = 4$'
	assert_line --regexp '^recvfrom\(4, .*\) = -1 ECONNRESET '
	assert_line '  from accept: BSD returns it when a queued connection was reset before accept took it. Linux returns the fd of such a connection all the same, and its first recv gives ECONNRESET.'
	run sockrepl --no-echo <<<'help accept'
	assert_line --partial 'SO_RCVTIMEO'
	assert_line --partial 'bounds the wait: EAGAIN'
	assert_line --partial 'reset while it waited in the queue is still returned on Linux'
}
