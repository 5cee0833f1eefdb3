#!/usr/bin/env bats
# At a terminal: readline, a prompt with the current socket, Ctrl-C, Ctrl-D.
# tmux gives sockrepl a real terminal; each test has its own tmux server.

load test_helper

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/state"
	mkdir -p "$HOME"
	TMUX_SOCKET="$BATS_TEST_TMPDIR/tmux"
	start_terminal
}

# start_terminal [ARGS...]: sockrepl in a fresh tmux window, 160x40, with
# the environment in $TERMINAL_ENV (such as NO_COLOR=1).
start_terminal() {
	if [ -S "$TMUX_SOCKET" ]; then
		tmux -S "$TMUX_SOCKET" kill-server 2>/dev/null || true
		rm -f "$TMUX_SOCKET"
	fi
	tmux -S "$TMUX_SOCKET" new-session -d -x 160 -y 40 \
		"env XDG_STATE_HOME='$XDG_STATE_HOME' ${TERMINAL_ENV:-} $SOCKREPL $*; echo exited \$?; sleep 30"
}

teardown() {
	tmux -S "$TMUX_SOCKET" kill-server 2>/dev/null || true
	no_sockrepl_left
}

# terminal_sockrepl: the pid of the sockrepl in the tmux window (the child of
# the window's shell).
terminal_sockrepl() {
	pgrep -x sockrepl -P "$(tmux -S "$TMUX_SOCKET" display-message -p '#{pane_pid}')"
}

keys() { tmux -S "$TMUX_SOCKET" send-keys "$@"; }
screen() { tmux -S "$TMUX_SOCKET" capture-pane -p; }

on_screen() { screen | grep -q -- "$1"; }

# wait_screen PATTERN: wait up to 10 s for PATTERN (a grep regexp) on the screen.
wait_screen() {
	wait_until -q on_screen "$1" && return 0
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
	wait_blocked "$(terminal_sockrepl)" accept 3
	keys C-c
	wait_screen '^accept(3, 0x[0-9a-f]*, \[16\]) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)$'
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

@test "a notice of an incoming connection appears while a half-typed line stays intact" {
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter 'bind 127.0.0.1 0' Enter 'listen' Enter
	wait_screen '^fd 3: LISTENING on 127\.0\.0\.1:'
	port=$(screen | sed -n 's/^fd 3: LISTENING on 127\.0\.0\.1:\([0-9]*\).*/\1/p' | head -n 1)
	keys 'accep'
	wait_screen 'sockrepl \[3 LISTENING\]> accep$'
	timeout 5 nc -z 127.0.0.1 "$port"
	wait_screen '^\[event\] fd 3: a connection is waiting in the accept queue (1 waiting)'
	wait_screen '^sockrepl \[3 LISTENING\]> accep$'
	keys 't' Enter
	wait_screen '^accept(3, {sa_family=AF_INET, .*) = 4$'
}

@test "Tab completes a command name, then an fd (listed with its state)" {
	wait_screen '^sockrepl> *$'
	keys 'sock' Tab
	wait_screen '^sockrepl> socket$'
	keys Enter
	wait_screen '^sockrepl \[3 CREATED\]> *$'
	keys 'bi' Tab
	wait_screen '^sockrepl \[3 CREATED\]> bind *$'
	keys C-u 'nonblock ' Tab
	wait_screen '^sockrepl \[3 CREATED\]> nonblock 3 *$'
	keys 'on' Enter 'socket' Enter
	wait_screen '^sockrepl \[4 CREATED\]> *$'
	keys 'close ' Tab Tab
	wait_screen '^fd 3: CREATED (no address yet) · TCP CLOSED · non-blocking$'
	wait_screen '^fd 4: CREATED (no address yet) · TCP CLOSED$'
}

@test "Tab completes socket option names and errno names" {
	wait_screen '^sockrepl> *$'
	keys 'setsockopt SO_REUSEA' Tab
	wait_screen '^sockrepl> setsockopt SO_REUSEADDR *$'
	keys C-u 'explain ECONNREF' Tab
	wait_screen '^sockrepl> explain ECONNREFUSED *$'
	keys Enter
	wait_screen '^ECONNREFUSED (111): Connection refused$'
}

@test "history survives a restart, in XDG_STATE_HOME with mode 0600" {
	wait_screen '^sockrepl> *$'
	keys 'say remembered line' Enter
	wait_screen '^remembered line$'
	keys C-d
	wait_screen '^exited 0$'
	[ "$(stat -c %a "$XDG_STATE_HOME/sockrepl/history")" = 600 ]
	start_terminal
	wait_screen '^sockrepl> *$'
	keys Up
	wait_screen '^sockrepl> say remembered line$'
}

@test "a guided lesson types its next step at the prompt; Enter runs it" {
	start_terminal --lesson 01
	wait_screen '^sockrepl step 1/10> socket tcp$'
	keys Enter
	wait_screen '^socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3$'
	wait_screen '^sockrepl \[3 CREATED\] step 2/10> bind 127\.0\.0\.1 6789$'
	keys C-u 'socket' Enter
	wait_screen '^  hint: fd 3 is CREATED, not BOUND - did you call bind?$'
	keys C-u 'leave' Enter
	wait_screen '^left lesson 01-creating-a-socket.txt; the sockets stay open\.$'
}

@test "colour at a terminal; none with NO_COLOR or --no-color" {
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter
	wait_screen '^fd 3: CREATED'
	run tmux -S "$TMUX_SOCKET" capture-pane -p -e
	assert_output --partial $'\e[32mCREATED'
	TERMINAL_ENV=NO_COLOR=1 start_terminal
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter
	wait_screen '^fd 3: CREATED'
	run tmux -S "$TMUX_SOCKET" capture-pane -p -e
	refute_output --partial $'\e[32m'
	start_terminal --no-color
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter
	wait_screen '^fd 3: CREATED'
	run tmux -S "$TMUX_SOCKET" capture-pane -p -e
	refute_output --partial $'\e[32m'
}

@test "an unwritable history file costs one warning, and the REPL goes on" {
	printf 'not a directory' >"$BATS_TEST_TMPDIR/blocker"
	XDG_STATE_HOME="$BATS_TEST_TMPDIR/blocker" start_terminal
	wait_screen '^sockrepl: history: cannot make the directory of'
	keys 'socket' Enter
	wait_screen '^socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3$'
}

@test "history never follows a symlink planted in its place" {
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/planted"	# not the one setup's sockrepl uses
	mkdir -p "$XDG_STATE_HOME/sockrepl"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$XDG_STATE_HOME/sockrepl/history"
	start_terminal
	wait_screen '^sockrepl: history: cannot open'
	keys 'say still fine' Enter
	wait_screen '^still fine$'
	[ ! -e "$BATS_TEST_TMPDIR/elsewhere" ]
}
