#!/usr/bin/env bats
# ladder: a connection's captured segments as a sequence diagram.

load test_helper

# The ladder's lines with numbers masked, so runs compare: N for each number.
masked_ladder() {
	sed -n '/^ladder: fd/,/^close(/p' <<<"$output" | grep -v '^close(' |
		sed -E 's/[0-9]+(\.[0-9]+){3}:[0-9]+/ADDR/g; s/[0-9]+/N/g; s/ +$//; s/ -+(>?\|)/ --\1/; s/^ {15}ADDR +ADDR$/ADDR ADDR/'
}

@test "ladder draws a connection's full life, an arrow for each wire line, the calls and both ends' states" {
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept\nsend 4 hello\nrecv 5\nsend 5 "world!\\n"\nrecv 4\nclose 4\nrecv 5\nclose 5\nladder 4'
	repl
	assert_success
	run masked_ladder
	# up to the first FIN, every run draws the same
	[ "$(head -n 11 <<<"$output")" = "ladder: fd N's connection, as captured on lo (tcpdump's numbers; states from the kernel after each batch of segments)
ADDR ADDR
    connect(N) |-- [S], seq N -->|
               |<- [S.], seq N, ack N --|
               |-- [.], ack N -->|
   ESTABLISHED |                                                        | ESTABLISHED
     sendto(N) |-- [P.], seq N:N, ack N, length N -->|
               |<- [.], ack N --|
     sendto(N) |<- [P.], seq N:N, ack N, length N --|
               |-- [.], ack N -->|
      close(N) |-- [F.], seq N, ack N -->|" ]
	# then: the FIN's ACK comes with fd 5's own FIN, or alone once the delayed
	# ACK's timer (40 ms) ran out first, as on a loaded machine
	assert_line --regexp '^    FIN-WAIT-N \| +\| CLOSE-WAIT$'
	assert_line --regexp '^      close\(N\) \|<- \[F\.\], seq N, ack N --\|$'
	assert_line --regexp '^     TIME-WAIT \| +\| CLOSED \(gone\)$'
}

@test "a connection's full life (handshake, data both ways, close): ladder's arrows are the wire lines, in order, each in its direction" {
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept\nsend 4 hello\nrecv 5\nsend 5 hi\nrecv 4\nclose 4\nrecv 5\nclose 5\nladder 4'
	repl
	assert_success
	# each wire line as the ladder labels it: flags and numbers, no window or
	# options, after its direction: -> when fd 4 (the left end) sent it, <- when fd 5 did
	left=$(sed -n 's/^fd 4: CONNECTED 127\.0\.0\.1:\([0-9]*\) .*/\1/p' <<<"$output" | head -n 1)
	[ -n "$left" ]
	sed -n 's/^  wire: IP [0-9.]*\.\([0-9]*\) > [^ ]*: Flags \(\[[^]]*\]\)\(.*\), win [0-9]*.*, length \([0-9]*\)$/\1 \2\3|\4/p' <<<"$output" |
		sed -E "s/^$left /-> /; s/^[0-9]+ /<- /; s/\|0$//; s/\|([0-9]+)$/, length \1/" >"$BATS_TEST_TMPDIR/wire"
	sed -n 's/^ *[a-z]*([0-9]*) *|\(<-\|--\) \(.*[^ ]\) -*>\{0,1\}|$/\1 \2/p; s/^ *|\(<-\|--\) \(.*[^ ]\) -*>\{0,1\}|$/\1 \2/p' <<<"$output" |
		sed 's/^-- /-> /' >"$BATS_TEST_TMPDIR/arrows"
	# the whole life: handshake, data each way, a FIN each way, no reset
	grep -q '^-> \[S\], seq ' "$BATS_TEST_TMPDIR/wire"
	grep -q '^<- \[S\.\], seq ' "$BATS_TEST_TMPDIR/wire"
	grep -q '^-> \[P\.\], seq 1:6, ack 1, length 5$' "$BATS_TEST_TMPDIR/wire"
	grep -q '^<- \[P\.\], seq 1:3, ack 6, length 2$' "$BATS_TEST_TMPDIR/wire"
	grep -q '^-> \[F\.\], seq 6, ack 3$' "$BATS_TEST_TMPDIR/wire"
	grep -q '^<- \[F\.\], seq 3, ack 7$' "$BATS_TEST_TMPDIR/wire"
	[ "$(grep -c 'R' "$BATS_TEST_TMPDIR/wire")" = 0 ]
	run diff "$BATS_TEST_TMPDIR/wire" "$BATS_TEST_TMPDIR/arrows"
	assert_success
}

@test "ladder draws a connection to another process (python), its states from the kernel" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	timeout 15 /usr/bin/python3 -c 'import socket, sys
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
open(sys.argv[1], "w").write(str(l.getsockname()[1]))
c, _ = l.accept(); c.sendall(b"hi"); c.recv(10); c.close()' "$BATS_TEST_TMPDIR/port" &
	wait_until test -s "$BATS_TEST_TMPDIR/port"
	SCRIPT_TEXT="wire on
socket
connect 127.0.0.1 $(cat "$BATS_TEST_TMPDIR/port")
wait 3 2000
recv
close
ladder 3"
	repl
	assert_success
	assert_line --regexp '^    connect\(3\) \|-- \[S\], seq [0-9]+ -+>\|$'
	assert_line --regexp '^   ESTABLISHED \| +\| ESTABLISHED$'
	assert_line --regexp '^ +\|<- \[P\.\], seq 1:3, ack 1, length 2 -+\|$'
	assert_line --regexp '^      close\(3\) \|-- \[F\.\], seq 1, ack 3 -+>\|$'
}

@test "ladder draws a refused connect: the SYN and the RST that answered it" {
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nsocket\nconnect @3\nexpect ECONNREFUSED\nladder 4'
	repl
	assert_success
	syn=$(sed -n 's/^  wire: IP .*: Flags \[S\], seq \([0-9]*\), win .*/\1/p' <<<"$output")
	ack=$(sed -n 's/^  wire: IP .*: Flags \[R\.\], seq 0, ack \([0-9]*\), win .*/\1/p' <<<"$output")
	[ -n "$syn" ] && [ -n "$ack" ]
	assert_line --regexp "^    connect\(4\) \|-- \[S\], seq $syn -+>\|\$"
	assert_line --regexp "^ +\|<- \[R\.\], seq 0, ack $ack -+\|\$"
}

@test "ladder without capture says that wire on captures the segments it draws" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nladder 4'
	repl
	assert_success
	assert_line 'ladder: no segments of fd 4 were captured: wire on captures them, from then on'
}
