#!/usr/bin/env bats
# bind [FD] ADDR PORT, ADDR:PORT, [V6]:PORT, @FD

load atlas_helper

# as_nobody ARGS...: run the public copy as uid 65534, without capabilities.
as_nobody() {
	timeout 15 "$@" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$PUBLIC_DIR/sockrepl" --no-echo
}

@test "bind to 127.0.0.1 port 0 gets a port from the kernel" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nexpect state 3 BOUND'
	assert_success
	assert_line 'bind(3, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0'
	assert_line --regexp '^fd 3: BOUND to 127\.0\.0\.1:[1-9][0-9]* · TCP CLOSED$'
}

@test "bind accepts ADDR:PORT, and without FD picks the newest unbound socket" {
	run sockrepl --no-echo <<<$'socket\nsocket\nbind 127.0.0.1:0\nbind 127.0.0.1:0'
	assert_success
	assert_line --partial 'bind(4, {sa_family=AF_INET, sin_port=htons(0)'
	assert_line --partial 'bind(3, {sa_family=AF_INET, sin_port=htons(0)'
}

@test "bind an IPv6 socket to [::1]:0 prints the sockaddr_in6 as strace does" {
	run sockrepl --no-echo <<<$'socket tcp inet6\nbind [::1]:0'
	assert_success
	assert_line 'bind(3, {sa_family=AF_INET6, sin6_port=htons(0), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0'
	assert_line --regexp '^fd 3: BOUND to \[::1\]:[1-9][0-9]* · TCP CLOSED$'
}

@test "localhost means the loopback address of the socket's family" {
	run sockrepl --no-echo <<<$'socket inet6\nbind localhost 0\nsocket\nbind localhost 0'
	assert_line --partial 'inet_pton(AF_INET6, "::1", &sin6_addr)'
	assert_line --partial 'sin_addr=inet_addr("127.0.0.1")'
}

@test "binding a second socket to a taken port fails with EADDRINUSE naming the holder" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nbind 4 @3\nexpect EADDRINUSE'
	assert_success
	assert_line --regexp '^bind\(4, .*\) = -1 EADDRINUSE \(Address already in use\)$'
	assert_line --regexp '^  here: fd 3 of this session holds 127\.0\.0\.1:[0-9]+ \(LISTENING\)\.$'
	assert_line --regexp '^  try: '
}

@test "binding a socket twice fails with EINVAL and says where it is bound" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nbind 3 127.0.0.1 0\nexpect EINVAL'
	assert_success
	assert_line --partial ', 16) = -1 EINVAL (Invalid argument)'
	assert_line --regexp '^  here: fd 3 is already bound to 127\.0\.0\.1:[0-9]+\.$'
}

@test "binding an fd that is not open fails with EBADF from the kernel" {
	run sockrepl --no-echo <<<$'socket\nbind 9 127.0.0.1 0\nexpect EBADF'
	assert_success
	assert_line 'bind(9, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EBADF (Bad file descriptor)'
	assert_line '  here: fd 9 is not open; this session'"'"'s sockets are 3.'
	assert_line 'fd 9: CLOSED'
}

@test "binding fd 0 fails with ENOTSOCK: it is standard input" {
	run sockrepl --no-echo <<<$'bind 0 127.0.0.1 0\nexpect ENOTSOCK'
	assert_success
	assert_line --partial 'bind(0, {sa_family=AF_INET'
	assert_line --partial '= -1 ENOTSOCK (Socket operation on non-socket)'
	assert_line "  here: fd 0 is sockrepl's own standard input, not a socket."
}

@test "binding to an address this machine does not have fails with EADDRNOTAVAIL" {
	# 192.0.2.1 is TEST-NET-1: never local. bind sends nothing.
	run sockrepl --no-echo <<<$'socket\nbind 192.0.2.1 0\nexpect EADDRNOTAVAIL'
	assert_success
	assert_line --partial '= -1 EADDRNOTAVAIL (Cannot assign requested address)'
}

@test "an IPv4 address on an IPv6 socket: the kernel refuses, and says why" {
	run sockrepl --no-echo <<<$'socket inet6\nbind 127.0.0.1 0\nexpect EINVAL'
	assert_success
	assert_line '  here: fd 3 is an IPv6 socket but the address is IPv4: a 16-byte sockaddr_in, shorter than the 28-byte sockaddr_in6 it needs, and Linux checks the length before the family.'
}

@test "binding a port below 1024 as an unprivileged user fails with EACCES" {
	local start port=80
	start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	printf 'socket\nbind any %s\nexpect EACCES\n' "$port" >"$BATS_TEST_TMPDIR/script"
	if [ "$(id -u)" != 0 ]; then
		run sockrepl --no-echo <"$BATS_TEST_TMPDIR/script"
	elif public_copy && [ "$start" -gt "$port" ]; then
		run as_nobody <"$BATS_TEST_TMPDIR/script"
	else	# ports are unprivileged here: a fresh network namespace has the default, 1024
		run as_nobody unshare --net <"$BATS_TEST_TMPDIR/script"
	fi
	assert_success
	assert_line 'bind(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("0.0.0.0")}, 16) = -1 EACCES (Permission denied)'
	assert_line --regexp '^  here: port 80 is below [0-9]+ \(net\.ipv4\.ip_unprivileged_port_start\)'
}

@test "a port outside 0-65535 is a usage error and nothing is called" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 70000\nexpect state CREATED'
	assert_failure 1
	assert_line "line 2: port 70000: must be 0 to 65535"
	refute_output --partial "bind("
}

@test "an address that does not parse is a usage error" {
	run sockrepl --no-echo <<<$'socket\nbind 999.1.1.1 80\nbind ::1:80\nbind [::1 80'
	assert_failure 1
	assert_line "line 2: address '999.1.1.1' doesn't parse: expected IPv4 like 127.0.0.1, IPv6 like ::1, localhost or any"
	assert_line "line 3: address '::1:80': write an IPv6 address and port as [::1]:6789, or as two words: ::1 6789"
	assert_line --partial "line 4: address '[::1' doesn't parse"
	refute_output --partial "bind("
}

@test "bind with a missing port, or with nothing, is a usage error" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1\nbind\nbind 3 4 5 6'
	assert_failure 1
	assert_line "line 2: address '127.0.0.1' has no port: write ADDR PORT or ADDR:PORT"
	assert_line "line 3: bind: missing arguments (usage: bind [FD] ADDR PORT)"
	assert_line "line 4: bind: too many arguments (usage: bind [FD] ADDR PORT)"
}

@test "bind before any socket exists says to create one" {
	run sockrepl --no-echo <<<'bind 127.0.0.1 0'
	assert_failure 1
	assert_output "line 1: bind: no socket yet; create one with socket"
}

@test "@FD of a socket that is not bound is a usage error" {
	run sockrepl --no-echo <<<$'socket\nsocket\nbind 4 @3\nbind 4 @9'
	assert_failure 1
	assert_line "line 3: @3: fd 3 is not bound to a port yet; bind it first"
	assert_line "line 4: @9: fd 9 has no local address (Bad file descriptor)"
}
