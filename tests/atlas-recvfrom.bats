#!/usr/bin/env bats
# The errno atlas for recvfrom(2), which recv and recvfrom make: each test
# makes one cause happen on the running kernel and checks that the explanation
# names it. Test names read "atlas: CALL ERRNO - cause".

load test_helper

# fd 3 listens, fd 4 is connected to fd 5, the connection accept returned.
CONNECTED=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3'

@test "atlas: recvfrom EAGAIN - non-blocking, and nothing is waiting" {
	SCRIPT_TEXT="$CONNECTED"$'\nnonblock 5 on\nrecv 5\nexpect EAGAIN'
	repl
	assert_success
	assert_line --regexp '^recvfrom\(5, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 EAGAIN'
	assert_line '  here: fd 5 is non-blocking and nothing is waiting to be read.'
}

@test "atlas: recvfrom EAGAIN - MSG_DONTWAIT on a blocking socket, and nothing is waiting" {
	SCRIPT_TEXT="$CONNECTED"$'\nrecv 5 dontwait\nexpect EAGAIN'
	repl
	assert_success
	assert_line --regexp '^recvfrom\(5, 0x[0-9a-f]+, 4096, MSG_DONTWAIT, NULL, NULL\) = -1 EAGAIN'
	assert_line '  here: the call passed MSG_DONTWAIT, which makes this one call non-blocking (fd 5 itself is blocking), and nothing is waiting to be read.'
}

@test "atlas: recvfrom EAGAIN - SO_RCVTIMEO ran out with nothing to read" {
	SCRIPT_TEXT="$CONNECTED"$'\nsetsockopt 5 rcvtimeo 0.2\nrecv 5\nexpect EAGAIN'
	repl
	assert_success
	assert_line "  here: fd 5's SO_RCVTIMEO (0.200000 s) ran out while the call waited."
}

@test "atlas: recvfrom EBADF - the fd is not open" {
	SCRIPT_TEXT='recv 9'
	repl
	assert_line --regexp '^recvfrom\(9, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 EBADF'
	assert_line '  EBADF: the fd is not open.'
}

@test "atlas: recvfrom ECONNREFUSED - an earlier datagram on a connected UDP socket found nobody" {
	# fd 3 is TCP: no UDP socket has its port.
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket udp\nconnect 4 @3\nsend 4 a\nnonblock 4 on\nrecv 4\nexpect ECONNREFUSED\nrecv 4\nexpect EAGAIN'
	repl
	assert_success	# reported once: the next recv finds nothing
	assert_line --regexp '^recvfrom\(4, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 ECONNREFUSED'
	assert_line --regexp '^  here: an earlier datagram from fd 4 to 127\.0\.0\.1:[0-9]+ found nobody there'
}

@test "atlas: recvfrom ECONNRESET - the peer closed with SO_LINGER 0; what arrived before is read first" {
	SCRIPT_TEXT="$CONNECTED"$'\nsend 5 hello\nsetsockopt 5 linger on 0\nclose 5\nrecv 4\nexpect ok\nrecv 4\nexpect ECONNRESET\nrecv 4\nexpect ok'
	repl
	assert_success
	assert_line 'recvfrom(4, "hello", 4096, 0, NULL, NULL) = 5'
	assert_line --regexp '^recvfrom\(4, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 ECONNRESET'
	assert_line --regexp '^  here: the peer, 127\.0\.0\.1:[0-9]+, was fd 5 of this session, closed with SO_LINGER on 0'
	assert_line 'recvfrom(4, "", 4096, 0, NULL, NULL) = 0'
}

@test "atlas: recvfrom ECONNRESET - the peer closed with data of ours unread" {
	SCRIPT_TEXT="$CONNECTED"$'\nsend 4 unread\nclose 5\nrecv 4\nexpect ECONNRESET'
	repl
	assert_success
	assert_line --regexp '^recvfrom\(4, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 ECONNRESET'
	assert_line --partial '  ECONNRESET: the peer reset the connection (it closed with data of ours unread, or with SO_LINGER 0).'
}

@test "atlas: recvfrom EINTR - Ctrl-C while recv waited for data" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf '%s\nrecv 5\n' "$CONNECTED" >&8
	wait_for "the call blocks until data arrives"
	repl_blocked recvfrom 5
	kill -INT "$REPL_PID"
	wait_for "^recvfrom(5"
	printf 'expect EINTR\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp '^recvfrom\(5, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = \? ERESTARTSYS '
	assert_line --partial '  the program got -1 EINTR'
	assert_line --partial "here: SIGINT (Ctrl-C) arrived while the call waited"
	refute_output --regexp '^line [0-9]+:'
}

@test "atlas: recvfrom EINVAL - a Unix stream socket that is not connected" {
	SCRIPT_TEXT=$'socket unix\nrecv 3\nexpect EINVAL'
	repl
	assert_success
	assert_line --regexp '^recvfrom\(3, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 EINVAL'
	assert_line '  here: fd 3 is a Unix stream socket, CREATED: not connected.'
}

@test "atlas: recvfrom EINVAL - a listening Unix stream socket" {
	SCRIPT_TEXT=$'socket unix\nbind srv.sock\nlisten\nrecv 3\nexpect EINVAL'
	repl
	assert_success
	assert_line '  here: fd 3 is a Unix stream socket, LISTENING: not connected.'
}

@test "atlas: recvfrom ENOTCONN - a TCP socket that is not connected" {
	SCRIPT_TEXT=$'socket\nrecv 3\nexpect ENOTCONN'
	repl
	assert_success
	assert_line --regexp '^recvfrom\(3, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 ENOTCONN'
	assert_line '  here: fd 3 is CREATED.'
}

@test "atlas: recvfrom ENOTCONN - a listening TCP socket" {
	SCRIPT_TEXT="$CONNECTED"$'\nrecv 3\nexpect ENOTCONN'
	repl
	assert_success
	assert_line '  here: fd 3 is LISTENING.'
}

@test "atlas: recvfrom ENOTSOCK - the fd is not a socket" {
	SCRIPT_TEXT='recv 0'
	repl
	assert_line --regexp '^recvfrom\(0, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 ENOTSOCK'
}

@test "a reset discards what we sent that the peer had not acknowledged" {
	SCRIPT_TEXT="$CONNECTED"$'\nnonblock 4 on\nsend 4 "x"*8000000\nsetsockopt 5 linger on 0\nclose 5\npoll 4 1000ms\ngetsockname 4'
	repl
	assert_success
	# after the send (the peer's window may be full already, and said so)
	assert_line --regexp "^fd 4: .* · Send-Q [1-9][0-9]*( · the peer's window is 0: [0-9]+ bytes? waits? unsent)? · non-blocking$"
	assert_line --regexp '^fd 4: .* · TCP CLOSED( · error pending .*)? · non-blocking$'	# after the reset: no Send-Q
}
