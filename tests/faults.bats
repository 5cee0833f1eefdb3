#!/usr/bin/env bats
# Faults: signals, resets, limits, files that cannot be written. Never die, never leak.

load test_helper

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"
	mkdir -p "$HOME" "$TMPDIR"
}

# terminate_during_accept SIGNAL: sockrepl blocked in accept with a Unix socket
# file, then SIGNAL; sets $status and $output.
terminate_during_accept() {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket unix\nbind kept.sock\nsocket\nbind 127.0.0.1 0\nlisten\naccept\n' >&8
	wait_for "accept blocks until one arrives"
	ls "$TMPDIR"/sockrepl.*/kept.sock
	repl_blocked accept 4
	# to sockrepl itself: timeout passes on only some signals, and takes
	# SIGALRM as its own deadline
	kill -"$1" "$(pgrep -x sockrepl -P "$REPL_PID")"
	status=0
	wait "$REPL_PID" || status=$?
	exec 8>&-
	output=$(cat "$OUT")
}

@test "SIGTERM during a blocking accept closes the sockets and removes the files, exit 143" {
	terminate_during_accept TERM
	[ "$status" -eq 143 ]
	run echo "$output"
	assert_line --partial 'here: Terminated arrived during the call: sockrepl is ending'
	assert_line 'Terminated received: closing the session'"'"'s sockets and files'
	assert_line 'close(4) = 0'
	assert_line 'close(3) = 0'
	run find "$TMPDIR" -mindepth 1
	assert_output ""
}

@test "SIGHUP (the terminal went away) ends the session the same way, exit 129" {
	terminate_during_accept HUP
	[ "$status" -eq 129 ]
	run echo "$output"
	assert_line 'close(3) = 0'
	run find "$TMPDIR" -mindepth 1
	assert_output ""
}

@test "SIGQUIT, SIGUSR1, SIGUSR2 and SIGALRM end the session the same way, exit 128+N" {
	for sig in QUIT:Quit USR1:'User defined signal 1' USR2:'User defined signal 2' \
		ALRM:'Alarm clock'; do
		rm -f "$BATS_TEST_TMPDIR/in"
		terminate_during_accept "${sig%%:*}"
		[ "$status" -eq $((128 + $(kill -l "${sig%%:*}"))) ]
		run echo "$output"
		assert_line "${sig#*:} received: closing the session's sockets and files"
		assert_line 'close(3) = 0'
		run find "$TMPDIR" -mindepth 1
		assert_output ""
	done
}

@test "stdin closed during a blocking accept: the REPL ends cleanly, closing its sockets and files" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket unix\nbind kept.sock\nsocket\nbind 127.0.0.1 0\nlisten\naccept\n' >&8
	wait_for "accept blocks until one arrives"
	exec 8>&-	# the script's writer goes away
	status=0
	wait "$REPL_PID" || status=$?
	[ "$status" -eq 129 ]
	run cat "$OUT"
	assert_line --regexp '^accept\(4, 0x[0-9a-f]+, \[16\]\) = \? ERESTARTSYS'
	assert_line --partial "sockrepl's SIGHUP handler has no SA_RESTART"
	assert_line "standard input was closed while a call waited: closing the session's sockets and files"
	assert_line 'close(4) = 0'
	assert_line 'close(3) = 0'
	run find "$TMPDIR" -mindepth 1
	assert_output ""
}

@test "stdin closed during a recv with SO_RCVTIMEO: the call ends by its timeout, the session by its input" {
	run timeout 15 bash -c 'printf "socket udp\nbind 127.0.0.1 0\nsetsockopt rcvtimeo 0.3\nrecv\n" | "$1" --no-echo' - "$SOCKREPL"
	assert_success
	assert_line --regexp '^recvfrom\(3, .*\) = -1 EAGAIN '
	refute_line --partial 'standard input was closed while a call waited'
}

@test "stdin closed during a blocking connect to a full TCP listener ends the session; the wait was announced" {
	stdin_closes_during connect socket 'bind 127.0.0.1 0' 'listen 3 0' socket 'connect @3' socket 'connect @3'
	[ "$status" -eq 129 ]
	run echo "$output"
	assert_line --regexp '^  \(the accept queue of the listener on 127\.0\.0\.1:[0-9]+ is full: Linux drops the SYN, and connect blocks, sending it again, until accept makes room or it gives up with ETIMEDOUT; Ctrl-C interrupts\)$'
	assert_line --regexp '^connect\(5, .*\) = \? ERESTARTSYS'
	assert_line "standard input was closed while a call waited: closing the session's sockets and files"
}

@test "stdin closed during a blocking connect to a full Unix listener ends the session; the wait was announced" {
	stdin_closes_during connect 'socket unix' 'bind l.sock' 'listen 3 0' 'socket unix' 'connect l.sock' \
		'socket unix' 'connect l.sock'
	[ "$status" -eq 129 ]
	run echo "$output"
	assert_line --regexp '^  \(the listener on .*/l\.sock has as many connections waiting as its backlog allows: connect blocks until accept makes room; Ctrl-C interrupts\)$'
	assert_line "standard input was closed while a call waited: closing the session's sockets and files"
	run find "$TMPDIR" -mindepth 1
	assert_output ""
}

@test "stdin closed during a sendto blocked on a full Unix datagram receiver ends the session" {
	local lines=('socket unix dgram' 'bind d.sock' 'socket unix dgram') i
	for i in $(seq "$(( $(cat /proc/sys/net/unix/max_dgram_qlen) + 2 ))"); do
		lines+=("sendto 4 d.sock x$i")
	done
	stdin_closes_during sendto "${lines[@]}"
	[ "$status" -eq 129 ]
	run echo "$output"
	assert_line --regexp '^sendto\(4, "x[0-9]+", [0-9], 0, .*\) = \? ERESTARTSYS'
	assert_line "standard input was closed while a call waited: closing the session's sockets and files"
}

@test "a script piped in whole still waits in accept while lines remain to run" {
	printf 'socket\nbind 127.0.0.1 0\nlisten\naccept\nsay accepted\n' >"$BATS_TEST_TMPDIR/script"
	OUT="$BATS_TEST_TMPDIR/out"
	cat "$BATS_TEST_TMPDIR/script" | timeout --foreground 15 "$SOCKREPL" --no-echo >"$OUT" 2>&1 &
	REPL_PID=$!
	wait_for "accept blocks until one arrives"
	repl_blocked accept 3
	timeout 5 nc -z 127.0.0.1 "$(port_of 3)"
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line 'accepted'
}

@test "the peer resetting the connection during a blocking recv: ECONNRESET, and the REPL goes on" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket\nbind 127.0.0.1 0\nlisten\naccept\n' >&8
	wait_for "^fd 3: LISTENING"
	port=$(port_of 3)
	# another sockrepl is the peer: it connects, then closes with SO_LINGER 0 (RST)
	printf 'socket\nconnect 127.0.0.1 %s\nsetsockopt linger on 0\nsay connected\n' "$port" >"$BATS_TEST_TMPDIR/peer"
	mkfifo "$BATS_TEST_TMPDIR/peer-in"
	timeout --foreground 15 "$SOCKREPL" --no-echo <"$BATS_TEST_TMPDIR/peer-in" >"$BATS_TEST_TMPDIR/peer-out" 2>&1 &
	peer=$!
	exec 9>"$BATS_TEST_TMPDIR/peer-in"
	cat "$BATS_TEST_TMPDIR/peer" >&9
	wait_for "^accept(3"
	printf 'recv 4\nexpect ECONNRESET\nsay still here\n' >&8
	wait_for "the call blocks until data arrives"
	repl_blocked recvfrom 4
	printf 'close 3\n' >&9
	exec 9>&-
	wait "$peer"
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --regexp '^recvfrom\(4, 0x[0-9a-f]+, 4096, 0, NULL, NULL\) = -1 ECONNRESET'
	assert_line 'still here'
	refute_output --regexp '^line [0-9]+:'
}

@test "EMFILE under ulimit -n 16 is explained, and the REPL goes on" {
	{ for _ in $(seq 14); do echo socket; done; echo 'expect EMFILE'; echo 'close 3'; echo 'socket'; echo 'expect ok'; } >"$BATS_TEST_TMPDIR/script"
	run timeout 15 bash -c 'exec <"$2" && ulimit -n 16 && exec "$1" --no-echo' - "$SOCKREPL" "$BATS_TEST_TMPDIR/script"
	assert_success
	assert_line '  here: the limit is 16 open fds; this session holds 13 sockets.'
}

@test "no fd leaks: /proc/PID/fd is the same before and after a lesson and reset" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'say ready\n' >&8
	wait_for '^ready'
	pid=$(pgrep -P "$REPL_PID" sockrepl)
	before=$(ls /proc/"$pid"/fd | sort | tr '\n' ' ')
	printf 'lesson 05\nreset\nlesson 11\nreset\nlesson 09\nreset\nsay done\n' >&8
	wait_for '^done'
	after=$(ls /proc/"$pid"/fd | sort | tr '\n' ' ')
	exec 8>&-
	wait "$REPL_PID"
	[ "$before" = "$after" ]
	# below sockrepl's own fds, parked at the top of the range (the stdin
	# watcher's eventfd): only the standard three
	[ "$(printf '%s\n' $before | awk '$1 < 1000' | tr '\n' ' ')" = "0 1 2 " ]
}

@test "reset closes every socket, printed, and the session goes on" {
	run sockrepl --no-echo <<<$'socket\nsocket\nreset\nsockets\nsocket'
	assert_success
	assert_line 'close(4) = 0'
	assert_line 'the session starts afresh: no sockets are open'
	assert_line 'no sockets yet: create one with socket'
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3'
}
