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
