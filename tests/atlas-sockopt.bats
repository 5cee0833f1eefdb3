#!/usr/bin/env bats
# The errno atlas for setsockopt(2) and getsockopt(2): each test makes one
# cause happen on the running kernel and checks that the explanation names it.
# Test names read "atlas: CALL ERRNO - cause".

load test_helper

@test "atlas: setsockopt EBADF - the fd is not open" {
	SCRIPT_TEXT='setsockopt 9 reuseaddr on'
	repl
	assert_line 'setsockopt(9, SOL_SOCKET, SO_REUSEADDR, [1], 4) = -1 EBADF (Bad file descriptor)'
}

@test "atlas: setsockopt EINVAL - TCP_KEEPINTVL outside the range Linux allows" {
	SCRIPT_TEXT=$'socket\nsetsockopt keepintvl 32768\nexpect EINVAL'
	repl
	assert_success
	assert_line 'setsockopt(3, SOL_TCP, TCP_KEEPINTVL, [32768], 4) = -1 EINVAL (Invalid argument)'
	assert_line '  here: Linux takes TCP_KEEPINTVL from 1 to 32767; 32768 is outside that.'
}

@test "atlas: setsockopt EINVAL - IPV6_V6ONLY on an inet6 socket already bound" {
	SCRIPT_TEXT=$'socket inet6\nbind ::1 0\nsetsockopt v6only on\nexpect EINVAL'
	repl
	assert_success
	assert_line 'setsockopt(3, SOL_IPV6, IPV6_V6ONLY, [1], 4) = -1 EINVAL (Invalid argument)'
	assert_line '  here: fd 3 is already bound; IPV6_V6ONLY is settled at bind.'
}

@test "atlas: setsockopt ENOPROTOOPT - a TCP option on a UDP socket" {
	SCRIPT_TEXT=$'socket udp\nsetsockopt nodelay on\nexpect ENOPROTOOPT'
	repl
	assert_success
	assert_line 'setsockopt(3, SOL_TCP, TCP_NODELAY, [1], 4) = -1 ENOPROTOOPT (Protocol not available)'
	assert_line '  here: TCP_NODELAY is a SOL_TCP option, for TCP sockets; fd 3 is a udp socket.'
}

@test "atlas: setsockopt ENOPROTOOPT - an IPv6 option on an IPv4 socket" {
	SCRIPT_TEXT=$'socket\nsetsockopt v6only on\nexpect ENOPROTOOPT'
	repl
	assert_success
	assert_line '  here: IPV6_V6ONLY is a SOL_IPV6 option, for IPv6 (inet6) sockets; fd 3 is a tcp socket.'
}

@test "atlas: setsockopt ENOPROTOOPT - an option that can only be read" {
	SCRIPT_TEXT=$'socket\nsetsockopt error 0\nexpect ENOPROTOOPT\nsetsockopt acceptconn on\nexpect ENOPROTOOPT'
	repl
	assert_success
	assert_line 'setsockopt(3, SOL_SOCKET, SO_ERROR, [0], 4) = -1 ENOPROTOOPT (Protocol not available)'
	assert_line '  here: SO_ERROR can only be read (getsockopt SO_ERROR).'
	assert_line '  ENOPROTOOPT again: SO_ACCEPTCONN can only be read (getsockopt SO_ACCEPTCONN). (explain ENOPROTOOPT for more)'
}

@test "atlas: setsockopt ENOTSOCK - the fd is not a socket" {
	SCRIPT_TEXT='setsockopt 0 reuseaddr on'
	repl
	assert_line 'setsockopt(0, SOL_SOCKET, SO_REUSEADDR, [1], 4) = -1 ENOTSOCK (Socket operation on non-socket)'
}

@test "atlas: setsockopt EOPNOTSUPP - a TCP option on a Unix socket" {
	SCRIPT_TEXT=$'socketpair\nsetsockopt 3 nodelay on\nexpect EOPNOTSUPP'
	repl
	assert_success
	assert_line 'setsockopt(3, SOL_TCP, TCP_NODELAY, [1], 4) = -1 EOPNOTSUPP (Operation not supported)'
	assert_line '  here: TCP_NODELAY is a SOL_TCP option, for TCP sockets; fd 3 is a unix socket.'
}

@test "atlas: setsockopt EOPNOTSUPP - an IPv6 option on a Unix socket" {
	SCRIPT_TEXT=$'socket unix\nsetsockopt 3 v6only on\nexpect EOPNOTSUPP'
	repl
	assert_success
	assert_line '  here: IPV6_V6ONLY is a SOL_IPV6 option, for IPv6 (inet6) sockets; fd 3 is a unix socket.'
}

@test "atlas: getsockopt EBADF - the fd is not open" {
	SCRIPT_TEXT='getsockopt 9 type'
	repl
	assert_line --regexp '^getsockopt\(9, SOL_SOCKET, SO_TYPE, 0x[0-9a-f]+, \[4\]\) = -1 EBADF'
}

@test "atlas: getsockopt ENOPROTOOPT - a TCP option on an IPv6 UDP socket" {
	SCRIPT_TEXT=$'socket udp inet6\ngetsockopt nodelay\nexpect ENOPROTOOPT'
	repl
	assert_success
	assert_line --regexp '^getsockopt\(3, SOL_TCP, TCP_NODELAY, 0x[0-9a-f]+, \[4\]\) = -1 ENOPROTOOPT'
	assert_line '  here: TCP_NODELAY is a SOL_TCP option, for TCP sockets; fd 3 is a udp6 socket.'
}

@test "atlas: getsockopt ENOTSOCK - the fd is not a socket" {
	SCRIPT_TEXT='getsockopt 0 type'
	repl
	assert_line --regexp '^getsockopt\(0, SOL_SOCKET, SO_TYPE, 0x[0-9a-f]+, \[4\]\) = -1 ENOTSOCK'
}

@test "atlas: getsockopt EOPNOTSUPP - a TCP option on an IPv4 UDP socket" {
	SCRIPT_TEXT=$'socket udp\ngetsockopt nodelay\nexpect EOPNOTSUPP'
	repl
	assert_success
	assert_line --regexp '^getsockopt\(3, SOL_TCP, TCP_NODELAY, 0x[0-9a-f]+, \[4\]\) = -1 EOPNOTSUPP'
	assert_line '  here: TCP_NODELAY is a SOL_TCP option, for TCP sockets; fd 3 is a udp socket.'
}

@test "atlas: getsockopt EOPNOTSUPP - an IPv6 option on an IPv4 TCP socket" {
	SCRIPT_TEXT=$'socket\ngetsockopt v6only\nexpect EOPNOTSUPP'
	repl
	assert_success
	assert_line '  here: IPV6_V6ONLY is a SOL_IPV6 option, for IPv6 (inet6) sockets; fd 3 is a tcp socket.'
}

@test "atlas: getsockopt EOPNOTSUPP - a TCP option on a Unix socket" {
	SCRIPT_TEXT=$'socketpair\ngetsockopt 3 nodelay\nexpect EOPNOTSUPP'
	repl
	assert_success
	assert_line '  here: TCP_NODELAY is a SOL_TCP option, for TCP sockets; fd 3 is a unix socket.'
}
