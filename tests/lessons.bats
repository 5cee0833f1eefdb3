#!/usr/bin/env bats
# Every lesson replays cleanly as a script, and again right after.

load test_helper

@test "every lesson replays with all expectations met, twice in a row" {
	for lesson in "$REPO_ROOT"/lessons/*.txt; do
		for round in 1 2; do
			run sockrepl <"$lesson"
			[ "$status" -eq 0 ] || {
				echo "$(basename "$lesson"), round $round: status $status"
				echo "$output" | grep -E '^line [0-9]+:'
				return 1
			}
		done
	done
}

@test "lessons state their goals at the top and end with what was learned" {
	for lesson in "$REPO_ROOT"/lessons/*.txt; do
		run sockrepl --no-echo <"$lesson"
		assert_line --regexp '^Goals: '
		assert_line --regexp '^You now know: '
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

@test "lesson 02 shows the third client stuck in SYN-SENT until accept makes room" {
	run sockrepl --no-echo <"$REPO_ROOT/lessons/02-backlog.txt"
	assert_success
	assert_line --regexp '^fd 6: CONNECTING from 127\.0\.0\.1:[0-9]+, waiting for the SYN-ACK · TCP SYN-SENT · non-blocking$'
	assert_line --regexp '^3 +tcp +LISTENING .* LISTEN +2 waiting \(up to 2\)$'
	assert_line --regexp '^accept\(3, .*\) = 9$'
}

@test "a lesson whose expectation fails exits 1 and names the line" {
	sed 's/^expect queue 3 1$/expect queue 3 7/' "$REPO_ROOT/lessons/01-creating-a-socket.txt" \
		>"$BATS_TEST_TMPDIR/broken.txt"
	run sockrepl --no-echo <"$BATS_TEST_TMPDIR/broken.txt"
	assert_failure 1
	assert_line --regexp "^line [0-9]+: expected 7 connection\(s\) in fd 3's accept queue, but it has 1 waiting \(backlog 1: up to 2 may wait\)$"
}
