#!/usr/bin/env bats
# The errno atlas for sendto(2), which send and sendto make: each test makes
# one cause happen on the running kernel and checks that the explanation names
# it. Test names read "atlas: CALL ERRNO - cause" (tests/atlas-size counts them).

load test_helper

# fd 3 listens, fd 4 is connected to fd 5, the connection accept returned.
CONNECTED=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3'

# as_nobody : sockrepl as uid 65534, with $SCRIPT_TEXT on stdin.
as_nobody() {
	needs_root
	run timeout 15 setpriv --reuid 65534 --regid 65534 --clear-groups \
		env HOME=/tmp "$SOCKREPL" --no-echo <<<"$SCRIPT_TEXT"
}

teardown() {
	[ -z "${OPEN_DIR:-}" ] || rm -rf "$OPEN_DIR"
	no_sockrepl_left
}

@test "atlas: sendto EACCES - a broadcast address without SO_BROADCAST" {
	SCRIPT_TEXT=$'socket udp\nsendto 3 127.255.255.255 9 hi\nexpect EACCES\nsetsockopt 3 broadcast on\nsendto 3 127.255.255.255 9 hi\nexpect ok'
	repl
	assert_success
	assert_line 'sendto(3, "hi", 2, 0, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.255.255.255")}, 16) = -1 EACCES (Permission denied)'
	assert_line '  here: the kernel routes 127.255.255.255 as a broadcast address (ip route show table local lists it), and fd 3 has SO_BROADCAST off.'
	assert_line 'sendto(3, "hi", 2, 0, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.255.255.255")}, 16) = 2'
}

@test "atlas: sendto EACCES - a Unix socket file this process may not write to" {
	OPEN_DIR=$(mktemp -d /tmp/atlas.XXXXXX)
	chmod 755 "$OPEN_DIR"
	/usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' "$OPEN_DIR/root.sock"
	chmod 644 "$OPEN_DIR/root.sock"
	SCRIPT_TEXT=$'socket dgram unix\nsendto 3 '"$OPEN_DIR"$'/root.sock hi\nexpect EACCES'
	as_nobody
	assert_success
	assert_line --regexp '^sendto\(3, "hi", 2, 0, \{sa_family=AF_UNIX, sun_path=".*/root\.sock"\}, [0-9]+\) = -1 EACCES'
	assert_line "  here: this process (uid 65534) may not write to the socket file $OPEN_DIR/root.sock."
}

@test "atlas: sendto EAFNOSUPPORT - an IPv6 address given to an IPv4 UDP socket" {
	SCRIPT_TEXT=$'socket udp\nsocket udp inet6\nbind 4 ::1 0\nsendto 3 @4 hi\nexpect EAFNOSUPPORT'
	repl
	assert_success
	assert_line --regexp '^sendto\(3, "hi", 2, 0, \{sa_family=AF_INET6, .*\}, 28\) = -1 EAFNOSUPPORT'
	assert_line '  here: the address is an IPv6 (AF_INET6) one, and fd 3 is an IPv4 (AF_INET) socket.'
}

@test "atlas: sendto EAFNOSUPPORT - a Unix address given to an IPv4 UDP socket" {
	SCRIPT_TEXT=$'socket unix\nbind srv.sock\nsocket udp\nsendto 4 @3 hi\nexpect EAFNOSUPPORT'
	repl
	assert_success
	assert_line --regexp '^sendto\(4, "hi", 2, 0, \{sa_family=AF_UNIX, sun_path=".*/srv\.sock"\}, [0-9]+\) = -1 EAFNOSUPPORT'
	assert_line '  here: the address is a Unix (AF_UNIX) one, and fd 4 is an IPv4 (AF_INET) socket.'
}

@test "atlas: sendto EAGAIN - non-blocking, and the send buffer is full" {
	SCRIPT_TEXT=$'socketpair\nnonblock 3 on\nsend 3 "x"*1000000\nsend 3 more\nexpect EAGAIN'
	repl
	assert_success
	assert_line --regexp '^sendto\(3, "x{32}"\.\.\., 1000000, 0, NULL, 0\) = [0-9]+$'
	assert_line 'sendto(3, "more", 4, 0, NULL, 0) = -1 EAGAIN (Resource temporarily unavailable)'
	assert_line '  here: fd 3 is non-blocking and its send buffer is full.'
}

@test "atlas: sendto EAGAIN - SO_SNDTIMEO ran out while send waited for room" {
	SCRIPT_TEXT=$'socketpair\nnonblock 3 on\nsend 3 "x"*1000000\nnonblock 3 off\nsetsockopt 3 sndtimeo 0.2\nsend 3 more\nexpect EAGAIN'
	repl
	assert_success
	assert_line 'sendto(3, "more", 4, 0, NULL, 0) = -1 EAGAIN (Resource temporarily unavailable)'
	assert_line "  here: fd 3's SO_SNDTIMEO (0.200000 s) ran out while the call waited."
}

@test "atlas: sendto EBADF - the fd is not open" {
	SCRIPT_TEXT='send 9 hi'
	repl
	assert_line 'sendto(9, "hi", 2, 0, NULL, 0) = -1 EBADF (Bad file descriptor)'
	assert_line '  EBADF: the fd is not open.'
}

@test "atlas: sendto ECONNRESET - the peer closed with SO_LINGER 0; the next send gives EPIPE" {
	SCRIPT_TEXT="$CONNECTED"$'\nsetsockopt 5 linger on 0\nclose 5\npoll 4 1000ms\nsend 4 x\nexpect ECONNRESET\nsend 4 y\nexpect EPIPE'
	repl
	assert_success
	assert_line 'sendto(4, "x", 1, 0, NULL, 0) = -1 ECONNRESET (Connection reset by peer)'
	assert_line --regexp '^  here: the peer, 127\.0\.0\.1:[0-9]+, was fd 5 of this session, closed with SO_LINGER on 0'
	assert_line 'sendto(4, "y", 1, 0, NULL, 0) = -1 EPIPE (Broken pipe)'
}

@test "atlas: sendto ECONNRESET - the peer closed with data of ours unread" {
	SCRIPT_TEXT="$CONNECTED"$'\nsend 4 unread\nclose 5\npoll 4 1000ms\nsend 4 x\nexpect ECONNRESET'
	repl
	assert_success
	assert_line 'sendto(4, "x", 1, 0, NULL, 0) = -1 ECONNRESET (Connection reset by peer)'
	assert_line --partial '  ECONNRESET: the peer reset the connection (it closed with data of ours unread, or with SO_LINGER 0).'
}

@test "atlas: sendto ECONNREFUSED - an earlier datagram on a connected UDP socket found nobody; this one is not sent" {
	# fd 3 is TCP: no UDP socket has its port, until fd 5 binds it.
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket udp\nconnect 4 @3\nsend 4 a\nsend 4 b\nexpect ECONNREFUSED\nsocket udp\nbind 5 @3\nsend 4 c\nrecv 5\nnonblock 5 on\nrecv 5\nexpect EAGAIN'
	repl
	assert_success
	assert_line 'sendto(4, "b", 1, 0, NULL, 0) = -1 ECONNREFUSED (Connection refused)'
	assert_line --regexp '^  here: an earlier datagram from fd 4 to 127\.0\.0\.1:[0-9]+ found nobody there'
	assert_line 'recvfrom(5, "c", 4096, 0, NULL, NULL) = 1'
}

@test "atlas: sendto EDESTADDRREQ - an unconnected UDP socket and no address" {
	SCRIPT_TEXT=$'socket udp\nsend 3 lost\nexpect EDESTADDRREQ'
	repl
	assert_success
	assert_line 'sendto(3, "lost", 4, 0, NULL, 0) = -1 EDESTADDRREQ (Destination address required)'
}

@test "atlas: sendto EINTR - Ctrl-C while send waited for room, before any byte was taken" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	# A send that took some bytes and then waited returns their count...
	printf 'socketpair\nsend 3 "x"*1000000\n' >&8
	wait_for '^fd 4: CONNECTED'
	repl_blocked sendto 3	# send filled the buffer and waits
	kill -INT "$REPL_PID"
	wait_for '^sendto(3, "x'
	# ...while one that waited before taking any byte fails with EINTR.
	printf 'send 3 more\n' >&8
	repl_blocked sendto 3
	kill -INT "$REPL_PID"
	wait_for '^sendto(3, "more"'
	printf 'expect EINTR\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp '^sendto\(3, "x{32}"\.\.\., 1000000, 0, NULL, 0\) = [1-9][0-9]*$'
	refute_line --regexp '^sendto\(3, "x{32}"\.\.\., 1000000, 0, NULL, 0\) = 1000000$'
	assert_line 'sendto(3, "more", 4, 0, NULL, 0) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)'
	assert_line --partial '  the program got -1 EINTR'
	assert_line --partial "here: SIGINT (Ctrl-C) arrived while the call waited"
	refute_output --regexp '^line [0-9]+:'
}

@test "atlas: sendto EINVAL - an IPv4 address given to a Unix datagram socket" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket dgram unix\nsendto 4 @3 hi\nexpect EINVAL'
	repl
	assert_success
	assert_line --regexp '^sendto\(4, "hi", 2, 0, \{sa_family=AF_INET, .*\}, 16\) = -1 EINVAL'
	assert_line '  here: the address is an IPv4 (AF_INET) one, and fd 4 is a Unix (AF_UNIX) socket.'
}

@test "atlas: sendto EISCONN - an address given to a connected Unix stream socket" {
	SCRIPT_TEXT=$'socketpair\nsendto 3 elsewhere.sock hi\nexpect EISCONN'
	repl
	assert_success
	assert_line --regexp '^sendto\(3, "hi", 2, 0, \{sa_family=AF_UNIX, .*\) = -1 EISCONN'
	assert_line '  here: fd 3 is a Unix stream socket, CONNECTED, and sendto gave it an address.'
}

@test "Linux TCP ignores sendto's address on a connected socket: the bytes go to the peer" {
	SCRIPT_TEXT="$CONNECTED"$'\nsendto 4 127.0.0.1 9 hi\nexpect ok\nrecv 5'
	repl
	assert_success
	assert_line 'sendto(4, "hi", 2, 0, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = 2'
	assert_line --regexp "^  note: Linux TCP ignores sendto's address: these bytes went to fd 4's peer, 127\.0\.0\.1:[0-9]+\.$"
	assert_line 'recvfrom(5, "hi", 4096, 0, NULL, NULL) = 2'
}

@test "connected UDP and Unix datagram sockets send to the address sendto gives" {
	SCRIPT_TEXT=$'socket udp\nbind 127.0.0.1 0\nsocket udp\nconnect 4 @3\nsocket udp\nbind 127.0.0.1 0\nsendto 4 @5 to5\nexpect ok\nrecv 5\nsocketpair dgram\nsocket dgram unix\nbind other.sock\nsendto 6 other.sock to8\nexpect ok\nrecv 8'
	repl
	assert_success
	assert_line 'recvfrom(5, "to5", 4096, 0, NULL, NULL) = 3'
	assert_line 'recvfrom(8, "to8", 4096, 0, NULL, NULL) = 3'
}

@test "atlas: sendto EMSGSIZE - a UDP datagram over 65507 bytes on IPv4" {
	SCRIPT_TEXT=$'socket udp\nbind 127.0.0.1 0\nsocket udp\nsendto 4 @3 "x"*65508\nexpect EMSGSIZE\nsendto 4 @3 "x"*65507\nexpect ok'
	repl
	assert_success
	assert_line --regexp '^sendto\(4, "x{32}"\.\.\., 65508, .* = -1 EMSGSIZE'
	assert_line '  here: the datagram was 65508 bytes; UDP over IPv4 carries at most 65507 (65535 less 20 bytes of IP header and 8 of UDP header).'
}

@test "atlas: sendto EMSGSIZE - a UDP datagram over 65527 bytes on IPv6" {
	SCRIPT_TEXT=$'socket udp inet6\nbind ::1 0\nsocket udp inet6\nsendto 4 @3 "x"*65528\nexpect EMSGSIZE\nsendto 4 @3 "x"*65527\nexpect ok'
	repl
	assert_success
	assert_line '  here: the datagram was 65528 bytes; UDP over IPv6 carries at most 65527 (65535 less 8 bytes of UDP header).'
}

@test "atlas: sendto EMSGSIZE - a Unix datagram over SO_SNDBUF less 32 bytes" {
	SCRIPT_TEXT=$'socketpair dgram\nsetsockopt 3 sndbuf 10000\nsend 3 "x"*19969\nexpect EMSGSIZE\nsend 3 "x"*19968\nexpect ok'
	repl
	assert_success
	assert_line "  here: the datagram was 19969 bytes; fd 3's SO_SNDBUF is 20000, so it takes at most 19968."
}

@test "atlas: sendto ENOTCONN - an unconnected Unix stream socket" {
	SCRIPT_TEXT=$'socket unix\nsend 3 hi\nexpect ENOTCONN'
	repl
	assert_success
	assert_line 'sendto(3, "hi", 2, 0, NULL, 0) = -1 ENOTCONN (Transport endpoint is not connected)'
	assert_line '  here: fd 3 is CREATED.'
}

@test "atlas: sendto ENOTCONN - an unconnected Unix datagram socket and no address" {
	SCRIPT_TEXT=$'socket dgram unix\nsend 3 hi\nexpect ENOTCONN'
	repl
	assert_success
	assert_line 'sendto(3, "hi", 2, 0, NULL, 0) = -1 ENOTCONN (Transport endpoint is not connected)'
}

@test "atlas: sendto ENOTSOCK - the fd is not a socket" {
	SCRIPT_TEXT='send 0 hi'
	repl
	assert_line 'sendto(0, "hi", 2, 0, NULL, 0) = -1 ENOTSOCK (Socket operation on non-socket)'
}

@test "atlas: sendto EOPNOTSUPP - an address given to an unconnected Unix stream socket" {
	SCRIPT_TEXT=$'socket unix\nsendto 3 elsewhere.sock hi\nexpect EOPNOTSUPP'
	repl
	assert_success
	assert_line --regexp '^sendto\(3, "hi", 2, 0, \{sa_family=AF_UNIX, .*\) = -1 EOPNOTSUPP'
	assert_line '  here: fd 3 is a Unix stream socket, CREATED, and sendto gave it an address.'
}

@test "atlas: sendto EPIPE - a TCP socket that never connected (POSIX says ENOTCONN)" {
	SCRIPT_TEXT=$'socket\nsend 3 hi\nexpect EPIPE'
	repl
	assert_success
	assert_line 'sendto(3, "hi", 2, 0, NULL, 0) = -1 EPIPE (Broken pipe)'
	assert_line "  here: fd 3 has no connection (TCP CLOSED): it never connected. Linux says EPIPE here, where POSIX says ENOTCONN."
	assert_line '  here: sockrepl ignores SIGPIPE and survived; most programs would have been killed here.'
}

@test "atlas: sendto EPIPE - a listening TCP socket" {
	SCRIPT_TEXT="$CONNECTED"$'\nsend 3 hi\nexpect EPIPE'
	repl
	assert_success
	assert_line '  here: fd 3 is listening: a listener has no connection to send on. Linux says EPIPE here, where POSIX says ENOTCONN.'
}

@test "atlas: sendto EPIPE - the socket was shut down for writing" {
	SCRIPT_TEXT="$CONNECTED"$'\nshutdown 4 wr\nsend 4 x\nexpect EPIPE'
	repl
	assert_success
	assert_line '  here: fd 4 was shut down for writing (shutdown wr).'
}

@test "atlas: sendto EPIPE - the connection was reset, after ECONNRESET was reported" {
	SCRIPT_TEXT="$CONNECTED"$'\nsetsockopt 5 linger on 0\nclose 5\npoll 4 1000ms\nsend 4 x\nexpect ECONNRESET\nsend 4 y\nexpect EPIPE'
	repl
	assert_success
	assert_line 'sendto(4, "y", 1, 0, NULL, 0) = -1 EPIPE (Broken pipe)'
	assert_line "  here: fd 4's connection is over (connection reset)."
}

@test "atlas: sendto EPIPE - the peer of a Unix stream socket closed" {
	SCRIPT_TEXT=$'socketpair\nclose 4\nsend 3 x\nexpect EPIPE'
	repl
	assert_success
	assert_line 'sendto(3, "x", 1, 0, NULL, 0) = -1 EPIPE (Broken pipe)'
	assert_line --partial '  EPIPE: this side can no longer send: it was shut down for writing, or the connection was closed'
}

@test "atlas: sendto ENOENT - no socket file at the path" {
	SCRIPT_TEXT=$'socket dgram unix\nsendto 3 nobody.sock hi\nexpect ENOENT'
	repl
	assert_success
	assert_line --regexp '^sendto\(3, "hi", 2, 0, \{sa_family=AF_UNIX, sun_path=".*/nobody\.sock"\}, [0-9]+\) = -1 ENOENT'
	assert_line '  ENOENT: no socket file exists at that path.'
}

@test "a program that keeps SIGPIPE's default dies of it where sockrepl shows EPIPE" {
	for kind in never-connected listener unix-peer-closed shut-wr; do
		run timeout 10 /usr/bin/python3 -c '
import signal, socket, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
kind = sys.argv[1]
if kind == "unix-peer-closed":
    s, t = socket.socketpair(); t.close()
else:
    s = socket.socket()
    if kind != "never-connected":
        l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
        if kind == "listener": s = l
        else: s.connect(l.getsockname()); s.shutdown(socket.SHUT_WR)
s.send(b"x")
' "$kind"
		[ "$status" -eq 141 ] || { echo "$kind: status $status, not 128+SIGPIPE"; return 1; }
	done
}
