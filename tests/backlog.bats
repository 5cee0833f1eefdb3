#!/usr/bin/env bats
# The chapter's bonus goal: the backlog, checked against the kernel's own
# /proc/net/tcp while the sockets are alive.

load test_helper

# accept_queue PORT: rx_queue of the LISTEN row (state 0A) on PORT, in decimal.
accept_queue() {
	local hexport
	hexport=$(printf '%04X' "$1")
	awk -v p=":$hexport" '$2 ~ p"$" && $4 == "0A" { split($5, q, ":"); print q[2] }' \
		/proc/net/tcp | while read -r hex; do echo $((16#$hex)); done
}

# proc_peers PORT STATE: rows whose remote port is PORT, in STATE (01 ESTABLISHED, 02 SYN_SENT).
proc_peers() {
	local hexport
	hexport=$(printf '%04X' "$1")
	awk -v p=":$hexport" -v st="$2" '$3 ~ p"$" && $4 == st' /proc/net/tcp
}

@test "listen 1 holds two connections; the third client stays SYN-SENT (kernel-checked)" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket\nbind 127.0.0.1 0\nlisten 1\n' >&8
	for _ in 1 2 3; do printf 'socket\nnonblock on\nconnect @3\n' >&8; done
	printf 'sockets\n' >&8
	wait_for "^6 "
	port=$(port_of 3)

	# The kernel's own view: rx_queue of a LISTEN row is its accept queue.
	[ "$(accept_queue "$port")" = 2 ]
	[ "$(proc_peers "$port" 01 | wc -l)" -eq 2 ]
	[ "$(proc_peers "$port" 02 | wc -l)" -eq 1 ]

	printf 'accept 3\naccept 3\naccept 3\nexpect tcp 6 ESTABLISHED\nsockets\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp '^3 +tcp +LISTENING +127\.0\.0\.1:[0-9]+ +- +LISTEN +2 waiting \(up to 2\)$'
	assert_line --regexp "^6 +tcp +CONNECTING +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:$port +SYN-SENT +-$"
	assert_line --regexp '^accept\(3, .*\) = 9$'
	assert_line --regexp '^6 +tcp +CONNECTED .* ESTABLISHED +-$'
	refute_output --regexp '^line [0-9]+:'
}

@test "the queue sockrepl shows is the one /proc/net/tcp shows" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket\nbind 127.0.0.1 0\nlisten 5\n' >&8
	for _ in 1 2 3; do printf 'socket\nconnect @3\n' >&8; done
	printf 'expect queue 3 3\nsockets\n' >&8
	wait_for "^6 "
	port=$(port_of 3)
	[ "$(accept_queue "$port")" = 3 ]
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp '^3 +tcp +LISTENING +127\.0\.0\.1:[0-9]+ +- +LISTEN +3 waiting \(up to 6\)$'
	refute_output --regexp '^line [0-9]+:'
}
