#!/usr/bin/env bats
# The errno atlas for connect(2), TCP and Unix: each test makes one cause
# happen on the running kernel and checks that the explanation names it.
# Test names read "atlas: CALL ERRNO - cause" (tests/atlas-size counts them).

load atlas_helper

# A listener with backlog 0 holds one finished connection (fd 4); after that
# the kernel drops new SYNs, so the next connect gets no answer.
FULL_QUEUE=$'socket\nbind 127.0.0.1 0\nlisten 0\nsocket\nconnect @3\nsocket'

@test "atlas: connect EACCES - no write permission on the Unix socket file" {
	public_copy
	unix_peer listen "$PUBLIC_DIR/root.sock"
	chmod 755 "$PUBLIC_DIR/root.sock"
	SCRIPT_TEXT=$'socket unix\nconnect '"$PUBLIC_DIR/root.sock"
	repl_as_nobody
	kill "$peer"
	assert_line --regexp '^connect\(3, .*\) = -1 EACCES '
	assert_line "  here: uid 65534 may not write to the socket file $PUBLIC_DIR/root.sock, and connect needs that."
}

@test "atlas: connect EACCES - a directory on the Unix path may not be searched" {
	public_copy
	mkdir -m 700 "$PUBLIC_DIR/private"
	unix_peer listen "$PUBLIC_DIR/private/s.sock"
	SCRIPT_TEXT=$'socket unix\nconnect '"$PUBLIC_DIR/private/s.sock"
	repl_as_nobody
	kill "$peer"
	assert_line --regexp '^connect\(3, .*\) = -1 EACCES '
	assert_line "  here: uid 65534 may not look up a name in $PUBLIC_DIR/private: the directory's permissions deny it."
}

@test "atlas: connect EADDRNOTAVAIL - the bound address and port already have a connection to that peer" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten 3 8\nsocket\nsetsockopt SO_REUSEADDR on\nbind 127.0.0.1 0\nsocket\nsetsockopt SO_REUSEADDR on\nbind 5 @4\nconnect 4 @3\nexpect ok\nconnect 5 @3'
	repl
	assert_line --regexp '^connect\(5, .*\) = -1 EADDRNOTAVAIL '
	assert_line --regexp '^  here: fd 5 is bound to 127\.0\.0\.1:[0-9]+, and a connection from there to 127\.0\.0\.1:[0-9]+ exists already: no two connections share both addresses and both ports \(Linux says EADDRNOTAVAIL here, not EADDRINUSE\)\.$'
}

@test "atlas: connect EADDRNOTAVAIL - no ephemeral port is free for an unbound socket" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket\nbind 127.0.0.1 0\nsocket\nconnect 5 @3'
	repl_in_netns 'net.ipv4.ip_local_port_range=40000,40001'
	assert_line --regexp '^connect\(5, .*\) = -1 EADDRNOTAVAIL '
	assert_line '  here: connect on an unbound socket asks the kernel for a free port, and none is left in net.ipv4.ip_local_port_range (40000-40001): sockets hold them all.'
}

@test "atlas: connect EAFNOSUPPORT - an IPv6 address for an IPv4 socket" {
	SCRIPT_TEXT=$'socket\nconnect [::1]:9'
	repl
	assert_line --regexp '^connect\(3, \{sa_family=AF_INET6, .*\}, 28\) = -1 EAFNOSUPPORT '
	assert_line '  here: fd 3 is an IPv4 socket but the address is IPv6.'
}

@test "atlas: connect EAGAIN - a non-blocking Unix connect finds the listener's queue full" {
	SCRIPT_TEXT=$'socket unix\nbind s.sock\nlisten 0\nsocket unix\nconnect @3\nexpect ok\nsocket unix\nnonblock on\nconnect 5 @3'
	repl
	assert_line --regexp '^connect\(5, \{sa_family=AF_UNIX, .*\) = -1 EAGAIN '
	assert_line --partial 'EAGAIN: a non-blocking Unix stream socket found the listener'"'"'s accept queue full'
	assert_line --regexp '^  here: the listener on .*/s\.sock has as many connections waiting as its backlog allows \(backlog \+ 1\), and fd 5 is non-blocking, so connect did not wait for room\.$'
}

@test "atlas: connect EALREADY - a non-blocking connect is still under way" {
	SCRIPT_TEXT="$FULL_QUEUE"$'\nnonblock on\nconnect 5 @3\nexpect EINPROGRESS\nconnect 5 @3'
	repl
	assert_line --regexp '^connect\(5, .*\) = -1 EALREADY '
	assert_line --partial 'EALREADY: the socket is non-blocking and an earlier connect is still under way.'
}

@test "atlas: connect EBADF - the fd is not open" {
	SCRIPT_TEXT='connect 9 127.0.0.1 9'
	repl
	assert_line --regexp '^connect\(9, .*\) = -1 EBADF '
	assert_line '  here: fd 9 is not open, and this session has no sockets yet.'
}

@test "atlas: connect ECONNREFUSED - nothing listens on the port" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket\nclose 3\nconnect 4 @3'
	repl
	assert_line --regexp '^connect\(4, .*\) = -1 ECONNREFUSED '
	assert_line --regexp '^  here: nothing listens on 127\.0\.0\.1:[0-9]+\.$'
	assert_line --partial 'On Linux this same socket may connect again; POSIX leaves'
}

@test "atlas: connect ECONNREFUSED - a socket of this session is bound there but not listening" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket\nconnect @3'
	repl
	assert_line --regexp '^connect\(4, .*\) = -1 ECONNREFUSED '
	assert_line --regexp '^  here: fd 3 of this session is bound to 127\.0\.0\.1:[0-9]+ but is [A-Z-]+, not listening: call listen 3\.$'
}

@test "atlas: connect ECONNREFUSED - only a TIME-WAIT is left on the port" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect 4 @3\naccept\nclose 5\nwait 4 2000\nclose 4\nclose 3\nsocket\nconnect 3 @5'
	repl
	assert_line --regexp '^connect\(3, .*\) = -1 ECONNREFUSED '
	assert_line --regexp '^  here: nothing listens on 127\.0\.0\.1:[0-9]+; only a closed connection in TIME-WAIT is left on that port, and TIME-WAIT answers no new connection\.$'
}

@test "after ECONNREFUSED, Linux lets the same socket connect again (as help connect says)" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket\nconnect 4 @3\nexpect ECONNREFUSED\nlisten 3 1\nconnect 4 @3\nexpect ok\nexpect tcp 4 ESTABLISHED'
	repl
	assert_success
	run sockrepl --no-echo <<<'help connect'
	assert_line --partial 'On Linux a socket whose'
}

@test "atlas: connect ECONNREFUSED - a Unix socket file is left from a closed listener" {
	SCRIPT_TEXT=$'socket unix\nbind s.sock\nlisten\nsocket unix\nclose 3\nconnect 4 @3'
	repl
	assert_line --regexp '^connect\(4, \{sa_family=AF_UNIX, .*\) = -1 ECONNREFUSED '
	assert_line --regexp '^  here: the socket file .*/s\.sock is left from a socket that was closed: the file stays, but no socket is bound to it\.$'
	assert_line '  try: check the path: a server must bind it and listen (and unlink a left-over file before its bind).'
	refute_line --regexp '^  (here|try): .*port'
}

@test "atlas: connect ECONNREFUSED - a Unix path is a file, not a socket's" {
	touch "$BATS_TEST_TMPDIR/plain"
	SCRIPT_TEXT=$'socket unix\nconnect '"$BATS_TEST_TMPDIR/plain"
	repl
	assert_line --regexp '^connect\(3, .*\) = -1 ECONNREFUSED '
	assert_line "  here: $BATS_TEST_TMPDIR/plain is a file, not a socket's."
}

@test "atlas: connect ECONNREFUSED - another process's Unix socket is bound there but does not listen" {
	unix_peer bound "$BATS_TEST_TMPDIR/bound.sock"
	SCRIPT_TEXT=$'socket unix\nconnect '"$BATS_TEST_TMPDIR/bound.sock"
	repl
	kill "$peer"
	assert_line --regexp '^connect\(3, .*\) = -1 ECONNREFUSED '
	assert_line "  here: a socket is bound to $BATS_TEST_TMPDIR/bound.sock, but it does not listen."
}

@test "atlas: connect ECONNREFUSED - no socket holds the abstract name" {
	SCRIPT_TEXT=$'socket unix\nconnect @"sockrepl-atlas-'"$$"$'"'
	repl
	assert_line --regexp '^connect\(3, \{sa_family=AF_UNIX, sun_path=@"sockrepl-atlas-[0-9]+"\}, [0-9]+\) = -1 ECONNREFUSED '
	assert_line --regexp '^  here: no socket holds the abstract name @"sockrepl-atlas-[0-9]+" \(an abstract name has no file, so an unused one is refused, not ENOENT\)\.$'
	assert_line '  try: a server must bind the name and listen first.'
}

@test "atlas: connect ECONNREFUSED - another process holds the abstract name but does not listen" {
	name="sockrepl-atlas-$$"
	/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind("\0" + sys.argv[1])
time.sleep(15)' "$name" 3>&- &
	peer=$!
	wait_until grep -q "@$name\$" /proc/net/unix
	SCRIPT_TEXT=$'socket unix\nconnect @"'"$name"$'"'
	repl
	kill "$peer"
	assert_line --regexp '^connect\(3, .*\) = -1 ECONNREFUSED '
	assert_line "  here: a socket holds the abstract name @\"$name\", but it does not listen."
}

@test "atlas: connect EINPROGRESS - a non-blocking connect returns while the handshake goes on" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nnonblock on\nconnect @3'
	repl
	assert_line --regexp '^connect\(4, .*\) = -1 EINPROGRESS '
	assert_line --partial 'EINPROGRESS: not a failure: the socket is non-blocking'
}

@test "atlas: connect EINTR - Ctrl-C while connect waits on a full accept queue" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf '%s\nconnect 5 @3\n' "$FULL_QUEUE" >&8
	wait_for '^fd 5: CREATED'
	interrupt_until '^connect(5'
	printf 'expect tcp 5 SYN-SENT\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp '^connect\(5, .*\) = \? ERESTARTSYS '
	assert_line --partial '  the program got -1 EINTR'
	assert_line --partial "here: SIGINT (Ctrl-C) arrived while the call waited and sockrepl's handler ran"
	refute_output --regexp '^line [0-9]+:'
}

@test "atlas: connect EISCONN - the socket is already connected" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nconnect 4 @3'
	repl
	assert_line --regexp '^connect\(4, .*\) = -1 EISCONN '
	assert_line --regexp '^  here: fd 4 is already connected to 127\.0\.0\.1:[0-9]+\.$'
}

@test "atlas: connect EISCONN - a listening TCP socket (POSIX: EOPNOTSUPP)" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nbind 127.0.0.1 0\nlisten 4 1\nconnect 3 @4'
	repl
	assert_line --regexp '^connect\(3, .*\) = -1 EISCONN '
	assert_line '  here: fd 3 is a listening TCP socket; Linux answers EISCONN, where POSIX lists EOPNOTSUPP (a listening Unix socket gives EINVAL).'
}

@test "atlas: connect ENETUNREACH - no route to the network (a namespace with only loopback)" {
	SCRIPT_TEXT=$'socket\nconnect 10.1.2.3 80'
	repl_in_netns ''
	assert_line --regexp '^connect\(3, .*\) = -1 ENETUNREACH '
	assert_line --partial 'ENETUNREACH: there is no route to that network.'
}

@test "atlas: connect ENOTSOCK - the fd is sockrepl's standard input" {
	SCRIPT_TEXT='connect 0 127.0.0.1 9'
	repl
	assert_line --regexp '^connect\(0, .*\) = -1 ENOTSOCK '
	assert_line "  here: fd 0 is sockrepl's own standard input, not a socket."
}

@test "atlas: connect EPROTOTYPE - a stream socket to a datagram Unix socket" {
	SCRIPT_TEXT=$'socket unix dgram\nbind d.sock\nsocket unix\nconnect @3'
	repl
	assert_line --regexp '^connect\(4, .*\) = -1 EPROTOTYPE '
	assert_line --partial 'EPROTOTYPE: the socket type does not match the peer'
}

@test "atlas: connect ETIMEDOUT - a full accept queue drops every SYN until connect gives up" {
	# a line after connect: the script's input is not used up while connect waits
	SCRIPT_TEXT="$FULL_QUEUE"$'\nconnect 5 @3\nexpect ETIMEDOUT'
	# one retry after one linear 1 s wait: SYNs at 0, 1 and 2 s, give up at 4 s
	local start=$SECONDS
	repl_in_netns 'net.ipv4.tcp_syn_retries=1 net.ipv4.tcp_syn_linear_timeouts=1'
	# the kernel took as long as the sentence says (the rest of the run is quick)
	[ $((SECONDS - start)) -ge 3 ] && [ $((SECONDS - start)) -le 6 ]
	assert_line --regexp '^connect\(5, .*\) = -1 ETIMEDOUT '
	assert_line --regexp '^  here: a socket listens on 127\.0\.0\.1:[0-9]+, but its accept queue is full, and Linux drops a SYN that finds it full; a handshake'"'"'s final ACK arriving then is dropped too \(net\.ipv4\.tcp_abort_on_overflow = 0\)\.$'
	assert_line '  here: this kernel sends the SYN 2 more times (net.ipv4.tcp_syn_retries = 1, plus net.ipv4.tcp_syn_linear_timeouts = 1), waiting 1 s the first 2 times, then twice as long each time, and gives up after about 4 s (older kernels, without that setting, resend at 1, 3, 7, 15 s ... from the start).'
}

@test "atlas: connect EINVAL - an IPv4 address (16 bytes) is too short for an IPv6 socket" {
	SCRIPT_TEXT=$'socket inet6\nconnect 127.0.0.1 9'
	repl
	assert_line --regexp '^connect\(3, \{sa_family=AF_INET, .*\}, 16\) = -1 EINVAL '
	assert_line --partial 'here: fd 3 is an IPv6 socket but the address is IPv4: a 16-byte sockaddr_in'
}

@test "atlas: connect EINVAL - a listening Unix socket (a TCP one gives EISCONN)" {
	SCRIPT_TEXT=$'socket unix\nbind a.sock\nlisten\nsocket unix\nbind b.sock\nlisten 4 1\nconnect 3 @4'
	repl
	assert_line --regexp '^connect\(3, \{sa_family=AF_UNIX, .*\) = -1 EINVAL '
	assert_line '  here: fd 3 is a listening Unix socket, and Linux refuses to connect it (a TCP listener gives EISCONN instead).'
}

@test "atlas: connect ENOENT - no socket file at the Unix path" {
	SCRIPT_TEXT=$'socket unix\nconnect '"$BATS_TEST_TMPDIR/missing.sock"
	repl
	assert_line --regexp '^connect\(3, .*\) = -1 ENOENT '
	assert_line "  here: $BATS_TEST_TMPDIR/missing.sock does not exist."
}

@test "atlas: connect ENOTDIR - a component of the Unix path is a file" {
	touch "$BATS_TEST_TMPDIR/file"
	SCRIPT_TEXT=$'socket unix\nconnect '"$BATS_TEST_TMPDIR/file/s.sock"
	repl
	assert_line --regexp '^connect\(3, .*\) = -1 ENOTDIR '
	assert_line --partial 'ENOTDIR: a component of the Unix socket path is not a directory.'
}
