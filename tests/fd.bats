#!/usr/bin/env bats
# nonblock [FD] on|off and close [FD]

load test_helper

@test "nonblock on sets O_NONBLOCK with one fcntl, and the state line shows it" {
	run sockrepl --no-echo <<<$'socket\nnonblock on\nnonblock 3 off'
	assert_success
	assert_line 'fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0'
	assert_line 'fd 3: CREATED (no address yet) · TCP CLOSED · non-blocking'
	assert_line 'fcntl(3, F_SETFL, O_RDWR) = 0'
}

@test "nonblock on an fd that is not open fails with EBADF" {
	run sockrepl --no-echo <<<$'nonblock 9 on\nexpect EBADF'
	assert_success
	assert_line 'fcntl(9, F_SETFL, O_RDWR|O_NONBLOCK) = -1 EBADF (Bad file descriptor)'
}

@test "nonblock refuses sockrepl's own stdin and a word that is not on or off" {
	run sockrepl --no-echo <<<$'nonblock 0 on\nsocket\nnonblock maybe'
	assert_failure 1
	assert_line "line 1: nonblock: fd 0 is sockrepl's own standard input; making it non-blocking would change the terminal it shares with your shell"
	assert_line "line 3: nonblock: 'maybe' is neither on nor off"
	refute_output --partial "fcntl("
}

@test "close without FD closes the current socket; the next socket reuses its number" {
	run sockrepl --no-echo <<<$'socket\nsocket\nclose\nexpect ok\nexpect state 4 CLOSED\nsocket'
	assert_success
	assert_line --index 4 'close(4) = 0'
	assert_line --index 5 'fd 4: CLOSED'
	assert_line --index 6 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 4'
}

@test "closing an fd twice fails with EBADF the second time" {
	run sockrepl --no-echo <<<$'socket\nclose 3\nclose 3\nexpect EBADF'
	assert_success
	assert_line 'close(3) = -1 EBADF (Bad file descriptor)'
	assert_line --partial 'EBADF: the fd is not open: it was never opened or is already closed.'
}

@test "closing a listener says that its queued connections are reset" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten 4\nsocket\nconnect @3\nsocket\nconnect @3\nclose 3'
	assert_success
	assert_line '  note: 2 connections were waiting in the accept queue; closing the listener resets them.'
}

@test "close refuses fds 0-2: closing them would end the session" {
	run sockrepl --no-echo <<<$'close 0\nclose 2\nsay still here'
	assert_failure 1
	assert_line "line 1: close: fd 0 is sockrepl's own standard input; closing it would end the session"
	assert_line "line 2: close: fd 2 is sockrepl's own standard error; closing it would end the session"
	assert_line "still here"
}

@test "close with no socket at all is a usage error" {
	run sockrepl --no-echo <<<'close'
	assert_failure 1
	assert_output "line 1: close: no socket yet; create one with socket"
}
