#!/usr/bin/env bats
# lessons, lesson NAME, --lesson, --replay, record, diagram

load test_helper

bats_require_minimum_version 1.5.0

@test "lessons lists every lesson with its title" {
	run sockrepl --no-echo <<<'lessons'
	assert_success
	assert_line --regexp '^  01-creating-a-socket +Creating a socket$'
	assert_line --regexp '^  12-ipv6 +IPv6$'
	[ "$(grep -c '^  [0-9][0-9]-' <<<"$output")" -eq "$(ls "$REPO_ROOT"/lessons/*.txt | wc -l)" ]
}

@test "lesson NAME in a script runs the lesson, checks and all" {
	run sockrepl --no-echo <<<$'lesson 02\nsockets'
	assert_success
	assert_line '== Lesson 2: The backlog =='
	assert_line --regexp '^accept\(3, .*\) = 9$'
}

@test "lesson with an unknown or ambiguous name is a usage error" {
	run sockrepl --no-echo <<<$'lesson 99\nlesson 1'
	assert_failure 1
	assert_line "line 1: lesson '99': no such lesson (lessons lists them)"
	assert_line "line 2: lesson '1': more than one lesson starts so (lessons lists them)"
}

@test "--lesson without a terminal runs the lesson as a script" {
	run sockrepl --no-echo --lesson 03-writing </dev/null
	assert_success
	assert_line 'sendto(5, "Hello Joe!\r\n", 12, 0, NULL, 0) = 12'
}

@test "--replay FILE replays with checks: status 0, or 1 on a failed check" {
	run sockrepl --replay "$REPO_ROOT/lessons/01-creating-a-socket.txt" </dev/null
	assert_success
	assert_line 'sockrepl [3 CREATED]> bind 127.0.0.1 6789'
	sed 's/^expect queue 3 1$/expect queue 3 5/' "$REPO_ROOT/lessons/01-creating-a-socket.txt" >"$BATS_TEST_TMPDIR/bad.txt"
	run sockrepl --replay "$BATS_TEST_TMPDIR/bad.txt" </dev/null
	assert_failure 1
	assert_line --regexp "^line [0-9]+: expected 5 connection\(s\) in fd 3's accept queue, but it has 1 waiting \(backlog 1: up to 2 may wait\)$"
}

@test "--replay keeps the first socket at fd 3, and a missing file exits 1" {
	printf 'socket\n' >"$BATS_TEST_TMPDIR/one.txt"
	run sockrepl --no-echo --replay "$BATS_TEST_TMPDIR/one.txt" </dev/null
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3'
	run sockrepl --replay "$BATS_TEST_TMPDIR/missing.txt" </dev/null
	assert_failure 1
	assert_output --partial "cannot read $BATS_TEST_TMPDIR/missing.txt"
	run sockrepl --replay </dev/null
	assert_failure 2
}

@test "an empty script is no error: --replay and lesson of an empty file run nothing" {
	# Found by fuzz_exec: an empty file read as one line holding a NUL byte.
	: >"$BATS_TEST_TMPDIR/empty.txt"
	run --separate-stderr sockrepl --replay "$BATS_TEST_TMPDIR/empty.txt" </dev/null
	assert_success
	[ -z "$stderr" ]
	run --separate-stderr sockrepl --no-echo <<<"lesson $BATS_TEST_TMPDIR/empty.txt"$'\nsocket'
	assert_success
	[ -z "$stderr" ]
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3'
}

@test "replay LINE in a script runs LINE, echoed as itself, and expect checks its call" {
	run sockrepl <<<$'socket\nreplay bind 127.0.0.1 0\nexpect ok\nreplay bind 127.0.0.1 0\nexpect EINVAL\nreplay'
	assert_failure 1	# the bare replay is a usage error
	assert_line 'sockrepl [3 CREATED]> bind 127.0.0.1 0'
	refute_line --partial '> replay bind'
	assert_line --regexp '^bind\(3, .*\) = -1 EINVAL '
	assert_line 'line 6: replay: missing arguments (usage: replay LINE)'
	# record keeps the replay line once, so the recording replays the same
	run sockrepl --no-echo <<<$'record '"$BATS_TEST_TMPDIR/rec"$'\nsocket\nreplay bind 127.0.0.1 0\nrecord stop'
	assert_success
	run grep -v '^#' "$BATS_TEST_TMPDIR/rec"
	assert_output $'socket\nreplay bind 127.0.0.1 0'
}

@test "next, back, again and leave outside a lesson are usage errors" {
	run sockrepl --no-echo <<<$'next\nback\nagain\nleave'
	assert_failure 1
	assert_line "line 1: next: no lesson is running (lesson NAME starts one)"
	assert_line "line 4: leave: no lesson is running (lesson NAME starts one)"
}

@test "record saves the typed lines; the recording replays to the same result" {
	rec="$BATS_TEST_TMPDIR/session.txt"
	run sockrepl --no-echo <<<"record $rec"$'\nsocket\nbind 127.0.0.1 0\nlisten 2\nsocket\nconnect @3\nexpect queue 3 1\naccept 3\nrecord stop\nsay not recorded'
	assert_success
	first="$output"
	[ "$(stat -c %a "$rec")" = 600 ]
	run grep -c 'not recorded' "$rec"
	assert_output 0
	run sockrepl --no-echo --replay "$rec" </dev/null
	assert_success
	# the same calls and states, ports aside
	diff <(grep -E '^(socket|bind|listen|connect|accept)\(' <<<"$first" | sed -E 's/[0-9]{4,5}/P/g') \
		<(grep -E '^(socket|bind|listen|connect|accept)\(' <<<"$output" | sed -E 's/[0-9]{4,5}/P/g')
}

@test "record refuses a symlink planted in its place" {
	ln -s "$BATS_TEST_TMPDIR/target" "$BATS_TEST_TMPDIR/link"
	run sockrepl --no-echo <<<"record $BATS_TEST_TMPDIR/link"
	assert_failure 1
	assert_output --partial "record: $BATS_TEST_TMPDIR/link already exists, and record never overwrites"
	[ ! -e "$BATS_TEST_TMPDIR/target" ]
}

@test "record never overwrites a file, nor writes to a FIFO: one line says what to do" {
	echo precious >"$BATS_TEST_TMPDIR/old.txt"
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	run sockrepl --no-echo <<<"record $BATS_TEST_TMPDIR/old.txt"$'
'"record $BATS_TEST_TMPDIR/fifo"$'
say still here'
	assert_failure 1
	assert_line "line 1: record: $BATS_TEST_TMPDIR/old.txt already exists, and record never overwrites: remove it or choose another name"
	assert_line "line 2: record: $BATS_TEST_TMPDIR/fifo already exists, and record never overwrites: remove it or choose another name"
	assert_line 'still here'
	[ "$(cat "$BATS_TEST_TMPDIR/old.txt")" = precious ]
}

@test "a lesson that runs itself stops 8 deep with one line, and the REPL goes on" {
	printf 'say in %s\nlesson %s\n' self "$BATS_TEST_TMPDIR/self.txt" >"$BATS_TEST_TMPDIR/self.txt"
	run sockrepl --no-echo <<<"lesson $BATS_TEST_TMPDIR/self.txt"$'
say after'
	assert_failure 1
	[ "$(grep -c '^in self$' <<<"$output")" -eq 8 ]
	assert_line "line 2: lesson $BATS_TEST_TMPDIR/self.txt: not run: lessons run inside lessons at most 8 deep (one that runs itself, or a cycle, would never end)"
	assert_line 'after'
}

@test "two lessons that run each other stop 8 deep too" {
	printf 'lesson %s\n' "$BATS_TEST_TMPDIR/b.txt" >"$BATS_TEST_TMPDIR/a.txt"
	printf 'lesson %s\n' "$BATS_TEST_TMPDIR/a.txt" >"$BATS_TEST_TMPDIR/b.txt"
	run sockrepl --no-echo <<<"lesson $BATS_TEST_TMPDIR/a.txt"$'
say after'
	assert_failure 1
	assert_line "line 1: lesson $BATS_TEST_TMPDIR/a.txt: not run: lessons run inside lessons at most 8 deep (one that runs itself, or a cycle, would never end)"
	assert_line 'after'
}

@test "lesson of a FIFO or a device is refused at once: only regular files are read" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	run sockrepl --no-echo <<<"lesson $BATS_TEST_TMPDIR/fifo"$'
lesson /dev/zero
lesson /tmp
say after'
	assert_failure 1
	assert_line "line 1: cannot read $BATS_TEST_TMPDIR/fifo: it is a FIFO; lessons and scripts are read only from regular files"
	assert_line "line 2: cannot read /dev/zero: it is a character device; lessons and scripts are read only from regular files"
	assert_line "line 3: cannot read /tmp: it is a directory; lessons and scripts are read only from regular files"
	assert_line 'after'
}

@test "a lesson file over 1 MiB is refused before it is read; --replay too" {
	truncate -s 600M "$BATS_TEST_TMPDIR/huge.txt"
	run sockrepl --no-echo <<<"lesson $BATS_TEST_TMPDIR/huge.txt"$'
say after'
	assert_failure 1
	assert_line "line 1: cannot read $BATS_TEST_TMPDIR/huge.txt: larger than 1 MiB, the limit for a lesson or script file"
	assert_line 'after'
	run sockrepl --no-echo --replay "$BATS_TEST_TMPDIR/huge.txt" </dev/null
	assert_failure 1
	assert_output --partial "cannot read $BATS_TEST_TMPDIR/huge.txt: larger than 1 MiB"
}

@test "a lesson file that grows past 1 MiB as it is read is refused too" {
	run sockrepl --no-echo <<<$'lesson /proc/kallsyms
say after'
	assert_failure 1
	assert_line "line 1: cannot read /proc/kallsyms: larger than 1 MiB, the limit for a lesson or script file"
	assert_line 'after'
}

@test "lesson with a path runs a lesson file of your own" {
	printf 'say my own lesson\nsocket\nexpect ok\n' >"$BATS_TEST_TMPDIR/mine.txt"
	cd "$BATS_TEST_TMPDIR"
	run sockrepl --no-echo <<<'lesson ./mine.txt'
	assert_success
	assert_line 'my own lesson'
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3'
}

@test "lessons reads a title whose ':' is the first line's 255th byte within its buffer" {
	mkdir -p "$BATS_TEST_TMPDIR/bin/lessons"
	cp "$SOCKREPL" "$BATS_TEST_TMPDIR/bin/sockrepl"
	{ printf '#'; printf 'x%.0s' $(seq 253); printf ':ZZZZZZZZZZ\n'; } >"$BATS_TEST_TMPDIR/bin/lessons/99-edge.txt"
	printf '# Lesson 98: A title\n' >"$BATS_TEST_TMPDIR/bin/lessons/98-plain.txt"
	run timeout 15 "$BATS_TEST_TMPDIR/bin/sockrepl" --no-echo <<<'lessons'
	assert_success
	assert_line --regexp '^  98-plain +A title$'
	assert_line --regexp '^  99-edge +$'
}

@test "lessons does not wait on a FIFO named like a lesson; lesson refuses it" {
	mkdir -p "$BATS_TEST_TMPDIR/bin/lessons"
	cp "$SOCKREPL" "$BATS_TEST_TMPDIR/bin/sockrepl"
	mkfifo "$BATS_TEST_TMPDIR/bin/lessons/97-fifo.txt"
	run timeout 15 "$BATS_TEST_TMPDIR/bin/sockrepl" --no-echo <<<$'lessons\nlesson 97'
	assert_failure 1
	assert_line --regexp '^  97-fifo +\(no title\)$'
	assert_line --regexp '^line 2: cannot read .*/97-fifo\.txt: it is a FIFO; lessons and scripts are read only from regular files$'
}

@test "diagram marks the current TCP state and the path the socket took" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\ndiagram 4\nclose 4\naccept 3\nrecv 5\nclose 5\ndiagram 3'
	assert_success
	assert_line 'TCP states of fd 4: >ESTABLISHED< now, [marked] on its way here'
	assert_line '                       >ESTABLISHED<'
	assert_line '  path of fd 4: CLOSED -> SYN-SENT -> ESTABLISHED'
	assert_line '                  >LISTEN<          SYN-SENT '
	assert_line '  path of fd 3: CLOSED -> LISTEN'
}

@test "diagram on a UDP socket is a usage error" {
	run sockrepl --no-echo <<<$'socket udp\ndiagram'
	assert_failure 1
	assert_line "line 2: diagram: fd 3 is udp; the diagram is for TCP sockets"
}
