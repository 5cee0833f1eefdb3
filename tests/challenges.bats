#!/usr/bin/env bats
# Challenges: every goal is reached by its file's own shortest solution, five
# times in a row (so no goal rests on timing luck), and missed by a near-miss
# script (tests/fixtures/challenges/NAME.txt) that gets close, often with the
# right errno for the wrong reason; hints, leave, reset, a teacher's own file,
# the exit status of --challenge, and --tap as prove reads it.

load test_helper

BATS_TEST_TIMEOUT=120
CHALLENGES="$REPO_ROOT/lessons/challenges"
NEAR="$REPO_ROOT/tests/fixtures/challenges"

# solution NAME : the challenge's solution lines, as a script, in $BATS_TEST_TMPDIR.
solution() {
	sed -n 's/^solution //p' "$CHALLENGES/$1.txt" >"$BATS_TEST_TMPDIR/$1.solution"
	echo "$BATS_TEST_TMPDIR/$1.solution"
}

# grade NAME SCRIPT : sockrepl --challenge NAME --replay SCRIPT, bounded.
grade() {
	run timeout 20 "$SOCKREPL" --no-echo --challenge "$1" --replay "$2"
}

@test "there are at least 12 challenges, and challenges lists each with its title" {
	run ls "$CHALLENGES"
	[ "$(ls "$CHALLENGES"/*.txt | wc -l)" -ge 12 ]
	SCRIPT_TEXT=challenges repl
	assert_success
	for file in "$CHALLENGES"/*.txt; do
		title=$(sed -n '1s/^# Challenge: //p' "$file")
		[ -n "$title" ] || { echo "$file: no '# Challenge: TITLE' first line"; return 1; }
		assert_line --regexp "^  $(basename "$file" .txt) +$(sed 's/[][().*^$]/\\&/g' <<<"$title")\$"
	done
	assert_line "Type challenge NAME to take one; hint gives a hint."
}

@test "every challenge's shortest solution reaches its goal, five times in a row" {
	for file in "$CHALLENGES"/*.txt; do
		name=$(basename "$file" .txt)
		script=$(solution "$name")
		steps=$(wc -l <"$script")
		for round in 1 2 3 4 5; do
			grade "$name" "$script"
			[ "$status" -eq 0 ] || { echo "$name, round $round: exit $status"; echo "$output"; return 1; }
			assert_line "goal reached: $(sed -n 's/^goal //p' "$file" | paste -sd' ')"
			assert_line "you used $steps commands (counting those that made a system call)."
			assert_line --regexp "^shortest known solution \\($steps commands\\): socket"
		done
	done
}

@test "every challenge has a near-miss script that gets close and fails the goal" {
	for file in "$CHALLENGES"/*.txt; do
		name=$(basename "$file" .txt)
		[ -f "$NEAR/$name.txt" ] || { echo "no near miss for $name"; return 1; }
		grade "$name" "$NEAR/$name.txt"
		[ "$status" -eq 1 ] || { echo "$name: exit $status"; echo "$output"; return 1; }
		assert_line "challenge $name ended without reaching its goal."
		refute_line --partial "goal reached"
	done
}

@test "a near miss with the right errno for the wrong reason is not the goal" {
	# name and the errno its near miss does get
	for pair in time-wait-bind:EADDRINUSE refused-bound:ECONNREFUSED epipe:EPIPE \
		eagain:EAGAIN unix-refused:ENOENT dual-stack:EADDRINUSE; do
		grade "${pair%%:*}" "$NEAR/${pair%%:*}.txt"
		assert_failure 1
		assert_line --partial "= -1 ${pair##*:} "
	done
	grade time-wait-bind "$NEAR/time-wait-bind.txt"
	assert_line --partial "LISTENING on 127.0.0.1"	# a listener held the port, not a TIME-WAIT
}

@test "hint gives three levels, the last one the solution's commands, then repeats it" {
	SCRIPT_TEXT=$'challenge syn-sent\nhint\nhint\nhint\nhint' repl
	assert_success
	assert_line --regexp '^hint 1/3: The kernel answers a SYN only'
	assert_line --regexp "^hint 2/3: listen's backlog sets that room"
	commands=$(sed -n 's/^solution //p' "$CHALLENGES/syn-sent.txt" | paste -sd';' | sed 's/;/; /g')
	[ "$(grep -c "^hint 3/3: the commands: $commands\$" <<<"$output")" -eq 2 ]
}

@test "hint without a challenge is a usage error" {
	SCRIPT_TEXT=hint repl
	assert_failure 1
	assert_output "line 1: hint: no challenge is running (challenges lists them)"
}

@test "the goal is checked after every command: reached mid-script, the rest runs outside it" {
	SCRIPT_TEXT=$'challenge refused-bound\nsocket\nbind 127.0.0.1 0\nsocket\nconnect 4 @3\nsockets\nclose 4' repl
	assert_success
	assert_line "goal reached: Get a connect refused (ECONNREFUSED) by an address that a socket of yours holds: bound to it, but not listening."
	assert_line "you used 4 commands (counting those that made a system call)."
	[[ "$output" == *"goal reached"*"close(4) = 0"* ]]
}

@test "leave ends a challenge without its goal; --challenge then exits 1" {
	printf 'leave\nsocket\nbind 127.0.0.1 0\nsocket\nconnect 4 @3\n' >"$BATS_TEST_TMPDIR/left"
	grade refused-bound "$BATS_TEST_TMPDIR/left"
	assert_failure 1
	assert_line "challenge refused-bound ended without reaching its goal."
	refute_line --partial "goal reached"
}

@test "reset closes every socket and starts the challenge over, counting afresh" {
	SCRIPT_TEXT=$'challenge refused-bound\nsocket\nsocket\nreset\nsocket\nbind 127.0.0.1 0\nsocket\nconnect 4 @3' repl
	assert_success
	assert_line "challenge refused-bound starts over: Get a connect refused (ECONNREFUSED) by an address that a socket of yours holds: bound to it, but not listening."
	assert_line "you used 4 commands (counting those that made a system call)."
}

@test "a failed call from before a reset does not count after it" {
	printf '# Challenge: Refused, then listening\ngoal g\ncheck failed connect ECONNREFUSED\ncheck state LISTENING\n' \
		>"$BATS_TEST_TMPDIR/two.txt"
	printf 'socket\nbind 127.0.0.1 0\nsocket\nconnect 4 @3\nreset\nsocket\nbind 127.0.0.1 0\nlisten\n' \
		>"$BATS_TEST_TMPDIR/try"
	grade "$BATS_TEST_TMPDIR/two.txt" "$BATS_TEST_TMPDIR/try"
	assert_failure 1
	assert_line --partial "= -1 ECONNREFUSED"
	assert_line "challenge two starts over: g"
	sed -i '/^reset$/d' "$BATS_TEST_TMPDIR/try"
	grade "$BATS_TEST_TMPDIR/two.txt" "$BATS_TEST_TMPDIR/try"
	assert_success
	assert_line "goal reached: g"
}

@test "a teacher's own challenge file runs by path, and a wrong line is named" {
	cat >"$BATS_TEST_TMPDIR/mine.txt" <<-'EOF'
	# Challenge: A bound UDP socket
	goal Bind a UDP socket.
	check state BOUND
	check failed bind EINVAL
	hint1 Bind twice.
	learnt A second bind on one socket gives EINVAL.
	solution socket udp
	solution bind 127.0.0.1 0
	solution bind 127.0.0.1 0
	EOF
	printf 'socket udp\nbind 127.0.0.1 0\nbind 127.0.0.1 0\n' >"$BATS_TEST_TMPDIR/try"
	grade "$BATS_TEST_TMPDIR/mine.txt" "$BATS_TEST_TMPDIR/try"
	assert_success
	assert_line "challenge mine: A bound UDP socket"
	assert_line "learnt: A second bind on one socket gives EINVAL."
	SCRIPT_TEXT=$'challenge '"$BATS_TEST_TMPDIR/mine.txt"$'\nhint\nhint\nhint' repl
	assert_line "hint 1/2: Bind twice."
	assert_line "hint 2/2: the commands: socket udp; bind 127.0.0.1 0; bind 127.0.0.1 0"
	printf '# Challenge: Broken\ngoal g\ncheck tcp SYN-SEEN\n' >"$BATS_TEST_TMPDIR/bad.txt"
	SCRIPT_TEXT="challenge $BATS_TEST_TMPDIR/bad.txt" repl
	assert_failure 1
	assert_output "line 1: challenge $BATS_TEST_TMPDIR/bad.txt, line 3: tcp: not a TCP state (SYN-SENT, ...)"
	printf '# Challenge: Broken\ngoal g\nhint4 no\n' >"$BATS_TEST_TMPDIR/bad.txt"
	SCRIPT_TEXT="challenge $BATS_TEST_TMPDIR/bad.txt" repl
	assert_output --partial "line 3: a line starts with goal, check, hint1, hint2, hint3, learnt, solution or #"
	printf '# Challenge: Broken\nhint1 no goal\n' >"$BATS_TEST_TMPDIR/bad.txt"
	SCRIPT_TEXT="challenge $BATS_TEST_TMPDIR/bad.txt" repl
	assert_output --partial "it needs a goal line and at least one check line"
}

@test "--challenge with an unknown name says so and exits 1" {
	run timeout 10 "$SOCKREPL" --no-echo --challenge nosuch </dev/null
	assert_failure 1
	assert_output "line 0: challenge 'nosuch': no such challenge (challenges lists them)"
}

@test "--challenge grades on the goal alone: a failed expect in a solution does not fail it" {
	script=$(solution eagain)
	echo "expect ECONNRESET" >>"$script"
	grade eagain "$script"
	assert_success
}

@test "--tap prints every expect and the goal as TAP, which prove accepts" {
	tap="$BATS_TEST_TMPDIR/lesson.t"
	timeout 20 "$SOCKREPL" --tap --challenge syn-sent --replay "$REPO_ROOT/lessons/02-backlog.txt" \
		>"$tap" 2>"$BATS_TEST_TMPDIR/transcript"
	grep -q '^socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3$' "$BATS_TEST_TMPDIR/transcript"
	run grep -c '^expect ' "$REPO_ROOT/lessons/02-backlog.txt"
	expects=$output
	run cat "$tap"
	assert_line "ok 1 - line 15: expect queue 3 0"
	assert_line --regexp '^ok [0-9]+ - challenge syn-sent: A client stuck in SYN-SENT while its listener is open$'
	assert_line "1..$((expects + 1))"
	refute_line --partial "not ok"
	run timeout 20 prove --exec cat "$tap"
	assert_success
	assert_line "All tests successful."
}

@test "--tap: a failed expect and a goal not reached are 'not ok', and prove fails" {
	printf 'socket\nexpect state BOUND\nexpect ok\nexpect state LISTENING\n' >"$BATS_TEST_TMPDIR/s"
	run timeout 20 "$SOCKREPL" --tap --challenge queue --replay "$BATS_TEST_TMPDIR/s"
	assert_failure 1
	tap="$BATS_TEST_TMPDIR/s.t"
	timeout 20 "$SOCKREPL" --tap --challenge queue --replay "$BATS_TEST_TMPDIR/s" >"$tap" 2>/dev/null || true
	run cat "$tap"
	assert_output "not ok 1 - line 2: expect state BOUND
ok 2 - line 3: expect ok
not ok 3 - line 4: expect state LISTENING
not ok 4 - challenge queue: Two connections waiting to be accepted
1..4"
	run timeout 20 prove --exec cat "$tap"
	assert_failure
	assert_line --partial "Failed 3/4 subtests"
}

@test "--tap of a whole lesson without a challenge: one point per expect, prove passes" {
	for lesson in 07-client 09-nonblocking; do
		tap="$BATS_TEST_TMPDIR/$lesson.t"
		timeout 20 "$SOCKREPL" --tap --replay "$REPO_ROOT/lessons/$lesson.txt" >"$tap" 2>/dev/null
		[ "$(grep -c '^ok ' "$tap")" -eq "$(grep -c '^expect ' "$REPO_ROOT/lessons/$lesson.txt")" ]
		run timeout 20 prove --exec cat "$tap"
		assert_success
	done
}

@test "the README's challenge transcript is what sockrepl prints" {
	awk '$0 == "## Challenges" { found = 1 } found && /^```text$/ { inside = 1; next }
		inside && /^```$/ { exit } inside' "$REPO_ROOT/README.md" >"$BATS_TEST_TMPDIR/readme"
	[ -s "$BATS_TEST_TMPDIR/readme" ]
	run env -u COLUMNS timeout 10 "$SOCKREPL" <<<"challenge syn-sent"	# wrapped at 80
	assert_success
	assert_line "challenge syn-sent ended without reaching its goal."	# the input ended
	head -n "$(wc -l <"$BATS_TEST_TMPDIR/readme")" <<<"$output" | diff "$BATS_TEST_TMPDIR/readme" -
}

@test "--tap piped into prove reading /dev/stdin, as the README shows" {
	script=$(solution reset)
	run bash -c "timeout 20 '$SOCKREPL' --tap --challenge reset --replay '$script' 2>/dev/null | timeout 20 prove -e cat /dev/stdin"
	assert_success
	assert_line "Result: PASS"
}
