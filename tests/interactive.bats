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

# start_terminal [ARGS...]: sockrepl in a fresh tmux window, 160x40 (or
# $TERMINAL_WIDTH columns), with the environment in $TERMINAL_ENV (such as
# NO_COLOR=1).
start_terminal() {
	if [ -S "$TMUX_SOCKET" ]; then
		tmux -S "$TMUX_SOCKET" kill-server 2>/dev/null || true
		rm -f "$TMUX_SOCKET"
	fi
	tmux -S "$TMUX_SOCKET" new-session -d -x "${TERMINAL_WIDTH:-160}" -y 40 \
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

@test "at start-up one line says where to begin, above the first prompt; a lesson or a script does without it" {
	wait_screen '^sockrepl> *$'
	run screen
	assert_line --index 0 'lessons lists the lessons, lesson 01 starts the first, help lists the commands.'
	assert_line --index 1 --regexp '^sockrepl> *$'
	start_terminal --lesson 01
	wait_screen '^sockrepl step 1/11> socket tcp$'
	run on_screen 'lessons lists the lessons'
	assert_failure
	run sockrepl <<<'help quit'
	refute_output --partial 'lessons lists the lessons'
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
	wait_screen '^sockrepl step 1/11> socket tcp$'
	keys Enter
	wait_screen '^socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3$'
	wait_screen '^sockrepl \[3 CREATED\] step 2/11> bind 127\.0\.0\.1 6789$'
	# looking around is not the step: ss runs, and bind is on offer again
	keys C-u 'ss' Enter
	wait_screen '^the kernel has no socket on a port or Unix path this session used$'
	wait_screen '^sockrepl \[3 CREATED\] step 2/11> bind 127\.0\.0\.1 6789$'
	run on_screen 'hint:'
	assert_failure
	# the step edited is still the step: it runs, and its checks become hints
	keys C-u 'bind 9 127.0.0.1 6789' Enter
	wait_screen '^  hint: fd 3 is CREATED, not BOUND - did you call bind?$'
	wait_screen '^sockrepl \[3 CREATED\] step 3/11> listen 1$'
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

# sockrepl_pid: the sockrepl the tmux pane's shell started.
sockrepl_pid() {
	local shell
	shell=$(tmux -S "$TMUX_SOCKET" display-message -p '#{pane_pid}')
	pgrep -P "$shell" -x sockrepl
}

# gone_under_sigcont PID: PID ends within 10 s while SIGHUP and SIGCONT hit it
# back to back, as the pane's shell sends SIGHUP and SIGCONT to its jobs
# when the terminal goes away; a zombie counts as gone.
gone_under_sigcont() {
	timeout 15 perl -e 'my ($pid, $end) = ($ARGV[0], time + 10);
		while (time < $end) {
			open(my $f, "<", "/proc/$pid/stat") or exit 0;
			my $stat = <$f>; close $f;
			exit 0 if !defined $stat || $stat =~ /^\d+ \(.*\) Z /;
			kill "HUP", $pid;
			kill "CONT", $pid;
		}
		exit 1' "$1"
}

@test "the terminal going away ends the session, at the prompt and in a blocking accept" {
	wait_screen '^sockrepl> *$'
	pid=$(sockrepl_pid)
	tmux -S "$TMUX_SOCKET" kill-server
	gone_under_sigcont "$pid"
	start_terminal
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter 'bind 127.0.0.1 0' Enter 'listen' Enter 'accept' Enter
	wait_screen 'accept blocks until one arrives'
	pid=$(sockrepl_pid)
	tmux -S "$TMUX_SOCKET" kill-server
	gone_under_sigcont "$pid"
}

@test "history is opened once: a symlink planted at its path after start-up receives nothing" {
	wait_screen '^sockrepl> *$'
	keys 'say before' Enter
	wait_screen '^before$'
	rm "$XDG_STATE_HOME/sockrepl/history"
	: >"$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$XDG_STATE_HOME/sockrepl/history"
	keys 'say after the plant' Enter
	wait_screen '^after the plant$'
	keys C-d
	wait_screen '^exited 0$'
	[ ! -s "$BATS_TEST_TMPDIR/elsewhere" ]
}

@test "a symlinked history directory is not followed: one warning, and the REPL goes on" {
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/linked"
	mkdir -p "$XDG_STATE_HOME" "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$XDG_STATE_HOME/sockrepl"
	start_terminal
	wait_screen '^sockrepl: history: cannot use the directory .*/linked/sockrepl (it is a symbolic link)'
	keys 'say still fine' Enter
	wait_screen '^still fine$'
	keys C-d
	wait_screen '^exited 0$'
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/elsewhere")" ]
}

@test "a history file writable by others, or another user's, is not used: one warning each" {
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/shared"
	mkdir -p "$XDG_STATE_HOME/sockrepl"
	printf 'say planted\n' >"$XDG_STATE_HOME/sockrepl/history"
	chmod 666 "$XDG_STATE_HOME/sockrepl/history"
	start_terminal
	wait_screen '(it is writable by group or others); going on without saving it$'
	keys 'say mine' Enter
	wait_screen '^mine$'
	keys Up
	wait_screen '^sockrepl> say mine$'
	keys C-u Up Up
	run grep -q 'say planted' <<<"$(screen)"
	assert_failure
	keys C-u C-d
	wait_screen '^exited 0$'
	[ "$(cat "$XDG_STATE_HOME/sockrepl/history")" = "say planted" ]
	chmod 600 "$XDG_STATE_HOME/sockrepl/history"
	chown nobody "$XDG_STATE_HOME/sockrepl/history"
	start_terminal
	wait_screen '(it belongs to another user); going on without saving it$'
}

@test "history keeps the file's last 1000 lines at exit, through the fd opened at start" {
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/long"	# not the one setup's sockrepl uses
	mkdir -p "$XDG_STATE_HOME/sockrepl"
	seq -f 'say %g' 1200 >"$XDG_STATE_HOME/sockrepl/history"
	start_terminal
	wait_screen '^sockrepl> *$'
	keys Up
	wait_screen '^sockrepl> say 1200$'
	keys C-u 'say new' Enter
	wait_screen '^new$'
	keys C-d
	wait_screen '^exited 0$'
	[ "$(wc -l <"$XDG_STATE_HOME/sockrepl/history")" -eq 1000 ]
	[ "$(head -n 1 "$XDG_STATE_HOME/sockrepl/history")" = 'say 202' ]
	[ "$(tail -n 1 "$XDG_STATE_HOME/sockrepl/history")" = 'say new' ]
}

@test "a guided lesson leaves out a line over 64 KiB, says so in one line, and goes on" {
	{ printf 'say first\n\nsay '; head -c 70000 /dev/zero | tr '\0' x; printf '\nsocket\n'; } >"$BATS_TEST_TMPDIR/long.txt"
	start_terminal --lesson "$BATS_TEST_TMPDIR/long.txt"
	wait_screen 'long\.txt, line 3: line too long (70004 bytes; the limit is 65536): ignored$'
	wait_screen '^sockrepl step 1/1> socket$'
}

# peer PYTHON-CODE ARG: run a short Python peer (socket imported) with ARG as sys.argv[1].
peer() { timeout 5 /usr/bin/python3 -c "import socket, sys; $1" "$2"; }

@test "a notice of a connection waiting on a Unix stream listener appears at the prompt" {
	wait_screen '^sockrepl> *$'
	keys 'socket unix' Enter 'bind l.sock' Enter 'listen' Enter
	wait_screen '^sockrepl \[3 LISTENING\]> *$'
	path=$(screen | sed -n 's/^fd 3: LISTENING on \([^ ]*\) .*/\1/p' | head -n 1)
	peer 's = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$path"
	wait_screen '^\[event\] fd 3: a connection is waiting in the accept queue (1 waiting)'
}

@test "notices of datagrams arriving on unconnected UDP and Unix datagram sockets appear at the prompt" {
	wait_screen '^sockrepl> *$'
	keys 'socket udp' Enter 'bind 127.0.0.1 0' Enter 'socket unix dgram' Enter 'bind d.sock' Enter
	wait_screen '^sockrepl \[4 BOUND\]> *$'
	port=$(screen | sed -n 's/^fd 3: BOUND to 127\.0\.0\.1:\([0-9]*\).*/\1/p' | head -n 1)
	path=$(screen | sed -n 's/^fd 4: BOUND to \([^ ]*\) .*/\1/p' | head -n 1)
	peer 'socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"ping", ("127.0.0.1", int(sys.argv[1])))' "$port"
	wait_screen '^\[event\] fd 3: a datagram arrived (the next to read holds 4 bytes)'
	peer 'socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"hi", sys.argv[1])' "$path"
	wait_screen '^\[event\] fd 4: a datagram arrived (the next to read holds 2 bytes)'
}

@test "data arriving on a connection that already holds unread data is a notice too" {
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter 'bind 127.0.0.1 0' Enter 'listen' Enter 'socket' Enter 'connect @3' Enter 'accept 3' Enter
	keys 'send 4 one' Enter
	wait_screen '^\[event\] fd 5: 3 bytes arrived (3 unread)'
	keys 'send 4 three' Enter
	wait_screen '^\[event\] fd 5: 5 bytes arrived (8 unread)'
}

@test "a blocking connect to a full listener says it waits; Ctrl-C interrupts it with EINTR" {
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter 'bind 127.0.0.1 0' Enter 'listen 3 0' Enter 'socket' Enter 'connect @3' Enter
	wait_screen '^sockrepl \[4 CONNECTED\]> *$'
	keys 'socket' Enter 'connect @3' Enter
	wait_screen 'is full: Linux drops the SYN, and connect blocks, sending it again'
	wait_screen 'Ctrl-C interrupts)'
	pid=$(pgrep -P "$(tmux -S "$TMUX_SOCKET" display -p '#{pane_pid}')" sockrepl)
	wait_blocked "$pid" connect 5
	keys C-c
	wait_screen '^connect(5, .*) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)$'
	wait_screen '^sockrepl \[5 CONNECTING\]> *$'
}

@test "a guided lesson that requires the sandbox, outside it: says how to start it, ends, the prompt stays" {
	printf 'say first\nrequires sandbox\nsocket\n' >"$BATS_TEST_TMPDIR/needs.txt"
	start_terminal --lesson "$BATS_TEST_TMPDIR/needs.txt"
	wait_screen "^this lesson runs in its own network namespace: start it with sockrepl --sandbox --lesson $BATS_TEST_TMPDIR/needs.txt\$"
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter
	wait_screen '^sockrepl \[3 CREATED\]> *$'
}

@test "a guided lesson that requires the sandbox, in it: the line passes silently and the first step is offered" {
	needs_root
	printf 'say first\nrequires sandbox\nsocket\n' >"$BATS_TEST_TMPDIR/needs.txt"
	start_terminal --sandbox --lesson "$BATS_TEST_TMPDIR/needs.txt"
	wait_screen '^sockrepl step 1/1> socket$'
	run screen
	refute_output --partial 'this lesson runs'
}

@test "with wire on, a peer's segments appear above the prompt as they come, the typed line intact" {
	wait_screen '^sockrepl> *$'
	keys 'wire on' Enter 'socket' Enter 'bind 127.0.0.1 0' Enter 'listen' Enter
	wait_screen '^fd 3: LISTENING on 127\.0\.0\.1:'
	port=$(screen | sed -n 's/^fd 3: LISTENING on 127\.0\.0\.1:\([0-9]*\).*/\1/p' | head -n 1)
	keys 'accep'
	wait_screen 'sockrepl \[3 LISTENING\]> accep$'
	timeout 5 nc -z 127.0.0.1 "$port"
	wait_screen "^  wire: IP 127\.0\.0\.1\.[0-9]* > 127\.0\.0\.1\.$port: Flags \[S\], seq"
	wait_screen "^  wire: IP 127\.0\.0\.1\.$port > 127\.0\.0\.1\.[0-9]*: Flags \[S\.\], seq"
	wait_screen '^sockrepl \[3 LISTENING\]> accep$'
}

@test "at a terminal, notes wrap at its width (60 and 132 columns); call lines stay whole" {
	for width in 60 132; do
		# an empty COLUMNS: the terminal's own width decides
		TERMINAL_WIDTH=$width TERMINAL_ENV=COLUMNS= start_terminal
		wait_screen '^sockrepl> *$'
		keys 'socket' Enter 'nonblock on' Enter 'connect 127.0.0.1 9' Enter
		wait_screen '^  try: '
		# -J joins what the terminal itself wrapped: the lines as sockrepl wrote them
		run tmux -S "$TMUX_SOCKET" capture-pane -p -J
		assert_line 'connect(3, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)'
		notes=$(grep -E '^  (EINPROGRESS|  )' <<<"$output")
		[ "$(awk '{ if (length > w) w = length } END { print w }' <<<"$notes")" -le "$width" ]
		[ "$(wc -l <<<"$notes")" -ge 2 ]
	done
	# 132 columns hold the first sentence that 80 could not
	assert_line --partial '  EINPROGRESS: not a failure: the socket is non-blocking, so connect sent the SYN and returned at once;'
}

@test "a challenge at a terminal: Tab completes its name, and a real nc that connects and closes reaches its goal" {
	wait_screen '^sockrepl> *$'
	keys 'challenge acc' Tab
	wait_screen '^sockrepl> challenge accept-closed *$'
	keys Enter
	wait_screen '^goal: Make accept return a connection that its peer had already closed'
	keys 'socket' Enter 'bind 127.0.0.1 0' Enter 'listen' Enter
	wait_screen '^fd 3: LISTENING on 127\.0\.0\.1:'
	port=$(screen | sed -n 's/^fd 3: LISTENING on 127\.0\.0\.1:\([0-9]*\).*/\1/p' | head -n 1)
	timeout 5 nc -z 127.0.0.1 "$port"	# connects, then closes at once
	keys 'hint' Enter
	wait_screen '^hint 1/3: A connection is complete, and queued, before accept takes it'
	keys 'accept' Enter
	wait_screen '^goal reached: Make accept return a connection'
	wait_screen '^you used 4 commands (counting those that made a system call)\.$'
}

@test "guided lesson 18: the replay lines are shown, not run, and a real curl is the client" {
	start_terminal --lesson 18
	wait_screen '^sockrepl step 1/[0-9]*> socket$'
	keys Enter
	wait_screen '> bind 127\.0\.0\.1 0$'
	keys Enter
	wait_screen '> listen 8$'
	keys Enter
	# the client's lines are shown for curl to play; accept is the next step
	wait_screen '^  (replayed, the lesson runs: connect 4 @3)$'
	wait_screen '^sockrepl \[3 LISTENING\] step 4/[0-9]*> accept 3$'
	port=$(screen | sed -n 's/^fd 3: LISTENING on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' | head -n 1)
	timeout 30 curl -s -m 25 -o "$BATS_TEST_TMPDIR/body" "http://127.0.0.1:$port/" &
	curl_pid=$!
	keys Enter
	wait_screen '^accept(3, .*) = 4$'	# no fd 4 of the lesson's own: the connection is fd 4
	wait_screen '> recv$'
	keys Enter
	wait_screen '^  all [0-9]* bytes: "GET / HTTP/1\.1\\r\\nHost: 127\.0\.0\.1:'"$port"'\\r\\nUser-Agent: curl/'
	wait_screen '> send "HTTP/1\.1 200 OK'
	keys Enter
	wait_screen '> close$'
	keys Enter
	wait_screen '^close(4) = 0$'
	wait "$curl_pid"
	printf '<h1>Hello from sockrepl</h1>\n' | cmp - "$BATS_TEST_TMPDIR/body"
}

@test "a curl that gives up is a notice at the prompt: the peer closed before you answered; Ctrl-C ends a wait" {
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter 'bind 127.0.0.1 0' Enter 'listen' Enter
	wait_screen '^fd 3: LISTENING on 127\.0\.0\.1:'
	port=$(screen | sed -n 's/^fd 3: LISTENING on 127\.0\.0\.1:\([0-9]*\).*/\1/p' | head -n 1)
	timeout 10 curl -s -m 1 "http://127.0.0.1:$port/" &
	curl_pid=$!
	keys 'accept' Enter 'recv' Enter
	wait_screen '^  all [0-9]* bytes: "GET / HTTP/1\.1\\r\\n'
	status=0
	wait "$curl_pid" || status=$?
	[ "$status" = 28 ]	# curl: operation timed out
	wait_screen '^\[event\] fd 4: the peer closed its side (FIN) before you answered: it sent [0-9]* bytes and got none back; recv returns 0, end of file$'
	# the event was shown: a wait now waits for the next one, until Ctrl-C
	keys 'wait 60000' Enter
	wait_blocked "$(terminal_sockrepl)" epoll_pwait
	keys C-c
	wait_screen '  no event within 60000 ms (interrupted)$'
}

@test "Ctrl-C interrupts a child's blocking accept; the prompt names the child and both processes go on" {
	wait_screen '^sockrepl> *$'
	keys 'socket' Enter 'bind 127.0.0.1 0' Enter 'listen' Enter 'fork' Enter
	wait_screen '^fork() = [0-9]*$'
	child=$(screen | sed -n 's/^fork() = \([0-9]*\)$/\1/p')
	keys 'proc child' Enter
	wait_screen "^sockrepl \[child $child\] \[3 LISTENING\]> *$"
	keys 'accept' Enter
	wait_screen 'accept blocks until one arrives'
	wait_blocked "$child" accept 3
	keys C-c
	wait_screen '^accept(3, 0x[0-9a-f]*, \[16\]) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)$'
	wait_screen "^sockrepl \[child $child\] \[3 LISTENING\]> *$"
	keys 'proc' Enter
	wait_screen "^$child *child *running, runs the commands$"
	keys C-d
	wait_screen "^wait4($child, \[{WIFEXITED(s) && WEXITSTATUS(s) == 0}\], 0, NULL) = $child$"
	wait_screen '^exited 0$'
}

@test "a child that a signal ends (status 128+N, as a session) is an event at the prompt" {
	wait_screen '^sockrepl> *$'
	keys 'fork' Enter
	wait_screen '^fork() = [0-9]*$'
	child=$(screen | sed -n 's/^fork() = \([0-9]*\)$/\1/p')
	wait_screen '^sockrepl \[parent [0-9]*\]> *$'
	kill -TERM "$child"
	wait_screen "^\[event\] process $child exited with status 143; the kernel sent SIGCHLD"
	keys 'waitpid' Enter
	wait_screen "^wait4(-1, \[{WIFEXITED(s) && WEXITSTATUS(s) == 143}\], 0, NULL) = $child$"
}

@test "a guided lesson whose socket the learner closed says so once, plainly, when a step uses it" {
	start_terminal --lesson 01
	wait_screen '^sockrepl step 1/11> socket tcp$'
	keys Enter
	wait_screen 'step 2/11> bind 127\.0\.0\.1 6789$'
	keys Enter
	wait_screen 'step 3/11> listen 1$'
	keys Enter
	wait_screen 'step 4/11> wire on$'
	keys C-u 'close 3' Enter	# not a step: the learner closes the lesson's listener
	wait_screen '^fd 3: CLOSED$'
	wait_screen 'step 4/11> wire on$'
	keys Enter
	wait_screen 'step 5/11> socket$'
	keys Enter
	msg="You closed fd 3 outside the lesson's steps, and this step uses it (connect @3): from here on, what the lesson says assumes fd 3 is still its socket. back goes to an earlier step to make it again, next skips this one, leave ends the lesson."
	wait_screen "^You closed fd 3 outside the lesson's steps, and this step uses it (connect @3)"
	wait_screen 'step 6/11> connect @3$'
	keys C-u 'next' Enter	# accept 3 uses fd 3 too: not said again
	wait_screen 'step 7/11> sockets$'
	keys C-u 'next' Enter
	wait_screen 'step 8/11> accept 3$'
	# -J: the lines as sockrepl wrote them, before the terminal wrapped them
	[ "$(tmux -S "$TMUX_SOCKET" capture-pane -p -J | grep -cxF "$msg")" -eq 1 ]
}
