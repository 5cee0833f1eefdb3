#!/usr/bin/env bats
# Every call line is exactly what strace prints for the same call in the same run.

load test_helper

# The calls sockrepl makes on the learner's behalf.
CALLS='^(socket|bind|listen|accept|connect|fcntl|close)\('

# strace_lines TRACE: the learner's calls in an strace log. Left out: the
# dynamic loader's work before the first socket, sockrepl's own observations
# (fcntl F_GETFL, and its sock_diag queries on a netlink socket: everything on
# that fd from socket to close), and strace's column padding before " = ".
strace_lines() {
	sed -E -e '/^\+\+\+/d' -e '/F_GETFL/d' -e 's/\) +=/) =/' "$1" | sed -n '/^socket(/,$p' |
		awk '/^socket\(AF_NETLINK,/ { netlink[$NF] = 1; next }
		     { fd = $0; sub(/^[a-z0-9_]+\(/, "", fd); sub(/[,)].*/, "", fd) }
		     fd in netlink { if ($0 ~ /^close\(/) delete netlink[fd]; next }
		     { print }'
}

@test "call lines match strace output of the same run, success and failure alike" {
	cat >"$BATS_TEST_TMPDIR/script" <<-'SCRIPT'
		socket
		bind 127.0.0.1 0
		listen 2
		socket
		connect @3
		accept
		nonblock 3 on
		accept 3
		nonblock 3 off
		socket udp inet6
		bind [::1]:0
		listen
		socket inet6
		bind [::ffff:127.0.0.1]:0
		connect 7 @3
		socket
		connect @3
		bind 9 127.0.0.1 0
		bind 0 127.0.0.1 0
		bind 4 @3
		socket
		bind @3
		connect [::1]:9
		listen 3 -1
		close 99
		close 5
	SCRIPT
	timeout 15 strace -o "$BATS_TEST_TMPDIR/trace" -e trace=socket,bind,listen,accept,connect,fcntl,close \
		"$SOCKREPL" --no-echo <"$BATS_TEST_TMPDIR/script" >"$BATS_TEST_TMPDIR/out"
	strace_lines "$BATS_TEST_TMPDIR/trace" >"$BATS_TEST_TMPDIR/strace-lines"
	grep -E "$CALLS" "$BATS_TEST_TMPDIR/out" >"$BATS_TEST_TMPDIR/our-lines"
	run diff "$BATS_TEST_TMPDIR/strace-lines" "$BATS_TEST_TMPDIR/our-lines"
	assert_success
	# and the comparison covered successes and failures of every call
	run cat "$BATS_TEST_TMPDIR/our-lines"
	for call in socket bind listen accept connect fcntl close; do
		assert_line --regexp "^$call\(.*\) = [0-9]+$"
	done
	for err in EAGAIN EOPNOTSUPP EINVAL EBADF ENOTSOCK EADDRINUSE EAFNOSUPPORT; do
		assert_line --regexp "= -1 $err "
	done
	[ "$(wc -l <"$BATS_TEST_TMPDIR/our-lines")" -ge 25 ]
}
