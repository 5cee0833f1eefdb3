#!/usr/bin/env bats
# diagram: the TCP states a socket went through, as the kernel showed them.

load test_helper

@test "the listener stays in LISTEN; accept's socket starts at SYN-RECEIVED" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\ndiagram 3\ndiagram 5'
	repl
	assert_success
	assert_line '  path of fd 3: CLOSED -> LISTEN'
	assert_line '  path of fd 5: SYN-RECEIVED -> ESTABLISHED'
	assert_line '           [SYN-RECEIVED]              |'
	assert_line '     rcv SYN: a new   :                | rcv SYN+ACK, send ACK'
	assert_line '  LISTEN stays LISTEN: each SYN makes a new socket (:), which starts in'
}

@test "a refused connect is drawn SYN-SENT -[rcv RST]-> CLOSED, the reset explained" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket\nconnect @3\nexpect ECONNREFUSED\ndiagram 4'
	repl
	assert_success
	assert_line '  path of fd 4: CLOSED -> SYN-SENT -[rcv RST]-> CLOSED'
	assert_line '  SYN-SENT -> CLOSED is not in the figure: the SYN was answered by a reset, so connect failed with ECONNREFUSED: nothing listened there.'
}

@test "a non-blocking refused connect: the edge is labelled once connect reports it, and no SYN is invented" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket\nnonblock on\nconnect @3\nexpect EINPROGRESS\nwait 4 2000\ndiagram 4\nconnect 4 @3\nexpect ECONNREFUSED\ndiagram 4'
	repl
	assert_success
	assert_line '  path of fd 4: CLOSED -> SYN-SENT -> CLOSED'
	assert_line '  path of fd 4: CLOSED -> SYN-SENT -[rcv RST]-> CLOSED'
}

@test "SO_LINGER 0 close resets the peer: ESTABLISHED -[rcv RST]-> CLOSED once recv reports ECONNRESET" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nsetsockopt 5 linger on 0\nclose 5\nrecv 4\nexpect ECONNRESET\ndiagram 4'
	repl
	assert_success
	assert_line '  path of fd 4: CLOSED -> SYN-SENT -> ESTABLISHED -[rcv RST]-> CLOSED'
	assert_line '  ESTABLISHED -> CLOSED is not in the figure: the peer reset the connection, and a call failed with ECONNRESET.'
}

@test "an orderly close is drawn without reset labels" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nclose 5\nwait 4 2000\nrecv 4\ndiagram 4'
	repl
	assert_success
	assert_line '  path of fd 4: CLOSED -> SYN-SENT -> ESTABLISHED -> CLOSE-WAIT'
	refute_output --partial 'rcv RST'
}

# ---- marks: the captured segment that made each step (wire on: root) ----

# wire_label FLAGS [N]: the Nth wire line (default 1) with Flags [FLAGS], as
# ladder labels it: its flags, seq and ack, without window and options.
wire_label() {
	grep -F "Flags [$1]," <<<"$output" | sed -n "${2:-1}p" |
		sed -n 's/^  wire: IP [^ ]* > [^ ]*: Flags \(\[[^]]*\]\)\(.*\), win [0-9]*.*, length 0$/\1\2/p'
}

# marks: the lines under "the segment that made each step", up to the next call.
marks() {
	sed -n '/^  the segment that made each step, as captured on lo (wire):$/,/^[a-z]*(/p' <<<"$output" |
		sed -n 's/^    //p'
}

@test "with wire on, diagram marks connect's steps with the SYN sent and the SYN-ACK received, and the peer's close with its FIN" {
	needs_root
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept\nclose 5\nwait 4 2000\ndiagram 4'
	repl
	assert_success
	assert_line '  path of fd 4: CLOSED -> SYN-SENT -> ESTABLISHED -> CLOSE-WAIT'
	assert_line '  the segment that made each step, as captured on lo (wire):'
	[ "$(wire_label S)" != "" ] && [ "$(wire_label S.)" != "" ]
	[ "$(wire_label F.)" = "[F.], seq 1, ack 1" ]
	[ "$(marks)" = "CLOSED -> SYN-SENT:            sent $(wire_label S)
SYN-SENT -> ESTABLISHED:       received $(wire_label S.)
ESTABLISHED -> CLOSE-WAIT:     received [F.], seq 1, ack 1" ]
}

@test "diagram marks the accepted socket's step to ESTABLISHED with the handshake's last ACK, and its close with its FIN and the peer's" {
	needs_root
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept\nshutdown 5 wr\ndiagram 5\nclose 4\nwait 5 2000\ndiagram 5'
	repl
	assert_success
	assert_line --regexp '^  path of fd 5: SYN-RECEIVED -> ESTABLISHED -> FIN-WAIT-1( -> FIN-WAIT-2)?$'
	run marks
	assert_line 'SYN-RECEIVED -> ESTABLISHED:   received [.], ack 1'
	assert_line 'ESTABLISHED -> FIN-WAIT-1:     sent [F.], seq 1, ack 1'
	# fd 4's FIN acknowledges fd 5's and ends it (TIME-WAIT, which the fd shows
	# as CLOSED); or the ACK came first, alone, once the delayed ACK's timer
	# (40 ms) ran out on a loaded machine, and fd 5 was seen in FIN-WAIT-2
	assert_line --regexp '^FIN-WAIT-[12] -> CLOSED: +received \[F\.\], seq 1, ack 2$'
	if grep -q 'FIN-WAIT-1 -> FIN-WAIT-2' <<<"$output"; then
		assert_line 'FIN-WAIT-1 -> FIN-WAIT-2:      received [.], ack 2'
	fi
}

@test "diagram marks a refused connect's step to CLOSED with the RST that answered its SYN" {
	needs_root
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nsocket\nconnect @3\nexpect ECONNREFUSED\ndiagram 4'
	repl
	assert_success
	assert_line '  path of fd 4: CLOSED -> SYN-SENT -[rcv RST]-> CLOSED'
	[ "$(wire_label R.)" != "" ]
	[ "$(marks)" = "CLOSED -> SYN-SENT:            sent $(wire_label S)
SYN-SENT -> CLOSED:            received $(wire_label R.)" ]
}

@test "diagram marks the reset of an SO_LINGER 0 close with the RST received" {
	needs_root
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nsetsockopt 5 linger on 0\nclose 5\nrecv 4\nexpect ECONNRESET\ndiagram 4'
	repl
	assert_success
	assert_line '  path of fd 4: CLOSED -> SYN-SENT -> ESTABLISHED -[rcv RST]-> CLOSED'
	[ "$(wire_label R.)" = "[R.], seq 1, ack 1" ]
	run marks
	assert_line 'ESTABLISHED -> CLOSED:         received [R.], seq 1, ack 1'
}

@test "a step before wire on is said not captured, and without capture the diagram has no marks" {
	needs_root
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\ndiagram 4\nwire on\naccept\nclose 5\nwait 4 2000\ndiagram 4'
	repl
	assert_success
	[ "$(grep -c '^  path of fd 4' <<<"$output")" = 2 ]
	[ "$(grep -c 'the segment that made each step' <<<"$output")" = 1 ]
	[ "$(grep -n 'the segment that made each step' <<<"$output" | cut -d: -f1)" -gt "$(grep -n '^wire: on' <<<"$output" | cut -d: -f1)" ]
	# tcpdump saw no handshake: the FIN's numbers are absolute
	[ "$(marks)" = "CLOSED -> SYN-SENT:            not among this connection's captured segments
SYN-SENT -> ESTABLISHED:       not among this connection's captured segments
ESTABLISHED -> CLOSE-WAIT:     received $(wire_label F.)" ]
}

@test "connecting again after a refused connect: the first attempt's steps are not marked with the second one's segments" {
	needs_root
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nsocket\nconnect @3\nexpect ECONNREFUSED\nlisten 3\nconnect 4 @3\nexpect ok\ndiagram 4'
	repl
	assert_success
	assert_line '  path of fd 4: CLOSED -> SYN-SENT -[rcv RST]-> CLOSED -> SYN-SENT -> ESTABLISHED'
	[ "$(marks)" = "CLOSED -> SYN-SENT:            not among this connection's captured segments
SYN-SENT -> CLOSED:            not among this connection's captured segments
CLOSED -> SYN-SENT:            sent $(wire_label S 2)
SYN-SENT -> ESTABLISHED:       received $(wire_label S.)" ]
}
