#!/usr/bin/env bats
# Text from outside the learner's keyboard (a peer's path, a process's name, a
# script's lines) reaches the terminal escaped, never as escape sequences.

load test_helper

# no_raw_controls: $output holds no ESC byte and no UTF-8 C1 control (U+0080..U+009F).
no_raw_controls() {
	refute_output --partial $'\e'
	run grep -c $'\xc2[\x80-\x9f]' <<<"$output"
	assert_output 0
}

@test "say, a script's echo and the error line escape the same line the same way" {
	run sockrepl <<<$'say a\e[31mb\xc2\x9bc \xc3\xa9 \xe2\x86\x92 ok\nnosuch\e[1m\xc2\x9b\nsay bad \xc0\xaf \xed\xa0\x80 \x7f'
	assert_failure 1
	assert_line 'a\033[31mb\302\233c é → ok'
	assert_line 'sockrepl> nosuch\033[1m\302\233'
	assert_line "line 2: unknown command 'nosuch\\033[1m\\302\\233' (help lists the commands)"
	assert_line 'bad \300\257 \355\240\200 \177'
	no_raw_controls
}

@test "a peer's Unix path with escape sequences is escaped in the state lines" {
	peer="$BATS_TEST_TMPDIR/"$'\e[2Jpeer'
	printf 'socket unix\nbind %s/srv.sock\nlisten\naccept\nsockets\n' "$BATS_TEST_TMPDIR" \
		>"$BATS_TEST_TMPDIR/script"
	start_repl "$BATS_TEST_TMPDIR/script"
	wait_for "^fd 3: LISTENING"
	timeout 10 python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[2]); s.connect(sys.argv[1]); time.sleep(9)' \
		"$BATS_TEST_TMPDIR/srv.sock" "$peer" &
	peer_pid=$!
	wait "$REPL_PID"
	kill "$peer_pid" 2>/dev/null || true
	run cat "$OUT"
	assert_line --regexp '^accept\(3, \{sa_family=AF_UNIX, sun_path=".*/\\33\[2Jpeer"\}, \[[0-9]+ => [0-9]+\]\) = 4$'
	assert_line --regexp '^fd 4: CONNECTED .*/\\033\[2Jpeer'
	no_raw_controls
}

@test "a datagram sender's Unix path is escaped in the note under recvfrom" {
	peer="$BATS_TEST_TMPDIR/"$'\e]0;title\apeer'
	printf 'socket unix dgram\nbind %s/dg.sock\nrecvfrom\n' "$BATS_TEST_TMPDIR" \
		>"$BATS_TEST_TMPDIR/script"
	start_repl "$BATS_TEST_TMPDIR/script"
	wait_for "^fd 3: BOUND"
	timeout 10 python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[2]); s.sendto(b"hi", sys.argv[1])' \
		"$BATS_TEST_TMPDIR/dg.sock" "$peer"
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp '^  from .*/\\033\]0;title\\007peer\.$'
	no_raw_controls
}

@test "ss escapes another process's name, which that process chose itself" {
	printf 'socket\nbind 127.0.0.1 0\nlisten\naccept\nss\n' >"$BATS_TEST_TMPDIR/script"
	start_repl "$BATS_TEST_TMPDIR/script"
	wait_for "^fd 3: LISTENING"
	timeout 10 python3 -c 'import socket, sys, time
open("/proc/self/comm", "w").write("\x1b[31mevil")
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); time.sleep(9)' "$(port_of 3)" &
	peer_pid=$!
	wait "$REPL_PID"
	kill "$peer_pid" 2>/dev/null || true
	run cat "$OUT"
	assert_line --regexp '^tcp +ESTABLISHED .* \\033\[31mevil \(pid [0-9]+\)$'
	no_raw_controls
}
