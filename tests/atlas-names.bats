#!/usr/bin/env bats
# The errno atlas for getsockname(2) and getpeername(2): each test makes one
# cause happen on the running kernel and checks that the explanation names it.
# Test names read "atlas: CALL ERRNO - cause".

load test_helper

@test "atlas: getsockname EBADF - the fd is not open" {
	SCRIPT_TEXT='getsockname 9'
	repl
	assert_line --regexp '^getsockname\(9, 0x[0-9a-f]+, \[[0-9]+\]\) = -1 EBADF'
	assert_line '  EBADF: the fd is not open.'
}

@test "atlas: getsockname ENOTSOCK - the fd is not a socket" {
	SCRIPT_TEXT='getsockname 0'
	repl
	assert_line --regexp '^getsockname\(0, 0x[0-9a-f]+, \[[0-9]+\]\) = -1 ENOTSOCK'
}

@test "atlas: getpeername EBADF - the fd is not open" {
	SCRIPT_TEXT='getpeername 9'
	repl
	assert_line --regexp '^getpeername\(9, 0x[0-9a-f]+, \[[0-9]+\]\) = -1 EBADF'
}

@test "atlas: getpeername ENOTCONN - a socket that is not connected" {
	SCRIPT_TEXT=$'socket\ngetpeername\nexpect ENOTCONN\nsocket udp\ngetpeername\nexpect ENOTCONN\nsocket unix\ngetpeername\nexpect ENOTCONN'
	repl
	assert_success
	assert_line '  here: fd 3 is CREATED.'
	assert_line --regexp '^getpeername\(5, 0x[0-9a-f]+, \[110\]\) = -1 ENOTCONN'
}

@test "atlas: getpeername ENOTCONN - a listener, which never has a peer" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\ngetpeername 3\nexpect ENOTCONN'
	repl
	assert_success
	assert_line '  here: fd 3 is LISTENING.'
}

@test "atlas: getpeername ENOTSOCK - the fd is not a socket" {
	SCRIPT_TEXT='getpeername 0'
	repl
	assert_line --regexp '^getpeername\(0, 0x[0-9a-f]+, \[[0-9]+\]\) = -1 ENOTSOCK'
}
