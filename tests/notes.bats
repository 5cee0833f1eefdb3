#!/usr/bin/env bats
# Notes and events say what is true in context: waits that really wait, what a
# 0 from recv means, a cut datagram, the accept queue in words, and a prompt
# that never changes state without a word.

load test_helper

# A listener (3), a client (4) and the accepted end (5).
PAIR=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept\n'

@test "closing the peer of the socket the prompt moves to says so once, with its new state" {
	run sockrepl <<<"${PAIR}close 4"$'\ngetsockname 3\nclose 3'
	assert_success
	assert_line '  note: fd 4 was fd 5'"'"'s peer: closing it sent a FIN, so recv on fd 5 (the current socket now) returns 0, end of file.'
	assert_line --regexp "^fd 5: HALF-CLOSED 127\\.0\\.0\\.1:[0-9]+ -> 127\\.0\\.0\\.1:[0-9]+ · TCP CLOSE-WAIT · Recv-Q 1 \\(the peer's FIN: recv returns 0\\) · Send-Q 0 · recv returns 0 when empty"
	assert_line 'sockrepl [5 HALF-CLOSED]> getsockname 3'
	# Once: closing the listener moves the prompt back to 5, already shown HALF-CLOSED.
	[ "$(grep -c 'note: fd 4 was fd 5' <<<"$output")" -eq 1 ]
	refute_output --partial 'the current socket now, is HALF-CLOSED since'
}

@test "the note counts the bytes still unread before end of file" {
	SCRIPT_TEXT="${PAIR}send 4 abc"$'\nclose 4'
	repl
	assert_line "  note: fd 4 was fd 5's peer: closing it sent a FIN, so recv on fd 5 (the current socket now) returns its 3 unread bytes, then 0, end of file."
}

@test "a peer reset by close with SO_LINGER 0 is named in the note" {
	SCRIPT_TEXT="${PAIR}setsockopt 5 linger on 0"$'\nclose 5'
	repl
	assert_line "  note: fd 5 was fd 4's peer: closing it sent a RST (reset), so fd 4 (the current socket now) is DISCONNECTED: its next call reports ECONNRESET."
}

@test "accept announces a wait only when it will wait: never before EINVAL or EAGAIN" {
	SCRIPT_TEXT=$'socket\naccept 3\nbind 127.0.0.1 0\naccept 3\nlisten\nnonblock on\naccept 3'
	repl
	[ "$(grep -cE '^accept\(3, 0x[0-9a-f]+, \[16\]\) = -1 EINVAL \(Invalid argument\)$' <<<"$output")" -eq 2 ]
	assert_line --regexp '^accept\(3, 0x[0-9a-f]+, \[16\]\) = -1 EAGAIN'
	refute_output --partial 'blocks until'
}

@test "a blocking accept with SO_RCVTIMEO says how long it waits, then EAGAIN" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsetsockopt rcvtimeo 0.2\naccept\nexpect EAGAIN'
	repl
	assert_success
	assert_line '  (no connection is waiting yet: accept blocks until one arrives, for at most 0.2 s (SO_RCVTIMEO); Ctrl-C interrupts)'
	assert_line --regexp '^accept\(3, 0x[0-9a-f]+, \[16\]\) = -1 EAGAIN'
}

@test "recv announces no wait before ENOTCONN: on a listener, on an unconnected socket" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nrecv 3\nsocket\nrecv 4'
	repl
	assert_line --regexp '^recvfrom\(3, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 ENOTCONN'
	assert_line --regexp '^recvfrom\(4, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 ENOTCONN'
	refute_output --partial 'blocks until'
}

@test "recv into a 0-byte buffer returns 0, which is not end of file" {
	SCRIPT_TEXT="${PAIR}send 4 abc"$'\nrecv 5 0\nrecv 5'
	repl
	assert_line 'recvfrom(5, "", 0, 0, NULL, NULL) = 0'
	assert_line '  0 bytes because the buffer holds 0: nothing was read, and this is not end of file (3 bytes unread).'
	assert_line 'recvfrom(5, "abc", 4096, 0, NULL, NULL) = 3'
	refute_output --partial 'end of file. The peer'
}

@test "after shutdown rd, recv returns 0 while nothing is queued, but Linux TCP still delivers what the peer sends" {
	SCRIPT_TEXT="${PAIR}shutdown 5 rd"$'\nrecv 5\nexpect state 4 CONNECTED\nsend 4 hi\nrecv 5'
	repl
	assert_success
	assert_line 'recvfrom(5, "", 4096, 0, NULL, NULL) = 0'
	assert_line '  0 bytes: this side shut down receiving (shutdown rd), and nothing is queued. That is not the peer closing: Linux TCP sent it nothing, data it sends still arrives, and recv returns it.'
	# The peer was told nothing: still CONNECTED, ESTABLISHED, nothing shut.
	assert_line --regexp '^fd 4: CONNECTED 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:[0-9]+ · TCP ESTABLISHED$'
	assert_line 'recvfrom(5, "hi", 4096, 0, NULL, NULL) = 2'
}

@test "a UDP datagram longer than the buffer is cut, and the rest is gone" {
	SCRIPT_TEXT=$'socket udp\nbind 127.0.0.1 0\nsocket udp\nsendto 4 @3 "0123456789AB"\nsendto 4 @3 xyz\nrecv 3 5\nrecvfrom 3 0\nnonblock 3 on\nrecv 3'
	repl
	assert_line 'recvfrom(3, "01234", 5, 0, NULL, NULL) = 5'
	assert_line '  note: the datagram was 12 bytes; the 5-byte buffer took 5 and the other 7 are gone: a datagram is read whole or cut, never in parts, and the call returns only what it took.'
	assert_line '  note: the datagram was 3 bytes; the 0-byte buffer took 0 and the other 3 are gone: a datagram is read whole or cut, never in parts, and the call returns only what it took.'
	# Both datagrams are gone: nothing is left to read.
	assert_line --regexp '^recvfrom\(3, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 EAGAIN'
}

@test "a Unix datagram is cut the same way; one that fits gets no note" {
	SCRIPT_TEXT=$'socketpair unix dgram\nsend 3 "hello world"\nrecv 4 5\nsend 3 ok\nrecv 4 5'
	repl
	assert_line '  note: the datagram was 11 bytes; the 5-byte buffer took 5 and the other 6 are gone: a datagram is read whole or cut, never in parts, and the call returns only what it took.'
	assert_line 'recvfrom(4, "ok", 5, 0, NULL, NULL) = 2'
	[ "$(grep -c 'note: the datagram' <<<"$output")" -eq 1 ]
}

@test "a datagram that arrives while recv waits and fills the buffer: the note says it may have been cut" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket udp\nbind 127.0.0.1 0\nrecv 3 4\n' >&8
	wait_for "blocks until data arrives"
	port=$(port_of 3)
	/usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"0123456789", ("127.0.0.1", int(sys.argv[1])))' "$port"
	wait_for '^recvfrom(3, "0123", 4'
	exec 8>&-
	wait "$REPL_PID" || true
	run cat "$OUT"
	assert_line '  note: the datagram filled the 4-byte buffer: if it was longer, the rest is gone (recvfrom returns only what it took).'
}

@test "the accept queue in words: backlog 1 lets 2 wait, the third client stays in SYN-SENT" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten 1\nsocket\nnonblock on\nconnect @3\nsocket\nnonblock on\nconnect @3\nsocket\nnonblock on\nconnect @3\nexpect queue 3 2\nexpect tcp 6 SYN-SENT\ngetsockname 3\nsockets'
	repl
	assert_success
	assert_line --regexp '^fd 3: LISTENING on 127\.0\.0\.1:[0-9]+ · TCP LISTEN · accept queue: 0 waiting \(backlog 1: up to 2 may wait\)$'
	assert_line --regexp '^fd 3: LISTENING on 127\.0\.0\.1:[0-9]+ · TCP LISTEN · accept queue: 2 waiting, full \(backlog 1: up to 2 may wait\)$'
	assert_line --regexp '^3 +tcp +LISTENING .* LISTEN +2 waiting \(up to 2\)$'
}

@test "backlog 0 lets exactly one connection wait" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten 0\nsocket\nnonblock on\nconnect @3\nsocket\nnonblock on\nconnect @3\nexpect queue 3 1\nexpect tcp 4 ESTABLISHED\nexpect tcp 5 SYN-SENT\ngetsockname 3'
	repl
	assert_success
	assert_line --regexp '^fd 3: LISTENING on 127\.0\.0\.1:[0-9]+ · TCP LISTEN · accept queue: 1 waiting, full \(backlog 0: up to 1 may wait\)$'
	refute_output --partial '0/0'
}

@test "a backlog of 3 lets 4 wait, the fifth client waits in SYN-SENT" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten 3'
	for _ in 1 2 3 4 5; do SCRIPT_TEXT+=$'\nsocket\nnonblock on\nconnect @3'; done
	SCRIPT_TEXT+=$'\nexpect queue 3 4\nexpect tcp 7 ESTABLISHED\nexpect tcp 8 SYN-SENT\ngetsockname 3'
	repl
	assert_success
	assert_line --regexp '^fd 3: LISTENING .* accept queue: 4 waiting, full \(backlog 3: up to 4 may wait\)$'
}

@test "events: a connect seen in SYN-SENT then refused, and a queued connection reset, each named" {
	# backlog 0: fd 4 waits in the queue, fd 5 stays in SYN-SENT. Closing the
	# listener resets fd 4; fd 5's next SYN (about 1 s later) meets a RST.
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten 0\nsocket\nnonblock on\nconnect @3\nsocket\nnonblock on\nconnect @3\nexpect tcp 5 SYN-SENT\nwait 5 100\nclose 3\nwait 5 5000\nwait 4 100\ngetsockopt 4 error\ngetsockopt 5 error'
	repl
	assert_success
	assert_line '  event: fd 5: the non-blocking connect failed (connect refused: ECONNREFUSED pending): the next call, or getsockopt SO_ERROR, reports it'
	assert_line '  event: fd 4: connection reset: ECONNRESET pending: the next call, or getsockopt SO_ERROR, reports it'
	assert_line 'getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0'
	assert_line 'getsockopt(5, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0'
	refute_output --partial 'peer reset?'
}

@test "events: a connection closed both ways is named as such, not as a reset" {
	SCRIPT_TEXT="${PAIR}shutdown 4 wr"$'\nwait 4 100\nclose 5\nwait 4 1000'
	repl
	assert_success
	assert_line '  event: fd 4: connection closed: FIN sent and received'
	refute_output --partial 'reset'
}

@test "after wait reports a change to the current socket, its state line is shown again for the prompt" {
	run sockrepl <<<$'socket\nbind 127.0.0.1 0\nlisten 0\nsocket\nnonblock on\nconnect @3\nsocket\nnonblock on\nconnect @3\nexpect tcp 5 SYN-SENT\nclose 3\nwait 5 5000\ngetsockopt 5 error'
	assert_success
	assert_line --regexp '^fd 5: DISCONNECTED \(connect refused: ECONNREFUSED pending; port [0-9]+ released\) · TCP CLOSED · non-blocking$'
	assert_line 'sockrepl [5 DISCONNECTED]> getsockopt 5 error'
	refute_output --partial 'sockrepl [5 CONNECTING]> getsockopt'
}

@test "an errno explained once is one line the next time from the same call: its cause here; --verbose keeps it whole" {
	SCRIPT_TEXT=$'socket\nnonblock on\nconnect 127.0.0.1 9\nsocket\nnonblock on\nconnect 127.0.0.1 9\nbind 9 127.0.0.1 0\nbind 9 127.0.0.1 0\nlisten 9 1\nexplain EINPROGRESS'
	repl
	[ "$(grep -c '^  EINPROGRESS: not a failure: the socket is non-blocking' <<<"$output")" -eq 1 ]
	assert_line '  EINPROGRESS again: not a failure: the socket is non-blocking, so connect sent the SYN and returned at once (explain EINPROGRESS for more)'
	[ "$(grep -c '^  EBADF: the fd is not open, so there is no socket to bind\.$' <<<"$output")" -eq 1 ]
	assert_line "  EBADF again: fd 9 is not open; this session's sockets are 3, 4. (explain EBADF for more)"
	# another call's EBADF is a first time: in full
	assert_line --partial '  EBADF: the fd is not open'
	run grep -c '^  try: ' <<<"$output"
	assert_output 3
	# explain gives it all back
	run sockrepl --no-echo <<<"$SCRIPT_TEXT"
	assert_line --partial 'connect: not a failure: the socket is non-blocking'
	run sockrepl --no-echo --verbose <<<"$SCRIPT_TEXT"
	refute_output --partial ' again: '
	[ "$(grep -c '^  EINPROGRESS: not a failure' <<<"$output")" -eq 2 ]
}

# widest LINES...: the widest line in columns (characters, not bytes) among
# those that are not call, state, table or wire lines, which never wrap.
widest_note() {
	grep -vE '^([a-z_0-9]+\(|fd [0-9]+: |  wire: |wire: |FD |[0-9]+ +)' | perl -CS -ne 'chomp; $w = length if length > $w; END { print $w + 0 }'
}

@test "notes, explanations and narration wrap at 80 columns in a script, between words; call lines never" {
	SCRIPT_TEXT=$'socket\nnonblock on\nconnect 127.0.0.1 9\nlisten 9 1\nsay This narration goes on and on, well past the eighty columns of a script, and so it wraps between two words\nexplain EISCONN'
	run env -u COLUMNS timeout 15 "$SOCKREPL" --no-echo <<<"$SCRIPT_TEXT"
	[ "$(widest_note <<<"$output")" -le 80 ]
	[ "$(widest_note <<<"$output")" -ge 70 ]	# and it did fill the lines
	assert_line 'connect(3, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)'
	assert_line '  EINPROGRESS: not a failure: the socket is non-blocking, so connect sent the'
	assert_line '    SYN and returned at once; the handshake goes on without you.'
	assert_line 'This narration goes on and on, well past the eighty columns of a script, and so'
	assert_line 'it wraps between two words'
	# COLUMNS sets another width; 0 turns wrapping off
	run env COLUMNS=60 timeout 15 "$SOCKREPL" --no-echo <<<"$SCRIPT_TEXT"
	[ "$(widest_note <<<"$output")" -le 60 ]
	run env COLUMNS=0 timeout 15 "$SOCKREPL" --no-echo <<<"$SCRIPT_TEXT"
	assert_line '  EINPROGRESS: not a failure: the socket is non-blocking, so connect sent the SYN and returned at once; the handshake goes on without you.'
}

@test "a word longer than the line is not broken: it stands on a line of its own" {
	run env COLUMNS=30 timeout 15 "$SOCKREPL" --no-echo <<<'say short words then averyveryveryverylongwordthatdoesnotfitinthirtycolumns and more'
	assert_output $'short words then\naveryveryveryverylongwordthatdoesnotfitinthirtycolumns\nand more'
}
