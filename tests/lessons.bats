#!/usr/bin/env bats
# Every lesson replays cleanly as a script, five times in a row, and what its
# narration claims is what the kernel shows, every time.

load test_helper

# 60 replays side by side: an ASan build (make asan) needs more than the
# default 30 s on a 2-core machine; each replay is bounded by its own timeout.
BATS_TEST_TIMEOUT=120

# lesson_flags FILE: --sandbox for a lesson with a `requires sandbox` line.
lesson_flags() {
	grep -qx 'requires sandbox' "$1" && echo --sandbox || true
}

# replay_all ROUNDS : replay every lesson ROUNDS times in a row into
# $REPLAYS/NAME.ROUND (status in NAME.ROUND.status). The lessons run side by
# side, each lesson's rounds one after the other (lesson 01 binds port 6789).
replay_all() {
	local pids=()
	REPLAYS="$BATS_TEST_TMPDIR/replays"
	mkdir -p "$REPLAYS"
	for lesson in "$REPO_ROOT"/lessons/*.txt; do
		(
			name="$(basename "$lesson" .txt)"
			for round in $(seq "$1"); do
				timeout 20 "$SOCKREPL" --no-echo $(lesson_flags "$lesson") <"$lesson" >"$REPLAYS/$name.$round" 2>&1
				echo "$?" >"$REPLAYS/$name.$round.status"
			done
		) &
		pids+=("$!")
	done
	wait "${pids[@]}"	# not a bare wait: bats keeps its timeout watcher in the background
}

# every_round NAME REGEX : each replay of lesson NAME printed a line matching REGEX.
every_round() {
	for out in "$REPLAYS/$1".?; do
		grep -qE -- "$2" "$out" || {
			echo "$(basename "$out"): no line matches: $2"
			return 1
		}
	done
}

# flags_under OUT CALL : the tcpdump flags of the wire lines printed right
# under the first line of OUT that matches CALL (a regex), one line.
flags_under() {
	awk -v call="$2" 'found && /^  wire: / { match($0, /Flags \[[^]]*\]/); printf "%s ", substr($0, RSTART + 7, RLENGTH - 8); next }
		found { exit } $0 ~ call { found = 1 }' "$1"
}

# every_round_under NAME CALL FLAGS [ABSENT] : in each replay of lesson NAME,
# the segments shown under CALL include FLAGS in this order ("S S. ."), and
# none with the flags ABSENT.
every_round_under() {
	for out in "$REPLAYS/$1".?; do
		got="$(flags_under "$out" "$2")"
		grep -qF -- "$3" <<<"$got" &&
			{ [ -z "${4:-}" ] || ! grep -qF -- " $4 " <<<" $got"; } || {
			echo "$(basename "$out"): under $2: [$got], want [$3]${4:+, no $4}"
			return 1
		}
	done
}

@test "every lesson replays 5 times in a row with every expectation met each time" {
	replay_all 5
	failed=0
	for status in "$REPLAYS"/*.status; do
		[ "$(cat "$status")" = 0 ] && continue
		out="${status%.status}"
		echo "$(basename "$out"): status $(cat "$status")"
		grep -E '^line [0-9]+:' "$out" || tail -n 5 "$out"
		failed=1
	done
	[ "$(ls "$REPLAYS"/*.status | wc -l)" -eq $((5 * $(ls "$REPO_ROOT"/lessons/*.txt | wc -l))) ]
	[ "$failed" = 0 ]
	# what the narration says the output shows, in every round
	every_round 03-writing '^tcp +ESTABLISHED +12 +0 .*sockrepl fd 4$'
	every_round 04-reading '^tcp +ESTABLISHED +13 +[0-9]+ .*sockrepl fd 5$'
	every_round 04-reading '^recvfrom\(5, "first,second\\n", 4096, 0, NULL, NULL\) = 13$'
	every_round 04-reading '^recvfrom\(5, "0123", 4, 0, NULL, NULL\) = 4$'
	every_round 04-reading '^recvfrom\(5, "456789", 4096, 0, NULL, NULL\) = 6$'
	every_round 05-multiple-connections '= 1 \(\[\{fd=8, revents=POLLIN\}\]\)$'
	every_round 08-time-wait '^getsockopt\(5, SOL_SOCKET, SO_REUSEADDR, \[1\], \[4\]\) = 0$'
	every_round 09-nonblocking '^getsockopt\(7, SOL_SOCKET, SO_ERROR, \[ECONNREFUSED\], \[4\]\) = 0$'
	every_round 09-nonblocking '^getsockopt\(7, SOL_SOCKET, SO_ERROR, \[0\], \[4\]\) = 0$'
	every_round 10-udp '^recvfrom\(3, "two", '
	every_round 14-event-loops '^epoll_wait\(8, \[\{events=EPOLLIN, data=\{u32=6, u64=6\}\}\], 8, 0\) = 1$'
	every_round 14-event-loops '^recvfrom\(7, "worldagain", 4096, 0, NULL, NULL\) = 10$'
	every_round 14-event-loops '^8 +epoll +- +watching 6 EPOLLIN\|EPOLLERR\|EPOLLHUP, 7 EPOLLIN\|EPOLLERR\|EPOLLHUP\|EPOLLET$'
	# lesson 18: the request as the client sent it, the page from the file, the client giving up
	every_round 18-web-page '^  all 70 bytes: "GET / HTTP/1\.1\\r\\nHost: 127\.0\.0\.1\\r\\nUser-Agent: sockrepl\\r\\nAccept: \*/\*\\r\\n\\r\\n"$'
	every_round 18-web-page '^  all 127 bytes: "HTTP/1\.1 200 OK\\r\\n.*Content-Length: 29\\r\\nConnection: close\\r\\n\\r\\n<h1>Hello from sockrepl</h1>\\n"$'
	every_round 18-web-page '^openat\(AT_FDCWD, "(.*/)?lessons/18-web-page\.html", O_RDONLY\) = 6$'
	every_round 18-web-page '^sendfile\(5, 6, NULL, 158\) = 158$'
	every_round 18-web-page '^  all 257 bytes: "HTTP/1\.1 200 OK\\r\\n.*Content-Length: 158\\r\\n.*\\r\\n\\r\\n<!DOCTYPE html>.*</html>\\n"$'
	every_round 18-web-page '^  event: fd 5: the peer closed its side \(FIN\) before you answered: it sent 70 bytes and got none back; recv returns 0, end of file$'
	every_round 18-web-page '^recvfrom\(5, "GET /page\.html HTTP/1\.1\\r\\nHost: 1"\.\.\., 4096, 0, NULL, NULL\) = 79$'
	every_round 18-web-page '^  all 108 bytes: "HTTP/1\.1 200 OK\\r\\n.*Content-Length: 29\\r\\n\\r\\n<h1>Hello from sockrepl</h1>\\n"$'
	every_round 18-web-page '^fd 5: DISCONNECTED \(connection reset after the peer.s FIN'
	# lesson 17: the parent's close leaves the connection to the child; the FIN
	# comes under the child's close, the last; wait4 reaps the child
	every_round 17-processes '^  note: pid [0-9]+ fd 5 still refers to this socket: closing fd 5 dropped one reference'
	every_round 17-processes '^tcp +ESTABLISHED .* pid [0-9]+ fd 5, pid [0-9]+ fd 5$'
	every_round 17-processes '^recvfrom\(4, "hello from the child\\n", 4096, 0, NULL, NULL\) = 21$'
	every_round 17-processes '^wait4\(-1, \[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 0\}\], 0, NULL\) = [0-9]+$'
	every_round 17-processes '^  event: process [0-9]+ exited with status 0; the kernel sent SIGCHLD'
	for out in "$REPLAYS"/17-processes.?; do
		# no segment under the parent's close(5); the FIN under the child's
		awk '/^[a-z_0-9]+\(/ { under = 0 } /^close\(5\) = 0$/ { under = ++n }
		     under == 1 && /wire:/ { bad = 1 } under == 2 && /Flags \[F\.\]/ { fin = 1 }
		     END { exit bad || !fin }' "$out" || { echo "$(basename "$out"): FIN not only under the child's close"; return 1; }
	done
	every_round 12-ipv6 'IPV6_V6ONLY is off for fd 6 .*bindv6only, 0 here'
	# flow control: a blocking send cut short, the zero windows, a short write, EAGAIN, the drain in order
	every_round 15-flow-control '^sendto\(4, "x{32}"\.\.\., 100000, 0, NULL, 0\) = [0-9]{4,5}$'
	every_round 15-flow-control '^fd 4: CONNECTED .* · the peer.s window is 0: [0-9]+ bytes wait unsent$'
	every_round 15-flow-control '^fd 5: CONNECTED .* · Recv-Q 3096 · Send-Q 0 · window 0 \(advertised: the receive buffer is full, the peer must wait\)$'
	every_round 15-flow-control '^poll\(\[\{fd=4, events=POLLOUT\}\], 1, 1000\) = 1 \(\[\{fd=4, revents=POLLOUT\}\]\)$'
	every_round 15-flow-control '^sendto\(4, "y{32}"\.\.\., 100000, 0, NULL, 0\) = [0-9]{1,5}$'
	every_round 15-flow-control '^sendto\(4, "y", 1, 0, NULL, 0\) = -1 EAGAIN '
	every_round 15-flow-control '^poll\(\[\{fd=4, events=POLLOUT\}\], 1, 0\) = 0 \(Timeout\)$'
	every_round 15-flow-control '^  all [0-9]+ bytes: "x"\*[0-9]+ \+ "y"\*[0-9]+$'
	every_round 15-flow-control '^recvfrom\(5, "", 4096, 0, NULL, NULL\) = 0$'
	# framing: no boundaries, a line by peek, a length-prefixed message by waitall
	every_round 16-message-framing '^recvfrom\(5, "hello\\nworld\\n", 4096, 0, NULL, NULL\) = 12$'
	every_round 16-message-framing '^recvfrom\(5, "good", 4, 0, NULL, NULL\) = 4$'
	every_round 16-message-framing '^  the first line ends at byte 16 \(its \\n\): recv 5 16 takes exactly that line'
	every_round 16-message-framing '^recvfrom\(5, "GET /index\.html\\n", 16, 0, NULL, NULL\) = 16$'
	every_round 16-message-framing '^recvfrom\(5, "GET /a", 4096, MSG_PEEK, NULL, NULL\) = 6$'
	every_round 16-message-framing '^recvfrom\(5, "x{32}"\.\.\., 20000, MSG_PEEK, NULL, NULL\) = [0-9]{1,4}$'
	every_round 16-message-framing '^recvfrom\(5, "x{32}"\.\.\., 20000, MSG_WAITALL, NULL, NULL\) = 20000$'
	every_round 12-ipv6 'inet_pton\(AF_INET6, "::ffff:127\.0\.0\.1", &sin6_addr\).* = 8$'
	# with capture (root here), what lessons 01, 02 and 08 say wire on shows
	every_round_under 01-creating-a-socket '^connect\(4, ' 'S S. . '
	every_round 01-creating-a-socket '^accept\(3, '
	every_round_under 02-backlog '^connect\(6, .* EINPROGRESS ' 'S ' 'S.'
	every_round_under 02-backlog '^accept\(3, .*\) = 9$' 'S S. . '
	every_round_under 08-time-wait '^close\(5\) = 0$' 'F. '
	every_round_under 08-time-wait '^close\(4\) = 0$' 'F. . '
	# lesson 13: what it narrates beyond its expects
	every_round 13-on-the-wire 'Flags \[S\], seq [0-9]+, win [0-9]+, options \[mss [0-9]+,sackOK,TS val [0-9]+ ecr 0,nop,wscale [0-9]+\], length 0$'
	every_round 13-on-the-wire 'Flags \[\.\], ack 1, win '
	every_round 13-on-the-wire '^  wire: IP .*Flags \[P\.\], seq 1:6, ack 1, .*length 5$'
	every_round 13-on-the-wire '^  wire: IP .*Flags \[\.\], ack 6, '
	every_round 13-on-the-wire '^recvfrom\(5, "", 4096, 0, NULL, NULL\) = 0$'
	every_round 13-on-the-wire '^  wire: IP .*Flags \[P\.\], seq 10:21, ack 1, .*length 11$'
	for out in "$REPLAYS"/13-on-the-wire.?; do
		# Nagle: "/index.html" left only with the delayed ACK, 40 ms or more after
		# "GET " (the kernel's TCP timestamps, in ms, whatever the lines' pace)
		get=$(sed -nE 's/.*Flags \[P\.\], seq 6:10, .*TS val ([0-9]+) .*/\1/p' "$out")
		held=$(sed -nE 's/.*Flags \[P\.\], seq 10:21, .*TS val ([0-9]+) .*/\1/p' "$out")
		[ -n "$get" ] && [ -n "$held" ] && (( held - get >= 40 )) ||
			{ echo "$(basename "$out"): the held bytes left $((held - get)) ms after GET"; return 1; }
	done
	every_round 13-on-the-wire '^recvfrom\(5, "GET /index\.html", 4096, 0, NULL, NULL\) = 15$'
	every_round 13-on-the-wire '^fd 4: DISCONNECTED \(connection closed: FIN sent and received; its TIME-WAIT holds port [0-9]+\)'
	for out in "$REPLAYS"/13-on-the-wire.?; do
		# the TIME-WAIT row is fd 4's port, in both ss tables (none from the RSTs)
		port="$(sed -nE 's/^fd 4: DISCONNECTED \(connection closed: .* holds port ([0-9]+)\).*/\1/p' "$out")"
		[ "$(grep -cE "^tcp +TIME-WAIT .*127\.0\.0\.1:$port .*- \(kernel only\)$" "$out")" -eq 2 ]
		[ "$(grep -cE '^tcp +TIME-WAIT ' "$out")" -eq 2 ]
		if grep -qE '^tcp +LAST-ACK ' "$out"; then	# fd 5's side, closed second, is gone
			echo "$(basename "$out"): a LAST-ACK row"; return 1
		fi
		# the full backlog's client sent the same SYN three times: one seq
		syns="$(grep -oE 'IP [0-9.]+ > [0-9.]+: Flags \[S\], seq [0-9]+' "$out" | sort | uniq -c | awk '$1 == 3')"
		[ "$(wc -l <<<"$syns")" -eq 1 ] && [ -n "$syns" ] || { echo "$(basename "$out"): no SYN sent 3 times"; return 1; }
	done
}

@test "lessons 01, 02 and 08 as an unprivileged user: wire on says why it cannot capture, and every check holds" {
	needs_root	# to become another user
	for lesson in 01-creating-a-socket 02-backlog 08-time-wait; do
		run timeout 20 unshare -n sh -c 'ip link set lo up &&
			exec setpriv --reuid=65534 --regid=65534 --clear-groups "$0" --no-echo' "$SOCKREPL" \
			<"$REPO_ROOT/lessons/$lesson.txt"
		assert_success
		assert_line 'wire: cannot capture: socket(AF_PACKET, ...) fails with EPERM: capturing packets needs CAP_NET_RAW, which this process lacks; run sockrepl as root, or sockrepl --sandbox (its own user and network namespace, where it has it)'
		refute_line --partial '  wire: IP'
	done
}

@test "lesson 13 outside the sandbox says how to start it in one line and runs nothing" {
	run sockrepl --no-echo --lesson 13 </dev/null
	assert_failure 1
	assert_output 'line 8: this lesson runs in its own network namespace: start it with sockrepl --sandbox --lesson 13'
	run sockrepl --no-echo <"$REPO_ROOT/lessons/13-on-the-wire.txt"
	assert_failure 1
	assert_output 'line 8: this lesson runs in its own network namespace: start sockrepl with --sandbox'
}

@test "lesson 13 replays in the sandbox as an unprivileged user" {
	setpriv --reuid=65534 --regid=65534 --clear-groups unshare -U -r -n true 2>/dev/null ||
		skip "user namespaces are not available to unprivileged users here"
	run timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups "$SOCKREPL" --no-echo --sandbox \
		<"$REPO_ROOT/lessons/13-on-the-wire.txt"
	assert_success
	refute_line --regexp '^line [0-9]+:'
	assert_line --regexp '^  wire: IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.[0-9]+: Flags \[R\.\], seq 0, ack [0-9]+, win 0, length 0$'
}

@test "lessons state their goals at the top, end with what was learned, and name the next lesson by number and title" {
	local lessons=("$REPO_ROOT"/lessons/[0-9][0-9]-*.txt) next
	for i in "${!lessons[@]}"; do
		lesson=${lessons[$i]}
		run sockrepl --no-echo $(lesson_flags "$lesson") <"$lesson"
		assert_line --regexp '^Goals: '
		assert_line --regexp '^You now know: '
		run grep -v '^$' <<<"$(grep -v '^close(\|^fd [0-9]*: CLOSED\|^  ' <<<"$output")"
		if [ "$i" -lt $((${#lessons[@]} - 1)) ]; then
			next=${lessons[$((i + 1))]}
			title=$(sed -n 's/^say == Lesson [0-9]*: \(.*\) ==$/\1/p' "$next")
			[ -n "$title" ]
			assert_equal "${lines[-1]}" "Next: lesson $(basename "$next" | cut -c1-2) ($title)."
		else
			assert_equal "${lines[-1]}" 'Next: the challenges, goals the kernel checks: challenges lists them.'
		fi
	done
}

@test "lesson 01 walks the chapter: socket, bind 6789, listen, connect, accept" {
	run sockrepl --no-echo <"$REPO_ROOT/lessons/01-creating-a-socket.txt"
	assert_success
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3'
	assert_line 'bind(3, {sa_family=AF_INET, sin_port=htons(6789), sin_addr=inet_addr("127.0.0.1")}, 16) = 0'
	assert_line 'listen(3, 1) = 0'
	assert_line --regexp '^accept\(3, \{sa_family=AF_INET, .*\}, \[16\]\) = 5$'
}

@test "lesson 01 quotes what Debian's netcat prints when it connects" {
	/usr/bin/python3 - <<-'EOF' >"$BATS_TEST_TMPDIR/nc.txt" 2>&1
		import socket, subprocess
		s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
		port = str(s.getsockname()[1])
		r = subprocess.run(["nc", "-v", "-v", "-w", "1", "localhost", port], stdin=subprocess.DEVNULL,
				   capture_output=True, text=True, timeout=10)
		print(r.stderr.replace(port, "6789"), end="")
	EOF
	run cat "$BATS_TEST_TMPDIR/nc.txt"
	assert_line 'Connection to localhost (127.0.0.1) 6789 port [tcp/*] succeeded!'
	run grep -c 'Connection to localhost (127.0.0.1) 6789 port \[tcp/\*\] succeeded!' \
		"$REPO_ROOT/lessons/01-creating-a-socket.txt"
	assert_output 1
}

@test "lesson 02 shows the third client stuck in SYN-SENT until accept makes room" {
	run sockrepl --no-echo <"$REPO_ROOT/lessons/02-backlog.txt"
	assert_success
	assert_line --regexp '^fd 6: CONNECTING 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:[0-9]+, waiting for the SYN-ACK · TCP SYN-SENT · Recv-Q 0 · Send-Q 1 \(the SYN, not yet answered\) · non-blocking$'
	assert_line --regexp '^3 +tcp +LISTENING .* LISTEN +2 waiting \(up to 2\)$'
	assert_line --regexp '^accept\(3, .*\) = 9$'
}

@test "lesson 02's SYN retry schedule is this kernel's settings" {
	# the narration quotes them; a kernel with other values makes it wrong
	[ "$(cat /proc/sys/net/ipv4/tcp_syn_retries)" = 6 ]
	[ "$(cat /proc/sys/net/ipv4/tcp_syn_linear_timeouts)" = 4 ]
	grep -qF 'tcp_syn_retries = 6' "$REPO_ROOT/lessons/02-backlog.txt"
	grep -qF 'tcp_syn_linear_timeouts = 4' "$REPO_ROOT/lessons/02-backlog.txt"
}

@test "lesson 04 without TCP_NODELAY: Nagle holds the second send until the delayed ACK" {
	# Replayed at full speed, "second\n" is sent microseconds after "first,",
	# well inside fd 5's delayed ACK (about 40 ms), so Nagle holds it. A run
	# stalled for 40 ms between those two lines would see the ACK first; three
	# tries keep such a stall from failing the test.
	grep -v '^setsockopt 4 nodelay on$' "$REPO_ROOT/lessons/04-reading.txt" >"$BATS_TEST_TMPDIR/nagle.txt"
	for try in 1 2 3; do
		run sockrepl --no-echo <"$BATS_TEST_TMPDIR/nagle.txt"
		grep -qF 'recvfrom(5, "first,", 4096, 0, NULL, NULL) = 6' <<<"$output" && break
	done
	assert_line 'recvfrom(5, "first,", 4096, 0, NULL, NULL) = 6'
	assert_line --regexp '^tcp +ESTABLISHED +0 +13 .*sockrepl fd 4$'	# sent or held, none acknowledged
}

@test "lesson 04 without TCP_NODELAY nor the echo: fd 5 ACKs at once, so nothing is held" {
	# the delayed ACK comes from fd 5 having answered the ping (pingpong mode)
	grep -v -e '^setsockopt 4 nodelay on$' -e '^send 5 ping' -e '^recv 4$' \
		"$REPO_ROOT/lessons/04-reading.txt" >"$BATS_TEST_TMPDIR/no-echo.txt"
	run sockrepl --no-echo <"$BATS_TEST_TMPDIR/no-echo.txt"
	assert_line 'recvfrom(5, "first,second\n", 4096, 0, NULL, NULL) = 13'
}

# send_q_empty PORT: the connection to PORT has nothing unacknowledged (Send-Q 0).
send_q_empty() {
	[ "$(ss -Htn state established "( dport = :$1 )" | awk '{print $2}')" = 0 ]
}

@test "lesson 04 typed slowly: once the ACK is back, one recv gets both sends" {
	fifo="$BATS_TEST_TMPDIR/in"
	mkfifo "$fifo"
	start_repl "$fifo"
	exec 7>"$fifo"
	sed -n '/^socket$/,/^recv 4$/p' "$REPO_ROOT/lessons/04-reading.txt" >&7
	echo 'send 4 first,' >&7
	wait_for 'sendto(4, "first,"'
	port="$(port_of 3)"
	# the ACK of "first," is back when fd 4's Send-Q is 0 again
	wait_until send_q_empty "$port"
	printf 'send 4 second\\n\nrecv 5\n' >&7
	exec 7>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line 'recvfrom(5, "first,second\n", 4096, 0, NULL, NULL) = 13'
}

@test "a lesson whose expectation fails exits 1 and names the line" {
	sed 's/^expect queue 3 1$/expect queue 3 7/' "$REPO_ROOT/lessons/01-creating-a-socket.txt" \
		>"$BATS_TEST_TMPDIR/broken.txt"
	run sockrepl --no-echo <"$BATS_TEST_TMPDIR/broken.txt"
	assert_failure 1
	assert_line --regexp "^line [0-9]+: expected 7 connection\(s\) in fd 3's accept queue, but it has 1 waiting \(backlog 1: up to 2 may wait\)$"
}

@test "lesson 12's dual stack: a bind to :: says whether IPv4 reaches it, read from the kernel" {
	SCRIPT_TEXT=$'socket inet6\nbind any 0\nlisten\nsocket inet\nconnect 127.0.0.1 @3\nsocket inet6\nsetsockopt v6only on\nbind any 0'
	repl
	assert_success
	sysctl="$(cat /proc/sys/net/ipv6/bindv6only)"
	assert_line "  note: IPV6_V6ONLY is off for fd 3 (its default: net.ipv6.bindv6only, $sysctl here, read from /proc/sys/net/ipv6/bindv6only), so it also takes IPv4: IPv4 peers appear as IPv4-mapped addresses such as ::ffff:127.0.0.1."
	assert_line --regexp '^connect\(4, .*\) = 0$'
	assert_line "  note: IPV6_V6ONLY is on for fd 5 (its default: net.ipv6.bindv6only, $sysctl here, read from /proc/sys/net/ipv6/bindv6only), so only IPv6 reaches it; IPv4 needs a socket of its own."
}

@test "with net.ipv6.bindv6only = 1, a bind to :: is IPv6-only, and the note says so" {
	unshare -n true 2>/dev/null || skip "no network namespaces here"
	SCRIPT_TEXT=$'socket inet6\nbind any 0\nlisten\nsocket inet\nconnect 127.0.0.1 @3'
	run timeout 15 unshare -n sh -c 'ip link set lo up && echo 1 >/proc/sys/net/ipv6/bindv6only &&
		exec "$0" --no-echo' "$SOCKREPL" <<<"$SCRIPT_TEXT"
	assert_line "  note: IPV6_V6ONLY is on for fd 3 (its default: net.ipv6.bindv6only, 1 here, read from /proc/sys/net/ipv6/bindv6only), so only IPv6 reaches it; IPv4 needs a socket of its own."
	assert_line --regexp '^connect\(4, .*\) = -1 ECONNREFUSED '
}

@test "a bind to ::1 or to an IPv4 address has no dual-stack note" {
	SCRIPT_TEXT=$'socket inet6\nbind ::1 0\nsocket\nbind any 0'
	repl
	assert_success
	refute_output --partial 'IPV6_V6ONLY'
}

@test "lesson 08's TIME-WAIT lasts a fixed 60 s on Linux, whatever tcp_fin_timeout says" {
	unshare -n true 2>/dev/null || skip "no network namespaces here"
	# a private network namespace: its own loopback and its own tcp_fin_timeout
	run timeout 15 unshare -n sh -c 'ip link set lo up && echo 5 >/proc/sys/net/ipv4/tcp_fin_timeout &&
		"$0" --no-echo <"$1" >/dev/null && cat /proc/sys/net/ipv4/tcp_fin_timeout &&
		ss -Htano state time-wait' "$SOCKREPL" "$REPO_ROOT/lessons/08-time-wait.txt"
	assert_success
	assert_line --index 0 5
	[ "$(grep -c 'timer:(timewait,' <<<"$output")" -eq 2 ]
	refute_output --regexp 'timer:\(timewait,([0-9]|[1-4][0-9])sec'
	assert_output --regexp 'timer:\(timewait,(5[5-9]|60)sec,0\)'
	grep -qF 'Linux waits a fixed 60 seconds' "$REPO_ROOT/lessons/08-time-wait.txt"
}

@test "a TIME-WAIT connection ACKs the peer's FIN again when it comes again" {
	unshare -n true 2>/dev/null || skip "no network namespaces here"
	# The peer's FIN is sent again by hand (a raw socket), as if our last ACK
	# had been lost; the TIME-WAIT side must answer with an ACK of it.
	cat >"$BATS_TEST_TMPDIR/refin.py" <<-'EOF'
		import socket, struct, time
		def segments(sniffer, port, seconds):
		    found, end = [], time.time() + seconds
		    while time.time() < end:
		        try:
		            pkt, addr = sniffer.recvfrom(65535)
		        except socket.timeout:
		            continue
		        ip = pkt[14:]
		        if addr[2] == socket.PACKET_OUTGOING or ip[9] != 6:
		            continue
		        tcp = ip[(ip[0] & 15) * 4:]
		        sport, dport, seq, ack = struct.unpack("!HHII", tcp[:12])
		        if port in (sport, dport):
		            found.append((sport, dport, seq, ack, tcp[13]))
		    return found
		def checksum(data):
		    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
		    total = (total >> 16) + (total & 0xffff)
		    return ~(total + (total >> 16)) & 0xffff
		sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
		sniffer.bind(("lo", 0)); sniffer.settimeout(0.2)
		listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(1)
		server_port = listener.getsockname()[1]
		client = socket.create_connection(("127.0.0.1", server_port))
		client_port = client.getsockname()[1]
		accepted, _ = listener.accept()
		accepted.close(); client.recv(1); client.close()   # the server closes first: its FIN has come
		fin = [s for s in segments(sniffer, server_port, 0.3) if s[0] == client_port and s[4] & 1][0]
		header = struct.pack("!HHIIBBHHH", client_port, server_port, fin[2], fin[3], 5 << 4, 0x11, 65535, 0, 0)
		pseudo = struct.pack("!4s4sBBH", socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.1"), 0, 6, 20)
		header = header[:16] + struct.pack("!H", checksum(pseudo + header)) + header[18:]
		socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP).sendto(header, ("127.0.0.1", 0))
		for s in segments(sniffer, server_port, 0.3):
		    if s[0] == server_port and s[4] == 0x10 and s[3] == fin[2] + 1:
		        print("TIME-WAIT sent ACK", s[3] - fin[2], "past the repeated FIN")
	EOF
	run timeout 15 unshare -n sh -c 'ip link set lo up && exec /usr/bin/python3 "$0"' "$BATS_TEST_TMPDIR/refin.py"
	assert_output 'TIME-WAIT sent ACK 1 past the repeated FIN'
	grep -qF "ACK the peer's FIN again if its last ACK was lost" "$REPO_ROOT/lessons/08-time-wait.txt"
}
