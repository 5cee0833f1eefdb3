#!/usr/bin/env bats
# The errno atlas for bind(2): each test makes one cause happen on the running
# kernel and checks that the explanation names it. Test names read
# "atlas: CALL ERRNO - cause" (tests/atlas-size counts them for the README).

load test_helper

@test "atlas: bind EADDRINUSE - a socket of this session holds the port" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket\nbind @3'
	repl
	assert_line --regexp '^bind\(4, .*\) = -1 EADDRINUSE '
	assert_line --regexp '^  here: fd 3 of this session holds 127\.0\.0\.1:[0-9]+ \(BOUND\)\.$'
}

@test "atlas: bind EBADF - the fd is not open" {
	SCRIPT_TEXT='bind 9 127.0.0.1 0'
	repl
	assert_line --regexp '^bind\(9, .*\) = -1 EBADF '
	assert_line '  here: fd 9 is not open, and this session has no sockets yet.'
}
