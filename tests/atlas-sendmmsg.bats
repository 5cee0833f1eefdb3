#!/usr/bin/env bats
# The errno atlas for sendmmsg(2): each test makes one cause happen on the
# running kernel and checks that the explanation names it. sendmmsg fails
# only when its first message does; a later failure ends it with the count
# of the messages sent. Test names read "atlas: CALL ERRNO - cause".

load test_helper

# fd 3 listens, fd 4 is connected to fd 5, the connection accept returned.
CONNECTED=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3'

# msg TEXT [LEN] : one message as strace prints it, before the call returned.
msg() {
	printf '{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="%s", iov_len=%s}], msg_iovlen=1, msg_controllen=0, msg_flags=0}}' "$1" "${2:-${#1}}"
}

@test "atlas: sendmmsg EAGAIN - non-blocking, and the send buffer is full before the first message" {
	SCRIPT_TEXT=$'socketpair\nnonblock 3 on\nsend 3 "x"*1000000\nsendmmsg 3 a b\nexpect EAGAIN'
	repl
	assert_success
	assert_line "sendmmsg(3, [$(msg a), $(msg b)], 2, 0) = -1 EAGAIN (Resource temporarily unavailable)"
	assert_line '  here: fd 3 is non-blocking and its send buffer is full.'
}

@test "a full send buffer after the first message: sendmmsg returns 1, and says the second was not sent" {
	SCRIPT_TEXT=$'socketpair\nnonblock 3 on\nsendmmsg 3 "x"*1000000 more\nexpect ok'
	repl
	assert_success
	assert_line --regexp '^sendmmsg\(3, \[\{msg_hdr=\{.*iov_len=1000000\}\], .*\}, msg_len=[0-9]+\}, \{msg_hdr=\{.*"more", iov_len=4\}\].*msg_flags=0\}\}\], 2, 0\) = 1$'
	assert_line '  1 of 2 messages sent: sendmmsg stops at the first one that fails and returns how many went before it; the error of the one that failed is not returned.'
	assert_line --regexp '^  message 1: [0-9]+ of 1000000 bytes taken \(a short write: the send buffer filled\)\.$'
}

@test "atlas: sendmmsg EBADF - the fd is not open" {
	SCRIPT_TEXT='sendmmsg 9 a b'
	repl
	assert_line "sendmmsg(9, [$(msg a), $(msg b)], 2, 0) = -1 EBADF (Bad file descriptor)"
	assert_line '  EBADF: the fd is not open.'
}

@test "atlas: sendmmsg ECONNREFUSED - an earlier datagram on a connected UDP socket found nobody" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket udp\nconnect 4 @3\nsend 4 a\nsendmmsg 4 b c\nexpect ECONNREFUSED'
	repl
	assert_success
	assert_line "sendmmsg(4, [$(msg b), $(msg c)], 2, 0) = -1 ECONNREFUSED (Connection refused)"
	assert_line --regexp '^  here: an earlier datagram from fd 4 to 127\.0\.0\.1:[0-9]+ found nobody there'
}

@test "atlas: sendmmsg ECONNRESET - the peer closed with SO_LINGER 0" {
	SCRIPT_TEXT="$CONNECTED"$'\nsetsockopt 5 linger on 0\nclose 5\npoll 4 1000ms\nsendmmsg 4 x y\nexpect ECONNRESET\nsendmmsg 4 z\nexpect EPIPE'
	repl
	assert_success
	assert_line "sendmmsg(4, [$(msg x), $(msg y)], 2, 0) = -1 ECONNRESET (Connection reset by peer)"
	assert_line --regexp '^  here: the peer, 127\.0\.0\.1:[0-9]+, was fd 5 of this session, closed with SO_LINGER on 0'
	assert_line "sendmmsg(4, [$(msg z)], 1, 0) = -1 EPIPE (Broken pipe)"
}

@test "atlas: sendmmsg EDESTADDRREQ - an unconnected UDP socket: the messages carry no address" {
	SCRIPT_TEXT=$'socket udp\nsendmmsg 3 lost\nexpect EDESTADDRREQ'
	repl
	assert_success
	assert_line "sendmmsg(3, [$(msg lost)], 1, 0) = -1 EDESTADDRREQ (Destination address required)"
	assert_line --partial "  EDESTADDRREQ: the UDP socket is not connected, and sendmmsg's messages here carry no address"
}

@test "atlas: sendmmsg EINTR - Ctrl-C while the first message waited for room" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socketpair\nnonblock 3 on\nsend 3 "x"*1000000\nnonblock 3 off\nsendmmsg 3 a b\n' >&8
	repl_blocked sendmmsg 3
	kill -INT "$REPL_PID"
	wait_for '^sendmmsg(3, '
	printf 'expect EINTR\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line "sendmmsg(3, [$(msg a), $(msg b)], 2, 0) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)"
	assert_line --partial '  the program got -1 EINTR'
	refute_output --regexp '^line [0-9]+:'
}

@test "atlas: sendmmsg EMSGSIZE - a first datagram over 65507 bytes on IPv4" {
	SCRIPT_TEXT=$'socket udp\nbind 127.0.0.1 0\nsocket udp\nconnect 4 @3\nsendmmsg 4 "x"*65508 y\nexpect EMSGSIZE\nsendmmsg 4 y "x"*65508\nexpect ok'
	repl
	assert_success
	assert_line --regexp '^sendmmsg\(4, \[.*iov_len=65508.*\], 2, 0\) = -1 EMSGSIZE'
	assert_line '  here: the datagram was 65508 bytes; UDP over IPv4 carries at most 65507 (65535 less 20 bytes of IP header and 8 of UDP header).'
	assert_line --regexp '^sendmmsg\(4, \[.*"y", iov_len=1\}.*msg_len=1\}, .*iov_len=65508.*msg_flags=0\}\}\], 2, 0\) = 1$'
}

@test "atlas: sendmmsg ENOTCONN - an unconnected Unix stream socket" {
	SCRIPT_TEXT=$'socket unix\nsendmmsg 3 hi\nexpect ENOTCONN'
	repl
	assert_success
	assert_line "sendmmsg(3, [$(msg hi)], 1, 0) = -1 ENOTCONN (Transport endpoint is not connected)"
	assert_line '  here: fd 3 is CREATED.'
}

@test "atlas: sendmmsg ENOTSOCK - the fd is not a socket" {
	SCRIPT_TEXT='sendmmsg 0 hi'
	repl
	assert_line "sendmmsg(0, [$(msg hi)], 1, 0) = -1 ENOTSOCK (Socket operation on non-socket)"
}

@test "atlas: sendmmsg EPIPE - this side shut down writing" {
	SCRIPT_TEXT="$CONNECTED"$'\nshutdown 4 wr\nsendmmsg 4 a b\nexpect EPIPE'
	repl
	assert_success
	assert_line "sendmmsg(4, [$(msg a), $(msg b)], 2, 0) = -1 EPIPE (Broken pipe)"
	assert_line '  here: fd 4 was shut down for writing (shutdown wr).'
}

@test "on TCP each message is a send of its own: they join one stream, one recv reads them all" {
	SCRIPT_TEXT="$CONNECTED"$'\nsendmmsg 4 "GET " /index.html\nexpect ok\npoll 5 1000ms\nrecv 5 waitall 15'
	repl
	assert_success
	assert_line --regexp '^sendmmsg\(4, \[.*"GET ", iov_len=4\}\].*msg_len=4\}, .*"/index\.html", iov_len=11\}\].*msg_len=11\}\], 2, 0\) = 2$'
	assert_line '  on a stream socket each message is a send of its own, one right after the other: their bytes join one stream, with no boundary between them.'
	assert_line 'recvfrom(5, "GET /index.html", 15, MSG_WAITALL, NULL, NULL) = 15'
}

@test "on UDP each message is a datagram of its own" {
	SCRIPT_TEXT=$'socket udp\nbind 127.0.0.1 0\nsocket udp\nconnect 4 @3\nsendmmsg 4 one "two 2"\nexpect ok\nrecv 3\nrecv 3'
	repl
	assert_success
	assert_line --regexp '^sendmmsg\(4, .*\], 2, 0\) = 2$'
	assert_line 'recvfrom(3, "one", 4096, 0, NULL, NULL) = 3'
	assert_line 'recvfrom(3, "two 2", 4096, 0, NULL, NULL) = 5'
}

@test "sendmmsg takes at most 8 messages, and a broken TEXT is a usage error that sends nothing" {
	SCRIPT_TEXT=$'socket udp\nsendmmsg 3 1 2 3 4 5 6 7 8 9\nsendmmsg 3 a "b'
	repl
	assert_line 'line 2: sendmmsg: at most 8 messages (TEXTs) in one call'
	assert_line 'line 3: TEXT: the opening " has no closing "'
	refute_output --partial 'sendmmsg('
}
