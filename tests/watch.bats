#!/usr/bin/env bats
# wait: the events the prompt shows by itself, on demand in scripts.

load test_helper

@test "wait reports a connection waiting, data arriving and the peer closing" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nwait 3\naccept 3\nsend 4 hello\nwait 5\nclose 4\nwait'
	assert_success
	assert_line '  event: fd 3: a connection is waiting in the accept queue (1 waiting): accept takes it'
	assert_line '  event: fd 5: 5 bytes arrived (5 unread): recv reads them'
	assert_line '  event: fd 5: the peer closed its side (FIN) before you answered: it sent 5 bytes and got none back; recv returns the 5 unread bytes, then 0, end of file'
}

@test "a peer that closes after an answer is told apart from one that closes before it" {
	# TCP_INFO: bytes received and none sent is a peer that closed before you answered
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nsend 4 ask\nrecv 5\nsend 5 answer\nrecv 4\nclose 4\nwait 5'
	assert_success
	assert_line '  event: fd 5: the peer closed its side (FIN): recv returns 0, end of file'
	# a peer that sent nothing did not ask: no answer was owed
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nclose 4\nwait 5'
	assert_line '  event: fd 5: the peer closed its side (FIN): recv returns 0, end of file'
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nsend 4 x\nrecv 5\nclose 4\nwait 5'
	assert_line '  event: fd 5: the peer closed its side (FIN) before you answered: it sent 1 byte and got none back; recv returns 0, end of file'
}

@test "a peer that only shut down its sending side closed before you answered too, and still reads the answer" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nsend 4 ask\nshutdown 4 wr\nrecv 5\nwait 5\nsend 5 answer\nrecv 4\nexpect state 5 HALF-CLOSED'
	assert_success
	assert_line '  event: fd 5: the peer closed its side (FIN) before you answered: it sent 3 bytes and got none back; recv returns 0, end of file'
	assert_line 'recvfrom(4, "answer", 4096, 0, NULL, NULL) = 6'
}

@test "wait consumes nothing: the data is still there to recv after it" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nsend 4 kept\nwait 5\nrecv 5\nexpect queue 3 0'
	assert_success
	assert_line 'recvfrom(5, "kept", 4096, 0, NULL, NULL) = 4'
}

@test "an event is reported once; with nothing new, wait times out" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nwait 3\nwait 3 100'
	assert_success
	assert_line '  no event within 100 ms'
}

@test "wait sees a connection from another process (nc) arrive" {
	# The script is fed through a FIFO held open until nc is done: the
	# listener closing at the end of the script would reset nc's connection.
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket\nbind 127.0.0.1 0\nlisten\nwait 3 5000\nsockets\n' >&8
	wait_for "^fd 3: LISTENING"
	timeout 5 nc -z 127.0.0.1 "$(port_of 3)"
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line '  event: fd 3: a connection is waiting in the accept queue (1 waiting): accept takes it'
}

@test "a refused non-blocking connect is an event that names the refusal, not a reset" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nsocket\nnonblock on\nconnect @3\nwait 4'
	assert_line '  event: fd 4: connect refused: ECONNREFUSED pending: the next call, or getsockopt SO_ERROR, reports it'
	refute_output --partial 'reset'
}

@test "wait with a bad timeout is a usage error" {
	run sockrepl --no-echo <<<$'wait soon\nwait 3 -5'
	assert_failure 1
	assert_line "line 1: timeout 'soon': not a decimal number"
	assert_line "line 2: timeout -5: must be 0 to 3600000"
}

@test "wait reports a datagram arriving on an unconnected UDP socket, without reading it" {
	run sockrepl --no-echo <<<$'socket udp\nbind 127.0.0.1 0\nsocket udp\nsendto 4 @3 hello\nwait 3 2000\nrecvfrom 3'
	assert_success
	assert_line '  event: fd 3: a datagram arrived (the next to read holds 5 bytes): recvfrom reads it'
	assert_line --regexp '^recvfrom\(3, "hello", 4096, 0, \{sa_family=AF_INET, .*\) = 5$'
}

@test "wait reports a second UDP datagram arriving while the first is unread" {
	run sockrepl --no-echo <<<$'socket udp\nbind 127.0.0.1 0\nsocket udp\nsendto 4 @3 one\nwait 3 2000\nsendto 4 @3 second\nwait 3 2000'
	assert_success
	assert_line '  event: fd 3: a datagram arrived (the next to read holds 3 bytes): recvfrom reads it'
	assert_line '  event: fd 3: another datagram arrived (the next to read holds 3 bytes): recvfrom reads it'
}

@test "wait reports a datagram arriving on a Unix datagram socket" {
	run sockrepl --no-echo <<<$'socket unix dgram\nbind d.sock\nsocket unix dgram\nsendto 4 d.sock hi\nwait 3 2000'
	assert_success
	assert_line '  event: fd 3: a datagram arrived (the next to read holds 2 bytes): recvfrom reads it'
}

# waited_on_by_peer SCRIPT SED PYTHON: run SCRIPT in the background; once its
# fd 3 state line shows, the Python peer (socket and sys imported) gets the
# address SED extracts from the output as sys.argv[1]; sets $output.
waited_on_by_peer() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/script"
	start_repl "$BATS_TEST_TMPDIR/script"
	wait_for "^fd 3: \(BOUND\|LISTENING\)"
	timeout 5 /usr/bin/python3 -c "import socket, sys; $3" "$(sed -n "$2" "$OUT" | head -n 1)"
	wait "$REPL_PID"
	run cat "$OUT"
}

@test "wait sees a datagram from another process arrive while it waits" {
	waited_on_by_peer $'socket udp\nbind 127.0.0.1 0\nwait 3 5000\n' \
		's/^fd 3: BOUND to 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		'socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"ping", ("127.0.0.1", int(sys.argv[1])))'
	assert_line '  event: fd 3: a datagram arrived (the next to read holds 4 bytes): recvfrom reads it'
}

@test "wait sees a connection arrive on a Unix stream listener from another process" {
	waited_on_by_peer $'socket unix\nbind l.sock\nlisten\nwait 3 5000\n' \
		's/^fd 3: LISTENING on \([^ ]*\) .*/\1/p' \
		'socket.socket(socket.AF_UNIX).connect(sys.argv[1])'
	assert_line '  event: fd 3: a connection is waiting in the accept queue (1 waiting): accept takes it'
}

@test "wait ends at once on an event, not at its timeout" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nwait 3 60000\nsay done'
	run timeout 10 "$SOCKREPL" --no-echo <<<"$SCRIPT_TEXT"
	assert_success
	assert_line 'done'
}
