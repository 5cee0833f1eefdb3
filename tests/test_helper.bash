# test_helper.bash - shared set-up for every tests/*.bats file.
#
# Each test drives the real ./sockrepl through stdin, always under `timeout`,
# on loopback only, with ports the kernel picks (port 0, then @FD).

# load_library NAME: bats_load_library NAME, without its cost: a library's
# load.bash forks dirname once per file it sources, which for bats-support and
# bats-assert is some 40 ms for every test, a third of the suite's CPU time.
# Its src/*.bash files, sourced here, are the same functions.
load_library() {
	local dir file
	for dir in ${BATS_LIB_PATH//:/ } /usr/lib/bats /usr/local/lib/bats; do
		[ -f "$dir/$1/load.bash" ] && [ -d "$dir/$1/src" ] || continue
		for file in "$dir/$1"/src/*.bash; do
			source "$file"
		done
		return 0
	done
	bats_load_library "$1"
}
load_library bats-support
load_library bats-assert

REPO_ROOT=${BATS_TEST_DIRNAME%/tests}
SOCKREPL="${SOCKREPL:-$REPO_ROOT/sockrepl}"
export BATS_TEST_TIMEOUT="${BATS_TEST_TIMEOUT:-30}"

# Every process a test starts carries its name in its environment, so that
# no_sockrepl_left finds exactly this test's sockrepls, even with other test
# files running side by side (tests/run-suite) or in another terminal.
if [ -n "${BATS_TEST_TMPDIR:-}" ]; then export SOCKREPL_TEST_ID="$BATS_TEST_TMPDIR"; fi

# Tests match notes and narration whole, so they ask sockrepl not to wrap
# them (COLUMNS=0); the tests of wrapping, and the README's transcripts,
# set COLUMNS themselves or unset it for the default, 80 in a script.
export COLUMNS=0

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"	# never touch the real home
	mkdir -p "$HOME"
}

# A file that defines its own teardown ends it with no_sockrepl_left.
teardown() {
	no_sockrepl_left
}

# sockrepls_of_this_test: set LEFT to the pids of running sockrepl processes
# (whatever binary: the build, an ASan build, a copy) that this test started.
# pgrep first: a loop over every process costs 100 ms under bats' line trap.
sockrepls_of_this_test() {
	local pid state
	LEFT=()
	for pid in $(pgrep -x sockrepl); do
		read -r _ _ state _ 2>/dev/null <"/proc/$pid/stat" && [ "$state" != Z ] &&
			grep -qzx "SOCKREPL_TEST_ID=$SOCKREPL_TEST_ID" "/proc/$pid/environ" 2>/dev/null &&
			LEFT+=("$pid")
	done
	return 0
}

none_of_this_test_left() {
	sockrepls_of_this_test
	[ ${#LEFT[@]} -eq 0 ]
}

# no_sockrepl_left: fail the test if a sockrepl it started still runs once
# the test is over (SOCKREPL_EXIT_WAIT, 10 s, after a kill is time enough to
# exit, even for an ASan build), naming it; then kill it, so that it cannot
# spin on unseen.
no_sockrepl_left() {
	[ -n "${SOCKREPL_TEST_ID:-}" ] || return 0
	wait_until -q -t "${SOCKREPL_EXIT_WAIT:-10}" none_of_this_test_left && return 0
	local pid
	for pid in "${LEFT[@]}"; do
		grep -q '^State:.[^Z]' "/proc/$pid/status" 2>/dev/null || continue	# gone since
		echo "sockrepl left running by this test: pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline")), $(grep '^State:' "/proc/$pid/status" | tr -s '\t' ' ')" >&2
		kill -KILL "$pid" 2>/dev/null
	done
	return 1
}

# wait_until [-q] [-t SECONDS] COMMAND...: run COMMAND until it succeeds, for
# at most SECONDS (default 10) by the clock: again after 5, 10, 20 and 50 ms,
# then every 0.1 s. Fails (saying so unless -q) when time is up. Every test
# waits this way for the condition it needs, never for a fixed time.
wait_until() {
	local quiet= limit=10 delay
	[ "$1" != -q ] || { quiet=1; shift; }
	[ "$1" != -t ] || { limit=$2; shift 2; }
	local deadline=$((${EPOCHREALTIME/./} + limit * 1000000))
	for delay in 0.005 0.01 0.02 0.05; do
		"$@" && return 0
		sleep "$delay"
	done
	until "$@"; do
		if ((${EPOCHREALTIME/./} > deadline)); then
			[ -n "$quiet" ] || echo "gave up after $limit s waiting until: $*" >&2
			return 1
		fi
		sleep 0.1
	done
}

# needs_tool NAME: skip without the program NAME, except as root, where
# make check installs it (tests/need-tools): missing there, the test fails,
# so that CI never passes by skipping.
needs_tool() {
	command -v "$1" >/dev/null && return 0
	if [ "$(id -u)" = 0 ]; then
		echo "$1 is not installed, though tests/need-tools installs it as root" >&2
		return 1
	fi
	skip "$1 is not installed (tests/need-tools installs it as root)"
}

# needs_root: skip (saying why) unless the test runs as root, which another
# uid, a private namespace, a mount and its sysctls need (make check as root).
needs_root() {
	[ "$(id -u)" = 0 ] || skip "needs root: another uid, a namespace, a mount or a sysctl"
}

# sockrepl ARGS... : the binary, bounded in time (the script comes on stdin).
sockrepl() {
	timeout 15 "$SOCKREPL" "$@"
}

# repl SCRIPT : run SCRIPT through sockrepl without echo; sets $output, $status.
repl() {
	run sockrepl --no-echo "$@" <<<"$SCRIPT_TEXT"
}

# start_repl FILE : run sockrepl in the background on FILE's lines, output to
# $OUT; sets $REPL_PID (the timeout process, which passes signals on to
# sockrepl alone: --foreground keeps it from signalling the test's own group).
start_repl() {
	OUT="$BATS_TEST_TMPDIR/out"
	: >"$OUT"	# now, not in the child: a wait_for must not read an earlier run's output
	timeout --foreground 15 "$SOCKREPL" --no-echo <"$1" >>"$OUT" 2>&1 &
	REPL_PID=$!
}

# wait_for PATTERN : wait (up to 10 s) until the background REPL printed PATTERN.
wait_for() {
	wait_until -q grep -q -- "$1" "$OUT" 2>/dev/null && return 0
	echo "gave up waiting for '$1'; output so far:" >&2
	cat "$OUT" >&2
	return 1
}

# syscall_number NAME: its number on this machine, from the C headers.
syscall_number() {
	printf '#include <sys/syscall.h>\nSYS_%s\n' "$1" | cc -E -P - | tail -n 1
}

# blocked_in PID NR [FD]: PID sleeps in system call number NR (on FD), as
# /proc/PID/syscall shows it; where the kernel hides that file (ptrace
# restrictions for a non-root user), sleeping at all has to do.
blocked_in() {
	grep -q '^State:.S' "/proc/$1/status" 2>/dev/null || return 1
	[ -r "/proc/$1/syscall" ] || return 0
	grep -q "^$2 ${3:+0x$(printf '%x' "$3") }" "/proc/$1/syscall" 2>/dev/null
}

# wait_blocked PID NAME [FD]: wait (up to 10 s) until PID sleeps in system
# call NAME (on FD): a blocking call has started waiting, no guessing how long
# it takes.
wait_blocked() {
	wait_until -q blocked_in "$1" "$(syscall_number "$2")" "${3:-}" && return 0
	echo "gave up waiting for pid $1 to block in $2; /proc says: $(cat "/proc/$1/syscall" 2>&1)" >&2
	return 1
}

# repl_blocked NAME [FD]: wait until the background REPL (start_repl) sleeps
# in system call NAME (on FD).
repl_blocked() {
	local pid
	wait_until pgrep -x sockrepl -P "$REPL_PID" >/dev/null
	pid=$(pgrep -x sockrepl -P "$REPL_PID")
	wait_blocked "$pid" "$@"
}

# stdin_closes_during CALL LINES...: the LINES through a FIFO; once
# sockrepl waits in system call CALL (/proc/PID/syscall), the FIFO's writer
# goes away. Sets $status and $output.
stdin_closes_during() {
	local call=$1
	shift
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf '%s\n' "$@" >&8
	repl_blocked "$call"
	exec 8>&-
	status=0
	wait "$REPL_PID" || status=$?
	output=$(cat "$OUT")
}

# port_of FD : the port the background REPL's state line shows for fd FD.
port_of() {
	sed -n "s/^fd $1: [A-Z]* \(on\|to\) 127\.0\.0\.1:\([0-9]*\).*/\2/p" "$OUT" | head -n 1
}
