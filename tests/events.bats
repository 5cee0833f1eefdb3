#!/usr/bin/env bats
# select and epoll: waiting on many fds at once, as event-loop servers do.

load test_helper

@test "select keeps in each set only the ready fds, with the time left; nothing ready is a timeout" {
	run sockrepl --no-echo <<<$'socketpair\nsend 4 x\nselect 3 4 1000ms\nselect 4 0ms\nexpect ok\nselect 3:rw 0ms'
	assert_success
	assert_line --regexp '^select\(5, \[3 4\], NULL, NULL, \{tv_sec=1, tv_usec=0\}\) = 1 \(in \[3\], left \{tv_sec=0, tv_usec=[0-9]+\}\)$'
	assert_line 'fd 3: CONNECTED (unnamed) -> (unnamed) · unix · Recv-Q 1 · Send-Q 0'	# the ready fd's state
	assert_line 'select(5, [4], NULL, NULL, {tv_sec=0, tv_usec=0}) = 0 (Timeout)'
	assert_line 'select(4, [3], [3], NULL, {tv_sec=0, tv_usec=0}) = 2 (in [3], out [3], left {tv_sec=0, tv_usec=0})'
}

@test "select without fds watches every fd for reading; bad suffixes and fds past FD_SETSIZE are usage errors" {
	run sockrepl --no-echo <<<$'select\nsocketpair\nselect\nselect 3:x 0ms\nselect 1024 0ms\nselect -2000000000:r 0ms\nselect -1:r 0ms\nsay alive'
	assert_line 'line 1: select: no fds yet; create a socket with socket'
	assert_line 'select(5, [3 4], NULL, NULL, {tv_sec=0, tv_usec=0}) = 0 (Timeout)'
	assert_line "line 4: select: '3:x': after the fd write :r, :w, :e or a mix (:rw)"
	assert_line 'line 5: select: fd 1024 does not fit in an fd_set (it holds fds 0 to 1023): that is what poll and epoll are for'
	assert_line 'line 6: select: fd -2000000000 does not fit in an fd_set (it holds fds 0 to 1023): that is what poll and epoll are for'
	assert_line 'line 7: select: fd -1 does not fit in an fd_set (it holds fds 0 to 1023): that is what poll and epoll are for'
	assert_line 'alive'
}

@test "epoll_wait's buffer holds every event the interest list can give, even after the fd limit is lowered from outside" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	{ echo epoll_create; for _ in $(seq 10); do echo socketpair; done
	  for fd in $(seq 4 23); do echo "epoll_ctl 3 add $fd out"; done; echo 'say ready'; } >&8
	wait_for '^ready'
	prlimit --pid "$(pgrep -x sockrepl -P "$REPL_PID")" --nofile=8:8
	printf 'epoll_wait 3 100\nsay alive\n' >&8
	exec 8>&-
	status=0
	wait "$REPL_PID" || status=$?
	[ "$status" -eq 0 ]
	grep -q '^epoll_wait(3, \[.*\], 100, 0) = 20$' "$OUT"
	grep -q '^alive' "$OUT"
}

@test "an epoll fd shows its interest list, read from the kernel, in its state line and in sockets" {
	run sockrepl --no-echo <<<$'socketpair\nepoll_create\nepoll_ctl 5 add 3 in et\nepoll_ctl 5 add 4 out\nsockets\nepoll_ctl 5 del 3\nclose 5\nsockets'
	assert_success
	assert_line 'epoll_create1(0) = 5'
	assert_line 'fd 5: epoll · watching empty'
	assert_line 'fd 5: epoll · watching 3 EPOLLIN|EPOLLERR|EPOLLHUP|EPOLLET, 4 EPOLLOUT|EPOLLERR|EPOLLHUP'
	assert_line --regexp '^5 +epoll +- +watching 3 EPOLLIN\|EPOLLERR\|EPOLLHUP\|EPOLLET, 4 EPOLLOUT\|EPOLLERR\|EPOLLHUP$'
	assert_line 'fd 5: epoll · watching 4 EPOLLOUT|EPOLLERR|EPOLLHUP'
	assert_line 'close(5) = 0'
	[ "$(grep -c '^5 ' <<<"$output")" -eq 1 ]	# the second sockets no longer lists it
}

@test "edge-triggered: data waiting is reported once, and a second epoll_wait stays silent; level-triggered reports it again" {
	run sockrepl --no-echo <<<$'socketpair\nepoll_create\nepoll_ctl 5 add 3 in et\nsend 4 abc\nepoll_wait 5 8 1000\nepoll_wait 5\npoll 3 0ms\nepoll_ctl 5 mod 3 in\nepoll_wait 5\nepoll_wait 5'
	assert_success
	assert_line 'epoll_wait(5, [{events=EPOLLIN, data={u32=3, u64=3}}], 8, 1000) = 1'
	assert_line 'fd 3: CONNECTED (unnamed) -> (unnamed) · unix · Recv-Q 3 · Send-Q 0'	# the reported fd's state
	assert_line 'epoll_wait(5, [], 8, 0) = 0'
	[ "$(grep -c '^epoll_wait(5, \[{events=EPOLLIN, data={u32=3, u64=3}}\], 8, 0) = 1$' <<<"$output")" -eq 2 ]
	# the bytes still wait while the edge-triggered wait is silent
	assert_line 'poll([{fd=3, events=POLLIN}], 1, 0) = 1 ([{fd=3, revents=POLLIN}])'
}

@test "oneshot reports an fd once, then the kernel disables it until mod" {
	run sockrepl --no-echo <<<$'socketpair\nepoll_create\nepoll_ctl 5 add 4 out oneshot\nepoll_wait 5\nepoll_wait 5\nepoll_ctl 5 mod 4 out oneshot\nepoll_wait 5'
	assert_success
	[ "$(grep -c '^epoll_wait(5, \[{events=EPOLLOUT, data={u32=4, u64=4}}\], 8, 0) = 1$' <<<"$output")" -eq 2 ]
	assert_line 'epoll_wait(5, [], 8, 0) = 0'
	assert_line 'fd 5: epoll · watching 4 EPOLLONESHOT'
}

@test "epoll_ctl words are checked: an unknown operation or event is a usage error" {
	run sockrepl --no-echo <<<$'epoll_create\nepoll_ctl 3 put 0\nepoll_ctl 3 add 0 sideways'
	assert_line "line 2: epoll_ctl: 'put' is not add, mod or del"
	assert_line "line 3: epoll_ctl: 'sideways' is not one of in, out, rdhup, pri, et, oneshot, exclusive, wakeup"
}

@test "reset closes the epoll fds with the sockets" {
	run sockrepl --no-echo <<<$'socket\nepoll_create\nreset\nsockets'
	assert_success
	assert_line 'close(4) = 0'
	assert_line 'close(3) = 0'
	assert_line 'no sockets yet: create one with socket'
}

@test "the end of a script while select waits forever ends the session cleanly" {
	stdin_closes_during select socket 'bind 127.0.0.1 0' listen 'select 3 -1ms'
	[ "$status" -eq 129 ]
	run echo "$output"
	assert_line 'select(4, [3], NULL, NULL, NULL) = ? ERESTARTNOHAND (To be restarted if no handler)'
	assert_line "standard input was closed while a call waited: closing the session's sockets and files"
	assert_line 'close(3) = 0'
}

@test "the end of a script while epoll_wait waits forever ends the session cleanly" {
	stdin_closes_during epoll_wait socket 'bind 127.0.0.1 0' listen epoll_create 'epoll_ctl 4 add 3' 'epoll_wait 4 8 -1'
	[ "$status" -eq 129 ]
	run echo "$output"
	assert_line --regexp '^epoll_wait\(4, 0x[0-9a-f]+, 8, -1\) = -1 EINTR \(Interrupted system call\)$'
	assert_line "standard input was closed while a call waited: closing the session's sockets and files"
	assert_line 'close(4) = 0'
	assert_line 'close(3) = 0'
}
