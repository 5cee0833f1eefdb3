#!/usr/bin/env bats
# accept [FD]

load test_helper

@test "accept takes a connection from a second socket and returns a new fd" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nexpect queue 3 1\naccept\nexpect queue 3 0\nexpect state 5 CONNECTED'
	assert_success
	assert_line --regexp '^accept\(3, \{sa_family=AF_INET, sin_port=htons\([0-9]+\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, \[16\]\) = 5$'
	assert_line --regexp '^fd 5: CONNECTED 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:[0-9]+ · TCP ESTABLISHED$'
}

@test "the peer address accept returns is the client's own address" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept'
	client=$(sed -n 's/^fd 4: CONNECTED 127\.0\.0\.1:\([0-9]*\) .*/\1/p' <<<"$output")
	[ -n "$client" ]
	assert_line --partial "sin_port=htons($client), sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 5"
}

@test "accept on an IPv6 listener passes a 28-byte buffer" {
	run sockrepl --no-echo <<<$'socket inet6\nbind ::1 0\nlisten\nsocket inet6\nconnect @3\naccept 3'
	assert_success
	assert_line --regexp '^accept\(3, \{sa_family=AF_INET6, .*"::1", &sin6_addr\), sin6_scope_id=0\}, \[28\]\) = 5$'
}

@test "a real nc client connecting to a listening socket is accepted" {
	printf 'socket\nbind 127.0.0.1 0\nlisten\naccept\nexpect ok\nsockets\n' >"$BATS_TEST_TMPDIR/script"
	start_repl "$BATS_TEST_TMPDIR/script"
	wait_for "^fd 3: LISTENING"
	port=$(port_of 3)
	run timeout 5 nc -v -v -z -w 2 127.0.0.1 "$port"
	assert_success
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp '^accept\(3, \{sa_family=AF_INET, sin_port=htons\([0-9]+\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, \[16\]\) = 4$'
	refute_output --partial "line 5:"
}

@test "accept on a non-blocking listener with an empty queue fails with EAGAIN" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nnonblock on\naccept\nexpect EAGAIN'
	assert_success
	assert_line --regexp '^accept\(3, 0x[0-9a-f]+, \[16\]\) = -1 EAGAIN \(Resource temporarily unavailable\)$'
	assert_line "  here: no connection is waiting in fd 3's accept queue, and fd 3 is non-blocking."
}

@test "Ctrl-C (SIGINT) during a blocking accept returns EINTR and the REPL goes on" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket\nbind 127.0.0.1 0\nlisten\naccept\n' >&8
	wait_for "accept blocks until one arrives"
	repl_blocked accept 3
	kill -INT "$REPL_PID"
	wait_for "^accept("
	printf 'expect EINTR\nsockets\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp '^accept\(3, 0x[0-9a-f]+, \[16\]\) = \? ERESTARTSYS \(To be restarted if SA_RESTART is set\)$'
	assert_line --partial 'the program got -1 EINTR: strace shows the kernel'"'"'s answer, ERESTARTSYS'
	assert_line --partial "here: SIGINT (Ctrl-C) arrived while the call waited and sockrepl's handler ran"
	assert_line --regexp '^3 +tcp +LISTENING'
	refute_output --partial "line 5:"
}

@test "accept on a socket that is not listening fails with EINVAL" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\naccept\nexpect EINVAL'
	assert_success
	assert_line --partial '= -1 EINVAL (Invalid argument)'
	assert_line '  here: fd 3 is BOUND, TCP CLOSED.'
	assert_line '  try: call listen on it first.'
}

@test "accept on stdin fails with ENOTSOCK, on a closed fd with EBADF" {
	run sockrepl --no-echo <<<$'accept 0\nexpect ENOTSOCK\naccept 7\nexpect EBADF'
	assert_success
	assert_line --regexp '^accept\(0, 0x[0-9a-f]+, \[16\]\) = -1 ENOTSOCK'
	assert_line --regexp '^accept\(7, 0x[0-9a-f]+, \[16\]\) = -1 EBADF'
}

@test "accept with a bad fd or surplus arguments is a usage error" {
	run sockrepl --no-echo <<<$'accept abc\naccept 3 4'
	assert_failure 1
	assert_line "line 1: fd 'abc': not a decimal number"
	assert_line "line 2: accept: too many arguments (usage: accept [FD])"
}
