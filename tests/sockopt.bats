#!/usr/bin/env bats
# setsockopt and getsockopt

load test_helper

@test "setsockopt takes names with or without prefix, any case, and prints as strace" {
	run sockrepl --no-echo <<<$'socket\nsetsockopt reuseaddr on\nsetsockopt 3 SO_KEEPALIVE on\nsetsockopt So_ReusePort off\nsetsockopt nodelay on'
	assert_success
	assert_line 'setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0'
	assert_line 'setsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0'
	assert_line 'setsockopt(3, SOL_SOCKET, SO_REUSEPORT, [0], 4) = 0'
	assert_line 'setsockopt(3, SOL_TCP, TCP_NODELAY, [1], 4) = 0'
}

@test "getsockopt reads what setsockopt set" {
	run sockrepl --no-echo <<<$'socket\nsetsockopt reuseaddr on\ngetsockopt reuseaddr\ngetsockopt keepalive'
	assert_line 'getsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], [4]) = 0'
	assert_line 'getsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [0], [4]) = 0'
}

@test "SO_RCVBUF: the kernel doubles the value, and the note says so" {
	run sockrepl --no-echo <<<$'socket\nsetsockopt rcvbuf 65536\ngetsockopt rcvbuf'
	assert_line 'setsockopt(3, SOL_SOCKET, SO_RCVBUF, [65536], 4) = 0'
	assert_line '  the kernel now reports SO_RCVBUF = 131072, not 65536: receive buffer size; the kernel doubles what you set, for its bookkeeping.'
	assert_line 'getsockopt(3, SOL_SOCKET, SO_RCVBUF, [131072], [4]) = 0'
}

@test "SO_LINGER takes on SECONDS or off" {
	run sockrepl --no-echo <<<$'socket\nsetsockopt linger on 0\ngetsockopt linger\nsetsockopt linger off'
	assert_success
	assert_line 'setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0'
	assert_line 'getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, [8]) = 0'
	assert_line 'setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=0, l_linger=0}, 8) = 0'
}

@test "SO_RCVTIMEO takes seconds; a blocking recv then gives up with EAGAIN" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nsetsockopt 5 rcvtimeo 0.2\ngetsockopt 5 rcvtimeo\nrecv 5\nexpect EAGAIN\nsetsockopt sndtimeo 1'
	assert_success
	assert_line 'setsockopt(5, SOL_SOCKET, SO_RCVTIMEO_OLD, "\0\0\0\0\0\0\0\0@\r\3\0\0\0\0\0", 16) = 0'
	assert_line '  SO_RCVTIMEO = 0.200000 s'
	assert_line --partial 'SO_SNDTIMEO_OLD, "\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) = 0'
}

@test "SO_ERROR tells why a non-blocking connect failed, and reading clears it" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nsocket\nnonblock on\nconnect @3\npoll 4:out 1000\ngetsockopt error\ngetsockopt error'
	assert_success
	assert_line --regexp '^fd 4: DISCONNECTED \(connect refused: ECONNREFUSED pending; port [0-9]+ released\) · TCP CLOSED · non-blocking$'
	assert_line --regexp '^fd 4: DISCONNECTED \(connect refused; port [0-9]+ released\) · TCP CLOSED · non-blocking$'
	assert_line 'getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0'
	assert_line '  SO_ERROR = ECONNREFUSED (Connection refused); reading it cleared it.'
	assert_line 'getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0'
}

@test "SO_TYPE and SO_ACCEPTCONN can be read; setting them reaches the kernel (ENOPROTOOPT)" {
	run sockrepl --no-echo <<<$'socket udp\ngetsockopt type\nsetsockopt type 1\nexpect ENOPROTOOPT\nsocket\nlisten\ngetsockopt acceptconn'
	assert_success
	assert_line 'getsockopt(3, SOL_SOCKET, SO_TYPE, [2], [4]) = 0'
	assert_line 'setsockopt(3, SOL_SOCKET, SO_TYPE, [1], 4) = -1 ENOPROTOOPT (Protocol not available)'
	assert_line 'getsockopt(4, SOL_SOCKET, SO_ACCEPTCONN, [1], [4]) = 0'
}

@test "IPV6_V6ONLY on an IPv6 socket works; on IPv4 the kernel says ENOPROTOOPT" {
	run sockrepl --no-echo <<<$'socket inet6\nsetsockopt v6only on\nsocket\nsetsockopt ipv6_v6only on\nexpect ENOPROTOOPT'
	assert_success
	assert_line 'setsockopt(3, SOL_IPV6, IPV6_V6ONLY, [1], 4) = 0'
}

@test "a TCP option on a UDP socket: EOPNOTSUPP from the kernel" {
	run sockrepl --no-echo <<<$'socket udp\ngetsockopt nodelay\nexpect EOPNOTSUPP'
	assert_success
	assert_line --regexp '^getsockopt\(3, SOL_TCP, TCP_NODELAY, 0x[0-9a-f]+, \[4\]\) = -1 EOPNOTSUPP'
}

@test "unknown options and bad values are usage errors" {
	run sockrepl --no-echo <<<$'socket\nsetsockopt nosuch 1\nsetsockopt reuseaddr maybe\nsetsockopt linger on\nsetsockopt rcvtimeo soon\nsetsockopt rcvbuf lots\ngetsockopt'
	assert_failure 1
	assert_line "line 2: unknown socket option 'nosuch' (help setsockopt lists them)"
	assert_line "line 3: SO_REUSEADDR takes on or off"
	assert_line "line 4: SO_LINGER on needs SECONDS (on 0 makes close send a reset)"
	assert_line "line 5: SO_RCVTIMEO takes SECONDS, such as 2 or 0.5 (0: wait forever)"
	assert_line "line 6: SO_RCVBUF 'lots': not a decimal number"
	assert_line "line 7: getsockopt: missing arguments (usage: getsockopt [FD] NAME)"
	refute_output --partial 'setsockopt('
}
