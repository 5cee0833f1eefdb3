#!/usr/bin/env bats
# sockrepl --sandbox: the session in a network namespace of its own, made by
# the kernel (unshare), as root and as an unprivileged user; and a lesson's
# `requires sandbox` line.

load test_helper

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# needs_userns: skip unless an unprivileged user may make a user namespace here.
needs_userns() {
	needs_root
	"${NOBODY[@]}" unshare --user --net true 2>/dev/null ||
		skip "user namespaces are not available to an unprivileged user here"
}

# start_sandbox FILE [COMMAND...]: sockrepl --sandbox in the background, its
# input FILE (a FIFO keeps it running), run by COMMAND (setpriv ...) if given;
# sets OUT and REPL_PID (the timeout process), as start_repl does.
start_sandbox() {
	local input=$1
	shift
	OUT="$BATS_TEST_TMPDIR/out"
	timeout --foreground 15 "$@" env HOME=/tmp "$SOCKREPL" --no-echo --sandbox <"$input" >"$OUT" 2>&1 &
	REPL_PID=$!
}

# nsenter_line: the command the running sandbox printed; SANDBOX_PID: its pid.
nsenter_line() {
	wait_for 'nsenter --target' || return 1
	NSENTER=$(sed -n 's/^sandbox: to run a program inside it from another terminal: //p' "$OUT")
	SANDBOX_PID=$(sed -n 's/^nsenter --target \([0-9]*\) .*/\1/p' <<<"$NSENTER")
}

# holders NS: how many processes have the namespace NS (e.g. net:[4026532]).
holders() {
	ls -l /proc/[0-9]*/ns/net /proc/[0-9]*/ns/user 2>/dev/null | grep -cF -- "-> $1" || true
}

@test "--sandbox as root: its own network namespace, said once with the nsenter line that enters it" {
	needs_root
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsockets'
	repl --sandbox
	assert_success
	assert_line --index 0 "sandbox: this session runs in its own network namespace, with only lo: its ports collide with no other program's, nothing reaches the network, and no TIME-WAIT of an earlier session holds a port."
	assert_line --index 1 --regexp '^sandbox: to run a program inside it from another terminal: nsenter --target [0-9]+ --net nc -v -v localhost 6789$'
	assert_line --regexp '^fd 3: BOUND to 127\.0\.0\.1:[0-9]+ '
	[ "$(grep -c '^sandbox:' <<<"$output")" = 2 ]
}

@test "--sandbox works for an unprivileged user: a user namespace, lo up, and ports below 1024 its own" {
	needs_userns
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 80\nexpect ok\nlisten\nsocket\nconnect @3\nexpect ok\naccept 3\nexpect ok'
	run timeout 15 "${NOBODY[@]}" env HOME=/tmp "$SOCKREPL" --no-echo --sandbox <<<"$SCRIPT_TEXT"
	assert_success
	assert_line --regexp '^sandbox: to run a program inside it from another terminal: nsenter --target [0-9]+ --user --net --preserve-credentials nc -v -v localhost 6789$'
	assert_line 'bind(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16) = 0'
	assert_line 'connect(4, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16) = 0'
	refute_output --partial 'line '
}

@test "sockrepl --sandbox --wire as an unprivileged user captures: the handshake's three segments under connect" {
	needs_userns
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nsay done'
	run timeout 15 "${NOBODY[@]}" env HOME=/tmp "$SOCKREPL" --no-echo --sandbox --wire <<<"$SCRIPT_TEXT"
	assert_success
	assert_line --regexp '^sandbox: to run a program inside it from another terminal: nsenter --target [0-9]+ --user --net --preserve-credentials '
	assert_line --regexp '^wire: on: capturing on lo \(an AF_PACKET socket, fd [0-9]+\)'
	refute_output --partial 'cannot capture'
	port=$(sed -n 's/^fd 3: BOUND to 127\.0\.0\.1:\([0-9]*\) .*/\1/p' <<<"$output")
	[ -n "$port" ]
	# the three lines right under the connect call, in the handshake's order
	run sed -n '/^connect(4, /{n;p;n;p;n;p;}' <<<"$output"
	assert_line --index 0 --regexp "^  wire: IP 127\.0\.0\.1\.([0-9]+) > 127\.0\.0\.1\.$port: Flags \[S\], seq [0-9]+, win [0-9]+, options \[.*\], length 0$"
	assert_line --index 1 --regexp "^  wire: IP 127\.0\.0\.1\.$port > 127\.0\.0\.1\.[0-9]+: Flags \[S\.\], seq [0-9]+, ack [0-9]+, win [0-9]+, options \[.*\], length 0$"
	assert_line --index 2 --regexp "^  wire: IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$port: Flags \[\.\], ack 1, win [0-9]+, options \[.*\], length 0$"
}

@test "nothing reaches the network from the sandbox: a connect to another network is ENETUNREACH" {
	needs_root
	SCRIPT_TEXT=$'socket\nconnect 192.0.2.1 80'
	repl --sandbox
	assert_success
	assert_line 'connect(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("192.0.2.1")}, 16) = -1 ENETUNREACH (Network is unreachable)'
}

@test "a port the sandbox listens on is invisible outside: ss does not show it and a connect is refused" {
	needs_root
	printf 'socket\nbind 127.0.0.1 0\nlisten\naccept\n' >"$BATS_TEST_TMPDIR/in"
	start_sandbox "$BATS_TEST_TMPDIR/in"
	wait_for 'fd 3: LISTENING'
	port=$(sed -n 's/^fd 3: LISTENING on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$OUT")
	[ -n "$port" ]
	run ss -Htan "sport = :$port"
	assert_output ''
	run timeout 5 /usr/bin/python3 -c "import socket, sys
try:
    socket.create_connection(('127.0.0.1', $port))
except ConnectionRefusedError:
    print('ECONNREFUSED')" 
	assert_output 'ECONNREFUSED'
	kill -TERM "$REPL_PID"
	wait "$REPL_PID" || true
}

@test "a port in use outside binds in the sandbox: its ports collide with no other program's" {
	needs_root
	coproc PEER { exec /usr/bin/python3 -c "import socket, sys
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
print(s.getsockname()[1], flush=True); sys.stdin.read()"; }
	read -r port <&"${PEER[0]}"
	SCRIPT_TEXT="socket
bind 127.0.0.1 $port
expect ok
listen
expect ok"
	repl --sandbox
	exec {PEER[1]}>&-
	wait "$PEER_PID" || true
	assert_success
	assert_line "bind(3, {sa_family=AF_INET, sin_port=htons($port), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0"
}

@test "no TIME-WAIT of an earlier sandboxed session holds a port: the next session binds it" {
	needs_root
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3\nclose 3\nclose 5\nclose 4\nsocket\nbind 127.0.0.1 @5\nexpect EADDRINUSE'
	repl --sandbox
	assert_success
	port=$(sed -n 's/^fd 3: BOUND to 127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$output" | head -n 1)
	[ -n "$port" ]
	SCRIPT_TEXT="socket
bind 127.0.0.1 $port
expect ok"
	repl --sandbox
	assert_success
	assert_line "bind(3, {sa_family=AF_INET, sin_port=htons($port), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0"
}

@test "the printed nsenter line runs nc inside the sandbox, connected to the session's listener (root)" {
	needs_root
	printf 'socket\nbind 127.0.0.1 6789\nlisten\naccept\nsend hello\\n\nclose\n' >"$BATS_TEST_TMPDIR/in"
	start_sandbox "$BATS_TEST_TMPDIR/in"
	nsenter_line
	wait_for 'fd 3: LISTENING'
	run timeout 10 bash -c "$NSENTER" </dev/null
	assert_success
	assert_output --partial 'Connection to localhost (127.0.0.1) 6789 port [tcp/*] succeeded!'
	assert_line 'hello'
	wait "$REPL_PID"
	run grep -c '^accept(3, ' "$OUT"
	assert_output 1
}

@test "the printed nsenter line, run by the same unprivileged user, enters the sandbox's user and network namespace" {
	needs_userns
	printf 'socket\nbind 127.0.0.1 6789\nlisten\naccept\nsend hello\\n\nclose\n' >"$BATS_TEST_TMPDIR/in"
	start_sandbox "$BATS_TEST_TMPDIR/in" "${NOBODY[@]}"
	nsenter_line
	[[ "$NSENTER" == "nsenter --target $SANDBOX_PID --user --net --preserve-credentials nc -v -v localhost 6789" ]]
	wait_for 'fd 3: LISTENING'
	run timeout 10 "${NOBODY[@]}" bash -c "$NSENTER" </dev/null
	assert_success
	assert_output --partial 'Connection to localhost (127.0.0.1) 6789 port [tcp/*] succeeded!'
	assert_line 'hello'
	wait "$REPL_PID"
}

@test "the sandbox's namespaces end with the session: no process and no namespace left" {
	needs_userns
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_sandbox "$BATS_TEST_TMPDIR/in" "${NOBODY[@]}"
	exec {writer}>"$BATS_TEST_TMPDIR/in"
	nsenter_line
	net=$(readlink "/proc/$SANDBOX_PID/ns/net")
	user=$(readlink "/proc/$SANDBOX_PID/ns/user")
	[ "$net" != "$(readlink /proc/self/ns/net)" ]
	[ "$user" != "$(readlink /proc/self/ns/user)" ]
	echo socket >&"$writer"
	wait_for 'fd 3: CREATED'
	[ "$(holders "$net")" = 1 ]	# sockrepl alone
	[ "$(holders "$user")" = 1 ]
	exec {writer}>&-
	wait "$REPL_PID"
	[ ! -e "/proc/$SANDBOX_PID" ]
	[ "$(holders "$net")" = 0 ]
	[ "$(holders "$user")" = 0 ]
}

@test "an unprivileged sandbox holds CAP_NET_RAW, CAP_NET_ADMIN and CAP_NET_BIND_SERVICE over its namespace, its ids its own" {
	needs_userns
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_sandbox "$BATS_TEST_TMPDIR/in" "${NOBODY[@]}"
	exec {writer}>"$BATS_TEST_TMPDIR/in"
	nsenter_line
	caps=$(sed -n 's/^CapEff:\t//p' "/proc/$SANDBOX_PID/status")
	for cap in 10 12 13; do	# CAP_NET_BIND_SERVICE, CAP_NET_ADMIN, CAP_NET_RAW
		(( (16#$caps >> cap) & 1 )) || { echo "CapEff $caps lacks capability $cap"; false; }
	done
	read -r inside outside count <"/proc/$SANDBOX_PID/uid_map"
	[ "$inside $outside $count" = "65534 65534 1" ]
	read -r inside outside count <"/proc/$SANDBOX_PID/gid_map"
	[ "$inside $outside $count" = "65534 65534 1" ]
	exec {writer}>&-
	wait "$REPL_PID"
}

@test "--sandbox where the kernel refuses a user namespace: one line saying why and the ways out, and no start" {
	needs_root
	# A user namespace of the test's own, where user.max_user_namespaces is 0
	# (that sysctl is per user namespace: the host's stays as it is), and
	# sockrepl in it without capabilities, as an unprivileged user would be.
	SCRIPT_TEXT='socket'
	run timeout 15 unshare --user --map-root-user sh -c '
		echo 0 >/proc/sys/user/max_user_namespaces || exit 99
		exec setpriv --securebits +noroot,+noroot_locked --bounding-set -all --inh-caps -all \
			"$0" --no-echo --sandbox' "$SOCKREPL" <<<"$SCRIPT_TEXT"
	[ "$status" != 99 ] || skip "cannot set user.max_user_namespaces in a user namespace here"
	assert_failure 1
	assert_output "sockrepl: --sandbox: unshare(CLONE_NEWNET) failed with EPERM, and unshare(CLONE_NEWUSER|CLONE_NEWNET) with ENOSPC: user namespaces are turned off here (user.max_user_namespaces is 0): run sockrepl as root, which needs none, or turn them on (sysctl -w user.max_user_namespaces=10000); sockrepl does not start without the sandbox asked for."
}

@test "--sandbox where network namespaces are turned off: ENOSPC names user.max_net_namespaces, and no start" {
	needs_root
	# root of a user namespace of the test's own, where user.max_net_namespaces is 0
	SCRIPT_TEXT='socket'
	run timeout 15 unshare --user --map-root-user sh -c '
		echo 0 >/proc/sys/user/max_net_namespaces || exit 99
		exec "$0" --no-echo --sandbox' "$SOCKREPL" <<<"$SCRIPT_TEXT"
	[ "$status" != 99 ] || skip "cannot set user.max_net_namespaces in a user namespace here"
	assert_failure 1
	assert_output "sockrepl: --sandbox: unshare(CLONE_NEWNET) failed with ENOSPC: network namespaces are turned off here (user.max_net_namespaces is 0): turn them on (sysctl -w user.max_net_namespaces=10000); sockrepl does not start without the sandbox asked for."
}

@test "--sandbox under a seccomp filter that forbids unshare: EPERM with no sysctl to blame, and no start" {
	needs_root
	SCRIPT_TEXT='socket'
	run timeout 15 /usr/bin/python3 "$REPO_ROOT/tests/fixtures/no-unshare.py" "$SOCKREPL" --no-echo --sandbox <<<"$SCRIPT_TEXT"
	assert_failure 1
	assert_output "sockrepl: --sandbox: unshare(CLONE_NEWNET) failed with EPERM, and unshare(CLONE_NEWUSER|CLONE_NEWNET) with EPERM: no sysctl forbids it, so a seccomp filter (as container runtimes install), a security module or a chroot does: allow unshare where sockrepl runs, or run it without --sandbox; sockrepl does not start without the sandbox asked for."
}

# ---- requires sandbox ---------------------------------------------------------

@test "requires sandbox outside the sandbox: a script says how to start it, runs nothing more, exit status 1" {
	printf 'say before\nrequires sandbox\nsocket\nsay after\n' >"$BATS_TEST_TMPDIR/needs.txt"
	run sockrepl --no-echo --lesson "$BATS_TEST_TMPDIR/needs.txt" </dev/null
	assert_failure 1
	assert_output "before
line 2: this lesson runs in its own network namespace: start it with sockrepl --sandbox --lesson $BATS_TEST_TMPDIR/needs.txt"
}

@test "requires sandbox in a script read from stdin: start sockrepl with --sandbox" {
	SCRIPT_TEXT=$'requires sandbox\nsocket'
	repl
	assert_failure 1
	assert_output 'line 1: this lesson runs in its own network namespace: start sockrepl with --sandbox'
}

@test "requires sandbox in the sandbox passes silently and the lesson runs" {
	needs_root
	printf 'requires sandbox\nsocket\nexpect ok\n' >"$BATS_TEST_TMPDIR/needs.txt"
	run sockrepl --sandbox --lesson "$BATS_TEST_TMPDIR/needs.txt" </dev/null
	assert_success
	assert_line --index 2 'sockrepl> socket'
	refute_output --partial 'requires'
}

@test "requires what is not sandbox is a usage error" {
	SCRIPT_TEXT=$'requires root\nrequires\nrequires sandbox now'
	repl
	assert_failure 1
	assert_line "line 1: requires: 'root' is not something a lesson can require (usage: requires sandbox)"
	assert_line 'line 2: requires: missing arguments (usage: requires sandbox)'
	assert_line 'line 3: requires: too many arguments (usage: requires sandbox)'
}
