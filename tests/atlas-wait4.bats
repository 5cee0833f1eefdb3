#!/usr/bin/env bats
# The errno atlas: wait4's errors (glibc's waitpid), made to happen on this kernel.

load atlas_helper

@test "atlas: wait4 ECHILD - no child to wait for, in the parent and in a child" {
	SCRIPT_TEXT=$'waitpid\nexpect ECHILD\nfork\nwaitpid 1\nexpect ECHILD\nproc child\nwaitpid\nexpect ECHILD'
	repl
	assert_success
	assert_line --regexp '^wait4\(-1, 0x[0-9a-f]+, 0, NULL\) = -1 ECHILD \(No child processes\)$'
	assert_line --partial '  ECHILD: the process has no child to wait for, or the pid given is not one of its children'
	assert_line --regexp '^  here: process [0-9]+ has no child: fork made none yet, or every one was reaped already\.$'
	# explained once: the next ones are one line each, with the cause here
	assert_line --regexp '^  ECHILD again: process 1 is not a child of process [0-9]+ \(proc lists its children\)\. \(explain ECHILD for more\)$'
	assert_line --regexp '^  ECHILD again: this is a child \(pid [0-9]+\): it forked none, and only its parent \(pid [0-9]+\) can wait for it\. \(explain ECHILD for more\)$'
}

@test "atlas: wait4 EINTR - Ctrl-C while waitpid waited for a child to end" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf 'fork\nwaitpid\n' >&8
	wait_for '^fork() = '
	repl_blocked wait4
	kill -INT "$(pgrep -x sockrepl -P "$REPL_PID")"
	wait_for '^wait4('
	printf 'expect EINTR\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	refute_output --partial 'expected'
	assert_line --regexp '^wait4\(-1, 0x[0-9a-f]+, 0, NULL\) = \? ERESTARTSYS \(To be restarted if SA_RESTART is set\)$'
	assert_line '  EINTR: a signal (Ctrl-C) arrived while wait4 waited for a child to end; no child was reaped.'
}
