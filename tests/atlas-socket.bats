#!/usr/bin/env bats
# The errno atlas for socket(2): each test makes one cause happen on the
# running kernel and checks that the explanation names it. Test names read
# "atlas: CALL ERRNO - cause" (tests/atlas-size counts them for the README).

load atlas_helper

@test "atlas: socket EMFILE - the process is at its open-fd limit" {
	SCRIPT_TEXT=$(for _ in $(seq 14); do echo socket; done)
	repl_with_fd_limit 16
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = -1 EMFILE (Too many open files)'
	assert_line --partial 'EMFILE: this process already has as many open fds as its limit (RLIMIT_NOFILE)'
	assert_line '  here: the limit is 16 open fds; this session holds 13 sockets.'
}

@test "atlas: socket EMFILE - from a pipe, sockrepl's own fd counts against the limit too" {
	run timeout 15 sh -c 'ulimit -n 16 && exec "$0" --no-echo' "$SOCKREPL" \
		< <(for _ in $(seq 14); do echo socket; done)
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = -1 EMFILE (Too many open files)'
	assert_line "  here: the limit is 16 open fds; this session holds 12 sockets, besides fds 0-2 and 1 of sockrepl's own."
}

@test "socket: the errnos sockrepl cannot cause say why (protocol 0, the families it offers)" {
	run sockrepl --no-echo <<<$'explain EPROTONOSUPPORT\nexplain ENFILE'
	assert_line --partial 'from socket: this protocol is not supported for this address family and type; sockrepl always passes protocol 0'
	assert_line --partial 'from socket: the whole system has run out of open-file slots (fs.file-max); that limit is shared by every program'
}

@test "socket EACCES: an ICMP socket outside net.ipv4.ping_group_range is refused (the row's example)" {
	needs_root
	run timeout 10 unshare --net sh -c 'echo 1 0 >/proc/sys/net/ipv4/ping_group_range &&
		setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c "
import errno, socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
except OSError as e:
    print(errno.errorcode[e.errno])"'
	assert_output EACCES
}
