#!/usr/bin/env bats
# The API state is derived from the kernel: DISCONNECTED after a connect
# failed or a connection ended, with the cause, and what each call then does.

load test_helper

# A socket bound to a port and not listening: a connect there is refused.
REFUSER=$'socket\nbind 127.0.0.1 0\nsocket\n'

@test "a refused connect leaves the socket DISCONNECTED: the kernel released the port getsockname still shows" {
	SCRIPT_TEXT="${REFUSER}connect 4 @3"$'\ngetsockname 4\nsockets\nexpect state 4 DISCONNECTED\nsocket\nbind 5 @4'
	repl
	assert_success
	assert_line 'connect(4, {sa_family=AF_INET, sin_port=htons('"$(sed -n 's/^fd 3: BOUND to 127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$output")"'), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)'
	port=$(sed -n 's/^fd 4: DISCONNECTED (connect refused; port \([0-9]*\) released) · TCP CLOSED$/\1/p' <<<"$output" | head -n 1)
	[ -n "$port" ]
	# getsockname still shows the port, on the wildcard address the connect left ...
	assert_line "getsockname(4, {sa_family=AF_INET, sin_port=htons($port), sin_addr=inet_addr(\"0.0.0.0\")}, [16]) = 0"
	assert_line --regexp '^4 +tcp +DISCONNECTED +- +- +CLOSED +-$'
	# ... and another socket can bind it: nothing holds it.
	assert_line "bind(5, {sa_family=AF_INET, sin_port=htons($port), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0"
	refute_output --regexp '^fd 4: BOUND'
}

@test "a socket bound to an explicit port keeps it after a refused connect: it is BOUND" {
	# fd 5 binds the port fd 4 had (an explicit port, not port 0).
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket\nbind 127.0.0.1 0\nsocket\nclose 4\nbind 5 @4\nconnect 5 @3\nexpect ECONNREFUSED\nexpect state 5 BOUND'
	repl
	assert_success
	assert_line --regexp '^fd 5: BOUND to 127\.0\.0\.1:[0-9]+ · TCP CLOSED$'
	refute_output --partial 'DISCONNECTED'
}

@test "Linux lets a refused blocking connect be tried again on the same socket" {
	SCRIPT_TEXT="${REFUSER}connect 4 @3"$'\nlisten 3\nconnect @3\nexpect ok\nexpect state 4 CONNECTED'
	repl
	assert_success
	assert_line --regexp '^connect\(4, .*\) = 0$'
}

@test "a refused non-blocking connect: ECONNREFUSED pending, then none once SO_ERROR is read" {
	SCRIPT_TEXT="${REFUSER}nonblock on"$'\nconnect 4 @3\ngetsockopt 4 error\nexpect state 4 DISCONNECTED\nlisten 4 1\nconnect 4 @3\nconnect 4 @3'
	repl
	assert_success
	assert_line --regexp '^fd 4: DISCONNECTED \(connect refused: ECONNREFUSED pending; port [0-9]+ released\) · TCP CLOSED · non-blocking$'
	assert_line 'getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0'
	assert_line --regexp '^fd 4: DISCONNECTED \(connect refused; port [0-9]+ released\) · TCP CLOSED · non-blocking$'
	# What the kernel does next: listen refuses, the next connect reports the
	# consumed failure (ECONNABORTED), the one after starts afresh.
	assert_line 'listen(4, 1) = -1 EINVAL (Invalid argument)'
	assert_line --regexp '^connect\(4, .*\) = -1 ECONNABORTED \(Software caused connection abort\)$'
	assert_line --regexp '^connect\(4, .*\) = -1 EINPROGRESS \(Operation now in progress\)$'
}

@test "a second non-blocking connect reports the first one's pending ECONNREFUSED" {
	SCRIPT_TEXT="${REFUSER}nonblock on"$'\nconnect 4 @3\nconnect 4 @3'
	repl
	assert_success
	assert_line --regexp '^connect\(4, .*\) = -1 ECONNREFUSED \(Connection refused\)$'
	assert_line --regexp '^fd 4: DISCONNECTED \(connect refused; port [0-9]+ released\) · TCP CLOSED · non-blocking$'
}

# A listener (3), a client (4) and the accepted end (5).
PAIR=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept\n'

@test "a connection reset by the peer (SO_LINGER 0) is DISCONNECTED: connection reset, ECONNRESET pending" {
	SCRIPT_TEXT="${PAIR}setsockopt 5 linger on 0"$'\nclose 5\nexpect state 4 DISCONNECTED\nrecv 4\nexpect ECONNRESET\nrecv 4\nexpect ok\nconnect 4 @3\nexpect EISCONN\nlisten 4\nexpect EINVAL'
	repl
	assert_success
	assert_line --regexp '^fd 4: DISCONNECTED \(connection reset: ECONNRESET pending; port [0-9]+ released\) · TCP CLOSED$'
	assert_line --regexp '^fd 4: DISCONNECTED \(connection reset; port [0-9]+ released\) · TCP CLOSED$'
	assert_line '  0 bytes: the connection is over (the state line says why); every further recv returns 0 at once.'
	refute_output --regexp '^fd 4: BOUND'
}

@test "a connection closed both ways is DISCONNECTED, and the closing side's TIME-WAIT holds its port" {
	SCRIPT_TEXT="${PAIR}shutdown 4 wr"$'\nclose 5\nexpect state 4 DISCONNECTED\nexpect tcp 4 CLOSED\nss\nsend 4 late\nexpect EPIPE'
	repl
	assert_success
	port=$(sed -n 's/^fd 4: DISCONNECTED (connection closed: FIN sent and received; its TIME-WAIT holds port \([0-9]*\)) · TCP CLOSED$/\1/p' <<<"$output" | sort -u)
	[ -n "$port" ]
	# send's EPIPE does not turn the clean close into a reset.
	[ "$(grep -c '^fd 4: DISCONNECTED (connection closed: FIN sent and received' <<<"$output")" -eq 2 ]
	assert_line "  here: fd 4's connection is over (connection closed: FIN sent and received)."
	refute_output --regexp '^fd 4: DISCONNECTED \(connection reset'
	assert_line --regexp "^tcp +TIME-WAIT +0 +0 +127\.0\.0\.1:$port "
}

@test "the passive closer ends DISCONNECTED too, after its own FIN (LAST-ACK)" {
	SCRIPT_TEXT="${PAIR}close 4"$'\nshutdown 5 wr\nexpect state 5 DISCONNECTED'
	repl
	assert_success
	assert_line --regexp '^fd 5: DISCONNECTED \(connection closed: FIN sent and received; port [0-9]+ released\) · TCP CLOSED$'
}

@test "a reset in CLOSE-WAIT leaves EPIPE pending, as the kernel's tcp_reset decides" {
	# 5 closes with nothing unread; 4 sends into the closed socket, which answers RST.
	SCRIPT_TEXT="${PAIR}close 5"$'\nsend 4 late\nwait 4 1000\nexpect state 4 DISCONNECTED\ngetsockopt 4 error'
	repl
	assert_success
	assert_line --regexp '^  event: fd 4: connection reset after the peer.s FIN: EPIPE pending: the next call, or getsockopt SO_ERROR, reports it$'
	assert_line 'getsockopt(4, SOL_SOCKET, SO_ERROR, [EPIPE], [4]) = 0'
}

@test "state hints and expect state know DISCONNECTED" {
	SCRIPT_TEXT="${REFUSER}connect 4 @3"$'\nexpect state 4 CONNECTED\nexpect state 4 disconnected'
	repl
	assert_failure 1
	assert_line 'line 5: expected fd 4 to be CONNECTED, but it is DISCONNECTED'
}

@test "the connect picker retries a failed connect, never a connection that ended" {
	# fd 4's connect was refused; fd 6's connection was reset (its peer, 7, closed with linger 0).
	SCRIPT_TEXT="${REFUSER}connect 4 @3"$'\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect 6 @5\naccept 5\nsetsockopt 7 linger on 0\nclose 7\nexpect state 6 DISCONNECTED\nconnect @3'
	repl
	assert_success
	[ "$(grep -c '^connect(4, ' <<<"$output")" -eq 2 ]
	refute_output --regexp '^connect\(6, .*EISCONN'
}

@test "help sockets says what each API state means and how it is read" {
	run sockrepl --no-echo <<<'help sockets'
	assert_success
	for state in CREATED BOUND LISTENING CONNECTING CONNECTED HALF-CLOSED DISCONNECTED CLOSED; do
		assert_line --regexp "^  $state +"
	done
	assert_line --partial 'sock_diag no longer lists as held'
}

@test "listen after a refused blocking connect works, on a new port: 0.0.0.0 if the socket never bound" {
	SCRIPT_TEXT="${REFUSER}connect 4 @3"$'\nlisten 4 1\nexpect ok\nexpect state 4 LISTENING'
	repl
	assert_success
	old=$(sed -n 's/^fd 4: DISCONNECTED (connect refused; port \([0-9]*\) released) · TCP CLOSED$/\1/p' <<<"$output")
	new=$(sed -n 's/^fd 4: LISTENING on 0\.0\.0\.0:\([0-9]*\) · .*/\1/p' <<<"$output")
	[ -n "$old" ] && [ -n "$new" ] && [ "$old" != "$new" ]
}

@test "a DISCONNECTED socket's released port is nobody's: a refused connect there does not blame it" {
	SCRIPT_TEXT="${REFUSER}connect 4 @3"$'\nsocket\nconnect 5 @4'
	repl
	assert_line --regexp '^connect\(5, .*\) = -1 ECONNREFUSED \(Connection refused\)$'
	assert_line --regexp '^  ECONNREFUSED again: nothing listens on 127\.0\.0\.1:[0-9]+\. \(explain ECONNREFUSED for more\)$'
	refute_output --partial 'call listen 4'
}
