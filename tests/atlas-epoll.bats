#!/usr/bin/env bats
# The errno atlas for select(2), epoll_create1(2), epoll_ctl(2) and
# epoll_wait(2): each test makes one cause happen on the running kernel and
# checks that the explanation names it. Test names read
# "atlas: CALL ERRNO - cause".

load test_helper

# interrupted CALLNAME SCRIPT: run SCRIPT in the background, wait until it
# blocks in CALLNAME, send SIGINT, then expect EINTR; $OUT holds the output.
interrupted() {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf '%s\n' "$2" >&8
	repl_blocked "$1"
	kill -INT "$REPL_PID"
	wait_for "^$1("
	printf 'expect EINTR\n' >&8
	exec 8>&-
	wait "$REPL_PID"
}

@test "atlas: select EBADF - an fd in a set is not open" {
	run sockrepl --no-echo <<<$'socket\nselect 3 9 0ms\nexpect EBADF'
	assert_success
	assert_line 'select(10, [3 9], NULL, NULL, {tv_sec=0, tv_usec=0}) = -1 EBADF (Bad file descriptor)'
	assert_line --partial 'here: fd 9 is not open'
}

@test "atlas: select EINTR - Ctrl-C while select waited" {
	interrupted select $'socket\nbind 127.0.0.1 0\nlisten\nselect 3 -1ms'
	run cat "$OUT"
	assert_line 'select(4, [3], NULL, NULL, NULL) = ? ERESTARTNOHAND (To be restarted if no handler)'
	assert_line --partial '  the program got -1 EINTR'
	assert_line --partial "here: SIGINT (Ctrl-C) arrived while the call waited"
}

@test "atlas: select EINVAL - a negative timeout other than -1" {
	run sockrepl --no-echo <<<$'socket\nselect 3 -5ms\nexpect EINVAL'
	assert_success
	assert_line 'select(4, [3], NULL, NULL, {tv_sec=0, tv_usec=18446744073709546616}) = -1 EINVAL (Invalid argument)'
	assert_line '  here: the timeout is negative; only -1 means no timeout (NULL).'
}

@test "atlas: epoll_create1 EINVAL - a flag other than EPOLL_CLOEXEC" {
	run sockrepl --no-echo <<<$'epoll_create 1\nexpect EINVAL'
	assert_success
	assert_line 'epoll_create1(0x1 /* EPOLL_??? */) = -1 EINVAL (Invalid argument)'
	assert_line '  here: flags 0x1 hold bits other than EPOLL_CLOEXEC (0x80000).'
}

@test "atlas: epoll_create1 EMFILE - at the open-fd limit" {
	# sockrepl holds fds of its own: 8 leaves room for 4 epoll instances here
	run timeout 15 bash -c 'ulimit -n 8 && exec "$1" --no-echo' - "$SOCKREPL" \
		<<<$'epoll_create\nepoll_create\nepoll_create\nepoll_create\nepoll_create\nexpect EMFILE'
	assert_success
	assert_line 'epoll_create1(0) = -1 EMFILE (Too many open files)'
	assert_line --partial 'RLIMIT_NOFILE'
	assert_line --regexp '^  here: the limit is 8 open fds; this session holds 0 sockets and 4 epoll fds, besides fds 0-2 and [0-9]+ of sockrepl'"'"'s own\.$'
}

@test "atlas: epoll_ctl EBADF - the fd to watch is not open" {
	run sockrepl --no-echo <<<$'epoll_create\nepoll_ctl 3 add 9\nexpect EBADF'
	assert_success
	assert_line 'epoll_ctl(3, EPOLL_CTL_ADD, 9, {events=EPOLLIN, data={u32=9, u64=9}}) = -1 EBADF (Bad file descriptor)'
	assert_line '  here: fd 9 is not open.'
}

@test "atlas: epoll_ctl EEXIST - add of an fd already watched" {
	run sockrepl --no-echo <<<$'socket\nepoll_create\nepoll_ctl 4 add 3\nepoll_ctl 4 add 3 out\nexpect EEXIST'
	assert_success
	assert_line 'epoll_ctl(4, EPOLL_CTL_ADD, 3, {events=EPOLLOUT, data={u32=3, u64=3}}) = -1 EEXIST (File exists)'
	assert_line '  here: epoll fd 4 is watching 3 EPOLLIN|EPOLLERR|EPOLLHUP.'
	assert_line '  try: epoll_ctl 4 mod 3 EVENTS changes what it waits for.'
}

@test "atlas: epoll_ctl EINVAL - an epoll fd cannot watch itself, a socket is no epoll fd" {
	run sockrepl --no-echo <<<$'socket\nepoll_create\nepoll_ctl 4 add 4\nexpect EINVAL\nepoll_ctl 3 add 4\nexpect EINVAL\nepoll_ctl 4 add 3\nepoll_ctl 4 mod 3 in exclusive\nexpect EINVAL'
	assert_success
	assert_line 'epoll_ctl(4, EPOLL_CTL_ADD, 4, {events=EPOLLIN, data={u32=4, u64=4}}) = -1 EINVAL (Invalid argument)'
	assert_line '  here: fd 4 cannot watch itself.'
	# EINVAL again from epoll_ctl: one line, with its cause here
	assert_line '  EINVAL again: fd 3 is not an epoll instance (epoll_create makes one). (explain EINVAL for more)'
	assert_line 'epoll_ctl(4, EPOLL_CTL_MOD, 3, {events=EPOLLIN|EPOLLEXCLUSIVE, data={u32=3, u64=3}}) = -1 EINVAL (Invalid argument)'
	assert_line --partial '  EINVAL again: EPOLLEXCLUSIVE is allowed only with add'
}

@test "atlas: epoll_ctl ELOOP - two epoll instances watching each other" {
	run sockrepl --no-echo <<<$'epoll_create\nepoll_create\nepoll_ctl 4 add 3\nepoll_ctl 3 add 4\nexpect ELOOP'
	assert_success
	assert_line 'epoll_ctl(3, EPOLL_CTL_ADD, 4, {events=EPOLLIN, data={u32=4, u64=4}}) = -1 ELOOP (Too many levels of symbolic links)'
	assert_line '  here: fd 4 is an epoll instance that already watches epoll fd 3 (directly or through others): adding it would close a loop.'
}

@test "atlas: epoll_ctl ENOENT - mod or del of an fd not watched" {
	run sockrepl --no-echo <<<$'socket\nepoll_create\nepoll_ctl 4 mod 3 out\nexpect ENOENT\nepoll_ctl 4 del 3\nexpect ENOENT'
	assert_success
	assert_line 'epoll_ctl(4, EPOLL_CTL_MOD, 3, {events=EPOLLOUT, data={u32=3, u64=3}}) = -1 ENOENT (No such file or directory)'
	assert_line 'epoll_ctl(4, EPOLL_CTL_DEL, 3, NULL) = -1 ENOENT (No such file or directory)'
	assert_line "  here: fd 3 is not on epoll fd 4's interest list."
	assert_line '  here: epoll fd 4 is watching empty.'
}

@test "atlas: epoll_ctl EPERM - a regular file cannot be watched" {
	printf 'epoll_create\nepoll_ctl 3 add 0\nexpect EPERM\n' >"$BATS_TEST_TMPDIR/script"
	run timeout 10 "$SOCKREPL" --no-echo <"$BATS_TEST_TMPDIR/script"
	assert_success
	assert_line 'epoll_ctl(3, EPOLL_CTL_ADD, 0, {events=EPOLLIN, data={u32=0, u64=0}}) = -1 EPERM (Operation not permitted)'
	assert_line "  here: fd 0 is the file $BATS_TEST_TMPDIR/script: it has no wait queue to watch (a regular file is always ready, so epoll refuses it)."
}

@test "atlas: epoll_wait EBADF - the epoll fd is not open" {
	run sockrepl --no-echo <<<$'socket\nepoll_create\nepoll_wait 7\nexpect EBADF'
	assert_success
	assert_line --regexp '^epoll_wait\(7, 0x[0-9a-f]+, 8, 0\) = -1 EBADF \(Bad file descriptor\)$'
	assert_line "  here: fd 7 is not open; this session's fds are 3, 4 (epoll)."
}

@test "atlas: epoll_wait EINTR - Ctrl-C while epoll_wait waited" {
	interrupted epoll_wait $'socket\nbind 127.0.0.1 0\nlisten\nepoll_create\nepoll_ctl 4 add 3 in\nepoll_wait 4 8 -1'
	run cat "$OUT"
	assert_line --regexp '^epoll_wait\(4, 0x[0-9a-f]+, 8, -1\) = -1 EINTR \(Interrupted system call\)$'
	assert_line --partial 'epoll_wait is never restarted, SA_RESTART or not'
	assert_line --partial "here: SIGINT (Ctrl-C) arrived while the call waited"
}

@test "atlas: epoll_wait EINVAL - MAX of 0 or more than EP_MAX_EVENTS, or an fd that is no epoll instance" {
	run sockrepl --no-echo <<<$'socket\nepoll_create\nepoll_wait 4 0\nexpect EINVAL\nepoll_wait 3\nexpect EINVAL\nepoll_wait 4 200000000\nexpect EINVAL'
	assert_success
	assert_line '  here: MAX is 0; it must be at least 1.'
	assert_line '  EINVAL again: fd 3 is not an epoll instance (epoll_create makes one). (explain EINVAL for more)'
	assert_line "  EINVAL again: MAX is 200000000; Linux takes at most INT_MAX / sizeof(struct epoll_event) = $((2147483647 / 12)) (EP_MAX_EVENTS). (explain EINVAL for more)"
}
