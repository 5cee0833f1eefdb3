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

@test "SO_RCVBUF: the kernel doubles the value, and the note shows the numbers read back" {
	run sockrepl --no-echo <<<$'socket\nsetsockopt rcvbuf 65536\ngetsockopt rcvbuf'
	max=$(cat /proc/sys/net/core/rmem_max)
	assert_line 'setsockopt(3, SOL_SOCKET, SO_RCVBUF, [65536], 4) = 0'
	assert_line "  the kernel doubled 65536 for its bookkeeping: SO_RCVBUF = 131072 (the cap, net.core.rmem_max, is $max)."
	assert_line "  setting it turned off TCP's autotuning of this buffer (net.ipv4.tcp_rmem) for fd 3: it stays 131072."
	assert_line 'getsockopt(3, SOL_SOCKET, SO_RCVBUF, [131072], [4]) = 0'
}

@test "SO_RCVBUF and SO_SNDBUF: a small value is doubled and raised to the floor help names" {
	run sockrepl --no-echo <<<$'socket udp\nsetsockopt rcvbuf 1000\nsetsockopt sndbuf 1000\nhelp setsockopt'
	assert_line '  the kernel doubled 1000 to 2000 and raised that to its floor: SO_RCVBUF = 2304, the least it allows.'
	assert_line '  the kernel doubled 1000 to 2000 and raised that to its floor: SO_SNDBUF = 4608, the least it allows.'
	refute_line --partial "turned off TCP's autotuning"	# UDP has none
	assert_output --partial '(wmem_max), doubles it for its bookkeeping, raises it to a floor (2304 and'
	assert_output --partial '4608 bytes here)'
}

@test "SO_RCVBUF over net.core.rmem_max is capped, then doubled; a negative value is read as unsigned" {
	max=$(cat /proc/sys/net/core/rmem_max)
	wmax=$(cat /proc/sys/net/core/wmem_max)
	run sockrepl --no-echo <<<"socket"$'\n'"setsockopt rcvbuf $((max + 1))"$'\nsetsockopt sndbuf -1'
	assert_line "  the kernel took $((max + 1)) as $max, the cap net.core.rmem_max, then doubled it: SO_RCVBUF = $((2 * max))."
	assert_line "  the kernel took 4294967295 (the number read as unsigned) as $wmax, the cap net.core.wmem_max, then doubled it: SO_SNDBUF = $((2 * wmax))."
}

@test "setting SO_RCVBUF or SO_SNDBUF stops TCP autotuning: that buffer stays while an untouched one grows" {
	{
		printf 'socket\nbind 127.0.0.1 0\nlisten 3 4\nsocket\nsetsockopt 4 rcvbuf 65536\nconnect 4 @3\naccept 3\n'
		printf 'socket\nconnect 6 @3\naccept 3\nsetsockopt 5 sndbuf 65536\nnonblock 5 on\nnonblock 7 on\nnonblock 4 on\nnonblock 6 on\n'
		for _ in 1 2 3 4 5 6; do
			printf 'send 5 "x"*4000000\nsend 7 "x"*4000000\n'
			printf 'recv 4 1048576\nrecv 4 1048576\nrecv 4 1048576\nrecv 4 1048576\n'
			printf 'recv 6 1048576\nrecv 6 1048576\nrecv 6 1048576\nrecv 6 1048576\n'
		done
		printf 'getsockopt 4 rcvbuf\ngetsockopt 6 rcvbuf\ngetsockopt 5 sndbuf\ngetsockopt 7 sndbuf\n'
	} >"$BATS_TEST_TMPDIR/script"
	# 48 MB moved: an ASan build under load needs more than the helper's 15 s.
	run timeout 25 "$SOCKREPL" --no-echo <"$BATS_TEST_TMPDIR/script"
	assert_success
	assert_line 'getsockopt(4, SOL_SOCKET, SO_RCVBUF, [131072], [4]) = 0'
	grown=$(sed -n 's/^getsockopt(6, SOL_SOCKET, SO_RCVBUF, \[\([0-9]*\)\].*/\1/p' <<<"$output")
	default=$(cut -f2 /proc/sys/net/ipv4/tcp_rmem)
	[ "$grown" -gt "$default" ] || { echo "fd 6's SO_RCVBUF $grown did not grow past $default"; return 1; }
	assert_line 'getsockopt(5, SOL_SOCKET, SO_SNDBUF, [131072], [4]) = 0'
	grown=$(sed -n 's/^getsockopt(7, SOL_SOCKET, SO_SNDBUF, \[\([0-9]*\)\].*/\1/p' <<<"$output")
	default=$(cut -f2 /proc/sys/net/ipv4/tcp_wmem)
	[ "$grown" -gt "$default" ] || { echo "fd 7's SO_SNDBUF $grown did not grow past $default"; return 1; }
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
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nsocket\nnonblock on\nconnect @3\npoll 4:out 1000ms\ngetsockopt error\ngetsockopt error'
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

@test "getsockopt of a TCP option on a UDP socket: EOPNOTSUPP from the kernel" {
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

@test "a timeout finer than a microsecond is rounded to the nearest one, and the note says so" {
	# 0.9999999 would be tv_usec = 1000000 (EDOM); 1e-7 would be 0 (wait forever).
	SCRIPT_TEXT=$'socketpair unix dgram\nsetsockopt 3 SO_RCVTIMEO 0.9999999\nexpect ok
getsockopt 3 SO_RCVTIMEO\nsetsockopt 3 SO_RCVTIMEO 1e-7\nrecv 3\nexpect EAGAIN
setsockopt 4 SO_SNDTIMEO 0.25'
	repl
	assert_success
	assert_line 'setsockopt(3, SOL_SOCKET, SO_RCVTIMEO_OLD, "\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) = 0'
	assert_line '  0.9999999 s is finer than a struct timeval'"'"'s microseconds: sockrepl passed the nearest, 1.000000 s.'
	assert_line 'getsockopt(3, SOL_SOCKET, SO_RCVTIMEO_OLD, "\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", [16]) = 0'
	assert_line 'setsockopt(3, SOL_SOCKET, SO_RCVTIMEO_OLD, "\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0", 16) = 0'
	assert_line '  1e-7 s is finer than a struct timeval'"'"'s microseconds: sockrepl passed the nearest above 0 (0 would mean wait forever), 0.000001 s.'
	assert_line --regexp '^recvfrom\(3, .*\) = -1 EAGAIN'
	refute_line --partial '0.25 s is finer'
}

# A listener (3), a client (4) and the accepted connection (5).
CONNECTED=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3'

@test "SO_RCVLOWAT: poll reports no POLLIN until that many bytes are queued" {
	SCRIPT_TEXT="$CONNECTED"$'\ngetsockopt 5 rcvlowat\nsetsockopt 5 rcvlowat 5\nsend 4 abc\npoll 5 0ms\ngetsockname 5\nsend 4 de\npoll 5 0ms\nrecv 5'
	repl
	assert_success
	assert_line 'getsockopt(5, SOL_SOCKET, SO_RCVLOWAT, [1], [4]) = 0'
	assert_line 'setsockopt(5, SOL_SOCKET, SO_RCVLOWAT, [5], 4) = 0'
	assert_line 'poll([{fd=5, events=POLLIN}], 1, 0) = 0 (Timeout)'
	assert_line --regexp '^fd 5: CONNECTED .* · Recv-Q 3 · Send-Q 0$'
	assert_line 'poll([{fd=5, events=POLLIN}], 1, 0) = 1 ([{fd=5, revents=POLLIN}])'
	assert_line 'recvfrom(5, "abcde", 4096, 0, NULL, NULL) = 5'
}

@test "SO_RCVLOWAT 0 is kept as 1, and the note says so" {
	SCRIPT_TEXT=$'socket\nsetsockopt rcvlowat 0'
	repl
	assert_success
	assert_line '  the kernel now reports SO_RCVLOWAT = 1, not 0: recv and poll'"'"'s POLLIN wait until at least this many bytes are queued (default 1; Linux keeps 0 as 1).'
}

@test "TCP_CORK holds a small send in Send-Q; uncorking sends it" {
	SCRIPT_TEXT="$CONNECTED"$'\nsetsockopt 4 cork on\ngetsockopt 4 cork\nsend 4 hel\nsetsockopt 4 cork off\npoll 5 2000ms\nrecv 5'
	repl
	assert_success
	assert_line 'setsockopt(4, SOL_TCP, TCP_CORK, [1], 4) = 0'
	assert_line 'getsockopt(4, SOL_TCP, TCP_CORK, [1], [4]) = 0'
	assert_line --partial 'TCP_CORK: hold back segments that are not full'
	assert_line --regexp '^fd 4: CONNECTED .* · Recv-Q 0 · Send-Q 3$'
	assert_line 'setsockopt(4, SOL_TCP, TCP_CORK, [0], 4) = 0'
	assert_line 'recvfrom(5, "hel", 4096, 0, NULL, NULL) = 3'
}

@test "a corked send goes out on its own soon after, with no uncorking" {
	SCRIPT_TEXT="$CONNECTED"$'\nsetsockopt 4 cork on\nsend 4 hel\npoll 5 2000ms\nrecv 5'
	repl
	assert_success
	assert_line 'poll([{fd=5, events=POLLIN}], 1, 2000) = 1 ([{fd=5, revents=POLLIN}])'
	assert_line 'recvfrom(5, "hel", 4096, 0, NULL, NULL) = 3'
}

@test "TCP_USER_TIMEOUT and the keepalive knobs are set and read back as strace prints them" {
	SCRIPT_TEXT=$'socket\nsetsockopt user_timeout 3000\ngetsockopt user_timeout\nsetsockopt keepalive on\nsetsockopt keepidle 10\nsetsockopt TCP_KEEPINTVL 3\nsetsockopt keepcnt 4\ngetsockopt keepidle\ngetsockopt keepintvl\ngetsockopt keepcnt'
	repl
	assert_success
	assert_line 'setsockopt(3, SOL_TCP, TCP_USER_TIMEOUT, [3000], 4) = 0'
	assert_line 'getsockopt(3, SOL_TCP, TCP_USER_TIMEOUT, [3000], [4]) = 0'
	assert_line --partial 'TCP_USER_TIMEOUT: milliseconds sent data may stay unacknowledged'
	assert_line 'setsockopt(3, SOL_TCP, TCP_KEEPIDLE, [10], 4) = 0'
	assert_line 'setsockopt(3, SOL_TCP, TCP_KEEPINTVL, [3], 4) = 0'
	assert_line 'setsockopt(3, SOL_TCP, TCP_KEEPCNT, [4], 4) = 0'
	assert_line 'getsockopt(3, SOL_TCP, TCP_KEEPIDLE, [10], [4]) = 0'
	assert_line 'getsockopt(3, SOL_TCP, TCP_KEEPINTVL, [3], [4]) = 0'
	assert_line 'getsockopt(3, SOL_TCP, TCP_KEEPCNT, [4], [4]) = 0'
}

@test "the keepalive knobs start at the net.ipv4.tcp_keepalive_* sysctls their notes name" {
	SCRIPT_TEXT=$'socket\ngetsockopt keepidle\ngetsockopt keepintvl\ngetsockopt keepcnt'
	repl
	assert_success
	assert_line "getsockopt(3, SOL_TCP, TCP_KEEPIDLE, [$(cat /proc/sys/net/ipv4/tcp_keepalive_time)], [4]) = 0"
	assert_line --partial '(default net.ipv4.tcp_keepalive_time)'
	assert_line "getsockopt(3, SOL_TCP, TCP_KEEPINTVL, [$(cat /proc/sys/net/ipv4/tcp_keepalive_intvl)], [4]) = 0"
	assert_line --partial '(default net.ipv4.tcp_keepalive_intvl)'
	assert_line "getsockopt(3, SOL_TCP, TCP_KEEPCNT, [$(cat /proc/sys/net/ipv4/tcp_keepalive_probes)], [4]) = 0"
	assert_line --partial '(default net.ipv4.tcp_keepalive_probes)'
}

@test "TCP options out of Linux's range: the kernel says EINVAL, and the note gives the range" {
	SCRIPT_TEXT=$'socket\nsetsockopt keepidle 0\nsetsockopt keepcnt 128\nsetsockopt user_timeout -1'
	repl
	assert_line 'setsockopt(3, SOL_TCP, TCP_KEEPIDLE, [0], 4) = -1 EINVAL (Invalid argument)'
	assert_line '  here: Linux takes TCP_KEEPIDLE from 1 to 32767; 0 is outside that.'
	assert_line '  EINVAL again: Linux takes TCP_KEEPCNT from 1 to 127; 128 is outside that. (explain EINVAL for more)'
	assert_line '  EINVAL again: Linux takes TCP_USER_TIMEOUT from 0 to 2147483647; -1 is outside that. (explain EINVAL for more)'
}

@test "TCP_QUICKACK off delays ACKs, and does not last: the delayed ACK's timer turns it back on" {
	SCRIPT_TEXT="$CONNECTED"$'\ngetsockopt 5 quickack\nsetsockopt 5 quickack off\ngetsockopt 5 quickack\nsend 4 a\npoll 4 300ms\ngetsockopt 5 quickack'
	repl
	assert_success
	run grep -E '^(get|set)sockopt' <<<"$output"
	assert_line --index 0 'getsockopt(5, SOL_TCP, TCP_QUICKACK, [1], [4]) = 0'
	assert_line --index 1 'setsockopt(5, SOL_TCP, TCP_QUICKACK, [0], 4) = 0'
	assert_line --index 2 'getsockopt(5, SOL_TCP, TCP_QUICKACK, [0], [4]) = 0'
	# fd 4's byte arrived, fd 5 held its ACK until the timer ran out, and is back to quick ACKs
	assert_line --index 3 'getsockopt(5, SOL_TCP, TCP_QUICKACK, [1], [4]) = 0'
}
