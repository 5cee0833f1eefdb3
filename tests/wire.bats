#!/usr/bin/env bats
# wire: the segments of the session's sockets, as tcpdump -n -i lo prints them.

load test_helper

# The output's wire lines, without their "  wire: " mark.
wire_lines() {
	sed -n 's/^  wire: //p' "$1"
}

# tcpdump_start: real tcpdump on lo, line-buffered, writing to $TD_OUT; waits
# until it captures ("listening on lo" on its stderr). Sets TD_PID. Its ring
# holds few packets of the default snap length (256 KiB each): a loaded
# machine that schedules it late would make it drop some, so it keeps 256
# bytes of each (the headers, all that its lines show) in an 8 MiB buffer.
tcpdump_start() {
	TD_OUT="$BATS_TEST_TMPDIR/tcpdump"
	: >"$BATS_TEST_TMPDIR/tcpdump.err"
	timeout 20 tcpdump --immediate-mode -s 256 -B 8192 -n -i lo -l >"$TD_OUT" 2>"$BATS_TEST_TMPDIR/tcpdump.err" &
	TD_PID=$!
	wait_until grep -q "listening on lo" "$BATS_TEST_TMPDIR/tcpdump.err"
}

# in_tcpdump_order OURS: every line of OURS is a line of tcpdump's output with
# its timestamp removed, in the same order (a subsequence: tcpdump also sees
# other packets on lo, and ICMP); prints the first that is not.
in_tcpdump_order() {
	cut -d' ' -f2- "$TD_OUT" >"$BATS_TEST_TMPDIR/tcpdump-lines"
	awk 'NR == FNR { seen[++n] = $0; next }
	     { while (i < n && seen[++i] != $0) ; if (seen[i] != $0) { print "not in tcpdump output: " $0; bad = 1; exit } }
	     END { exit bad }' "$BATS_TEST_TMPDIR/tcpdump-lines" "$1"
}

# tcpdump_has_all OURS: tcpdump printed (so far) every line of OURS.
tcpdump_has_all() {
	in_tcpdump_order "$1" >/dev/null
}

@test "every wire line is the line tcpdump -n -i lo prints for it, in order: handshake, data, FIN, RST, refused, UDP, ICMP, IPv6" {
	needs_tool tcpdump
	cat >"$BATS_TEST_TMPDIR/script" <<-'SCRIPT'
		wire on
		socket
		bind 127.0.0.1 0
		listen
		socket
		connect @3
		accept
		send 4 hello
		recv 5
		send 5 "world!\n"
		recv 4
		close 4
		recv 5
		close 5
		socket
		connect @3
		accept
		setsockopt 4 SO_LINGER on 0
		close 4
		close 5
		socket
		bind 127.0.0.1 0
		socket
		close 4
		connect 5 @4
		socket udp
		bind 127.0.0.1 0
		socket udp
		sendto 6 @4 "ping"
		recvfrom 4
		socket inet6
		bind ::1 0
		listen
		socket inet6
		connect @7
		accept
		send 8 "v6 data"
		recv 9
		close 8
		close 4
		sendto 6 @4 gone
		socket udp inet6
		bind ::1 0
		socket udp inet6
		close 4
		sendto 8 @4 gone6
	SCRIPT
	tcpdump_start
	timeout 15 "$SOCKREPL" --no-echo <"$BATS_TEST_TMPDIR/script" >"$BATS_TEST_TMPDIR/out" 2>&1
	wire_lines "$BATS_TEST_TMPDIR/out" >"$BATS_TEST_TMPDIR/ours"
	wait_until -q tcpdump_has_all "$BATS_TEST_TMPDIR/ours" || true
	kill "$TD_PID"; wait "$TD_PID" || true
	grep -q '^0 packets dropped by kernel$' "$BATS_TEST_TMPDIR/tcpdump.err"
	# the script's cases all appear
	grep -q 'Flags \[S\], seq [0-9]*, win' "$BATS_TEST_TMPDIR/ours"
	grep -q 'Flags \[S\.\], seq [0-9]*, ack [0-9]*, win' "$BATS_TEST_TMPDIR/ours"
	grep -q 'Flags \[P\.\], seq 1:6, ack 1, win' "$BATS_TEST_TMPDIR/ours"
	grep -q 'Flags \[F\.\], seq 6, ack 8, win' "$BATS_TEST_TMPDIR/ours"
	grep -q 'Flags \[R\.\], seq 1, ack 1, win' "$BATS_TEST_TMPDIR/ours"
	grep -q 'Flags \[R\.\], seq 0, ack [0-9]*, win 0, length 0$' "$BATS_TEST_TMPDIR/ours"
	grep -q '^IP 127\.0\.0\.1\.[0-9]* > 127\.0\.0\.1\.[0-9]*: UDP, length 4$' "$BATS_TEST_TMPDIR/ours"
	grep -q '^IP6 ::1\.[0-9]* > ::1\.[0-9]*: Flags \[P\.\], seq 1:8, ack 1' "$BATS_TEST_TMPDIR/ours"
	grep -q '^IP 127\.0\.0\.1 > 127\.0\.0\.1: ICMP 127\.0\.0\.1 udp port [0-9]* unreachable, length 40$' "$BATS_TEST_TMPDIR/ours"
	grep -q '^IP6 ::1 > ::1: ICMP6, destination unreachable, unreachable port, ::1 udp port [0-9]*, length 61$' "$BATS_TEST_TMPDIR/ours"
	run in_tcpdump_order "$BATS_TEST_TMPDIR/ours"
	[ "$status" -eq 0 ] || { cp "$BATS_TEST_TMPDIR"/{ours,tcpdump,tcpdump.err,out} /tmp/wirefail/ 2>/dev/null; cat "$TD_OUT" "$BATS_TEST_TMPDIR/tcpdump.err" >&2; }
	assert_success
}

@test "wire brief is tcpdump's line without the TCP options" {
	SCRIPT_TEXT=$'wire brief\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept\nsend 4 hi'
	repl
	assert_success
	assert_line --regexp '^wire: brief: capturing on lo \(an AF_PACKET socket, fd [0-9]+\)'
	assert_line --regexp '^  wire: IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.[0-9]+: Flags \[S\], seq [0-9]+, win 65495, length 0$'
	assert_line --regexp '^  wire: IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.[0-9]+: Flags \[P\.\], seq 1:3, ack 1, win [0-9]+, length 2$'
	refute_line --partial 'options ['
}

@test "the segments a call caused are printed under its call line" {
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3'
	repl
	assert_success
	# connect's line, its three handshake segments, then its state line
	[ "$(grep -A4 '^connect(4' <<<"$output" | sed -E 's/^(  wire: IP [^ ]* > [^ ]* Flags \[[^]]*\]).*/\1/; s/^(fd 4: [A-Z]*).*/\1/; s/^(connect).*/\1/' | sed -E 's/[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/A/g' | tr '\n' '|')" = \
	  'connect|  wire: IP A > A: Flags [S]|  wire: IP A > A: Flags [S.]|  wire: IP A > A: Flags [.]|fd 4: CONNECTED|' ]
}

@test "wire off stops the lines; wire with a wrong word is a usage error" {
	SCRIPT_TEXT=$'wire on\nwire off\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nwire sideways'
	repl
	assert_failure 1
	assert_line 'wire: off'
	refute_line --partial '  wire: IP'
	assert_output --partial "wire: 'sideways': write wire on, wire off or wire brief"
}

@test "--wire turns capture on at start" {
	run timeout 15 "$SOCKREPL" --no-echo --wire <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3'
	assert_success
	assert_line --regexp '^wire: on: capturing on lo'
	assert_line --regexp '^  wire: IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.[0-9]+: Flags \[S\], seq [0-9]+, win 65495, options \[mss 65495,sackOK,TS val [0-9]+ ecr 0,nop,wscale [0-9]+\], length 0$'
}

@test "a 1 MB send is summed up after 20 lines: segments and bytes, all 1,048,576 counted" {
	# a big receive buffer on the listener opens a window that takes the burst at once
	SCRIPT_TEXT=$'socket\nsetsockopt SO_RCVBUF 8388608\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept\nwire on\nsend 4 "x"*1048576'
	repl
	assert_success
	[ "$(grep -A21 '^sendto(4' <<<"$output" | grep -c '^  wire: IP')" -eq 20 ]
	assert_line --regexp '^  wire: … [0-9]+ more segments, [0-9,]+ bytes of data \(20 lines a call at most\)$'
	# the bytes shown plus the bytes summed up are the bytes sent
	shown=$(grep -A21 '^sendto(4' <<<"$output" | sed -n 's/.*127\.0\.0\.1\.[0-9]* > .*, length \([0-9]*\)$/\1/p' | awk '{ n += $1 } END { print n }')
	summed=$(sed -n 's/^  wire: … [0-9]* more segments, \([0-9,]*\) bytes.*/\1/p' <<<"$output" | tr -d ,)
	[ $((shown + summed)) -eq 1048576 ]
}

@test "a segment a peer sends wakes wait: its wire lines come before the event" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsay ready\nwait 5000\n' >&8
	wait_for '^ready'
	port=$(port_of 3)
	timeout 10 /usr/bin/python3 -c 'import socket, sys; s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.close()' "$port"
	wait_for 'event: fd 3: a connection is waiting'
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp "^  wire: IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$port: Flags \[S\], seq"
	# the handshake's lines are printed before the event they caused
	[ "$(grep -n "Flags \[S\.\]" "$OUT" | head -n1 | cut -d: -f1)" -lt "$(grep -n 'event: fd 3' "$OUT" | cut -d: -f1)" ]
}

@test "without CAP_NET_RAW, wire on says why and the ways out, and state lines count segments (TCP_INFO)" {
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept\nsend 4 hello'
	run timeout 15 setpriv --reuid=65534 --regid=65534 --clear-groups "$SOCKREPL" --no-echo <<<"$SCRIPT_TEXT"
	assert_success
	assert_line 'wire: cannot capture: socket(AF_PACKET, ...) fails with EPERM: capturing packets needs CAP_NET_RAW, which this process lacks; run sockrepl as root, or sockrepl --sandbox (its own user and network namespace, where it has it)'
	refute_line --partial '  wire: IP'
	# connect: SYN and the final ACK sent, the SYN-ACK received
	assert_line --regexp '^fd 4: CONNECTED .* · TCP ESTABLISHED · segments since last shown: 2 sent, 1 received \(TCP_INFO\)$'
	# send: the data out, its ACK in
	assert_line --regexp '^fd 4: CONNECTED .* · segments since last shown: 1 sent, 1 received \(TCP_INFO\)$'
}

@test "without capture, a new socket on a closed socket's fd number counts its own segments" {
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten 3 5\nsocket\nconnect 4 @3\nclose 4\nsocket\nconnect 4 @3'
	run timeout 15 setpriv --reuid=65534 --regid=65534 --clear-groups "$SOCKREPL" --no-echo <<<"$SCRIPT_TEXT"
	assert_success
	# both connects: SYN and the final ACK sent, the SYN-ACK received
	run grep -c '^fd 4: CONNECTED .* · segments since last shown: 2 sent, 1 received (TCP_INFO)$' <<<"$output"
	assert_output 2
}

@test "segments a peer sent while a script sat between lines show before the next line, not under its call" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsay ready\n' >&8
	wait_for '^ready'
	timeout 5 /usr/bin/python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()' "$(port_of 3)"
	printf 'getsockname 3\nladder 3\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	syn=$(grep -n 'wire: IP .*: Flags \[S\],' "$OUT" | head -n 1 | cut -d: -f1)
	call=$(grep -n '^getsockname(3' "$OUT" | cut -d: -f1)
	[ -n "$syn" ] && [ -n "$call" ] && [ "$syn" -lt "$call" ]
	run grep -c 'getsockname(3) |' "$OUT"
	assert_output 0
}

@test "a TCP Fast Open SYN from a peer prints its option as tcpdump does (tfo  cookiereq)" {
	needs_tool tcpdump
	tcpdump_start
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsay ready\n' >&8
	wait_for '^ready'
	# TCP_FASTOPEN_CONNECT (30): the SYN asks for a cookie
	timeout 5 /usr/bin/python3 -c 'import socket, sys
c = socket.socket(); c.setsockopt(socket.IPPROTO_TCP, 30, 1)
c.connect(("127.0.0.1", int(sys.argv[1]))); c.send(b"x"); c.close()' "$(port_of 3)"
	printf 'wait 3 200\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	wire_lines "$OUT" >"$BATS_TEST_TMPDIR/ours"
	grep -q 'tfo  cookiereq' "$BATS_TEST_TMPDIR/ours"
	wait_until tcpdump_has_all "$BATS_TEST_TMPDIR/ours"
	kill "$TD_PID"
}

@test "reset and quit with capture on close every socket and the capture goes on" {
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nreset\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nquit'
	repl
	assert_success
	assert_line 'the session starts afresh: no sockets are open'
	# the close of the connected socket sends its FIN, shown under reset's close
	assert_line --regexp '^  wire: IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.[0-9]+: Flags \[F\.\], seq 1, ack 1,'
	[ "$(grep -c 'Flags \[S\],' <<<"$output")" -eq 2 ]
}

@test "no fd leaks with capture on: the capture socket sits at the top of the range, and off closes it" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'say ready\n' >&8
	wait_for '^ready'
	pid=$(pgrep -P "$REPL_PID" sockrepl)
	before=$(ls /proc/"$pid"/fd | sort | tr '\n' ' ')
	printf 'wire on\nsocket\nsay on\n' >&8
	wait_for '^on'
	# the learner's first socket is still fd 3; sockrepl's own fds are above 1000
	grep -q '^socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3$' "$OUT"
	[ "$(ls /proc/"$pid"/fd | awk '$1 > 3 && $1 < 1000' | wc -l)" -eq 0 ]
	ls -l /proc/"$pid"/fd | grep -q 'socket:'
	printf 'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @4\nreset\nwire off\nsay done\n' >&8
	wait_for '^done'
	after=$(ls /proc/"$pid"/fd | sort | tr '\n' ' ')
	exec 8>&-
	wait "$REPL_PID"
	[ "$before" = "$after" ]
}

@test "a burst of 10,000 datagrams from a peer: 20 lines in the wait, one summary, no flood" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'wire on\nsocket udp\nbind 127.0.0.1 0\nsay ready\n' >&8
	wait_for '^ready'
	port=$(port_of 3)
	timeout 10 /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(10000): s.sendto(b"x", ("127.0.0.1", int(sys.argv[1])))' "$port"
	printf 'wait 3 1000\nsay done\n' >&8
	wait_for '^done'
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	[ "$(grep -c '^  wire: IP 127\.0\.0\.1\.[0-9]* > 127\.0\.0\.1\.'"$port"': UDP, length 1$' "$OUT")" -eq 20 ]
	assert_line --regexp '^  wire: … [0-9]+ more segments, [0-9,]+ bytes of data \(20 lines a call at most\)$'
	# every datagram is either a line or in the summary (or said as not captured)
	summed=$(sed -n 's/^  wire: … \([0-9]*\) more segments.*/\1/p' "$OUT")
	dropped=$(sed -n 's/^  wire: \([0-9]*\) packets\{0,1\} on lo not captured.*/\1/p' "$OUT")
	[ $((20 + summed + ${dropped:-0})) -eq 10000 ]
	[ "${#lines[@]}" -lt 40 ]
}

@test "as an unprivileged user in a user and network namespace of its own, wire captures" {
	setpriv --reuid=65534 --regid=65534 --clear-groups unshare -U -r -n true 2>/dev/null ||
		skip "user namespaces are not available to unprivileged users here"
	run timeout 15 setpriv --reuid=65534 --regid=65534 --clear-groups unshare -U -r -n \
		sh -c 'ip link set lo up && exec "$1" --no-echo --wire' - "$SOCKREPL" \
		<<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3'
	assert_success
	assert_line --regexp '^wire: on: capturing on lo'
	assert_line --regexp '^  wire: IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.[0-9]+: Flags \[S\.\], seq [0-9]+, ack [0-9]+, win'
}

@test "the learner closing the capture socket ends capture with one line; wire on opens a new one" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'wire on\nsay ready\n' >&8
	wait_for '^ready'
	fd=$(sed -n 's/.*(an AF_PACKET socket, fd \([0-9]*\)).*/\1/p' "$OUT")
	printf 'close %s\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nwire on\nsocket\nconnect @3\nsay done\n' "$fd" >&8
	wait_for '^done'
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line "close($fd) = 0"
	assert_line "  wire: capture ended: reading the capture socket (fd $fd) failed with EBADF; wire on opens a new one"
	# no segment of the first connect; those of the second, after wire on
	[ "$(grep -c 'Flags \[S\],' "$OUT")" -eq 1 ]
	[ "$(grep -n 'Flags \[S\],' "$OUT" | cut -d: -f1)" -gt "$(grep -n '^connect(5' "$OUT" | cut -d: -f1)" ]
}
