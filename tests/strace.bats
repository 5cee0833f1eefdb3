#!/usr/bin/env bats
# Every call line is exactly what strace prints for the same call in the same run.

load test_helper

# The calls sockrepl makes on the learner's behalf, and what strace calls them.
CALLS='socket|bind|listen|accept|connect|fcntl|close|sendto|recvfrom|shutdown|setsockopt|getsockopt|getsockname|getpeername|poll|socketpair|unlink'

# trace_and_compare SCRIPT: run SCRIPT under strace; every call line sockrepl
# prints must appear, character for character and in the same order, in
# strace's log of the same run. (strace also logs the calls sockrepl makes to
# read the state it prints, so the printed lines are a subsequence of the log.)
trace_and_compare() {
	# LeakSanitizer cannot run under ptrace (make asan runs this too)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 15 strace -o "$BATS_TEST_TMPDIR/trace" -e trace="${CALLS//|/,}" -e signal=none \
		"$SOCKREPL" --no-echo <"$1" >"$BATS_TEST_TMPDIR/out"
	sed -E 's/\) +=/) =/' "$BATS_TEST_TMPDIR/trace" >"$BATS_TEST_TMPDIR/strace-lines"
	grep -E "^($CALLS)\(" "$BATS_TEST_TMPDIR/out" >"$BATS_TEST_TMPDIR/our-lines"
	awk 'NR == FNR { seen[++n] = $0; next }
	     { while (i < n && seen[++i] != $0) ; if (seen[i] != $0) { print "not in strace log: " $0; bad = 1; exit } }
	     END { exit bad }' "$BATS_TEST_TMPDIR/strace-lines" "$BATS_TEST_TMPDIR/our-lines"
}

@test "call lines match strace output of the same run, success and failure alike" {
	cat >"$BATS_TEST_TMPDIR/script" <<-'SCRIPT'
		socket
		bind 127.0.0.1 0
		listen 2
		socket
		connect @3
		accept
		nonblock 3 on
		accept 3
		nonblock 3 off
		socket udp inet6
		bind [::1]:0
		listen
		socket inet6
		bind [::ffff:127.0.0.1]:0
		connect 7 @3
		socket
		connect @3
		bind 9 127.0.0.1 0
		bind 0 127.0.0.1 0
		bind 4 @3
		socket
		bind @3
		connect [::1]:9
		listen 3 -1
		close 99
		close 5
	SCRIPT
	run trace_and_compare "$BATS_TEST_TMPDIR/script"
	assert_success
	# and the comparison covered successes and failures of every call
	run cat "$BATS_TEST_TMPDIR/our-lines"
	for call in socket bind listen accept connect fcntl close; do
		assert_line --regexp "^$call\(.*\) = [0-9]+$"
	done
	for err in EAGAIN EOPNOTSUPP EINVAL EBADF ENOTSOCK EADDRINUSE EAFNOSUPPORT; do
		assert_line --regexp "= -1 $err "
	done
	[ "$(wc -l <"$BATS_TEST_TMPDIR/our-lines")" -ge 25 ]
}

@test "call lines of data, option, query and Unix calls match strace too" {
	cat >"$BATS_TEST_TMPDIR/script" <<-'SCRIPT'
		socket
		bind 127.0.0.1 0
		listen
		socket
		connect @3
		accept
		send 4 Hello Joe!\r\n\x00\x01\x7f\xff "quoted"
		recv 5
		send 4 "0123456789"*5
		recv 5 8
		recv 5
		nonblock 5 on
		recv 5
		getsockname 4
		getpeername 4
		getpeername 3
		poll 5 4:inout 3 10
		poll 5 0
		setsockopt 4 reuseaddr on
		setsockopt 4 linger on 0
		setsockopt 4 rcvtimeo 2.5
		getsockopt 4 rcvtimeo
		getsockopt 4 linger
		getsockopt 4 rcvbuf
		getsockopt 4 error
		getsockopt 99 rcvbuf
		setsockopt 4 nodelay on
		shutdown 4 wr
		recv 5
		send 4 late
		shutdown 99 rd
		socket udp
		bind 127.0.0.1 0
		socket udp
		sendto @6 datagram
		recvfrom 6
		send 7 lost
		nonblock 6 on
		recvfrom 6
		getsockopt 6 nodelay
		socketpair
		socketpair dgram
		socket unix
		bind server.sock
		listen
		socket unix
		connect @12
		accept 12
		getsockname 14
		unlink server.sock
		unlink server.sock
		socket unix dgram
		bind d.sock
		socket unix dgram
		sendto @15 hi
		recvfrom 15
		close 4
		recv 5
	SCRIPT
	run trace_and_compare "$BATS_TEST_TMPDIR/script"
	assert_success
	run cat "$BATS_TEST_TMPDIR/our-lines"
	for call in sendto recvfrom shutdown setsockopt getsockopt getsockname getpeername poll socketpair unlink; do
		assert_line --regexp "^$call\(.*\) = [0-9]+"
	done
	assert_line --regexp '^accept\(12, \{sa_family=AF_UNIX\}, \[110 => 2\]\) = 14$'
	assert_line --regexp '^recvfrom\(15, "hi", 4096, 0, 0x[0-9a-f]+, \[110 => 0\]\) = 2$' 
	for err in EAGAIN ENOTCONN EPIPE EBADF EDESTADDRREQ EOPNOTSUPP ENOENT; do
		assert_line --regexp "= -1 $err "
	done
	[ "$(wc -l <"$BATS_TEST_TMPDIR/our-lines")" -ge 60 ]
}
