#!/usr/bin/env bats
# wait: the events the prompt shows by itself, on demand in scripts.

load test_helper

@test "wait reports a connection waiting, data arriving and the peer closing" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nwait 3\naccept 3\nsend 4 hello\nwait 5\nclose 4\nwait'
	assert_success
	assert_line '  event: fd 3: a connection is waiting in the accept queue (1 waiting): accept takes it'
	assert_line '  event: fd 5: 5 bytes arrived (5 unread): recv reads them'
	assert_line '  event: fd 5: the peer closed its side (FIN): recv returns the 5 unread bytes, then 0, end of file'
}

@test "wait consumes nothing: the data is still there to recv after it" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nsend 4 kept\nwait 5\nrecv 5\nexpect queue 3 0'
	assert_success
	assert_line 'recvfrom(5, "kept", 4096, 0, NULL, NULL) = 4'
}

@test "an event is reported once; with nothing new, wait times out" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nwait 3\nwait 3 100'
	assert_success
	assert_line '  no event within 100 ms'
}

@test "wait sees a connection from another process (nc) arrive" {
	printf 'socket\nbind 127.0.0.1 0\nlisten\nwait 3 5000\nsockets\n' >"$BATS_TEST_TMPDIR/script"
	start_repl "$BATS_TEST_TMPDIR/script"
	wait_for "^fd 3: LISTENING"
	timeout 5 nc -z 127.0.0.1 "$(port_of 3)"
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line '  event: fd 3: a connection is waiting in the accept queue (1 waiting): accept takes it'
}

@test "a refused non-blocking connect is an event that names the refusal, not a reset" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nsocket\nnonblock on\nconnect @3\nwait 4'
	assert_line '  event: fd 4: connect refused: ECONNREFUSED pending: the next call, or getsockopt SO_ERROR, reports it'
	refute_output --partial 'reset'
}

@test "wait with a bad timeout is a usage error" {
	run sockrepl --no-echo <<<$'wait soon\nwait 3 -5'
	assert_failure 1
	assert_line "line 1: timeout 'soon': not a decimal number"
	assert_line "line 2: timeout -5: must be 0 to 3600000"
}
