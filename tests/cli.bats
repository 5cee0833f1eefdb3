#!/usr/bin/env bats
# Command-line options, exit statuses, start-up and exit.

load test_helper

@test "--help prints usage and exits 0" {
	run sockrepl --help
	assert_success
	assert_line --index 0 "usage: sockrepl [-e] [--no-echo] [--no-color] [--verbose] [--sandbox] [--wire]"
	assert_line --index 1 "                [--tap] [--challenge NAME] [--lesson NAME | --replay FILE]"
	assert_line --index 2 "                [--help] [--version]"
}

@test "--version prints the version" {
	run sockrepl --version
	assert_success
	assert_output --regexp '^sockrepl [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "an unknown option exits 2 with usage on stderr" {
	run sockrepl --frobnicate </dev/null
	assert_failure 2
	assert_line --index 0 "sockrepl: unknown option '--frobnicate'"
}

@test "end of input exits 0; quit and exit stop reading" {
	run sockrepl --no-echo </dev/null
	assert_success
	assert_output ""
	run sockrepl --no-echo <<<$'quit\nsocket'
	assert_success
	refute_output --partial "socket("
	run sockrepl --no-echo <<<$'exit\nsocket'
	assert_success
	refute_output --partial "socket("
}

@test "a failing call is an outcome: the status stays 0" {
	run sockrepl --no-echo <<<$'close 9'
	assert_success
	assert_line 'close(9) = -1 EBADF (Bad file descriptor)'
}

@test "a line that cannot be parsed makes the status 1, and the rest still runs" {
	run sockrepl --no-echo <<<$'nosuch\nsocket'
	assert_failure 1
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3'
}

@test "-e ends the run at the first failing call with status 1, closing sockets" {
	run sockrepl -e --no-echo <<<$'socket\nclose 9\nsay not reached'
	assert_failure 1
	assert_line 'close(9) = -1 EBADF (Bad file descriptor)'
	refute_output --partial 'not reached'
	assert_line 'close(3) = 0'
}

@test "at exit every open socket is closed, newest first, each close printed" {
	run sockrepl --no-echo <<<$'socket\nsocket\nsocket'
	assert_success
	assert_line --index 6 'close(5) = 0'
	assert_line --index 8 'close(4) = 0'
	assert_line --index 10 'close(3) = 0'
}

@test "fds inherited above 2 are closed at start, so the first socket is fd 3" {
	run bash -c 'exec 3</dev/null 4</dev/null 7</dev/null; exec timeout 15 "$1" --no-echo <<<socket' - "$SOCKREPL"
	assert_success
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3'
}

@test "started with stdout closed, the first socket is still fd 3 and no output goes to it" {
	# Without /dev/null on fd 1 the socket would be fd 1: close 3 would fail.
	run bash -c 'exec timeout 15 "$1" --no-echo >&- 2>"$2" <<<$'"'"'socket udp\nclose 3\nexpect ok'"'"'' - "$SOCKREPL" "$BATS_TEST_TMPDIR/err"
	assert_success
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output ""
}

@test "started with stderr or stdin closed, the first socket is still fd 3" {
	run bash -c 'exec timeout 15 "$1" --no-echo 2>&- <<<socket' - "$SOCKREPL"
	assert_success
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3'
	printf 'socket\n' >"$BATS_TEST_TMPDIR/script"
	run bash -c 'exec timeout 15 "$1" --no-echo --replay "$2" <&-' - "$SOCKREPL" "$BATS_TEST_TMPDIR/script"
	assert_success
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3'
}

@test "SIGPIPE does not kill the REPL when its output pipe has no reader" {
	# stdout is a pipe whose read end is already closed: every write raises SIGPIPE.
	run timeout 15 perl -e 'pipe(my $r, my $w) or die; close $r;
		open(STDOUT, ">&", $w) or die; exec @ARGV' "$SOCKREPL" --no-echo <<<$'socket\nsocket'
	# not 141 (killed by SIGPIPE): it ran to the end, and says the output is lost
	assert_failure 1
	assert_output 'sockrepl: writing to standard output failed: Broken pipe (EPIPE); the output is incomplete'
}

@test "output to a full disk is said once on stderr, with exit status 1" {
	run bash -c 'exec timeout 15 "$1" --no-echo >/dev/full <<<$'"'"'socket\nsocket'"'"'' - "$SOCKREPL"
	assert_failure 1
	assert_output 'sockrepl: writing to standard output failed: No space left on device (ENOSPC); the output is incomplete'
	run bash -c 'exec timeout 15 "$1" --help >/dev/full' - "$SOCKREPL"
	assert_failure 1
	run bash -c 'exec timeout 15 "$1" --no-echo >/dev/full <<<"say hi"' - "$SOCKREPL"
	assert_failure 1
	assert_output --partial 'sockrepl: '
	assert_equal "${#lines[@]}" 1
}

@test "Ctrl-C while a piped script waits for its next line ends nothing: the script goes on (20 runs)" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	for run in $(seq 20); do
		timeout 10 "$SOCKREPL" --no-echo <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>&1 &
		exec 8>"$BATS_TEST_TMPDIR/in"
		wait_until pgrep -x sockrepl -P $! >/dev/null
		pid=$(pgrep -x sockrepl -P $!)
		printf 'say before\nsay ha' >&8	# a line cut in two: the signal lands between the halves
		wait_blocked "$pid" read 0
		kill -INT "$pid"
		printf 'lf\nsay after %s\n' "$run" >&8
		exec 8>&-
		wait $!
		run cat "$BATS_TEST_TMPDIR/out"
		assert_output $'before\nhalf\nafter '"$run"
	done
}

@test "a script piped in leaves nothing behind: valgrind finds no leak, not even a possible one" {
	command -v valgrind >/dev/null || skip "valgrind is not installed (tests/need-tools harden)"
	if grep -qa __asan_init "$SOCKREPL"; then skip "valgrind cannot run an ASan build"; fi
	printf 'socket\nbind 127.0.0.1 0\nlisten\n' | timeout 60 valgrind -q --leak-check=full \
		--errors-for-leak-kinds=definite,possible --error-exitcode=9 "$SOCKREPL" --no-echo >/dev/null
}
