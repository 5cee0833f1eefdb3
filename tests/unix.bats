#!/usr/bin/env bats
# Unix sockets: paths, the private directory, clean-up.

load test_helper

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"	# where the private directory goes
	mkdir -p "$HOME" "$TMPDIR"
}

@test "a Unix stream socket: bind to a relative path, listen, connect, accept, talk" {
	run sockrepl --no-echo <<<$'socket unix\nbind server.sock\nlisten\nsocket unix\nconnect server.sock\naccept 3\nsend 4 hi\nrecv 5'
	assert_success
	assert_line 'socket(AF_UNIX, SOCK_STREAM, 0) = 3'
	assert_line --regexp "^bind\(3, \{sa_family=AF_UNIX, sun_path=\"$TMPDIR/sockrepl\.[A-Za-z0-9]{6}/server\.sock\"\}, [0-9]+\) = 0$"
	assert_line 'accept(3, {sa_family=AF_UNIX}, [110 => 2]) = 5'
	assert_line 'recvfrom(5, "hi", 4096, 0, NULL, NULL) = 2'
}

@test "no socket file or private directory is left behind at exit" {
	run sockrepl --no-echo <<<$'socket unix\nbind a.sock\nsocket unix dgram\nbind b.sock\nlisten 3 1'
	assert_success
	run find "$TMPDIR" -mindepth 1
	assert_output ""
}

@test "an absolute path the session bound is removed at exit too" {
	run sockrepl --no-echo <<<"socket unix"$'\n'"bind $BATS_TEST_TMPDIR/abs.sock"
	assert_success
	[ ! -e "$BATS_TEST_TMPDIR/abs.sock" ]
}

@test "the private directory is mode 0700" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket unix\nbind x.sock\n' >&8
	wait_for "^fd 3: BOUND"
	[ "$(stat -c %a "$TMPDIR"/sockrepl.*)" = 700 ]
	exec 8>&-
	wait "$REPL_PID"
}

@test "the file outlives the socket: rebinding fails with EADDRINUSE until unlink" {
	run sockrepl --no-echo <<<$'socket unix\nbind s.sock\nclose\nsocket unix\nbind s.sock\nexpect EADDRINUSE\nunlink s.sock\nbind s.sock\nexpect ok\nunlink missing.sock\nexpect ENOENT'
	assert_success
	assert_line --partial 'is left from a socket that was closed: no socket is bound to it, but the file stays until someone unlinks it.'
	assert_line --regexp '^unlink\(".*/s\.sock"\) = 0$'
}

@test "connecting to a missing path gives ENOENT; to a path nobody listens on, ECONNREFUSED" {
	run sockrepl --no-echo <<<$'socket unix\nconnect nobody.sock\nexpect ENOENT\nsocket unix\nbind old.sock\nclose 4\nconnect 3 old.sock\nexpect ECONNREFUSED'
	assert_success
	assert_line --regexp '^  here: .*/nobody\.sock does not exist'
	assert_line --partial 'is left from a socket that was closed: the file stays, but no socket is bound to it.'
}

@test "Unix datagram sockets send to a path" {
	run sockrepl --no-echo <<<$'socket unix dgram\nbind server.sock\nsocket unix dgram\nsendto @3 hello\nrecvfrom 3'
	assert_success
	assert_line --regexp '^sendto\(4, "hello", 5, 0, \{sa_family=AF_UNIX, sun_path=".*/server\.sock"\}, [0-9]+\) = 5$'
	assert_line --regexp '^recvfrom\(3, "hello", 4096, 0, 0x[0-9a-f]+, \[110 => 0\]\) = 5$'
}

@test "a path longer than sun_path is a usage error" {
	run sockrepl --no-echo <<<"socket unix"$'\n'"bind /$(printf 'x%.0s' $(seq 120))"
	assert_failure 1
	assert_line --partial "sun_path holds at most 107"
}

@test "the Unix lesson leaves no file behind" {
	run sockrepl <"$REPO_ROOT/lessons/11-unix.txt"
	assert_success
	run find "$TMPDIR" -mindepth 1
	assert_output ""
}

@test "a file put in place of the socket file after bind survives exit" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket unix\nbind %s\n' "$BATS_TEST_TMPDIR/s.sock" >&8
	wait_for "^fd 3: BOUND"
	rm "$BATS_TEST_TMPDIR/s.sock"
	echo precious >"$BATS_TEST_TMPDIR/s.sock"
	exec 8>&-
	wait "$REPL_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/s.sock")" = precious ]
}

@test "a directory symlink swapped after bind: the other socket file survives, ours is removed" {
	mkdir "$BATS_TEST_TMPDIR/ours" "$BATS_TEST_TMPDIR/theirs"
	ln -s ours "$BATS_TEST_TMPDIR/link"
	/usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
		"$BATS_TEST_TMPDIR/theirs/s.sock"
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'socket unix\nbind %s\n' "$BATS_TEST_TMPDIR/link/s.sock" >&8
	wait_for "^fd 3: BOUND"
	[ -S "$BATS_TEST_TMPDIR/ours/s.sock" ]
	ln -sfn theirs "$BATS_TEST_TMPDIR/link"
	exec 8>&-
	wait "$REPL_PID"
	[ -S "$BATS_TEST_TMPDIR/theirs/s.sock" ]
	[ ! -e "$BATS_TEST_TMPDIR/ours/s.sock" ]
}

@test "binding Unix sockets keeps the fd numbers: the next socket is still fd 4" {
	run sockrepl --no-echo <<<$'socket unix\nbind a.sock\nsocket unix\nbind '"$BATS_TEST_TMPDIR"$'/b.sock\nsocket'
	assert_success
	assert_line 'socket(AF_UNIX, SOCK_STREAM, 0) = 4'
	assert_line 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 5'
}

@test "reset removes the socket files the session bound, so a lesson binds its paths again" {
	run sockrepl --no-echo <<<$'socket unix\nbind again.sock\nreset\nsocket unix\nbind again.sock\nexpect ok'
	assert_success
	assert_line --regexp '^bind\(3, .*again\.sock"\}, [0-9]+\) = 0$'
}
