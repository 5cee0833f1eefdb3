#!/usr/bin/env bats
# getsockname, getpeername, poll, socketpair

load test_helper

CONNECTED=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3'

@test "getsockname shows the port connect chose; getpeername the server" {
	run sockrepl --no-echo <<<"$CONNECTED"$'\ngetsockname 4\ngetpeername 4'
	assert_success
	port=$(sed -n 's/^fd 3: LISTENING on 127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$output" | head -n 1)
	client=$(sed -n 's/^fd 4: CONNECTED 127\.0\.0\.1:\([0-9]*\) .*/\1/p' <<<"$output" | head -n 1)
	assert_line "getsockname(4, {sa_family=AF_INET, sin_port=htons($client), sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 0"
	assert_line "getpeername(4, {sa_family=AF_INET, sin_port=htons($port), sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 0"
}

@test "getpeername on a listener fails with ENOTCONN" {
	run sockrepl --no-echo <<<"$CONNECTED"$'\ngetpeername 3\nexpect ENOTCONN'
	assert_success
	assert_line --regexp '^getpeername\(3, 0x[0-9a-f]+, \[16\]\) = -1 ENOTCONN'
	assert_line '  here: fd 3 is LISTENING.'
}

@test "poll reports a waiting connection and waiting data, with revents as strace prints them" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\npoll 3 0ms\naccept 3\nsend 4 x\npoll 3 5 4:out 100ms'
	assert_success
	assert_line 'poll([{fd=3, events=POLLIN}], 1, 0) = 1 ([{fd=3, revents=POLLIN}])'
	assert_line '  fd 3: POLLIN: a connection is waiting; accept will not block.'
	assert_line 'poll([{fd=3, events=POLLIN}, {fd=5, events=POLLIN}, {fd=4, events=POLLOUT}], 3, 100) = 2 ([{fd=5, revents=POLLIN}, {fd=4, revents=POLLOUT}])'
}

@test "poll with nothing ready times out" {
	run sockrepl --no-echo <<<"$CONNECTED"$'\npoll 5 50ms\nexpect ok'
	assert_success
	assert_line 'poll([{fd=5, events=POLLIN}], 1, 50) = 0 (Timeout)'
	assert_line '  nothing was ready within 50 ms.'
}

@test "poll on an fd that is not open reports POLLNVAL" {
	run sockrepl --no-echo <<<$'socket\npoll 9 0ms'
	assert_line 'poll([{fd=9, events=POLLIN}], 1, 0) = 1 ([{fd=9, revents=POLLNVAL}])'
}

@test "poll without fds looks at every socket; bad fd suffixes are usage errors" {
	run sockrepl --no-echo <<<$'poll\nsocket\nsocket\npoll\npoll 3:sideways 0ms'
	assert_failure 1
	assert_line 'line 1: poll: no sockets yet; create one with socket'
	assert_line 'poll([{fd=3, events=POLLIN}, {fd=4, events=POLLIN}], 2, 0) = 2 ([{fd=3, revents=POLLHUP}, {fd=4, revents=POLLHUP}])'
	assert_line "line 5: poll: '3:sideways': after the fd write :in, :out or :inout"
}

@test "socketpair makes two connected Unix sockets" {
	run sockrepl --no-echo <<<$'socketpair\nsend 3 across\nrecv 4\nsocketpair dgram'
	assert_success
	assert_line 'socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0'
	assert_line 'fd 3: CONNECTED (unnamed) -> (unnamed) · unix'
	assert_line 'recvfrom(4, "across", 4096, 0, NULL, NULL) = 6'
	assert_line 'socketpair(AF_UNIX, SOCK_DGRAM, 0, [5, 6]) = 0'
}

@test "socketpair under a small fd limit fails with EMFILE" {
	{ for _ in $(seq 7); do echo socketpair; done; echo "expect EMFILE"; } >"$BATS_TEST_TMPDIR/script"
	run timeout 15 bash -c 'exec <"$2" && ulimit -n 16 && exec "$1" --no-echo' - "$SOCKREPL" \
		"$BATS_TEST_TMPDIR/script"
	assert_success
	assert_line --regexp '^socketpair\(AF_UNIX, SOCK_STREAM, 0, 0x[0-9a-f]+\) = -1 EMFILE'
}

@test "socketpair with an unknown word is a usage error" {
	run sockrepl --no-echo <<<'socketpair ipx'
	assert_failure 1
	assert_output "line 1: socketpair: 'ipx' is not one of unix, inet, inet6, stream, dgram"
}

@test "poll on a TCP socket that never connected: POLLOUT|POLLHUP, decoded as no connection" {
	run sockrepl --no-echo <<<$'socket\npoll 3:inout 0ms'
	assert_line 'poll([{fd=3, events=POLLIN|POLLOUT}], 1, 0) = 1 ([{fd=3, revents=POLLOUT|POLLHUP}])'
	assert_line '  fd 3: POLLOUT: send would not block, but only because it would fail at once: there is no connection (TCP CLOSED).'
	assert_line '  fd 3: POLLHUP: no connection: Linux reports it for a TCP socket that never connected, whose connect failed, or whose connection ended.'
	refute_output --partial 'room'
}

@test "poll after a refused non-blocking connect: POLLOUT|POLLERR|POLLHUP, not a finished connection" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nsocket\nnonblock on\nconnect @3\npoll 4:out 1000ms'
	assert_line 'poll([{fd=4, events=POLLOUT}], 1, 1000) = 1 ([{fd=4, revents=POLLOUT|POLLERR|POLLHUP}])'
	assert_line '  fd 4: POLLOUT: send would not block, but only because it would fail at once: there is no connection (TCP CLOSED).'
	assert_line '  fd 4: POLLERR: an error is pending; getsockopt SO_ERROR reads it (and clears it).'
	refute_output --partial 'established'
}

@test "poll after a non-blocking connect that worked: POLLOUT, the connection established" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nnonblock on\nconnect @3\npoll 4:out 1000ms\nsocket udp\npoll 5:out 0ms'
	assert_line '  fd 4: POLLOUT: there is room in the send buffer, and the connection is established (a non-blocking connect has finished).'
	assert_line '  fd 5: POLLOUT: there is room in the send buffer; send will not block.'
}

@test "poll on Unix stream sockets: a closed peer and no connection are hang-ups, and send would fail" {
	run sockrepl --no-echo <<<$'socketpair\nclose 4\npoll 3:inout 0ms\nsend 3 x\nexpect EPIPE\nsocket unix\npoll 4:inout 0ms\nsend 4 x\nexpect ENOTCONN'
	assert_success
	assert_line 'poll([{fd=3, events=POLLIN|POLLOUT}], 1, 0) = 1 ([{fd=3, revents=POLLIN|POLLOUT|POLLHUP}])'
	assert_line '  fd 3: POLLOUT: send would not block, but only because it would fail at once (see below).'
	assert_line '  fd 3: POLLHUP: both directions are shut down (the peer closed, or shutdown here): nothing more will pass.'
	assert_line 'poll([{fd=4, events=POLLIN|POLLOUT}], 1, 0) = 1 ([{fd=4, revents=POLLOUT|POLLHUP}])'
	assert_line '  fd 4: POLLHUP: the Unix socket is not connected.'
}

@test "poll after shutdown rdwr on TCP: POLLHUP, both directions shut here" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nshutdown 4 rdwr\npoll 4:inout 0ms'
	assert_line --regexp '^poll\(\[\{fd=4, events=POLLIN\|POLLOUT\}\], 1, 0\) = 1 \(\[\{fd=4, revents=POLLIN\|POLLOUT\|POLLHUP\}\]\)$'
	assert_line '  fd 4: POLLHUP: both directions are shut down (the peer closed, or shutdown here): nothing more will pass.'
}

@test "a poll or select timeout is written Nms, timeout=N or forever; a last bare number is refused with both readings" {
	run sockrepl --no-echo <<<$'socketpair\npoll 3 4\nselect 3 4\npoll 3 4ms\npoll 3 4:in\npoll 3 timeout=0\nselect 3 0ms\npoll 3 xms'
	assert_line 'line 2: poll 3 4: is 4 an fd or a timeout? poll 3 4ms waits up to 4 ms; poll 3 4:in asks about fd 4 too'
	assert_line 'line 3: select 3 4: is 4 an fd or a timeout? select 3 4ms waits up to 4 ms; select 3 4:r asks about fd 4 too'
	assert_line 'poll([{fd=3, events=POLLIN}], 1, 4) = 0 (Timeout)'
	assert_line 'poll([{fd=3, events=POLLIN}, {fd=4, events=POLLIN}], 2, 0) = 0 (Timeout)'
	assert_line 'poll([{fd=3, events=POLLIN}], 1, 0) = 0 (Timeout)'
	assert_line 'select(4, [3], NULL, NULL, {tv_sec=0, tv_usec=0}) = 0 (Timeout)'
	assert_line "line 8: timeout 'x': not a decimal number"
	# one number alone is an fd, as ever
	run sockrepl --no-echo <<<$'socketpair\npoll 4'
	assert_line 'poll([{fd=4, events=POLLIN}], 1, 0) = 0 (Timeout)'
}

@test "poll 3 forever waits until Ctrl-C, as a negative timeout does" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socketpair\npoll 3 forever\n' >&8
	repl_blocked poll
	kill -INT "$REPL_PID"
	wait_for '^poll(\[{fd=3, events=POLLIN}\], 1, -1) = '
	exec 8>&-
	wait "$REPL_PID"
}
