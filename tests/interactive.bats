#!/usr/bin/env bats
# At a terminal: readline, a prompt with the current socket, Ctrl-C, Ctrl-D.
# tmux gives sockrepl a real terminal; each test has its own tmux server.

load test_helper

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	TMUX_SOCKET="$BATS_TEST_TMPDIR/tmux"
	tmux -S "$TMUX_SOCKET" new-session -d -x 160 -y 40 "$SOCKREPL; echo exited \$?; sleep 30"
}

teardown() {
	tmux -S "$TMUX_SOCKET" kill-server 2>/dev/null || true
}

keys() { tmux -S "$TMUX_SOCKET" send-keys "$@"; }
screen() { tmux -S "$TMUX_SOCKET" capture-pane -p; }

# wait_screen PATTERN: wait up to 5 s for PATTERN (a grep regexp) on the screen.
wait_screen() {
	for _ in $(seq 50); do
		screen | grep -q -- "$1" && return 0
		sleep 0.1
	done
	echo "gave up waiting for '$1'; screen:" >&2
	screen >&2
	return 1
}

@test "the prompt shows the current socket and its state" {
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter
	wait_screen '^sockrepl \[3 CREATED\]> *$'
	keys 'bind 127.0.0.1 0' Enter 'listen' Enter
	wait_screen '^sockrepl \[3 LISTENING\]> *$'
}

@test "Ctrl-C interrupts a blocking accept with EINTR and the prompt comes back" {
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter 'bind 127.0.0.1 0' Enter 'listen' Enter 'accept' Enter
	wait_screen 'accept blocks until one arrives'
	sleep 0.3
	keys C-c
	wait_screen '^accept(3, 0x[0-9a-f]*, \[16\]) = -1 EINTR (Interrupted system call)$'
	wait_screen '^sockrepl \[3 LISTENING\]> *$'
}

@test "Ctrl-C at the prompt drops the half-typed line; Ctrl-D closes sockets and exits 0" {
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter
	wait_screen '^sockrepl \[3 CREATED\]> *$'
	keys 'bind 127.0.0.1 half typed'
	keys C-c
	keys 'sockets' Enter
	wait_screen '^3 *tcp *CREATED'
	run screen
	refute_output --partial 'bind('
	keys C-d
	wait_screen '^close(3) = 0$'
	wait_screen '^exited 0$'
}

@test "readline edits the line: Ctrl-A goes to its start" {
	wait_screen '^sockrepl> *$'
	keys 'ocket' C-a 's' Enter
	wait_screen '^socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3$'
}
