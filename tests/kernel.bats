#!/usr/bin/env bats
# ss (kernel): the kernel's own table, checked against the real ss(8); explain.

load test_helper

# rows STATE LOCAL PEER RECVQ SENDQ, from sockrepl's table (tcp rows only).
our_rows() {
	awk '$1 == "tcp" { print $2, $5, $6, $3, $4 }' "$1" | sort
}

# The same from `ss -tan` for the given ports, with sockrepl's RFC 793 state names.
real_rows() {
	ss -tanH | awk -v ports=" $* " '
		{ split($4, l, ":"); split($5, p, ":"); lp = l[length(l)]; pp = p[length(p)]
		  if (index(ports, " " lp " ") || index(ports, " " pp " ")) {
			st = $1; if (st == "ESTAB") st = "ESTABLISHED"; if (st == "SYN-RECV") st = "SYN-RECEIVED"
			print st, $4, $5, $2, $3 } }' | sort
}

# only_ours PORTS... : rows (from our_rows/real_rows) whose two ends are both on PORTS (or *):
# another program's connection may use one of our port numbers as its local port.
only_ours() {
	awk -v ports=" $* * " '{ split($2, l, ":"); split($3, p, ":")
		if (index(ports, " " l[length(l)] " ") && index(ports, " " p[length(p)] " ")) print }'
}

# session_ports : every port in the background REPL's state lines.
session_ports() {
	grep '^fd ' "$OUT" | grep -o '127\.0\.0\.1:[0-9]*' | cut -d: -f2 | sort -u
}

@test "ss shows TIME-WAIT, both ends of a connection and queue bytes, exactly as ss(8) does" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket\nbind 127.0.0.1 0\nlisten 3 4\nsocket\nconnect @3\naccept 3\nsocket\nconnect @3\naccept 3\n' >&8
	printf 'close 7\nclose 6\nsend 4 abc\nsay marker\nss\nsay done\n' >&8
	wait_for "^done"
	real_rows $(port_of 3) | only_ours $(session_ports) >"$BATS_TEST_TMPDIR/real"
	sed -n '/^marker/,/^done/p' "$OUT" >"$BATS_TEST_TMPDIR/ours"
	exec 8>&-
	wait "$REPL_PID"
	our_rows "$BATS_TEST_TMPDIR/ours" | only_ours $(session_ports) >"$BATS_TEST_TMPDIR/ours-sorted"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ours-sorted")" -eq 4 ]	# LISTEN, both ends of one connection, a TIME-WAIT
	run diff "$BATS_TEST_TMPDIR/real" "$BATS_TEST_TMPDIR/ours-sorted"
	assert_success
	run cat "$BATS_TEST_TMPDIR/ours"
	assert_line --regexp '^tcp +LISTEN +0 +4  127\.0\.0\.1:[0-9]+ +0\.0\.0\.0:\* +sockrepl fd 3$'
	assert_line --regexp '^tcp +TIME-WAIT +0 +0  127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:[0-9]+ +- \(kernel only\)$'
	assert_line --regexp '^tcp +ESTABLISHED +3 +0  .* sockrepl fd 5$'
	assert_line --partial 'Recv-Q/Send-Q: on a LISTEN row, connections waiting for accept / the backlog;'
}

@test "ss names another process that holds a port: a real nc client" {
	printf 'socket\nbind 127.0.0.1 0\nlisten\naccept\nss\n' >"$BATS_TEST_TMPDIR/script"
	start_repl "$BATS_TEST_TMPDIR/script"
	wait_for "^fd 3: LISTENING"
	timeout 10 nc -w 3 127.0.0.1 "$(port_of 3)" </dev/null &
	nc_pid=$!
	wait "$REPL_PID"
	kill "$nc_pid" 2>/dev/null || true
	run cat "$OUT"
	assert_line --regexp '^tcp +ESTABLISHED .* nc \(pid [0-9]+\)$'
	assert_line --regexp '^tcp +ESTABLISHED .* sockrepl fd 4$'
}

@test "ss before any port was used says so" {
	run sockrepl --no-echo <<<'ss'
	assert_output "the kernel has no socket on a port or Unix path this session used (it has used none yet)"
}

@test "kernel is an alias of ss, and a UDP socket shows as UNCONN" {
	run sockrepl --no-echo <<<$'socket udp\nbind 127.0.0.1 0\nkernel'
	assert_line --regexp '^udp +UNCONN +0 +0  127\.0\.0\.1:[0-9]+ +0\.0\.0\.0:\* +sockrepl fd 3$'
}

@test "EADDRINUSE names a TIME-WAIT found in the kernel's table" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nclose 5\nclose 4\nsocket\nclose 3\nbind 4 @3'
	assert_line --regexp '^  here: 1 connection on port [0-9]+ is in TIME-WAIT \(ss shows it\): the side that closes first keeps it 60 s'
	assert_line --partial 'try: wait about 60 s, or set SO_REUSEADDR on both sockets'
}

@test "ECONNREFUSED on a port left only in TIME-WAIT says TIME-WAIT answers nothing" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nclose 5\nclose 4\nsocket\nclose 3\nconnect 4 @3\nexpect ECONNREFUSED'
	assert_success
	assert_line --partial 'only a closed connection in TIME-WAIT is left on that port'
}

@test "explain ERRNO covers every call that returns it; unknown names are usage errors" {
	run sockrepl --no-echo <<<$'explain econnrefused\nexplain EWOULDBLOCK\nexplain ENOTSUP\nexplain EXDEV\nexplain NOPE'
	assert_failure 1
	assert_line 'ECONNREFUSED (111): Connection refused'
	assert_line --regexp '^  from connect: '
	assert_line --regexp '^  from recvfrom: '
	assert_line 'EAGAIN (11): Resource temporarily unavailable'
	assert_line 'EXDEV (18): Invalid cross-device link'
	assert_line "  None of the calls sockrepl makes is documented to return it."
	assert_line "line 5: explain: 'NOPE' is not an errno name (such as ECONNREFUSED)"
}
