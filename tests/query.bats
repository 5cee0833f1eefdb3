#!/usr/bin/env bats
# getsockname, getpeername, poll, socketpair

load test_helper

CONNECTED=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3'

@test "getsockname shows the port connect chose; getpeername the server" {
	run sockrepl --no-echo <<<"$CONNECTED"$'\ngetsockname 4\ngetpeername 4'
	assert_success
	port=$(sed -n 's/^fd 3: LISTENING on 127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$output" | head -n 1)
	client=$(sed -n 's/^fd 4: CONNECTED 127\.0\.0\.1:\([0-9]*\) .*/\1/p' <<<"$output" | head -n 1)
	assert_line "getsockname(4, {sa_family=AF_INET, sin_port=htons($client), sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 0"
	assert_line "getpeername(4, {sa_family=AF_INET, sin_port=htons($port), sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 0"
}

@test "getpeername on a listener fails with ENOTCONN" {
	run sockrepl --no-echo <<<"$CONNECTED"$'\ngetpeername 3\nexpect ENOTCONN'
	assert_success
	assert_line --regexp '^getpeername\(3, 0x[0-9a-f]+, \[16\]\) = -1 ENOTCONN'
	assert_line '  here: fd 3 is LISTENING.'
}

@test "poll reports a waiting connection and waiting data, with revents as strace prints them" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\npoll 3 0\naccept 3\nsend 4 x\npoll 3 5 4:out 100'
	assert_success
	assert_line 'poll([{fd=3, events=POLLIN}], 1, 0) = 1 ([{fd=3, revents=POLLIN}])'
	assert_line '  fd 3: POLLIN: a connection is waiting; accept will not block.'
	assert_line 'poll([{fd=3, events=POLLIN}, {fd=5, events=POLLIN}, {fd=4, events=POLLOUT}], 3, 100) = 2 ([{fd=5, revents=POLLIN}, {fd=4, revents=POLLOUT}])'
}

@test "poll with nothing ready times out" {
	run sockrepl --no-echo <<<"$CONNECTED"$'\npoll 5 50\nexpect ok'
	assert_success
	assert_line 'poll([{fd=5, events=POLLIN}], 1, 50) = 0 (Timeout)'
	assert_line '  nothing was ready within 50 ms.'
}

@test "poll on an fd that is not open reports POLLNVAL" {
	run sockrepl --no-echo <<<$'socket\npoll 9 0'
	assert_line 'poll([{fd=9, events=POLLIN}], 1, 0) = 1 ([{fd=9, revents=POLLNVAL}])'
}

@test "poll without fds looks at every socket; bad fd suffixes are usage errors" {
	run sockrepl --no-echo <<<$'poll\nsocket\nsocket\npoll\npoll 3:sideways 0'
	assert_failure 1
	assert_line 'line 1: poll: no sockets yet; create one with socket'
	assert_line 'poll([{fd=3, events=POLLIN}, {fd=4, events=POLLIN}], 2, 0) = 2 ([{fd=3, revents=POLLHUP}, {fd=4, revents=POLLHUP}])'
	assert_line "line 5: poll: '3:sideways': after the fd write :in, :out or :inout"
}

@test "Ctrl-C interrupts a poll that waits forever (EINTR)" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket\nbind 127.0.0.1 0\nlisten\npoll 3 -1\n' >&8
	wait_for "^fd 3: LISTENING"
	sleep 0.5
	kill -INT "$REPL_PID"
	wait_for "^poll("
	printf 'expect EINTR\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line 'poll([{fd=3, events=POLLIN}], 1, -1) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)'
	refute_output --regexp '^line [0-9]+:'
}

@test "socketpair makes two connected Unix sockets" {
	run sockrepl --no-echo <<<$'socketpair\nsend 3 across\nrecv 4\nsocketpair dgram'
	assert_success
	assert_line 'socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0'
	assert_line 'fd 3: CONNECTED (unnamed) -> (unnamed) · unix'
	assert_line 'recvfrom(4, "across", 4096, 0, NULL, NULL) = 6'
	assert_line 'socketpair(AF_UNIX, SOCK_DGRAM, 0, [5, 6]) = 0'
}

@test "socketpair under a small fd limit fails with EMFILE" {
	{ for _ in $(seq 7); do echo socketpair; done; echo "expect EMFILE"; } >"$BATS_TEST_TMPDIR/script"
	run timeout 15 bash -c 'exec <"$2" && ulimit -n 16 && exec "$1" --no-echo' - "$SOCKREPL" \
		"$BATS_TEST_TMPDIR/script"
	assert_success
	assert_line --regexp '^socketpair\(AF_UNIX, SOCK_STREAM, 0, 0x[0-9a-f]+\) = -1 EMFILE'
}

@test "socketpair with an unknown word is a usage error" {
	run sockrepl --no-echo <<<'socketpair inet'
	assert_failure 1
	assert_output "line 1: socketpair: 'inet' is not one of unix, stream, dgram"
}
