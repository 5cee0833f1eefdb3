#!/usr/bin/env bats
# Processes: fork makes a child holding a copy of every fd, proc chooses the
# process that runs the commands, exit ends a child, the parent is told
# (SIGCHLD) and waitpid reaps it; no child outlives the session.

load test_helper

# the session's listener, client and accepted connection: fds 3, 4, 5
SERVER=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3'

# child_pid: the pid the background REPL's fork printed.
child_pid() {
	sed -n 's/^fork() = \([0-9]*\)$/\1/p' "$OUT" | head -n 1
}

# sockrepl_pid: the background REPL's sockrepl (the timeout's child).
sockrepl_pid() {
	pgrep -x sockrepl -P "$REPL_PID"
}

# children_of PID: the pids of PID's children, as /proc lists them.
children_of() {
	cat /proc/"$1"/task/*/children 2>/dev/null | tr -s ' ' '\n' | sed '/^$/d'
}

gone() {
	[ ! -e "/proc/$1" ]
}

zombie() {
	[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# start_fifo_repl: a background REPL reading the FIFO on fd 8.
start_fifo_repl() {
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_repl "$BATS_TEST_TMPDIR/in"
	exec 8>"$BATS_TEST_TMPDIR/in"
}

@test "fork prints fork() = PID as strace does, and the child holds a copy of every fd" {
	SCRIPT_TEXT="$SERVER"$'\nfork\nexpect ok\nproc\nproc child\nsockets'
	repl
	assert_success
	assert_line --regexp '^fork\(\) = [0-9]+$'
	pid=$(sed -n 's/^fork() = \([0-9]*\)$/\1/p' <<<"$output")
	parent=$(sed -n 's/^\([0-9]*\) *parent .*/\1/p' <<<"$output")
	assert_line --partial "the child, process $pid, is a copy of this one: it holds its own copy of each fd (3, 4, 5)"
	assert_line --regexp "^$pid +child +running$"
	# the child's sockets: each one the parent holds too, by the same fd
	for fd in 3 4 5; do
		assert_line "     also held by: pid $parent fd $fd"
	done
}

@test "the prompt names the process that runs the commands" {
	run sockrepl <<<$'socket\nfork\nproc child\nsocket\nproc parent'
	assert_success
	pid=$(sed -n 's/^fork() = \([0-9]*\)$/\1/p' <<<"$output")
	assert_line "sockrepl [child $pid] [3 CREATED]> socket"
	# the child's own socket is its fd 4; the parent's current socket is still fd 3
	assert_line --regexp '^socket\(AF_INET, SOCK_STREAM, IPPROTO_IP\) = 4$'
	assert_line "sockrepl [child $pid] [4 CREATED]> proc parent"
	assert_line --regexp "^sockrepl \[parent [0-9]+\] \[3 CREATED\]> "
}

@test "a socket closed in the parent while the child holds it sends no FIN; the child's close does" {
	start_fifo_repl
	printf '%s\nfork\n' "$SERVER" >&8
	wait_for '^fork() = '
	child=$(child_pid)
	parent=$(sockrepl_pid)
	port=$(port_of 3)
	# the child reads no script and no terminal: its standard input is /dev/null
	[ "$(readlink "/proc/$child/fd/0")" = /dev/null ]
	# ss -tanp: both processes hold the accepted connection (fd 5)
	run ss -tanpH state established "( sport = :$port )"
	assert_output --partial "pid=$parent,fd=5"
	assert_output --partial "pid=$child,fd=5"
	printf 'close 5\n' >&8
	wait_for 'closing fd 5 dropped one reference'
	run ss -tanpH state established "( sport = :$port )"
	assert_output --partial "pid=$child,fd=5"
	refute_output --partial "pid=$parent,fd=5"
	# no FIN reached the client: it is still ESTABLISHED
	run ss -tanH state close-wait "( dport = :$port )"
	assert_output ''
	printf 'proc child\nclose 5\nproc parent\nexpect tcp 4 CLOSE-WAIT\nquit\n' >&8
	wait "$REPL_PID"
	run cat "$OUT"
	refute_line --partial 'line '	# every expect held
	assert_line --partial "note: pid $child fd 5 still refers to this socket: closing fd 5 dropped one reference, and the socket stays open (a connection sends no FIN)"
}

@test "with wire on, the FIN shows under the child's close, the last, not under the parent's" {
	needs_root
	SCRIPT_TEXT="wire on"$'\n'"$SERVER"$'\nfork\nclose 5\nexpect wire none\nproc child\nclose 5\nexpect wire F.\nproc parent'
	repl
	assert_success
	refute_line --partial 'line '	# both expect wire held
	# in order: the parent's close, no segment; the child's close, then its FIN
	run awk '/^[a-z_0-9]+\(/ { under = 0 } /^close\(5\) = 0$/ { under = ++n }
		under == 1 && /wire:/ { print "under the first close: " $0 }
		under == 2 && /Flags \[F\.\]/ { fin = 1 }
		END { if (!fin) print "no FIN under the second close" }' <<<"$output"
	assert_output ''
}

@test "exit in a child ends it: the parent is told, proc shows a zombie, waitpid reaps it as wait4" {
	SCRIPT_TEXT=$'fork\nproc child\nexit 3\nproc\nwaitpid\nexpect ok\nproc'
	repl
	assert_success
	pid=$(sed -n 's/^fork() = \([0-9]*\)$/\1/p' <<<"$output")
	assert_line 'exit_group(3) = ?'
	assert_line "  event: process $pid exited with status 3; the kernel sent SIGCHLD, and the child is a zombie until waitpid reaps it"
	assert_line --regexp '^commands go to process [0-9]+ \(the parent\) again$'
	assert_line --regexp "^$pid +child +exited with status 3: a zombie until waitpid reaps it$"
	assert_line "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = $pid"
	assert_line --partial "process $pid exited with status 3 and is reaped"
	# reaped, it is gone from the list
	[ "$(grep -c "^$pid " <<<"$output")" -eq 1 ]
}

@test "exit in the parent is quit, and takes no status" {
	run sockrepl --no-echo <<<$'exit 3\nsay still here\nexit\nsay not reached'
	assert_equal "$status" 1	# the line that did not parse
	assert_line --partial 'exit: STATUS is for a child; in the parent exit is quit'
	assert_line 'still here'
	refute_line 'not reached'
}

@test "a child killed from outside is an event in wait, and waitpid decodes WIFSIGNALED" {
	start_fifo_repl
	printf 'fork\nwait 10000\n' >&8
	wait_for '^fork() = '
	child=$(child_pid)
	kill -KILL "$child"
	wait_for 'event: process'
	printf 'waitpid %s\n' "$child" >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line "  event: process $child was killed by SIGKILL; the kernel sent SIGCHLD, and the child is a zombie until waitpid reaps it"
	assert_line "wait4($child, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL) = $child"
}

@test "waitpid nohang returns 0 while the child runs" {
	SCRIPT_TEXT=$'fork\nwaitpid nohang\nexpect ok'
	repl
	assert_success
	assert_line --regexp '^wait4\(-1, 0x[0-9a-f]+, WNOHANG, NULL\) = 0$'
	assert_line '  no child has ended yet: with WNOHANG, wait4 returns 0 at once instead of waiting.'
}

@test "quit ends and reaps every child, each wait4 printed" {
	SCRIPT_TEXT=$'fork\nfork\nproc child\nquit\nsay not reached'
	repl
	assert_success
	refute_line 'not reached'
	for pid in $(sed -n 's/^fork() = \([0-9]*\)$/\1/p' <<<"$output"); do
		assert_line "wait4($pid, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = $pid"
		wait_until gone "$pid"
	done
}

@test "end of input ends and reaps the child" {
	SCRIPT_TEXT=$'socket\nfork'
	repl
	assert_success
	pid=$(sed -n 's/^fork() = \([0-9]*\)$/\1/p' <<<"$output")
	assert_line "wait4($pid, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = $pid"
	wait_until gone "$pid"
}

@test "reset ends and reaps every child: no child and no zombie is left" {
	start_fifo_repl
	printf 'socket\nfork\nfork\nreset\n' >&8
	wait_for 'the session starts afresh'
	parent=$(sockrepl_pid)
	run children_of "$parent"
	assert_output ''
	[ "$(grep -c '^wait4(' "$OUT")" -eq 2 ]
	exec 8>&-
	wait "$REPL_PID"
}

@test "SIGTERM ends the session with its children, also one waiting in accept" {
	start_fifo_repl
	printf 'socket\nbind 127.0.0.1 0\nlisten\nfork\nfork\nproc child\naccept 3\n' >&8
	wait_for '^commands go to process'
	parent=$(sockrepl_pid)
	busy=$(sed -n 's/^commands go to process \([0-9]*\) .*/\1/p' "$OUT")
	wait_blocked "$busy" accept
	kill -TERM "$parent"
	status=0
	wait "$REPL_PID" || status=$?
	[ "$status" -eq 143 ]
	run cat "$OUT"
	# the child's accept was interrupted (SIGHUP from the parent), then both reaped
	assert_line --regexp '^accept\(3, 0x[0-9a-f]+, \[[0-9]+\]\) = \? ERESTARTSYS'
	assert_line --partial 'here: Hangup arrived during the call: sockrepl is ending'
	[ "$(grep -c '^wait4(' "$OUT")" -eq 2 ]
	# the idle child ends at the closed channel (0), the busy one by SIGHUP (128 + 1)
	assert_line --regexp '^wait4\([0-9]+, \[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 129\}\], 0, NULL\) = [0-9]+$'
	assert_line --regexp '^wait4\([0-9]+, \[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 0\}\], 0, NULL\) = [0-9]+$'
	# in order: the parent's notice, the child's interrupted call, the reaps
	run grep -nE '^(Terminated received|accept\(|wait4\()' "$OUT"
	assert_line --index 0 --regexp '^[0-9]+:Terminated received'
	assert_line --index 1 --regexp '^[0-9]+:accept\('
	for pid in $(sed -n 's/^fork() = \([0-9]*\)$/\1/p' "$OUT"); do
		wait_until gone "$pid"
	done
}

@test "a script's input closing while a child's accept waits ends the session" {
	# the parent waits for the child's answer (recvfrom on its channel)
	stdin_closes_during recvfrom socket 'bind 127.0.0.1 0' listen fork 'proc child' 'accept 3'
	assert_equal "$status" 129
	assert_output --partial 'standard input was closed while a call waited'
	# the child's accept was interrupted, then it was reaped
	assert_output --regexp $'\naccept\\(3, 0x[0-9a-f]+, \\[16\\]\\) = \\? ERESTARTSYS'
	# (SIGHUP ended it as it ends a session: status 128 + 1)
	assert_output --regexp $'\nwait4\\([0-9]+, \\[\\{WIFEXITED\\(s\\) && WEXITSTATUS\\(s\\) == 129\\}\\], 0, NULL\\) = [0-9]+\n'
}

@test "a child does not outlive its parent: killed with it (PR_SET_PDEATHSIG)" {
	start_fifo_repl
	printf 'fork\n' >&8
	wait_for '^fork() = '
	child=$(child_pid)
	kill -KILL "$(sockrepl_pid)"
	wait_until gone "$child"
	exec 8>&-
	wait "$REPL_PID" || true
}

@test "fork in a child, proc with a stranger's pid, and waitpid's bad words are usage errors" {
	SCRIPT_TEXT=$'fork\nproc 1\nproc child\nfork\nproc parent\nwaitpid 1 now\nproc nobody'
	repl
	assert_failure
	assert_line --partial 'proc: no process 1 in this session (proc lists them)'
	assert_line --partial 'fork: sockrepl follows the children of its first process only'
	assert_line --partial "waitpid: 'now' is not nohang"
	assert_line --partial "pid 'nobody'"
}

@test "ss names every process of the session that holds a socket" {
	SCRIPT_TEXT="$SERVER"$'\nfork\nss'
	repl
	assert_success
	pid=$(sed -n 's/^fork() = \([0-9]*\)$/\1/p' <<<"$output")
	assert_line --regexp "^tcp +LISTEN .* pid [0-9]+ fd 3, pid $pid fd 3$"
	assert_line --regexp "^tcp +ESTABLISHED .* pid [0-9]+ fd 5, pid $pid fd 5$"
}

@test "an expect that fails in a child makes the exit status 1; under -e a failing call there ends the session" {
	run sockrepl --no-echo <<<$'fork\nproc child\nclose 99\nexpect ok\nsay goes on'
	assert_equal "$status" 1
	assert_line --regexp '^line 4: expected ok, but close on fd 99 failed with EBADF'
	assert_line 'goes on'
	run sockrepl -e --no-echo <<<$'fork\nproc child\nclose 99\nsay not reached'
	assert_equal "$status" 1
	refute_line 'not reached'
	assert_line --regexp '^wait4\([0-9]+, \[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 0\}\], 0, NULL\) = [0-9]+$'
}

@test "a child that ends while a script sits between lines is said before the next line" {
	start_fifo_repl
	printf 'fork\n' >&8
	wait_for '^fork() = '
	child=$(child_pid)
	kill -KILL "$child"
	wait_until zombie "$child"
	printf 'say next\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	assert_line --index 2 "  event: process $child was killed by SIGKILL; the kernel sent SIGCHLD, and the child is a zombie until waitpid reaps it"
	assert_line --index 3 'next'
}

@test "a SIGINT sent to the parent alone reaches the child's waiting call, once" {
	start_fifo_repl
	printf 'socket\nbind 127.0.0.1 0\nlisten\nfork\nproc child\naccept 3\n' >&8
	wait_for '^commands go to process'
	child=$(child_pid)
	wait_blocked "$child" accept 3
	kill -INT "$(sockrepl_pid)"
	wait_for '^accept(3, '
	printf 'expect EINTR\nproc\n' >&8
	exec 8>&-
	wait "$REPL_PID"
	run cat "$OUT"
	refute_output --partial 'expected'
	assert_line --regexp '^accept\(3, 0x[0-9a-f]+, \[16\]\) = \? ERESTARTSYS'
	assert_line --regexp "^$child +child +running, runs the commands$"
}
