#!/usr/bin/env bats
# Every call line is exactly what strace prints for the same call in the same run.

load test_helper

# The calls sockrepl makes on the learner's behalf, and what strace calls them.
CALLS='socket|bind|listen|accept|connect|fcntl|close|sendto|recvfrom|sendmmsg|shutdown|setsockopt|getsockopt|getsockname|getpeername|poll|socketpair|unlink|openat|sendfile|select|epoll_create1|epoll_ctl|epoll_wait|fork|wait4'

# trace_and_compare SCRIPT: run SCRIPT under strace; every call line sockrepl
# prints must appear, character for character and in the same order, in
# strace's log of the same run. (strace also logs the calls sockrepl makes to
# read the state it prints, so the printed lines are a subsequence of the log.)
trace_and_compare() {
	# LeakSanitizer cannot run under ptrace (make asan runs this too)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 15 strace -o "$BATS_TEST_TMPDIR/trace" -e trace="${CALLS//|/,}" -e signal=none \
		"$SOCKREPL" --no-echo <"$1" >"$BATS_TEST_TMPDIR/out"
	compare_with_trace
}

# compare_with_trace: the call lines in $BATS_TEST_TMPDIR/out must appear, in
# order, in strace's log $BATS_TEST_TMPDIR/trace (its padding removed).
compare_with_trace() {
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
	printf 'hi there\n' >"$BATS_TEST_TMPDIR/page.html"
	cd "$BATS_TEST_TMPDIR"	# sendfile's relative FILE
	cat >"$BATS_TEST_TMPDIR/script" <<-'SCRIPT'
		socket
		bind 127.0.0.1 0
		listen
		socket
		connect @3
		accept
		send 4 Hello Joe!\r\n\x00\x01\x7f\xff "quoted"
		recv 5
		send 4 more ab
		send 4 cd
		recv 5 3 peek
		recv 5 4 waitall peek
		recv 5 dontwait waitall
		recv 5 dontwait
		sendfile 4 page.html
		sendfile 4 page.html 2
		recv 5
		sendfile 4 none.html
		sendfile 99 page.html
		send 4 "0123456789"*5
		recv 5 8
		recv 5
		nonblock 5 on
		recv 5
		getsockname 4
		getpeername 4
		getpeername 3
		poll 5 4:inout 3 10ms
		poll 5 0ms
		setsockopt 4 reuseaddr on
		setsockopt 4 linger on 0
		setsockopt 4 rcvtimeo 2.5
		getsockopt 4 rcvtimeo
		getsockopt 4 linger
		getsockopt 4 rcvbuf
		getsockopt 4 error
		getsockopt 99 rcvbuf
		setsockopt 4 nodelay on
		setsockopt 4 cork on
		setsockopt 4 cork off
		setsockopt 4 user_timeout 3000
		setsockopt 4 keepidle 10
		setsockopt 4 keepintvl 3
		setsockopt 4 keepcnt 4
		setsockopt 4 keepcnt 0
		setsockopt 5 rcvlowat 2
		getsockopt 5 rcvlowat
		getsockopt 4 cork
		getsockopt 4 user_timeout
		getsockopt 4 keepidle
		getsockopt 4 keepintvl
		getsockopt 4 keepcnt
		setsockopt 5 quickack off
		getsockopt 5 quickack
		sendmmsg 4 "GET " /index.html\r\n "x"*40
		sendmmsg 4 more one
		sendmmsg 99 a b
		recv 5
		setsockopt 5 rcvlowat 1
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
	assert_line 'sendto(4, "ab", 2, MSG_MORE, NULL, 0) = 2'
	assert_line 'openat(AT_FDCWD, "page.html", O_RDONLY) = 6'
	assert_line 'sendfile(4, 6, NULL, 9) = 9'
	assert_line 'sendfile(4, 6, NULL, 2) = 2'
	assert_line 'close(6) = 0'
	assert_line 'openat(AT_FDCWD, "none.html", O_RDONLY) = -1 ENOENT (No such file or directory)'
	assert_line 'sendfile(99, 6, NULL, 9) = -1 EBADF (Bad file descriptor)'
	assert_line 'setsockopt(4, SOL_TCP, TCP_CORK, [1], 4) = 0'
	assert_line 'setsockopt(5, SOL_TCP, TCP_QUICKACK, [0], 4) = 0'
	assert_line --regexp '^sendmmsg\(4, \[.*"GET ", iov_len=4\}\].*msg_len=4\}, .*"/index\.html\\r\\n", iov_len=13\}\].*msg_len=13\}, .*"x{32}"\.\.\., iov_len=40\}\].*msg_len=40\}\], 3, 0\) = 3$'
	assert_line --regexp '^sendmmsg\(4, \[.*"one", iov_len=3\}\].*msg_len=3\}\], 1, MSG_MORE\) = 1$'
	assert_line --regexp '^sendmmsg\(99, .*\], 2, 0\) = -1 EBADF \(Bad file descriptor\)$'
	assert_line 'setsockopt(4, SOL_TCP, TCP_KEEPCNT, [0], 4) = -1 EINVAL (Invalid argument)'
	assert_line 'getsockopt(5, SOL_SOCKET, SO_RCVLOWAT, [2], [4]) = 0'
	assert_line 'getsockopt(4, SOL_TCP, TCP_USER_TIMEOUT, [3000], [4]) = 0'
	assert_line 'getsockopt(4, SOL_TCP, TCP_KEEPINTVL, [3], [4]) = 0'
	assert_line 'recvfrom(5, "abc", 3, MSG_PEEK, NULL, NULL) = 3'
	assert_line 'recvfrom(5, "abcd", 4, MSG_PEEK|MSG_WAITALL, NULL, NULL) = 4'
	assert_line 'recvfrom(5, "abcd", 4096, MSG_DONTWAIT|MSG_WAITALL, NULL, NULL) = 4'
	assert_line --regexp '^recvfrom\(5, 0x[0-9a-f]+, 4096, MSG_DONTWAIT, NULL, NULL\) = -1 EAGAIN '
	for err in EAGAIN ENOTCONN EPIPE EBADF EDESTADDRREQ EOPNOTSUPP ENOENT; do
		assert_line --regexp "= -1 $err "
	done
	[ "$(wc -l <"$BATS_TEST_TMPDIR/our-lines")" -ge 60 ]
}

# interrupt PID NAME FD N: once PID blocks in NAME, send SIGINT (Ctrl-C), then
# wait until the output shows the N-th interrupted call.
interrupt() {
	wait_blocked "$1" "$2" "$3"
	kill -INT "$1"
	wait_until interrupted_calls_at_least "$4" && return 0
	echo "no interrupted call line number $4" >&2
	return 1
}

interrupted_calls_at_least() {
	[ "$(grep -cE '= (\? ERESTART|-1 EINTR)' "$BATS_TEST_TMPDIR/out")" -ge "$1" ]
}

# start_traced: sockrepl under strace in the background, its script written
# to fd 8; sets $timeout_pid. find_traced then sets $repl_pid, sockrepl's own.
start_traced() {
	mkfifo "$BATS_TEST_TMPDIR/in"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 20 strace -o "$BATS_TEST_TMPDIR/trace" \
		-e trace="${CALLS//|/,}" -e signal=none "$SOCKREPL" --no-echo \
		<"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	timeout_pid=$!
	exec 8>"$BATS_TEST_TMPDIR/in"
}

find_traced() {
	wait_until traced_started
}

# (strace forks short-lived children of its own to test ptrace at start-up)
traced_started() {
	repl_pid=$(pgrep -x sockrepl -P "$(pgrep -P "$timeout_pid")") && [ -n "$repl_pid" ]
}

@test "a call Ctrl-C interrupts shows strace's ERESTARTSYS or ERESTART_RESTARTBLOCK, and the EINTR the program got" {
	start_traced
	# backlog 0 lets one connection wait; fd 5's SYN is dropped, so its connect waits.
	# fd 7 (a Unix stream pair: nothing in flight frees room later) fills its send
	# buffer without blocking, then a blocking send waits for room.
	cat >&8 <<-'SCRIPT'
		socket
		bind 127.0.0.1 0
		listen 0
		accept 3
		expect EINTR
		setsockopt 3 rcvtimeo 30
		accept 3
		expect EINTR
		setsockopt 3 rcvtimeo 0
		socket
		connect 4 @3
		socket
		connect 5 @3
		expect EINTR
		accept 3
		socketpair
		nonblock 7 on
		send 7 "x"*8000000
		send 7 "x"*8000000
		expect EAGAIN
		nonblock 7 off
		send 7 x
		expect EINTR
		setsockopt 7 sndtimeo 30
		send 7 x
		expect EINTR
		socket udp
		bind 127.0.0.1 0
		poll 9 10000ms
		expect EINTR
		poll 9 -1ms
		expect EINTR
		recvfrom 9
		expect EINTR
	SCRIPT
	find_traced
	interrupt "$repl_pid" accept 3 1
	interrupt "$repl_pid" accept 3 2
	interrupt "$repl_pid" connect 5 3
	interrupt "$repl_pid" sendto 7 4
	interrupt "$repl_pid" sendto 7 5
	interrupt "$repl_pid" poll "" 6
	interrupt "$repl_pid" poll "" 7
	interrupt "$repl_pid" recvfrom 9 8
	exec 8>&-
	wait "$timeout_pid"
	run compare_with_trace
	assert_success
	run cat "$BATS_TEST_TMPDIR/out"
	refute_output --partial "expected"
	assert_line --regexp '^accept\(3, 0x[0-9a-f]+, \[16\]\) = \? ERESTARTSYS \(To be restarted if SA_RESTART is set\)$'
	assert_line "  the program got -1 EINTR: strace shows the kernel's answer, ERESTARTSYS (restart the call if the handler has SA_RESTART); sockrepl's SIGINT handler has no SA_RESTART, so the kernel turned it into EINTR."
	assert_line --regexp '^accept\(3, 0x[0-9a-f]+, \[16\]\) = -1 EINTR \(Interrupted system call\)$'
	assert_line "  the kernel returned EINTR itself, not ERESTARTSYS: SO_RCVTIMEO is set on fd 3, and a socket call with a timeout is never restarted."
	assert_line --regexp '^connect\(5, .*, 16\) = \? ERESTARTSYS \(To be restarted if SA_RESTART is set\)$'
	assert_line 'sendto(7, "x", 1, 0, NULL, 0) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)'
	assert_line 'sendto(7, "x", 1, 0, NULL, 0) = -1 EINTR (Interrupted system call)'
	assert_line "  the kernel returned EINTR itself, not ERESTARTSYS: SO_SNDTIMEO is set on fd 7, and a socket call with a timeout is never restarted."
	assert_line 'poll([{fd=9, events=POLLIN}], 1, 10000) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)'
	assert_line 'poll([{fd=9, events=POLLIN}], 1, -1) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)'
	assert_line "  the program got -1 EINTR: strace shows the kernel's answer, ERESTART_RESTARTBLOCK (restart the call with the time left, only if the signal has no handler); sockrepl handles SIGINT, so the kernel turned it into EINTR, SA_RESTART or not."
	assert_line --regexp '^recvfrom\(9, 0x[0-9a-f]+, 4096, 0, 0x[0-9a-f]+, \[16\]\) = \? ERESTARTSYS '
}

@test "scope ids, SO_ERROR values, long poll arrays and abstract Unix names match strace" {
	local many="" nvals=""
	for _ in $(seq 40); do many="$many 3:inout"; done
	for i in $(seq 36); do nvals="$nvals $((100 + i))"; done
	cat >"$BATS_TEST_TMPDIR/script" <<-SCRIPT
		socket inet6
		bind 3 ::1%lo 0
		socket inet6
		bind 4 fe80::1%lo 0
		setsockopt 3 error 111
		socket inet6
		nonblock 5 on
		connect 5 @3
		wait 5 2000
		getsockopt 5 error
		poll$many 0ms
		poll$nvals 0ms
		socket unix
		bind 6 @"demo"
		listen 6 1
		socket unix
		connect 7 @"demo"
		accept 6
		getsockname 8
		getpeername 7
		socket unix dgram
		bind 9 ""
		getsockname 9
		socket unix dgram
		bind 10 @"a\0b\x20c"
		sendto 9 @10 hi
		recvfrom 10
	SCRIPT
	run trace_and_compare "$BATS_TEST_TMPDIR/script"
	assert_success
	run cat "$BATS_TEST_TMPDIR/our-lines"
	assert_line --partial 'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=1}, 28) = 0'
	assert_line --partial 'inet_pton(AF_INET6, "fe80::1", &sin6_addr), sin6_scope_id=if_nametoindex("lo")}, 28)'
	assert_line 'setsockopt(3, SOL_SOCKET, SO_ERROR, [111], 4) = -1 ENOPROTOOPT (Protocol not available)'
	assert_line 'getsockopt(5, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0'
	assert_line --regexp '^poll\(\[(\{fd=3, events=POLLIN\|POLLOUT\}, ){32}\.\.\.\], 40, 0\) = 40 \(\[(\{fd=3, revents=POLLOUT\|POLLHUP\}, ){30}\.\.\.\]\)$'
	assert_line --regexp '^poll\(\[(\{fd=1[0-9][0-9], events=POLLIN\}, ){32}\.\.\.\], 36, 0\) = 36 \(\[(\{fd=1[0-9][0-9], revents=POLLNVAL\}, ){32}\.\.\.\]\)$'
	assert_line 'bind(6, {sa_family=AF_UNIX, sun_path=@"demo"}, 7) = 0'
	assert_line 'connect(7, {sa_family=AF_UNIX, sun_path=@"demo"}, 7) = 0'
	assert_line 'bind(9, {sa_family=AF_UNIX}, 2) = 0'
	assert_line --regexp '^getsockname\(9, \{sa_family=AF_UNIX, sun_path=@"[0-9a-f]{5}"\}, \[110 => 8\]\) = 0$'
	assert_line 'bind(10, {sa_family=AF_UNIX, sun_path=@"a\0b c"}, 8) = 0'
	assert_line 'sendto(9, "hi", 2, 0, {sa_family=AF_UNIX, sun_path=@"a\0b c"}, 8) = 2'
}

# use_ppoll_build: sockrepl built as for an architecture without a poll
# system call (arm64, riscv64), where glibc's poll() is ppoll; trace ppoll too.
# make check builds it beforehand (build/ppoll/sockrepl), up to date.
use_ppoll_build() {
	make -s -C "$REPO_ROOT" build/ppoll/sockrepl >/dev/null
	SOCKREPL="$REPO_ROOT/build/ppoll/sockrepl"
	CALLS="$CALLS|ppoll"
}

@test "built as for an architecture without a poll system call, poll prints ppoll's line as strace does" {
	use_ppoll_build
	cat >"$BATS_TEST_TMPDIR/script" <<-'SCRIPT'
		socket
		bind 127.0.0.1 0
		listen
		socket
		connect @3
		poll 3 0ms
		poll 3 1000ms
		poll 3 -1ms
		poll 99 50ms
		socket udp
		poll 5 5ms
	SCRIPT
	run trace_and_compare "$BATS_TEST_TMPDIR/script"
	assert_success
	run cat "$BATS_TEST_TMPDIR/our-lines"
	assert_line 'ppoll([{fd=3, events=POLLIN}], 1, {tv_sec=0, tv_nsec=0}, NULL, 8) = 1 ([{fd=3, revents=POLLIN}], left {tv_sec=0, tv_nsec=0})'
	assert_line --regexp '^ppoll\(\[\{fd=3, events=POLLIN\}\], 1, \{tv_sec=1, tv_nsec=0\}, NULL, 8\) = 1 \(\[\{fd=3, revents=POLLIN\}\], left \{tv_sec=[01], tv_nsec=[0-9]+\}\)$'
	assert_line 'ppoll([{fd=3, events=POLLIN}], 1, NULL, NULL, 8) = 1 ([{fd=3, revents=POLLIN}])'
	assert_line 'ppoll([{fd=5, events=POLLIN}], 1, {tv_sec=0, tv_nsec=5000000}, NULL, 8) = 0 (Timeout)'
}

@test "built so, a ppoll Ctrl-C interrupts shows strace's ERESTARTNOHAND, and the EINTR the program got" {
	use_ppoll_build
	start_traced
	printf 'socket udp\nbind 127.0.0.1 0\npoll 3 -1ms\nexpect EINTR\npoll 3 10000ms\nexpect EINTR\n' >&8
	find_traced
	interrupt "$repl_pid" ppoll "" 1
	interrupt "$repl_pid" ppoll "" 2
	exec 8>&-
	wait "$timeout_pid"
	run compare_with_trace
	assert_success
	run cat "$BATS_TEST_TMPDIR/out"
	refute_output --partial "expected"
	assert_line 'ppoll([{fd=3, events=POLLIN}], 1, NULL, NULL, 8) = ? ERESTARTNOHAND (To be restarted if no handler)'
	assert_line 'ppoll([{fd=3, events=POLLIN}], 1, {tv_sec=10, tv_nsec=0}, NULL, 8) = ? ERESTARTNOHAND (To be restarted if no handler)'
	assert_line "  the program got -1 EINTR: strace shows the kernel's answer, ERESTARTNOHAND (restart the call only if the signal has no handler); sockrepl handles SIGINT, so the kernel turned it into EINTR, SA_RESTART or not."
	assert_line "  EINTR: a signal (Ctrl-C) arrived before any fd was ready or the timeout ran out."
}

@test "a path or text with escape sequences: the call line still matches strace" {
	printf 'socket unix\nbind %s/\e[2Jx\nsocket unix\nbind @"\\x1b[1m\\x9b7"\nsocketpair\nsend 5 a\\x1b[2Jb\nrecv 6\n' \
		"$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/script"
	run trace_and_compare "$BATS_TEST_TMPDIR/script"
	assert_success
	run cat "$BATS_TEST_TMPDIR/out"
	assert_line --regexp '^bind\(3, \{sa_family=AF_UNIX, sun_path=".*/\\33\[2Jx"\}, [0-9]+\) = 0$'
	refute_output --partial $'\e'
}

@test "call lines of select and the epoll calls match strace, results and errors alike" {
	cat >"$BATS_TEST_TMPDIR/script" <<-'SCRIPT'
		socketpair
		send 4 x
		select 3 4:w 3:e 1000ms
		select 3:rwe 4 0ms
		select 4 0ms
		select 3 9 0ms
		select 3 -5ms
		epoll_create
		epoll_create cloexec
		epoll_create 1
		epoll_ctl 5 add 3 in et
		epoll_ctl 5 add 4 in out rdhup oneshot
		epoll_wait 5 8 1000
		epoll_ctl 5 add 3
		epoll_ctl 5 mod 3 out pri
		epoll_ctl 5 mod 4 in exclusive
		epoll_wait 5
		epoll_wait 5 0
		epoll_wait 3
		epoll_ctl 5 del 3
		epoll_ctl 5 del 3
		epoll_ctl 5 del 4 in
		epoll_ctl 6 add 5
		epoll_ctl 5 add 6
		epoll_ctl 5 add 0
	SCRIPT
	run trace_and_compare "$BATS_TEST_TMPDIR/script"
	assert_success
	run cat "$BATS_TEST_TMPDIR/our-lines"
	for call in select epoll_create1 epoll_ctl epoll_wait; do
		assert_line --regexp "^$call\(.*\) = [0-9]+"
		assert_line --regexp "^$call\(.*\) = -1 E"
	done
	assert_line 'epoll_wait(5, [{events=EPOLLIN, data={u32=3, u64=3}}, {events=EPOLLOUT, data={u32=4, u64=4}}], 8, 1000) = 2'
	assert_line --regexp '^select\(5, \[3\], \[4\], \[3\], \{tv_sec=1, tv_usec=0\}\) = 2 \(in \[3\], out \[4\], left \{tv_sec=0, tv_usec=[0-9]+\}\)$'
	[ "$(wc -l <"$BATS_TEST_TMPDIR/our-lines")" -ge 25 ]
}

@test "built so, select is pselect6 and epoll_wait is epoll_pwait, printed and explained as strace and the man pages say" {
	use_ppoll_build
	CALLS="$CALLS|pselect6|epoll_pwait"
	cat >"$BATS_TEST_TMPDIR/script" <<-'SCRIPT'
		socketpair
		send 4 x
		select 3 4:w 1000ms
		select 4 0ms
		select 4 -1500ms
		epoll_create
		epoll_ctl 5 add 3
		epoll_wait 5 8 1000
		epoll_wait 5 0
	SCRIPT
	run trace_and_compare "$BATS_TEST_TMPDIR/script"
	assert_success
	run cat "$BATS_TEST_TMPDIR/out"
	assert_line --regexp '^pselect6\(5, \[3\], \[4\], NULL, \{tv_sec=1, tv_nsec=0\}, NULL\) = 2 \(in \[3\], out \[4\], left \{tv_sec=[01], tv_nsec=[0-9]+\}\)$'
	assert_line 'pselect6(5, [4], NULL, NULL, {tv_sec=0, tv_nsec=0}, NULL) = 0 (Timeout)'
	assert_line '  here: the timeout is negative; only -1 means no timeout (NULL).'
	assert_line 'epoll_pwait(5, [{events=EPOLLIN, data={u32=3, u64=3}}], 8, 1000, NULL, 8) = 1'
	assert_line '  here: MAX is 0; it must be at least 1.'
}

@test "a select Ctrl-C interrupts shows strace's ERESTARTNOHAND, an epoll_wait plain EINTR, as strace does" {
	start_traced
	printf 'socket udp\nbind 127.0.0.1 0\nselect 3 -1ms\nexpect EINTR\nselect 3 10000ms\nexpect EINTR\nepoll_create\nepoll_ctl 4 add 3\nepoll_wait 4 8 -1\nexpect EINTR\n' >&8
	find_traced
	interrupt "$repl_pid" select "" 1
	interrupt "$repl_pid" select "" 2
	interrupt "$repl_pid" epoll_wait "" 3
	exec 8>&-
	wait "$timeout_pid"
	run compare_with_trace
	assert_success
	run cat "$BATS_TEST_TMPDIR/out"
	refute_output --partial "expected"
	assert_line 'select(4, [3], NULL, NULL, NULL) = ? ERESTARTNOHAND (To be restarted if no handler)'
	assert_line --regexp '^select\(4, \[3\], NULL, NULL, \{tv_sec=10, tv_usec=0\}\) = \? ERESTARTNOHAND \(To be restarted if no handler\)$'
	assert_line "  the program got -1 EINTR: strace shows the kernel's answer, ERESTARTNOHAND (restart the call only if the signal has no handler); sockrepl handles SIGINT, so the kernel turned it into EINTR, SA_RESTART or not."
	assert_line --regexp '^epoll_wait\(4, 0x[0-9a-f]+, 8, -1\) = -1 EINTR \(Interrupted system call\)$'
}

@test "lesson 18's call lines match strace, its page's openat by @lessons/ and sendfile too" {
	trace_and_compare "$REPO_ROOT/lessons/18-web-page.txt"
	# two pages from the file (steps 5 and 6): an openat and a sendfile each
	run grep -cE '^(openat\(AT_FDCWD, "(.*/)?lessons/18-web-page\.html", O_RDONLY\) = 6|sendfile\(5, 6, NULL, 158\) = 158)$' "$BATS_TEST_TMPDIR/our-lines"
	assert_output 4
}

@test "fork and wait4 lines match strace: the pid, the decoded wait status, WNOHANG and ECHILD" {
	cat >"$BATS_TEST_TMPDIR/script" <<-'SCRIPT'
		fork
		waitpid nohang
		proc child
		exit 5
		waitpid
		waitpid
		expect ECHILD
		fork
		waitpid 1
	SCRIPT
	run trace_and_compare "$BATS_TEST_TMPDIR/script"
	assert_success
	run cat "$BATS_TEST_TMPDIR/our-lines"
	assert_line --regexp '^fork\(\) = [0-9]+$'
	assert_line --regexp '^wait4\(-1, 0x[0-9a-f]+, WNOHANG, NULL\) = 0$'
	assert_line --regexp '^wait4\(-1, \[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 5\}\], 0, NULL\) = [0-9]+$'
	assert_line --regexp '^wait4\(-1, 0x[0-9a-f]+, 0, NULL\) = -1 ECHILD '
	assert_line --regexp '^wait4\(1, 0x[0-9a-f]+, 0, NULL\) = -1 ECHILD '
	# the session's end reaps the second child: wait4 on its pid
	assert_line --regexp '^wait4\([0-9]+, \[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 0\}\], 0, NULL\) = [0-9]+$'
	[ "$(grep -c '^fork()' "$BATS_TEST_TMPDIR/our-lines")" -eq 2 ]
}

@test "a child's calls and its exit_group match strace -f, the child's own lines" {
	cat >"$BATS_TEST_TMPDIR/script" <<-'SCRIPT'
		socket
		bind 127.0.0.1 0
		listen
		fork
		proc child
		close 3
		waitpid
		exit 9
	SCRIPT
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 15 strace -f -o "$BATS_TEST_TMPDIR/trace" \
		-e trace=close,wait4,exit_group -e signal=none "$SOCKREPL" --no-echo \
		<"$BATS_TEST_TMPDIR/script" >"$BATS_TEST_TMPDIR/out"
	child=$(sed -n 's/^fork() = \([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/out")
	# the child's lines in strace's log, its pid and padding removed
	sed -nE "s/^$child +//p" "$BATS_TEST_TMPDIR/trace" | sed -E 's/\) +=/) =/' >"$BATS_TEST_TMPDIR/child-lines"
	run cat "$BATS_TEST_TMPDIR/child-lines"
	assert_line 'close(3) = 0'
	assert_line --regexp '^wait4\(-1, 0x[0-9a-f]+, 0, NULL\) = -1 ECHILD \(No child processes\)$'
	assert_line 'exit_group(9) = ?'
	for line in 'close(3) = 0' 'exit_group(9) = ?' "$(grep '^wait4(-1, 0x' "$BATS_TEST_TMPDIR/out")"; do
		grep -qxF -- "$line" "$BATS_TEST_TMPDIR/out"
		grep -qxF -- "$line" "$BATS_TEST_TMPDIR/child-lines"
	done
}

@test "a waitpid Ctrl-C interrupts shows strace's ERESTARTSYS, and the EINTR the program got" {
	start_traced
	printf 'fork\nwaitpid\nexpect EINTR\n' >&8
	find_traced
	interrupt "$repl_pid" wait4 "" 1
	exec 8>&-
	wait "$timeout_pid"
	run compare_with_trace
	assert_success
	run cat "$BATS_TEST_TMPDIR/out"
	refute_output --partial "expected"
	assert_line --regexp '^wait4\(-1, 0x[0-9a-f]+, 0, NULL\) = \? ERESTARTSYS \(To be restarted if SA_RESTART is set\)$'
	assert_line "  the program got -1 EINTR: strace shows the kernel's answer, ERESTARTSYS (restart the call if the handler has SA_RESTART); sockrepl's SIGINT handler has no SA_RESTART, so the kernel turned it into EINTR."
}
