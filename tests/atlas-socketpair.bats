#!/usr/bin/env bats
# The errno atlas for socketpair(2): each test makes one cause happen on the
# running kernel and checks that the explanation names it. Test names read
# "atlas: CALL ERRNO - cause".

load test_helper

@test "atlas: socketpair EMFILE - one free fd, and a pair needs two" {
	# fds 0-2, 3-6 (two pairs) and the stdin watcher's leave one fd free under a limit of 8.
	run timeout 15 bash -c 'ulimit -n 8 && exec "$1" --no-echo' - "$SOCKREPL" \
		<<<$'socketpair\nsocketpair\nsocketpair\nexpect EMFILE'
	assert_success
	assert_line --regexp '^socketpair\(AF_UNIX, SOCK_STREAM, 0, 0x[0-9a-f]+\) = -1 EMFILE'
	assert_line --regexp '^  here: the limit is 8 open fds; this session holds 4 sockets, besides fds 0-2 and 1 of sockrepl'"'"'s own, and a pair needs two more\.$'
}

@test "atlas: socketpair EOPNOTSUPP - AF_INET and AF_INET6 cannot make pairs on Linux" {
	SCRIPT_TEXT=$'socketpair inet\nexpect EOPNOTSUPP\nsocketpair inet6 dgram\nexpect EOPNOTSUPP'
	repl
	assert_success
	assert_line --regexp '^socketpair\(AF_INET, SOCK_STREAM, 0, 0x[0-9a-f]+\) = -1 EOPNOTSUPP \(Operation not supported\)$'
	assert_line --regexp '^socketpair\(AF_INET6, SOCK_DGRAM, 0, 0x[0-9a-f]+\) = -1 EOPNOTSUPP'
	assert_line '  EOPNOTSUPP: this family cannot make socket pairs: on Linux AF_UNIX can; AF_INET and AF_INET6 say EOPNOTSUPP.'
}
