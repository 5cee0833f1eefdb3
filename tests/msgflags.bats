#!/usr/bin/env bats
# The MSG_* flags of recv (peek, waitall, dontwait) and send (more).

load atlas_helper	# python_peer

# A listener (3), a client (4) and the accepted connection (5).
CONNECTED=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3'

@test "recv peek copies without taking: the bytes stay queued and the next recv returns them" {
	SCRIPT_TEXT="$CONNECTED"$'\nsend 4 hello\nrecv 5 3 peek\nrecv 5'
	repl
	assert_success
	assert_line 'recvfrom(5, "hel", 3, MSG_PEEK, NULL, NULL) = 3'
	assert_line --regexp '^fd 5: CONNECTED .* · Recv-Q 5 · Send-Q 0$'
	assert_line '  MSG_PEEK: these bytes were copied, not taken: still queued (Recv-Q on the state line counts them), and the next recv returns them again.'
	assert_line 'recvfrom(5, "hello", 4096, 0, NULL, NULL) = 5'
}

@test "recvfrom peek on UDP leaves the datagram queued" {
	SCRIPT_TEXT=$'socket udp\nbind 127.0.0.1 0\nsocket udp\nsendto @3 dgram\nrecvfrom 3 peek\nrecvfrom 3'
	repl
	assert_success
	assert_line --regexp '^recvfrom\(3, "dgram", 4096, MSG_PEEK, \{sa_family=AF_INET, .*\}, \[16\]\) = 5$'
	assert_line --partial 'MSG_PEEK: the datagram was copied, not taken'
	assert_line --regexp '^recvfrom\(3, "dgram", 4096, 0, \{sa_family=AF_INET, .*\}, \[16\]\) = 5$'
}

@test "recv waitall waits for all N bytes: a peer sends 3, then 2, and one recv returns 5" {
	python_peer 'import os, socket, sys, time
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
print(l.getsockname()[1], flush=True)
c, _ = l.accept()
c.sendall(b"abc")
end = time.time() + 10
while not os.path.exists(sys.argv[1]) and time.time() < end:
    time.sleep(0.01)
c.sendall(b"de")
c.recv(1)' "$BATS_TEST_TMPDIR/go"
	printf 'socket\nconnect 127.0.0.1 %s\npoll 3 5000ms\nrecv 3 5 waitall\n' "$port" \
		>"$BATS_TEST_TMPDIR/script"
	start_repl "$BATS_TEST_TMPDIR/script"
	wait_for 'MSG_WAITALL: 3 of the 5 bytes are here'
	# 3 bytes are queued, yet the call sleeps: it waits for all 5
	repl_blocked recvfrom 3
	touch "$BATS_TEST_TMPDIR/go"
	wait_for '= 5$'
	wait "$REPL_PID"
	wait "$peer"
	run cat "$OUT"
	assert_line '  (MSG_WAITALL: 3 of the 5 bytes are here; the call blocks until all have arrived or the peer closes; Ctrl-C interrupts)'
	assert_line 'recvfrom(3, "abcde", 5, MSG_WAITALL, NULL, NULL) = 5'
	assert_line '  MSG_WAITALL: recv returned only once all 5 bytes had arrived; without it, recv returns as soon as any byte is there.'
}

@test "recv waitall returns fewer bytes when the peer closes first" {
	SCRIPT_TEXT="$CONNECTED"$'\nsend 4 abc\nclose 4\nrecv 5 5 waitall'
	repl
	assert_success
	assert_line 'recvfrom(5, "abc", 5, MSG_WAITALL, NULL, NULL) = 3'
	assert_line --partial 'MSG_WAITALL, yet 3 of 5 bytes: the wait ended early (end of file,'
}

@test "recv dontwait on an empty blocking socket fails with EAGAIN at once, and says why" {
	SCRIPT_TEXT="$CONNECTED"$'\nrecv 5 dontwait\nexpect EAGAIN\nsend 4 x\nrecv 5 5 dontwait waitall'
	repl
	assert_success
	assert_line --regexp '^recvfrom\(5, 0x[0-9a-f]+, 4096, MSG_DONTWAIT, NULL, NULL\) = -1 EAGAIN '
	assert_line '  here: the call passed MSG_DONTWAIT, which makes this one call non-blocking (fd 5 itself is blocking), and nothing is waiting to be read.'
	refute_output --partial 'the call blocks until'
	assert_line 'recvfrom(5, "x", 5, MSG_DONTWAIT|MSG_WAITALL, NULL, NULL) = 1'
	assert_line '  MSG_WAITALL, yet 1 of 5 bytes: MSG_DONTWAIT forbids the wait, so recv returned what was there.'
}

@test "send more: TCP holds the bytes in Send-Q, then sends them on its own" {
	SCRIPT_TEXT="$CONNECTED"$'\nsend 5 more hel\npoll 4 2000ms\nrecv 4'
	repl
	assert_success
	assert_line 'sendto(5, "hel", 3, MSG_MORE, NULL, 0) = 3'
	assert_line --partial 'MSG_MORE: TCP holds these bytes (Send-Q)'
	assert_line --regexp '^fd 5: CONNECTED .* · Recv-Q 0 · Send-Q 3$'
	assert_line 'poll([{fd=4, events=POLLIN}], 1, 2000) = 1 ([{fd=4, revents=POLLIN}])'
	assert_line 'recvfrom(4, "hel", 4096, 0, NULL, NULL) = 3'
}

@test "send more, then a send without it: the peer gets both in one read" {
	SCRIPT_TEXT="$CONNECTED"$'\nsend 5 more hel\nsend 5 lo\nrecv 4'
	repl
	assert_success
	assert_line 'sendto(5, "lo", 2, 0, NULL, 0) = 2'
	assert_line 'recvfrom(4, "hello", 4096, 0, NULL, NULL) = 5'
}

@test "send more on UDP joins two sends into one datagram" {
	SCRIPT_TEXT=$'socket udp\nbind 127.0.0.1 0\nsocket udp\nconnect @3\nsend 4 more ab\nsend 4 cd\nrecvfrom 3'
	repl
	assert_success
	assert_line 'sendto(4, "ab", 2, MSG_MORE, NULL, 0) = 2'
	assert_line '  MSG_MORE: UDP holds these bytes; the next send without more adds its own and sends them all as one datagram.'
	assert_line --regexp '^recvfrom\(3, "abcd", 4096, 0, .*\) = 4$'
}

@test "a Unix socket ignores send more: the peer can read the bytes at once" {
	SCRIPT_TEXT=$'socketpair\nsend 3 more abc\nrecv 4 dontwait'
	repl
	assert_success
	assert_line '  MSG_MORE: a Unix socket ignores it: the bytes are queued for the peer at once.'
	assert_line 'recvfrom(4, "abc", 4096, MSG_DONTWAIT, NULL, NULL) = 3'
}

@test "a lone flag word is TEXT, and a third number besides FD and N is a usage error" {
	SCRIPT_TEXT=$'socketpair\nsend 3 more\nrecv 4 peek\nrecv 4 1 2'
	repl
	assert_failure 1
	assert_line 'sendto(3, "more", 4, 0, NULL, 0) = 4'
	assert_line 'recvfrom(4, "more", 4096, MSG_PEEK, NULL, NULL) = 4'
	assert_line "line 4: recv: '2' is no flag (peek, dontwait, waitall), and FD and N are already given"
}

@test "on the wire: a corked send or a send with more makes no segment; uncorking, or the next send, sends one" {
	needs_root	# wire on captures on lo
	SCRIPT_TEXT="wire on"$'\n'"$CONNECTED"$'\nsetsockopt 4 cork on\nsend 4 hel\nsetsockopt 4 cork off\nsend 4 more abc\nsend 4 de'
	repl
	assert_success
	full=$output
	# the line under each held send is its state line, not a segment
	run grep -A1 -E '^sendto\(4, "(hel|abc)"' <<<"$full"
	assert_line --regexp '^fd 4: CONNECTED .* · Send-Q 3$'
	refute_output --partial 'wire:'
	run grep -A1 -E '^setsockopt\(4, SOL_TCP, TCP_CORK, \[0\], 4\) = 0$' <<<"$full"
	assert_line --regexp '^  wire: IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.[0-9]+: Flags \[P\.\], seq 1:4, .*length 3$'
	run grep -A1 -E '^sendto\(4, "de", 2, 0, NULL, 0\) = 2$' <<<"$full"
	assert_line --regexp '^  wire: IP .* Flags \[P\.\], seq 4:9, .*length 5$'
}

@test "Nagle: with the peer delaying its ACK, the second of two small sends waits for it, and a note says why" {
	SCRIPT_TEXT="$CONNECTED"$'\nsetsockopt 5 quickack off\nsendmmsg 4 a b\nexpect ok\npoll 4 300ms\nrecv 5'
	# The note reads the kernel right after the call; the delayed ACK comes
	# 40 ms later. A run stalled longer than that (a loaded machine) sees the
	# byte gone already, so up to three runs, one of which must show it.
	for _ in 1 2 3; do
		repl
		assert_success
		# the delayed ACK came within the 300 ms poll, and the held byte went with it
		assert_line 'recvfrom(5, "ab", 4096, 0, NULL, NULL) = 2'
		grep -qF "  1 byte is not sent yet: Nagle's algorithm holds a small segment while an earlier small one is unacknowledged (1 segment in flight); it goes when the ACK comes. TCP_NODELAY on sends at once." <<<"$output" &&
			grep -qE '^fd 4: CONNECTED .* · Send-Q 2$' <<<"$output" && return 0
	done
	echo "no run showed the note"
	return 1
}

# wire_ts FLAGS SEQ : the TCP timestamp (ms) of the captured segment with
# these flags whose seq range ends at SEQ, from $output.
wire_ts() {
	sed -nE "s/^  wire: IP .* Flags \[$1\], seq ([0-9]+:)?$2, .*TS val ([0-9]+) .*/\2/p" <<<"$output" | head -n 1
}

@test "Nagle on the wire: the held segment leaves after the delayed ACK, 40 ms on; with TCP_NODELAY both at once" {
	needs_root	# the capture
	SCRIPT_TEXT="$CONNECTED"$'\nsend 4 x\nrecv 5\nsetsockopt 5 quickack off\nwire on\nsendmmsg 4 a b\nwait 4 300\nexpect wire order P. . P.\nsetsockopt 5 quickack off\nsetsockopt 4 nodelay on\nsendmmsg 4 c d\nwait 4 300\nexpect wire order P. P.'
	repl
	assert_success
	# seq numbers count from the first segment wire saw: a is 1:2 after x
	a=$(wire_ts 'P\.' '[0-9]*[0-9]'); b=$(wire_ts 'P\.' 2); c=$(wire_ts 'P\.' 3); d=$(wire_ts 'P\.' 4)
	[ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ -n "$d" ]
	# the kernel's own clock: b left only when the delayed ACK came, c and d together
	(( b - a >= 40 )) || { echo "b left $((b - a)) ms after a"; false; }
	(( d - c < 40 )) || { echo "d left $((d - c)) ms after c"; false; }
}

@test "TCP_CORK and MSG_MORE hold a small segment about 200 ms, then Linux sends it on its own (TCP timestamps, in ms, show it)" {
	needs_root	# the capture
	SCRIPT_TEXT="$CONNECTED"$'\nwire on\nsend 4 x\nsetsockopt 4 cork on\nsend 4 abc\nexpect wire none\nwait 4 1000\nsetsockopt 4 cork off\nsend 4 z\nsend 4 more y\nexpect wire none\nwait 4 1000'
	repl
	assert_success
	# the data segments fd 4 sent, as "seq TSval"
	run sed -nE 's/^  wire: IP .* Flags \[P\.\], seq ([0-9]+:)?([0-9]+), .*TS val ([0-9]+) .*/\2 \3/p' <<<"$output"
	[ "${#lines[@]}" -eq 4 ]
	read -r _ sent_x <<<"${lines[0]}"; read -r end_abc sent_abc <<<"${lines[1]}"
	read -r _ sent_z <<<"${lines[2]}"; read -r end_y sent_y <<<"${lines[3]}"
	[ "$end_abc" = 4 ] && [ "$end_y" = 6 ]
	# held at least 200 ms each (the kernel's timer), and sent within the wait
	(( sent_abc - sent_x >= 200 && sent_abc - sent_x <= 1000 )) || { echo "cork held $((sent_abc - sent_x)) ms"; false; }
	(( sent_y - sent_z >= 200 && sent_y - sent_z <= 1000 )) || { echo "more held $((sent_y - sent_z)) ms"; false; }
}

# send_q_zero PORT : the kernel's socket with local port PORT has sent and
# had acknowledged everything (ss: Send-Q 0).
send_q_zero() {
	ss -Htn "sport = :$1" | awk '{ exit !($3 == 0) }'
}

@test "segments that came while a script sat between lines count for the wait that follows" {
	needs_root	# the capture
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf '%s\n' socket 'bind 127.0.0.1 0' listen socket 'connect @3' 'accept 3' \
		'setsockopt 5 quickack off' 'wire on' 'sendmmsg 4 a b' >&8
	wait_for '^sendmmsg(4, '
	port=$(sed -n 's/^fd 4: CONNECTED 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$OUT" | head -n 1)
	# the delayed ACK and the held byte come while no line is being read
	wait_until send_q_zero "$port"
	printf '%s\n' 'wait 4 100' 'expect wire .' 'expect wire P.' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	refute_line --regexp '^line [0-9]+:'
	assert_line --regexp '^  wire: .* Flags \[\.\], ack 2, '
}
