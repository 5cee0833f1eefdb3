#!/usr/bin/env bats
# The errno atlas for poll(2): each test makes one cause happen on the running
# kernel and checks that the explanation names it. Test names read
# "atlas: CALL ERRNO - cause".

load test_helper

@test "atlas: poll EINTR - Ctrl-C while poll waited" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket\nbind 127.0.0.1 0\nlisten\npoll 3 -1ms\n' >&8
	wait_for "^fd 3: LISTENING"
	repl_blocked poll
	kill -INT "$REPL_PID"
	wait_for "^poll("
	printf 'expect EINTR\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line 'poll([{fd=3, events=POLLIN}], 1, -1) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)'
	assert_line --partial '  the program got -1 EINTR'
	assert_line --partial "here: SIGINT (Ctrl-C) arrived while the call waited"
}

@test "atlas: poll EINVAL - more fds than RLIMIT_NOFILE" {
	run timeout 15 bash -c 'ulimit -n 8 && exec "$1" --no-echo' - "$SOCKREPL" \
		<<<$'poll 3 3 3 3 3 3 3 3 3 0ms\nexpect EINVAL'
	assert_success
	assert_line --regexp '^poll\(\[(\{fd=3, events=POLLIN\}, ){8}\{fd=3, events=POLLIN\}\], 9, 0\) = -1 EINVAL'
	assert_line '  here: poll was given 9 fds, and RLIMIT_NOFILE is 8.'
}

@test "a negative timeout other than -1 is no error for poll: it waits" {
	SCRIPT_TEXT=$'socket udp\npoll 3:out -5ms\nexpect ok'
	repl
	assert_success
	assert_line 'poll([{fd=3, events=POLLOUT}], 1, -5) = 1 ([{fd=3, revents=POLLOUT}])'
}
