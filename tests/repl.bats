#!/usr/bin/env bats
# The read-run loop: lookup, help, echo, comments, line ends.

load test_helper

@test "a script's lines are echoed after a prompt that shows the current socket" {
	run sockrepl <<<$'socket\nbind 127.0.0.1 0\nlisten'
	assert_success
	assert_line --index 0 'sockrepl> socket'
	assert_line 'sockrepl [3 CREATED]> bind 127.0.0.1 0'
	assert_line 'sockrepl [3 BOUND]> listen'
}

@test "--no-echo leaves out prompts and input lines" {
	run sockrepl --no-echo <<<'socket'
	refute_output --partial 'sockrepl>'
}

@test "comments and blank lines do nothing; say prints narration without echo" {
	run sockrepl <<<$'# a comment\n\n   \nsay Hello, learner\nsay\nsay bye'
	assert_success
	assert_output $'Hello, learner\n\nbye'
}

@test "an unknown command suggests the nearest one and changes nothing" {
	run sockrepl --no-echo <<<$'socket\nbnid 127.0.0.1 0\nsockets'
	assert_failure 1
	assert_line "line 2: unknown command 'bnid': did you mean 'bind'?"
	assert_line --regexp '^3 +tcp +CREATED'
}

@test "an unknown command far from any gives a pointer to help" {
	run sockrepl --no-echo <<<'frobnicate'
	assert_failure 1
	assert_output "line 1: unknown command 'frobnicate' (help lists the commands)"
}

@test "a unique prefix runs the command; an ambiguous one lists the candidates" {
	run sockrepl --no-echo <<<$'sock tcp\nc'
	assert_failure 1
	assert_line --partial "line 1: ambiguous command 'sock': could be socket, socketpair, sockets"
	assert_line "line 2: ambiguous command 'c': could be connect, close, challenges, challenge"
	run sockrepl --no-echo <<<$'socket\nlis'
	assert_success
	assert_line 'listen(3, 1) = 0'
}

@test "CRLF line ends and tabs between words work" {
	run sockrepl --no-echo <<<$'socket\r\nbind\t127.0.0.1\t0\r\nexpect state 3 BOUND\r'
	assert_success
	assert_line --partial 'bind(3, {sa_family=AF_INET'
}

@test "help lists every command of the table with its summary" {
	run sockrepl --no-echo <<<'help'
	assert_success
	for cmd in socket bind listen accept connect nonblock close sockets say expect help quit; do
		assert_line --regexp "^  $cmd( |$)"
	done
}

@test "help COMMAND shows usage, the errnos it can return and the man page" {
	run sockrepl --no-echo <<<'help bind'
	assert_success
	assert_line --index 0 'usage: bind [FD] ADDR PORT'
	assert_line 'bind can fail with:'
	assert_line --regexp '^  EACCES EADDRINUSE EADDRNOTAVAIL'
	assert_line 'read: man 2 bind'
}

@test "help nonblock names fcntl(2); help of an unknown command is a usage error" {
	run sockrepl --no-echo <<<$'help nonblock\nhelp nosuch'
	assert_failure 1
	assert_line 'read: man 2 fcntl'
	assert_line "line 2: unknown command 'nosuch' (help lists the commands)"
}

@test "every errno the man pages list for the part-1 calls has an explanation" {
	# ERRORS sections of socket(2), bind(2), listen(2), accept(2), connect(2), fcntl(2), close(2).
	declare -A listed=(
		[socket]="EACCES EAFNOSUPPORT EINVAL EMFILE ENFILE ENOBUFS ENOMEM EPROTONOSUPPORT"
		[bind]="EACCES EADDRINUSE EBADF EINVAL ENOTSOCK EADDRNOTAVAIL EFAULT ELOOP ENAMETOOLONG ENOENT ENOMEM ENOTDIR EROFS"
		[listen]="EADDRINUSE EBADF ENOTSOCK EOPNOTSUPP"
		[accept]="EAGAIN EBADF ECONNABORTED EFAULT EINTR EINVAL EMFILE ENFILE ENOBUFS ENOMEM ENOTSOCK EOPNOTSUPP EPERM EPROTO ENOSR ESOCKTNOSUPPORT EPROTONOSUPPORT ETIMEDOUT"
		[connect]="EACCES EPERM EADDRINUSE EADDRNOTAVAIL EAFNOSUPPORT EAGAIN EALREADY EBADF ECONNREFUSED EFAULT EINPROGRESS EINTR EISCONN ENETUNREACH ENOTSOCK EPROTOTYPE ETIMEDOUT"
		[fcntl]="EACCES EAGAIN EBADF EBUSY EDEADLK EFAULT EINTR EINVAL EMFILE ENOLCK ENOTDIR EPERM"
		[close]="EBADF EINTR EIO ENOSPC EDQUOT"
	)
	for call in "${!listed[@]}"; do
		topic=$call
		[ "$call" = fcntl ] && topic=nonblock
		run sockrepl --no-echo <<<"help $topic"
		for err in ${listed[$call]}; do
			[[ " $(tr '\n' ' ' <<<"$output") " == *" $err "* ]] ||
				{ echo "help $topic does not list $err"; return 1; }
		done
	done
}

@test "a 1 MB line is an error of one line and the REPL goes on" {
	{ printf 'say '; head -c 1048576 /dev/zero | tr '\0' x; printf '\nsocket\n'; } >"$BATS_TEST_TMPDIR/big"
	run sockrepl --no-echo <"$BATS_TEST_TMPDIR/big"
	assert_failure 1
	assert_line --index 0 "line 1: line too long (1048580 bytes; the limit is 65536): ignored"
	assert_line --index 1 'socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3'
}
