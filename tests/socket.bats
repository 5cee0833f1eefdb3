#!/usr/bin/env bats
# socket [tcp|udp] [inet|inet6]

load test_helper

@test "socket with no arguments makes a TCP IPv4 socket on fd 3" {
	run sockrepl --no-echo <<<"socket"
	assert_success
	assert_line "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3"
	assert_line "fd 3: CREATED (no address yet) · TCP CLOSED"
}

@test "socket udp inet6 makes an IPv6 datagram socket" {
	run sockrepl --no-echo <<<"socket udp inet6"
	assert_success
	assert_line "socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP) = 3"
	assert_line "fd 3: CREATED (no address yet) · udp6"
}

@test "socket takes its words in any order" {
	run sockrepl --no-echo <<<"socket inet6 tcp"
	assert_line "socket(AF_INET6, SOCK_STREAM, IPPROTO_IP) = 3"
}

@test "each new socket gets the lowest free fd" {
	run sockrepl --no-echo <<<$'socket\nsocket\nclose 3\nsocket'
	assert_line "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 4"
	assert_line --index 4 "close(3) = 0"
	assert_line "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3"
}

@test "socket with an unknown word is a usage error that changes nothing" {
	run sockrepl --no-echo <<<$'socket sctp\nsockets'
	assert_failure 1
	assert_line "line 1: socket: 'sctp' is not one of tcp, udp, stream, dgram, inet, inet6, unix"
	assert_line "no sockets yet: create one with socket"
	refute_output --partial "socket("
}

@test "socket with surplus arguments is a usage error" {
	run sockrepl --no-echo <<<"socket tcp inet extra"
	assert_failure 1
	assert_output "line 1: socket: too many arguments (usage: socket [tcp|udp|stream|dgram] [inet|inet6|unix])"
}

@test "EMFILE from socket is explained with the current fd limit" {
	{ for _ in $(seq 14); do echo socket; done; echo "expect EMFILE"; } >"$BATS_TEST_TMPDIR/script"
	run timeout 15 bash -c 'exec <"$2" && ulimit -n 16 && exec "$1" --no-echo' - "$SOCKREPL" \
		"$BATS_TEST_TMPDIR/script"
	assert_success
	assert_line "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 15"
	assert_line "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = -1 EMFILE (Too many open files)"
	assert_line "  here: the limit is 16 open fds; this session holds 13 sockets."
}
