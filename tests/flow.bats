#!/usr/bin/env bats
# Flow control and message framing: a full receive buffer and its zero
# window, a full send buffer (a short write, EAGAIN, a blocking send that
# times out), MSG_PEEK leaving data queued, and messages read whole.

load test_helper

# fd 3 listens with a small receive buffer (the accepted fd 5 inherits it);
# fd 4 connects with a small send buffer.
SMALL=$'socket\nsetsockopt 3 rcvbuf 4096\nbind 127.0.0.1 0\nlisten\nsocket\nsetsockopt 4 sndbuf 4096\nconnect @3\naccept 3'
# The same, then a blocking send of 100000 bytes that SO_SNDTIMEO ends:
# afterwards fd 5's buffer is full and nothing moves.
FILLED="$SMALL"$'\nsetsockopt 4 sndtimeo 0.5\nsend 4 "x"*100000'

# sent_count CALL_REGEX : the return value of the first output line matching.
sent_count() {
	grep -E -m1 "$1" <<<"$output" | sed -E 's/.* = ([0-9]+)$/\1/'
}

@test "a blocking send to a reader that does not read returns fewer bytes than asked when SO_SNDTIMEO runs out" {
	SCRIPT_TEXT="$FILLED"
	repl
	assert_success
	assert_line --regexp '^sendto\(4, "x{32}"\.\.\., 100000, 0, NULL, 0\) = [0-9]+$'
	n="$(sent_count '^sendto\(4, ')"
	[ "$n" -gt 0 ] && [ "$n" -lt 100000 ]
}

@test "a full receive buffer advertises window 0, and the writer's state line says its bytes wait unsent" {
	SCRIPT_TEXT="$FILLED"$'\ngetsockopt 5 rcvbuf'
	repl
	assert_success
	assert_line --regexp '^fd 4: CONNECTED .* · TCP ESTABLISHED · Recv-Q 0 · Send-Q ([0-9]+) · the peer.s window is 0: [0-9]+ bytes wait unsent$'
	assert_line --regexp '^fd 5: CONNECTED .* · Recv-Q [0-9]+ · Send-Q 0 · window 0 \(advertised: the receive buffer is full, the peer must wait\)$'
	# every byte send took is unread at fd 5 or unsent at fd 4
	n="$(sent_count '^sendto\(4, ')"
	unsent="$(grep -E -m1 "^fd 4: .*wait unsent$" <<<"$output" | sed -E 's/.*window is 0: ([0-9]+) bytes.*/\1/')"
	unread="$(grep -E -m1 "^fd 5: .*window 0 " <<<"$output" | sed -E 's/.* Recv-Q ([0-9]+) .*/\1/')"
	[ "$((unsent + unread))" -eq "$n" ]
}

@test "a window that stops nothing is not named on the state line" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nsend 4 hello\nrecv 5 2'
	repl
	assert_success
	refute_output --partial 'window'
	assert_line --regexp '^fd 5: CONNECTED .* · TCP ESTABLISHED · Recv-Q 3 · Send-Q 0$'
}

@test "a non-blocking send to a full send buffer makes a short write, then fails with EAGAIN" {
	# fd 5 reads, so that fd 4 has room; poll waits for it (the ACK that frees it).
	SCRIPT_TEXT="$FILLED"$'\nrecv 5 100000\npoll 4:out 2000ms\nnonblock 4 on\nsend 4 "y"*100000\nsend 4 y\npoll 4:out 0ms'
	repl
	assert_success
	assert_line 'poll([{fd=4, events=POLLOUT}], 1, 2000) = 1 ([{fd=4, revents=POLLOUT}])'
	assert_line --regexp '^sendto\(4, "y{32}"\.\.\., 100000, 0, NULL, 0\) = [0-9]+$'
	n="$(sent_count '^sendto\(4, "y{32}"')"
	[ "$n" -gt 0 ] && [ "$n" -lt 100000 ]
	assert_line 'sendto(4, "y", 1, 0, NULL, 0) = -1 EAGAIN (Resource temporarily unavailable)'
	assert_line '  here: fd 4 is non-blocking and its send buffer is full.'
	assert_line 'poll([{fd=4, events=POLLOUT}], 1, 0) = 0 (Timeout)'
}

@test "a little room is not advertised: after recv of 1000 bytes the window stays 0" {
	SCRIPT_TEXT="$FILLED"$'\nrecv 5 1000'
	repl
	assert_success
	assert_line --regexp '^recvfrom\(5, "x{32}"\.\.\., 1000, 0, NULL, NULL\) = 1000$'
	assert_line --regexp '^fd 5: CONNECTED .* · Recv-Q [0-9]+ · Send-Q 0 · window 0 \(advertised: '
	assert_line '  all 1000 bytes: "x"*1000'
}

@test "recv waitall after shutdown wr drains every byte a full buffer held back, in order" {
	SCRIPT_TEXT="$FILLED"$'\nnonblock 4 on\nsend 4 "y"*100000\nshutdown 4 wr\nrecv 5 200000 waitall\nrecv 5'
	repl
	assert_success
	x="$(sent_count '^sendto\(4, "x{32}"')"
	y="$(grep -E '^sendto\(4, "y{32}"' <<<"$output" | sed -E 's/.* = (-1 EAGAIN.*|[0-9]+)$/\1/')"
	[[ "$y" == -1* ]] && y=0
	assert_line "recvfrom(5, \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"..., 200000, MSG_WAITALL, NULL, NULL) = $((x + y))"
	if [ "$y" -ge 16 ]; then	# a run shorter than 16 is quoted as it is
		assert_line "  all $((x + y)) bytes: \"x\"*$x + \"y\"*$y"
	fi
	assert_line 'recvfrom(5, "", 4096, 0, NULL, NULL) = 0'
}

@test "a recv note shows long runs of one byte as TEXT writes them, and other data quoted" {
	SCRIPT_TEXT=$'socketpair\nsend 3 "ab"*20\nrecv 4\nsend 3 "z"*40\nsend 3 "q"*16\nrecv 4'
	repl
	assert_success
	assert_line '  all 40 bytes: "abababababababababababababababababababab"'
	assert_line '  all 56 bytes: "z"*40 + "q"*16'
}

@test "two sends queued before a recv come back from one recv: TCP keeps no boundaries" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nsetsockopt 4 nodelay on\nconnect @3\naccept 3\nsend 4 "hello\\n"\nsend 4 "world\\n"\nrecv 5\nsend 4 "goodbye\\n"\nrecv 5 4\nrecv 5'
	repl
	assert_success
	assert_line 'recvfrom(5, "hello\nworld\n", 4096, 0, NULL, NULL) = 12'
	assert_line 'recvfrom(5, "good", 4, 0, NULL, NULL) = 4'
	assert_line 'recvfrom(5, "bye\n", 4096, 0, NULL, NULL) = 4'
}

@test "peek leaves the bytes queued and finds the first line; recv of that many takes exactly it" {
	SCRIPT_TEXT=$'socketpair\nsend 3 "GET /index"\nrecv 4 peek\nsend 3 ".html\\nGET /a"\nrecv 4 peek\nrecv 4 16\nrecv 4 peek'
	repl
	assert_success
	assert_line 'recvfrom(4, "GET /index", 4096, MSG_PEEK, NULL, NULL) = 10'
	assert_line 'recvfrom(4, "GET /index.html\nGET /a", 4096, MSG_PEEK, NULL, NULL) = 22'
	assert_line --regexp '^fd 4: CONNECTED .* · Recv-Q 22 · Send-Q '
	assert_line '  the first line ends at byte 16 (its \n): recv 4 16 takes exactly that line and leaves the rest queued.'
	assert_line 'recvfrom(4, "GET /index.html\n", 16, 0, NULL, NULL) = 16'
	assert_line 'recvfrom(4, "GET /a", 4096, MSG_PEEK, NULL, NULL) = 6'
	# no line noted where no \n came
	[ "$(grep -c 'the first line ends' <<<"$output")" -eq 1 ]
}

@test "a length-prefixed message larger than the receive buffer is read whole with waitall, not with a plain recv" {
	SCRIPT_TEXT=$'socket\nsetsockopt 3 rcvbuf 4096\nbind 127.0.0.1 0\nlisten\nsocket\nsetsockopt 4 nodelay on\nsetsockopt 4 sndbuf 65536\nconnect @3\naccept 3\nsend 4 "20000"\nsend 4 "x"*20000\nrecv 5 5 waitall\nrecv 5 20000 peek\nrecv 5 20000 waitall'
	repl
	assert_success
	assert_line 'sendto(4, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"..., 20000, 0, NULL, 0) = 20000'
	assert_line 'recvfrom(5, "20000", 5, MSG_WAITALL, NULL, NULL) = 5'
	n="$(sent_count '^recvfrom\(5, .*, 20000, MSG_PEEK, ')"
	[ "$n" -gt 0 ] && [ "$n" -lt 20000 ]
	assert_line 'recvfrom(5, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"..., 20000, MSG_WAITALL, NULL, NULL) = 20000'
	assert_line '  all 20000 bytes: "x"*20000'
}

@test "in the sandbox the wire shows the reader's window 0 under the send that fills its buffer" {
	needs_root
	SCRIPT_TEXT=$'wire on\n'"$FILLED"
	run sockrepl --no-echo --sandbox <<<"$SCRIPT_TEXT"
	assert_success
	under="$(awk '/^sendto\(4, / { on = 1; next } on && /^  wire: / { print; next } on { exit }' <<<"$output")"
	grep -qE '^  wire: IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.[0-9]+: Flags \[\.\], ack [0-9]+, win 0, ' <<<"$under"
	# the SYN-ACK offered a window of only part of SO_RCVBUF (8192)
	assert_line --regexp '^  wire: IP .*Flags \[S\.\], seq [0-9]+, ack [0-9]+, win 4096, '
}

@test "in the sandbox, while the window stays 0 the writer's kernel probes it on a timer and the reader answers win 0" {
	needs_root
	SCRIPT_TEXT=$'wire on\n'"$SMALL"$'\nnonblock 4 on\nsend 4 "x"*100000\nwait 3 1500'
	run sockrepl --no-echo --sandbox <<<"$SCRIPT_TEXT"
	assert_success
	client="$(grep -E -m1 '^fd 4: CONNECTED ' <<<"$output" | sed -E 's/^fd 4: CONNECTED 127\.0\.0\.1:([0-9]+) .*/\1/')"
	[ -n "$client" ]
	# after the first win 0: a segment from fd 4 with no data (the probe), then fd 5's win 0 again
	awk -v c="127.0.0.1.$client >" '
		/^  wire: / && /win 0,/ { zero++ }
		zero && /^  wire: / && index($0, c) && /Flags \[\.\], ack 1, / && /length 0$/ { probe = 1; next }
		probe && /^  wire: / && /win 0,/ { ok = 1 }
		END { exit !ok }' <<<"$output"
}
