#!/usr/bin/env bats
# The errno atlas for fcntl(2), which `nonblock` calls (F_SETFL): each test
# makes one cause happen on the running kernel and checks that the
# explanation names it. Test names read "atlas: CALL ERRNO - cause".

load atlas_helper

@test "atlas: fcntl EBADF - the fd is not open" {
	SCRIPT_TEXT=$'socket\nnonblock 9 on'
	repl
	assert_line 'fcntl(9, F_SETFL, O_RDWR|O_NONBLOCK) = -1 EBADF (Bad file descriptor)'
	assert_line '  here: fd 9 is not open; this session'"'"'s sockets are 3.'
}

@test "fcntl: the lock and pipe errnos say F_SETFL never returns them" {
	run sockrepl --no-echo <<<$'help nonblock'
	assert_line --regexp '^ possible on Linux, but no session can cause it:'
	run sockrepl --no-echo <<<$'explain EDEADLK'
	assert_line '  from fcntl: a lock would deadlock (F_SETLKW only); nonblock calls F_SETFL.'
}
