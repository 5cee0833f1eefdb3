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
