#!/usr/bin/env bats
# The state line and the tables say what ss(8) says, read at the same moment:
# Recv-Q and Send-Q as ss counts them, Unix shutdown and listener queues,
# whole Unix paths, where a SYN-SENT socket is connecting to.

load test_helper

# feed LINES... : send script lines to the background REPL started by begin.
feed() {
	printf '%s\n' "$@" >&8
}

begin() {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
}

finish() {
	exec 8>&-
	wait "$REPL_PID"
}

# state FD : the last state line printed for fd FD.
state() {
	grep "^fd $1: " "$OUT" | tail -n 1
}

# recvq FD / sendq FD : the Recv-Q and Send-Q that fd FD's last state line shows (0: none shown).
recvq() {
	state "$1" | sed -n 's/.* · Recv-Q \([0-9]*\).*/\1/p' | grep . || echo 0
}
sendq() {
	state "$1" | sed -n 's/.* · Send-Q \([0-9]*\).*/\1/p' | grep . || echo 0
}

# local_port FD : the local port in fd FD's first state line that has one.
local_port() {
	sed -n "s/^fd $1: [A-Z-]* \(on \|to \)\{0,1\}127\.0\.0\.1:\([0-9]*\).*/\2/p" "$OUT" | head -n 1
}

# ss_row OPTS PORT [PEERPORT] : ss's row (State Recv-Q Send-Q Local Peer) for the socket
# on local PORT (connected to PEERPORT: another test's connection may share the local port).
ss_row() {
	ss -H "$1" "sport = :$2${3:+ and dport = :$3}" | awk '{ print $1, $2, $3, $4, $5 }'
}

# inode FD : the inode of our fd FD, from the Process column of sockrepl's own ss table.
inode() {
	awk -v fd="sockrepl fd $1" 'index($0, fd) && $0 ~ fd"$" { print $6 }' "$OUT" | tail -n 1
}

@test "UDP Recv-Q is the receive memory ss -uan shows, and the next datagram's size is named" {
	begin
	feed 'socket udp' 'bind 127.0.0.1 0' 'socket udp' 'connect @3' 'send abc' 'send ""' \
		'sendto 3 @4 hello' 'getsockname 3' 'getsockname 4' 'say one'
	wait_for '^one'
	real3=$(ss_row -uan "$(local_port 3)" | cut -d' ' -f2,3)
	real4=$(ss_row -uan "$(local_port 4)" "$(local_port 3)" | cut -d' ' -f2,3)
	ours3="$(recvq 3) $(sendq 3)" ours4="$(recvq 4) $(sendq 4)"
	# two datagrams (3 bytes, then an empty one) wait on the unconnected fd 3, one on fd 4
	state 3 | grep -Eq '^fd 3: BOUND to 127\.0\.0\.1:[0-9]+ · udp · Recv-Q [1-9][0-9]* \(kernel memory, not bytes\) · Send-Q 0 · next datagram 3 bytes$'
	state 4 | grep -Eq '^fd 4: CONNECTED .* · udp · Recv-Q [1-9][0-9]* \(kernel memory, not bytes\) · Send-Q 0 · next datagram 5 bytes$'
	assert_equal "$ours3" "$real3"
	assert_equal "$ours4" "$real4"
	feed 'recv 3' 'getsockname 3' 'say two'
	wait_for '^two'
	real3=$(ss_row -uan "$(local_port 3)" | cut -d' ' -f2,3)
	# the empty datagram is left: ss still counts its memory, the state line names it
	assert_equal "$(recvq 3) $(sendq 3)" "$real3"
	[ "$(recvq 3)" -gt 0 ]
	assert_equal "$(state 3 | sed 's/.*· //')" "next datagram 0 bytes"
	finish
}

@test "a Unix datagram socket's Recv-Q is the next datagram's size, as ss -xa shows" {
	begin
	feed 'socket unix dgram' "bind $BATS_TEST_TMPDIR/d.sock" 'socket unix dgram' \
		"connect $BATS_TEST_TMPDIR/d.sock" 'send abc' 'send hello' 'getsockname 3' 'ss' 'say one'
	wait_for '^one'
	real3=$(ss -xaH | awk -v ino="$(inode 3)" '$6 == ino { print $3, $4 }')
	real4=$(ss -xaH | awk -v ino="$(inode 4)" '$6 == ino { print $3, $4 }')
	state 3 | grep -Eq '^fd 3: BOUND to .*/d\.sock · unix-dg · Recv-Q 3 \(the next datagram.s size\) · Send-Q 0$'
	assert_equal "$real3" "3 0"
	# the sender's Send-Q: the memory its two unread datagrams take at the receiver
	state 4 | grep -Eq '^fd 4: CONNECTED .* · unix-dg · Recv-Q 0 · Send-Q [1-9][0-9]* \(kernel memory of what the receiver has not read\)$'
	assert_equal "$(recvq 4) $(sendq 4)" "$real4"
	feed 'recv 3' 'recv 3' 'send ""' 'getsockname 3' 'say two'
	wait_for '^two'
	# an empty datagram waiting: Recv-Q 0 (ss shows 0 too), yet the line says one is there
	state 3 | grep -q ' · Recv-Q 0 (the next datagram.s size) · Send-Q 0$'
	assert_equal "$(ss -xaH | awk -v ino="$(inode 3)" '$6 == ino { print $3, $4 }')" "0 0"
	finish
}

@test "ss's Unix rows are ss -xa's rows: listener queue, connections, datagrams" {
	begin
	feed 'socket unix' "bind $BATS_TEST_TMPDIR/s.sock" 'listen 3 4' 'socket unix' \
		"connect $BATS_TEST_TMPDIR/s.sock" 'socket unix' "connect $BATS_TEST_TMPDIR/s.sock" \
		'accept 3' 'send 4 hello' 'socket unix dgram' "bind $BATS_TEST_TMPDIR/d.sock" \
		'sendto 7 @7 hi' 'say marker' 'ss' 'say done'
	wait_for '^done'
	ss -xaH | awk '{ st = $2 == "ESTAB" ? "ESTABLISHED" : $2; print $1, st, $3, $4, $5, $6, $7, $8 }' |
		sort >"$BATS_TEST_TMPDIR/real"
	finish
	sed -n '/^marker/,/^done/p' "$OUT" | awk '$1 ~ /^u_(str|dgr|seq)$/ { print $1, $2, $3, $4, $5, $6, $7, $8 }' |
		sort >"$BATS_TEST_TMPDIR/ours"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ours")" -eq 5 ]	# the listener, two clients, the accepted one, fd 7
	run comm -23 "$BATS_TEST_TMPDIR/ours" "$BATS_TEST_TMPDIR/real"
	assert_output ""
	run cat "$OUT"
	assert_line --regexp "^u_str LISTEN +1 +4  $BATS_TEST_TMPDIR/s\.sock [0-9]+ +\* 0 +sockrepl fd 3$"
	assert_line --regexp "^u_dgr UNCONN +2 +[1-9][0-9]*  $BATS_TEST_TMPDIR/d\.sock [0-9]+ +\* 0 +sockrepl fd 7$"
	assert_line --partial 'u_str, u_dgr: on a LISTEN row, connections waiting for accept / the backlog;'
}

# arrow FD : ss -xe's shutdown arrow for our fd FD ("<->" open, "<--" no sending, "-->" no receiving).
arrow() {
	ss -xaeH | awk -v ino="$(inode "$1")" '$6 == ino { print $9 }'
}

@test "a Unix stream shutdown shows HALF-CLOSED on both ends, as ss -xe's arrows do" {
	begin
	feed 'socketpair' 'socketpair' 'shutdown 3 wr' 'shutdown 6 rd' 'getsockname 4' 'getsockname 5' 'ss' \
		'say one'
	wait_for '^one'
	assert_equal "$(arrow 3) $(arrow 4) $(arrow 5) $(arrow 6)" "<-- --> <-- -->"
	state 3 | grep -q '^fd 3: HALF-CLOSED (unnamed) -> (unnamed) · unix · no more sending (shut down here, or the peer stopped receiving)$'
	state 4 | grep -q '^fd 4: HALF-CLOSED (unnamed) -> (unnamed) · unix · no more receiving (shut down here, or the peer stopped sending)$'
	state 5 | grep -q '^fd 5: HALF-CLOSED .* · no more sending (shut down here, or the peer stopped receiving)$'
	state 6 | grep -q '^fd 6: HALF-CLOSED .* · no more receiving (shut down here, or the peer stopped sending)$'
	# what the words promise: fd 5 cannot send any more, fd 4 reads end of file
	feed 'send 5 x' 'expect EPIPE' 'recv 4' 'expect ok' 'close 4' 'getsockname 3' 'ss' 'say two'
	wait_for '^two'
	assert_equal "$(arrow 3)" "---"
	state 3 | grep -q '^fd 3: HALF-CLOSED .* · unix · both directions shut$'
	finish
	run cat "$OUT"
	assert_line 'recvfrom(4, "", 4096, 0, NULL, NULL) = 0'
	refute_output --regexp '^line [0-9]+:'
}

@test "a 107-byte Unix path is shown whole in the state line and both tables" {
	path="$BATS_TEST_TMPDIR/"
	while [ "${#path}" -lt 102 ]; do path="${path}x"; done
	path="$path.sock"
	[ "${#path}" -eq 107 ]
	begin
	feed 'socket unix' "bind $path" 'listen' 'socket unix' "connect $path" 'accept 3' 'sockets' 'ss' 'say one'
	wait_for '^one'
	real=$(ss -xaH | awk -v p="$path" '$5 == p && $2 == "LISTEN" { print $5, $6 }')
	finish
	run cat "$OUT"
	assert_line --partial "fd 3: LISTENING on $path · unix · accept queue"
	assert_line "fd 4: CONNECTED (unnamed) -> $path · unix"
	assert_line "fd 5: CONNECTED $path -> (unnamed) · unix"
	assert_line --regexp "^3 +unix +LISTENING +$path +- +- +"
	assert_line --regexp "^4 +unix +CONNECTED +- +$path +- +-$"
	assert_line --regexp "^u_str LISTEN +0 +1  $real +\* 0 +sockrepl fd 3$"
}

@test "a SYN-SENT socket shows its destination and the SYN in Send-Q, as ss -tan does" {
	begin
	# listen 0 lets one connection wait; the second client's SYN is dropped, so it stays SYN-SENT
	feed 'socket' 'bind 127.0.0.1 0' 'listen 3 0' 'socket' 'connect @3' 'socket' 'nonblock on' \
		'connect @3' 'expect EINPROGRESS' 'expect tcp 5 SYN-SENT' 'sockets' 'ss' 'say one'
	wait_for '^one'
	listener=$(local_port 3)
	real=$(ss_row -tan "$(local_port 5)" "$listener")
	ours=$(state 5)
	finish
	assert_equal "$real" "SYN-SENT 0 1 127.0.0.1:$(local_port 5) 127.0.0.1:$listener"
	assert_equal "$ours" "fd 5: CONNECTING 127.0.0.1:$(local_port 5) -> 127.0.0.1:$listener, waiting for the SYN-ACK · TCP SYN-SENT · Recv-Q 0 · Send-Q 1 (the SYN, not yet answered) · non-blocking"
	run cat "$OUT"
	assert_line --regexp "^5 +tcp +CONNECTING +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:$listener +SYN-SENT +-$"
	assert_line --regexp "^tcp +SYN-SENT +0 +1  127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:$listener +sockrepl fd 5$"
	refute_output --regexp '^line [0-9]+:'
}

@test "a Unix listener's queue is read from the kernel: listen N lets N+1 connect, then EAGAIN" {
	begin
	feed 'socket unix' "bind $BATS_TEST_TMPDIR/q.sock" 'listen 3 1'
	for _ in 1 2 3; do feed 'socket unix' 'nonblock on' "connect $BATS_TEST_TMPDIR/q.sock"; done
	feed 'expect EAGAIN' 'expect queue 3 2' 'getsockname 3' 'sockets' 'ss' 'say one'
	wait_for '^one'
	real=$(ss -xaH | awk -v p="$BATS_TEST_TMPDIR/q.sock" '$5 == p && $2 == "LISTEN" { print $3, $4 }')
	feed 'accept 3' 'expect queue 3 1' 'say two'
	wait_for '^two'
	finish
	assert_equal "$real" "2 1"
	run cat "$OUT"
	assert_line --regexp '^connect\(6, .*\) = -1 EAGAIN '
	assert_line --regexp '^connect\(5, .*\) = 0$'
	assert_line --partial "fd 3: LISTENING on $BATS_TEST_TMPDIR/q.sock · unix · accept queue"
	assert_line --regexp "^3 +unix +LISTENING +$BATS_TEST_TMPDIR/q\.sock +- +- +(2/1|2 waiting \(up to 2\))$"
	assert_line --regexp "^u_str LISTEN +2 +1  $BATS_TEST_TMPDIR/q\.sock [0-9]+ +\* 0 +sockrepl fd 3$"
	refute_output --regexp '^line [0-9]+:'
}

@test "in CLOSE-WAIT Recv-Q counts the peer's FIN as ss -tan does, and says so" {
	begin
	feed 'socket' 'bind 127.0.0.1 0' 'listen' 'socket' 'connect @3' 'accept 3' 'socket' 'connect @3' \
		'accept 3' 'send 5 abc' 'close 5' 'close 7' 'expect tcp 4 CLOSE-WAIT' 'expect tcp 6 CLOSE-WAIT' \
		'getsockname 4' 'getsockname 6' 'say one'
	wait_for '^one'
	real4=$(ss_row -tan "$(local_port 4)" "$(local_port 3)" | cut -d' ' -f1-3)
	real6=$(ss_row -tan "$(local_port 6)" "$(local_port 3)" | cut -d' ' -f1-3)
	ours4=$(state 4) ours6=$(state 6)
	feed 'recv 4' 'recv 6' 'getsockname 4' 'getsockname 6' 'say two'
	wait_for '^two'
	after4=$(ss_row -tan "$(local_port 4)" "$(local_port 3)" | cut -d' ' -f1-3)
	after6=$(ss_row -tan "$(local_port 6)" "$(local_port 3)" | cut -d' ' -f1-3)
	ours4b=$(state 4) ours6b=$(state 6)
	finish
	assert_equal "$real4" "CLOSE-WAIT 4 0"
	assert_equal "$real6" "CLOSE-WAIT 1 0"
	[[ "$ours4" == *" · TCP CLOSE-WAIT · Recv-Q 4 (3 bytes + the peer's FIN) · Send-Q 0 · "* ]]
	[[ "$ours6" == *" · TCP CLOSE-WAIT · Recv-Q 1 (the peer's FIN: recv returns 0) · Send-Q 0 · "* ]]
	# recv read the bytes (and the FIN with the last one) or the FIN alone (= 0): nothing left
	assert_equal "$after4 $after6" "CLOSE-WAIT 0 0 CLOSE-WAIT 0 0"
	[[ "$ours4b" != *Recv-Q* && "$ours6b" != *Recv-Q* ]]
	run cat "$OUT"
	assert_line 'recvfrom(4, "abc", 4096, 0, NULL, NULL) = 3'
	assert_line 'recvfrom(6, "", 4096, 0, NULL, NULL) = 0'
}

@test "closing a Unix listener with a connection waiting says it resets it, and it does" {
	SCRIPT_TEXT=$'socket unix\nbind r.sock\nlisten\nsocket unix\nconnect r.sock\nclose 3\nrecv 4\nexpect ECONNRESET'
	TMPDIR="$BATS_TEST_TMPDIR" repl
	assert_success
	assert_line '  note: 1 connection was waiting in the accept queue; closing the listener resets it.'
	assert_line --regexp '^recvfrom\(4, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 ECONNRESET '
}

@test "UDP shutdown bits are shown with what they do: EPIPE on send, recv 0 once nothing waits" {
	SCRIPT_TEXT=$'socket udp\nbind 127.0.0.1 0\nsocket udp\nconnect @3\nshutdown 4 wr\nsend 4 x\nexpect EPIPE\nshutdown 3 rd\nexpect ENOTCONN\nrecv 3\nexpect ok\nsocket udp\nsendto 5 @3 z\nrecv 3'
	repl
	assert_success
	assert_line --regexp '^fd 4: HALF-CLOSED .* · udp · no more sending \(shut down here: send fails with EPIPE; UDP tells no one\)$'
	# Linux sets the bit although shutdown says ENOTCONN on an unconnected socket
	assert_line --regexp '^fd 3: BOUND to .* · udp · no more receiving \(shut down here: recv returns 0 once no datagram waits\)$'
	assert_line 'recvfrom(3, "", 4096, 0, NULL, NULL) = 0'
	assert_line 'recvfrom(3, "z", 4096, 0, NULL, NULL) = 1'
}

@test "our FIN counts one in Send-Q until it is acknowledged, and the line says so" {
	# The peer acknowledges a FIN with a delayed ACK (40 ms or more), so the line
	# printed right after shutdown normally catches FIN-WAIT-1; either way it must be worded.
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nsend 4 abc\nshutdown 4 wr\nwait 4 300\nsocket\nexpect tcp 4 FIN-WAIT-2\ngetsockname 4'
	repl
	assert_success
	line=$(grep '^fd 4: HALF-CLOSED' <<<"$output" | head -n 1)
	[[ "$line" == *"TCP FIN-WAIT-1 · Recv-Q 0 · Send-Q 1 (the FIN, not yet acknowledged) · "* ||
	   "$line" == *"TCP FIN-WAIT-2 · no more sending (FIN sent and acknowledged)"* ]]
	assert_line --regexp '^fd 4: HALF-CLOSED .* · TCP FIN-WAIT-2 · no more sending \(FIN sent and acknowledged\)$'
}

@test "bytes still unread after the connection ended are shown, and recv reads them" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nshutdown 4 wr\nsend 5 abc\nclose 5\nexpect tcp 4 CLOSED\ngetsockname 4\nrecv 4\nrecv 4'
	repl
	assert_success
	assert_line --regexp '^fd 4: .* · TCP CLOSED · Recv-Q 3 \(still readable: the connection has ended\) · Send-Q 0$'
	assert_line 'recvfrom(4, "abc", 4096, 0, NULL, NULL) = 3'
	assert_line 'recvfrom(4, "", 4096, 0, NULL, NULL) = 0'
}

@test "ss shows a peer's abstract Unix name as ss -xa does, with @" {
	begin
	feed 'socket unix' "bind $BATS_TEST_TMPDIR/a.sock" 'listen'
	wait_for '^fd 3: LISTENING'
	name="sockrepl-test-$$-$RANDOM"
	timeout 10 /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(b"\0" + sys.argv[1].encode())
s.connect(sys.argv[2])
time.sleep(5)' "$name" "$BATS_TEST_TMPDIR/a.sock" 3>&- 8>&- &
	peer=$!
	feed 'accept' 'ss' 'say one'
	wait_for '^one'
	real=$(ss -xaH | awk -v n="@$name" '$5 == n { print $1, $2, $3, $4, $5, $6, $7, $8 }')
	finish
	kill "$peer" 2>/dev/null || true
	[ -n "$real" ]
	run cat "$OUT"
	assert_line --regexp "^${real%% *} +ESTABLISHED +0 +0  @$name [0-9]+ +\* [0-9]+ +python3 \(pid [0-9]+\)$"
	ours=$(awk -v n="@$name" '$5 == n { print $1, ($2 == "ESTABLISHED" ? "ESTAB" : $2), $3, $4, $5, $6, $7, $8 }' "$OUT")
	assert_equal "$ours" "$real"
}
