# atlas_helper.bash - ways the errno atlas makes a situation happen that a
# plain session cannot: another user, a lower fd limit, a private network
# namespace whose sysctls the test may change. Each is bounded by timeout.

load test_helper

teardown() {
	if [ -n "${PUBLIC_DIR:-}" ]; then rm -rf "$PUBLIC_DIR"; fi
	no_sockrepl_left
}

# public_copy: a copy of sockrepl and a scratch directory in a world-readable
# place, for another user (the checkout may be private); sets PUBLIC_DIR.
public_copy() {
	needs_root
	PUBLIC_DIR=$(mktemp -d /tmp/sockrepl-atlas.XXXXXX)
	chmod 755 "$PUBLIC_DIR"
	cp "$SOCKREPL" "$PUBLIC_DIR/sockrepl"
}

# repl_as_nobody: run $SCRIPT_TEXT through the public copy as uid 65534,
# without capabilities, its HOME in PUBLIC_DIR.
repl_as_nobody() {
	mkdir -p "$PUBLIC_DIR/home" && chown 65534 "$PUBLIC_DIR/home"
	run env HOME="$PUBLIC_DIR/home" timeout 15 setpriv --reuid=65534 --regid=65534 \
		--clear-groups --inh-caps=-all "$PUBLIC_DIR/sockrepl" --no-echo <<<"$SCRIPT_TEXT"
}

# python_peer CODE [ARGS...]: run /usr/bin/python3 -c CODE in the background,
# its output in $BATS_TEST_TMPDIR/peer, the first line a port. Sets $peer (its
# pid) and $port, waiting up to 10 s for that line.
python_peer() {
	/usr/bin/python3 -c "$@" >"$BATS_TEST_TMPDIR/peer" 3>&- &
	peer=$!
	wait_until grep -q . "$BATS_TEST_TMPDIR/peer" || return 1
	port=$(head -n 1 "$BATS_TEST_TMPDIR/peer")
}

# unix_peer KIND PATH: a python3 process with a Unix stream socket at PATH,
# bound (KIND bound) or listening (KIND listen); sets $peer, waits for the file.
unix_peer() {
	/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[2])
if sys.argv[1] == "listen": s.listen()
time.sleep(15)' "$1" "$2" 3>&- &
	peer=$!
	wait_until test -S "$2"
}

# interrupt_until PATTERN: send SIGINT (Ctrl-C) to the background REPL, again
# each second, until its output shows PATTERN (the interrupted call's line),
# for at most 5 s: the note before a blocking call comes just before the call
# starts waiting. A second signal never follows the call's return closely: one
# at the next read of a script's input would end the session.
interrupt_until() {
	for _ in $(seq 5); do
		kill -INT "$REPL_PID"
		wait_until -q -t 1 grep -q -- "$1" "$OUT" && return 0
	done
	return 1
}

# repl_with_fd_limit N: run $SCRIPT_TEXT, from a file, with RLIMIT_NOFILE
# lowered to N. (From a pipe, sockrepl holds one fd more: the stdin watcher's.)
repl_with_fd_limit() {
	printf '%s\n' "$SCRIPT_TEXT" >"$BATS_TEST_TMPDIR/script"
	run timeout 15 sh -c 'ulimit -n "$1" && exec "$0" --no-echo' "$SOCKREPL" "$1" \
		<"$BATS_TEST_TMPDIR/script"
}

# repl_in_netns 'SYSCTL=VALUE ...': run $SCRIPT_TEXT in a fresh network
# namespace (loopback up) after writing each net sysctl there (commas in a
# VALUE stand for spaces); the machine's own settings are untouched.
repl_in_netns() {
	needs_root
	run timeout 20 unshare --net sh -c '
		ip link set lo up || exit 99
		for kv in $1; do
			echo "${kv#*=}" | tr , " " >"/proc/sys/$(echo "${kv%%=*}" | tr . /)" || exit 99
		done
		exec "$0" --no-echo' "$SOCKREPL" "$1" <<<"$SCRIPT_TEXT"
}
