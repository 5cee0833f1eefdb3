#!/usr/bin/env bats
# connect [FD] ADDR PORT

load test_helper

@test "connect a second socket to a listener: the handshake completes before accept" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nexpect ok\nexpect state 4 CONNECTED\nexpect tcp 4 ESTABLISHED\nexpect queue 3 1'
	assert_success
	port=$(sed -n 's/^fd 3: LISTENING on 127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$output")
	assert_line "connect(4, {sa_family=AF_INET, sin_port=htons($port), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0"
	assert_line --regexp "^fd 4: CONNECTED 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$port · TCP ESTABLISHED$"
}

@test "connect to a port that is bound but not listening fails with ECONNREFUSED" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nsocket\nconnect @3\nexpect ECONNREFUSED'
	assert_success
	assert_line --partial '16) = -1 ECONNREFUSED (Connection refused)'
	assert_line --regexp '^  here: fd 3 of this session is bound to 127\.0\.0\.1:[0-9]+ but is BOUND, not listening: call listen 3\.$'
}

@test "a non-blocking connect returns EINPROGRESS and the state shows the handshake" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nnonblock on\nconnect @3\nexpect EINPROGRESS\nexpect tcp 4 ESTABLISHED'
	assert_success
	assert_line --partial '16) = -1 EINPROGRESS (Operation now in progress)'
	assert_line --partial 'EINPROGRESS: not a failure'
}

@test "connecting a connected socket again fails with EISCONN" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nconnect 4 @3\nexpect EISCONN'
	assert_success
	assert_line --partial '16) = -1 EISCONN (Transport endpoint is already connected)'
}

@test "connecting an IPv4 socket to an IPv6 address fails with EAFNOSUPPORT" {
	run sockrepl --no-echo <<<$'socket\nconnect [::1]:9\nexpect EAFNOSUPPORT'
	assert_success
	assert_line --partial 'connect(3, {sa_family=AF_INET6, sin6_port=htons(9)'
	assert_line --partial '28) = -1 EAFNOSUPPORT'
}

@test "Ctrl-C interrupts a connect blocked on a full accept queue (EINTR), then EALREADY" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	# backlog 0 holds one connection; the second client's SYN is dropped
	printf 'socket\nbind 127.0.0.1 0\nlisten 0\nsocket\nconnect @3\nsocket\nconnect @3\n' >&8
	wait_for "^fd 5: CREATED"
	repl_blocked connect 5
	kill -INT "$REPL_PID"
	wait_for "^connect(5"
	printf 'expect EINTR\nexpect tcp 5 SYN-SENT\nnonblock 5 on\nconnect 5 @3\nexpect EALREADY\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --partial '16) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)'
	assert_line --partial '16) = -1 EALREADY (Operation already in progress)'
	refute_output --regexp '^line [0-9]+:'
}

@test "connect with a port out of range or no address is a usage error" {
	run sockrepl --no-echo <<<$'socket\nconnect 127.0.0.1 65536\nconnect\nconnect 3'
	assert_failure 1
	assert_line "line 2: port 65536: must be 0 to 65535"
	assert_line "line 3: connect: missing arguments (usage: connect [FD] ADDR PORT)"
	assert_line "line 4: connect: '3' is not an address; write ADDR PORT, ADDR:PORT or @FD"
}
