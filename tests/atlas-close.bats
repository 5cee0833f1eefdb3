#!/usr/bin/env bats
# The errno atlas for close(2): each test makes one cause happen on the
# running kernel and checks that the explanation names it; and the TIME-WAIT
# close leaves, or does not leave, as `help close` tells it. Test names read
# "atlas: CALL ERRNO - cause" (tests/atlas-size counts them for the README).

load atlas_helper

@test "atlas: close EBADF - the fd is not open" {
	SCRIPT_TEXT=$'socket\nclose 3\nclose 3'
	repl
	assert_line 'close(3) = -1 EBADF (Bad file descriptor)'
	assert_line '  here: fd 3 is not open, and this session has no sockets yet.'
	assert_line --partial 'try: sockets lists the open ones; an fd number is reused'
}

@test "close of the side that closes first leaves a TIME-WAIT of 60 s, fixed in Linux" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept\nclose 4\nwait 5 2000\nclose 5\nss\nhelp close'
	repl
	assert_line --regexp '^tcp +TIME-WAIT .* 127\.0\.0\.1:[0-9]+ +- \(kernel only\)$'
	assert_line --partial 'that closes a connection first keeps it in TIME-WAIT for 60 s, a fixed'
	# ss agrees: the timer starts at 60 s (it shows whole seconds left)
	local port
	port=$(sed -n 's/^tcp *TIME-WAIT *[0-9]* *[0-9]* *127\.0\.0\.1:\([0-9]*\) .*/\1/p' <<<"$output")
	run ss -tanoH state time-wait "( sport = :$port )"
	assert_output --regexp 'timer:\(timewait,(59|60)sec,0\)'
}

@test "close with unread data sends RST and leaves no TIME-WAIT (the peer gets ECONNRESET)" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept\nsend 4 hello\nwait 5 2000\nclose 5\nrecv 4\nss'
	repl
	assert_line --regexp '^recvfrom\(4, .*\) = -1 ECONNRESET'
	refute_line --regexp '^tcp +TIME-WAIT'
	run sockrepl --no-echo <<<'help close'
	assert_line --partial 'unread data'
}

@test "close with SO_LINGER 0 sends RST and leaves no TIME-WAIT" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept\nsetsockopt 5 SO_LINGER on 0\nclose 5\nrecv 4\nss'
	repl
	assert_line --regexp '^recvfrom\(4, .*\) = -1 ECONNRESET'
	refute_line --regexp '^tcp +TIME-WAIT'
}

@test "a TIME-WAIT answers a retransmitted FIN with the last ACK again (as help close says)" {
	needs_root
	run timeout 10 unshare --net /usr/bin/python3 "$REPO_ROOT/tests/fixtures/timewait-ack.py"
	assert_output 'ACK again'
	run sockrepl --no-echo <<<'help close'
	assert_line --partial 'answers a retransmitted FIN with the last ACK again'
}

@test "close EINTR: a signal during SO_LINGER's wait, and Linux's close of a socket still returns 0" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	# fd 4 takes little and reads nothing, so fd 5's data stays unsent and close lingers
	printf '%s\n' socket 'bind 127.0.0.1 0' listen socket 'setsockopt 4 SO_RCVBUF 1' \
		'connect 4 @3' accept 'nonblock 5 on' 'send 5 "x"*200000' 'nonblock 5 off' \
		'setsockopt 5 SO_LINGER on 10' 'close 5' >&8
	wait_for '^setsockopt(5, SOL_SOCKET, SO_LINGER'
	interrupt_until '^close(5)'
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line 'close(5) = 0'
	run sockrepl --no-echo <<<'explain EINTR'
	assert_line --partial "from close: a signal interrupted the flush of a file whose close waits (NFS); on Linux the fd is closed all the same. A socket has nothing to flush"
}
