#!/usr/bin/env bats
# Bad input: every malformed line gives one clear error line naming what was
# wrong, exit status 1, and leaves the session's sockets as they were.

load test_helper

bats_require_minimum_version 1.5.0

# The table runs sockrepl 80 times in one test; under make asan that is slow.
BATS_TEST_TIMEOUT=180

SETUP=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nsockets'

# feed LINE: the session, the line, then the sockets again; sets $status, $output, $stderr.
feed() {
	{ printf '%s\n' "$SETUP"; printf '%b\n' "$1"; printf 'sockets\n'; } >"$BATS_TEST_TMPDIR/script"
	run --separate-stderr sockrepl --no-echo <"$BATS_TEST_TMPDIR/script"
}

# The two `sockets` tables of the output must be the same.
same_sockets_before_and_after() {
	awk '/^FD +PROTO/ { n++ } n { print > ("'"$BATS_TEST_TMPDIR"'/table" n) }
	     /^close\(/ { n = 0 }' <<<"$output"
	grep -v '^close\|^fd .*: CLOSED' "$BATS_TEST_TMPDIR/table1" >"$BATS_TEST_TMPDIR/a"
	grep -v '^close\|^fd .*: CLOSED' "$BATS_TEST_TMPDIR/table2" >"$BATS_TEST_TMPDIR/b"
	diff "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
}

@test "each of the 60+ malformed lines: one error line naming the problem, status 1, sockets unchanged" {
	local count=0
	while IFS=$'\t' read -r line expected; do
		[ -z "$line" ] || [ "${line:0:1}" = "#" ] && continue
		expected=$(printf '%b' "$expected")
		feed "$line"
		if [ "$status" -ne 1 ] || [ "$(wc -l <<<"$stderr")" -ne 1 ] ||
		   [[ "$stderr" != "line 7: "*"$expected"* ]] || ! same_sockets_before_and_after; then
			echo "input:    $line"
			echo "expected: line 7: ...$expected..."
			echo "status:   $status"
			echo "stderr:   $stderr"
			return 1
		fi
		count=$((count + 1))
	done <"$BATS_TEST_DIRNAME/fixtures/bad-lines.tsv"
	[ "$count" -ge 60 ]
}

@test "a 1 MiB line: one error, the REPL goes on" {
	{ printf 'socket\n'; head -c 1048576 /dev/zero | tr '\0' x; printf '\nsockets\n'; } >"$BATS_TEST_TMPDIR/script"
	run --separate-stderr sockrepl --no-echo <"$BATS_TEST_TMPDIR/script"
	assert_failure 1
	[ "$stderr" = "line 2: line too long (1048576 bytes; the limit is 65536): ignored" ]
	assert_line --regexp '^3 +tcp +CREATED'
}

@test "a 100 MB line streams past in bounded memory: under ulimit -v 50 MB, one error and the REPL goes on" {
	if grep -qa __asan_init "$SOCKREPL"; then
		skip "an ASan build reserves far more address space than the limit"
	fi
	run --separate-stderr bash -c '{ printf "say "; head -c 100000000 /dev/zero | tr "\0" x; printf "\nsay still here\n"; } |
		(ulimit -v 50000 && exec timeout 30 "$0" --no-echo)' "$SOCKREPL"
	assert_failure 1
	[ "$stderr" = "line 1: line too long (100000004 bytes; the limit is 65536): ignored" ]
	assert_output 'still here'
}

@test "a lesson file's over-long line is dropped the same way, and the lesson goes on" {
	{ printf 'say '; head -c 100000 /dev/zero | tr '\0' x; printf '\nsay rest of the lesson\n'; } >"$BATS_TEST_TMPDIR/long.txt"
	run --separate-stderr sockrepl --no-echo <<<"lesson $BATS_TEST_TMPDIR/long.txt"
	assert_failure 1
	[ "$stderr" = "line 1: line too long (100004 bytes; the limit is 65536): ignored" ]
	assert_output 'rest of the lesson'
}

@test "10,000 empty lines are no error and change nothing" {
	{ printf 'socket\n'; yes '' | head -n 10000; printf 'sockets\n'; } >"$BATS_TEST_TMPDIR/script"
	run --separate-stderr sockrepl --no-echo <"$BATS_TEST_TMPDIR/script"
	assert_success
	[ -z "$stderr" ]
	assert_line --regexp '^3 +tcp +CREATED'
}

@test "CRLF line ends and tabs are accepted" {
	run --separate-stderr sockrepl --no-echo <<<$'socket\r\nbind\t127.0.0.1\t0\r\n\t\t\r\nexpect state 3 BOUND\r'
	assert_success
	[ -z "$stderr" ]
}

@test "a carriage return inside a line is refused with a clear line, not taken as the line's end" {
	# Before: send 3 hello<CR>world sent "hello" and dropped the rest, silently.
	run sockrepl <<<$'socketpair\nsend 3 hello\rworld\nsay a\rb\nsend 3 ok\r'
	assert_failure 1
	assert_line 'sockrepl [4 CONNECTED]> send 3 hello\015world'
	assert_line 'line 2: the line holds a carriage return (at byte 13): ignored; write \r to send one'
	assert_line 'line 3: the line holds a carriage return (at byte 6): ignored; write \r to send one'
	refute_line --partial 'sendto(3, "hello"'
	assert_line 'sendto(3, "ok", 2, 0, NULL, 0) = 2'
}

@test "fd -1 is not refused: it reaches the kernel, which answers EBADF (status 0)" {
	run --separate-stderr sockrepl --no-echo <<<$'close -1\nexpect EBADF'
	assert_success
	assert_line 'close(-1) = -1 EBADF (Bad file descriptor)'
}

@test "binding to 0.0.0.0 or :: warns that the port is reachable from the network" {
	run sockrepl --no-echo <<<$'socket\nbind any 0\nsocket inet6\nbind :: 0\nsocket\nbind 127.0.0.1 0'
	assert_success
	[ "$(grep -c 'warning: bound to every interface' <<<"$output")" -eq 2 ]
}

@test "sockrepl runs no other program: no exec, system or popen in the binary" {
	run bash -c "nm -D --undefined-only '$SOCKREPL' | grep -wE 'system|popen|execv|execve|execvp|execl|execlp|fork|posix_spawn|posix_spawnp'"
	assert_failure 1
	assert_output ""
}
