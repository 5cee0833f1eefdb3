# test_helper.bash - shared set-up for every tests/*.bats file.
#
# Each test drives the real ./sockrepl through stdin, always under `timeout`,
# on loopback only, with ports the kernel picks (port 0, then @FD).

bats_load_library bats-support
bats_load_library bats-assert

REPO_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
SOCKREPL="${SOCKREPL:-$REPO_ROOT/sockrepl}"
export BATS_TEST_TIMEOUT="${BATS_TEST_TIMEOUT:-30}"

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"	# never touch the real home
	mkdir -p "$HOME"
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
	timeout --foreground 15 "$SOCKREPL" --no-echo <"$1" >"$OUT" 2>&1 &
	REPL_PID=$!
}

# wait_for PATTERN : wait (up to 5 s) until the background REPL printed PATTERN.
wait_for() {
	for _ in $(seq 50); do
		grep -q -- "$1" "$OUT" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "gave up waiting for '$1'; output so far:" >&2
	cat "$OUT" >&2
	return 1
}

# port_of FD : the port the background REPL's state line shows for fd FD.
port_of() {
	sed -n "s/^fd $1: [A-Z]* \(on\|to\) 127\.0\.0\.1:\([0-9]*\).*/\2/p" "$OUT" | head -n 1
}
