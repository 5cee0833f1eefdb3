#!/usr/bin/env bats
# The script language's checks: expect ok|ERRNO|state|tcp|queue|wire

load test_helper

@test "expectations that hold print nothing and leave the status 0" {
	run sockrepl --no-echo <<<$'socket\nexpect ok\nexpect state CREATED\nexpect tcp 3 CLOSED\nbind 127.0.0.1 0\nlisten\nexpect queue 3 0\nexpect tcp LISTEN\nexpect state 3 listening'
	assert_success
	refute_output --regexp '^line '
}

@test "a failed expect ok names the line, the call and its errno; the script goes on" {
	run sockrepl --no-echo <<<$'bind 5 127.0.0.1 0\nexpect ok\nsay after'
	assert_failure 1
	assert_line "line 2: expected ok, but bind on fd 5 failed with EBADF"
	assert_line "after"
}

@test "a failed expect ERRNO says what happened instead" {
	run sockrepl --no-echo <<<$'socket\nexpect EADDRINUSE'
	assert_failure 1
	assert_line "line 2: expected EADDRINUSE, but socket on fd 3 succeeded (returned 3)"
}

@test "expect EWOULDBLOCK matches EAGAIN, its other name" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nnonblock on\naccept\nexpect EWOULDBLOCK'
	assert_success
}

@test "failed state, tcp and queue expectations say what the kernel reports" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nexpect state 3 LISTENING\nexpect tcp 3 LISTEN\nlisten\nexpect queue 3 1\nexpect queue 9 0\nsocket udp\nexpect tcp 4 CLOSED'
	assert_failure 1
	assert_line "line 3: expected fd 3 to be LISTENING, but it is BOUND"
	assert_line "line 4: expected fd 3 in TCP LISTEN, but it is in CLOSED"
	assert_line "line 6: expected 1 connection(s) in fd 3's accept queue, but it has 0 waiting (backlog 1: up to 2 may wait)"
	assert_line "line 7: expected 0 connection(s) in fd 9's accept queue, but fd 9 is CLOSED, not listening"
	assert_line "line 9: expected fd 4 in TCP CLOSED, but it has no TCP state (udp)"
}

@test "expect before any call, and expect with bad arguments, are errors" {
	run sockrepl --no-echo <<<$'expect ok\nexpect\nexpect EFOO\nexpect state 3 DANCING\nexpect tcp 3 WAITING\nexpect queue 3 many\nexpect ok extra\nexpect state'
	assert_failure 1
	assert_line "line 1: expected ok, but no call has been made yet"
	assert_line "line 2: expect: missing arguments (usage: expect ok|ERRNO|state|tcp|queue|wire [FD|no|order] [VALUE...])"
	assert_line "line 3: expect: 'EFOO' is neither ok, an errno name (EADDRINUSE), state, tcp, queue nor wire"
	assert_line "line 4: expect state: 'DANCING' is not a state: use CREATED, BOUND, LISTENING, CONNECTING, CONNECTED, HALF-CLOSED, DISCONNECTED or CLOSED"
	assert_line --partial "line 5: expect tcp: 'WAITING' is not a TCP state"
	assert_line "line 6: queue length 'many': not a decimal number"
	assert_line "line 7: expect ok: too many arguments (usage: expect ok|ERRNO)"
	assert_line "line 8: expect state: missing value (usage: expect state [FD] VALUE)"
}

@test "expect tcp accepts kernel spellings such as syn_sent" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten 0\nsocket\nconnect @3\nsocket\nnonblock on\nconnect @3\nexpect tcp 5 syn_sent'
	assert_success
}

# ---- expect wire ----------------------------------------------------------------

@test "expect wire FLAGS holds when a segment with those flags was shown under the last call" {
	needs_root
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nexpect wire S\nexpect wire S.\nexpect wire [.]\nexpect wire no R\nexpect wire no r.\naccept 3\nexpect wire none\nclose 5\nexpect wire F.'
	repl
	assert_success
	refute_output --regexp '^line '
}

@test "expect wire fails when the segment is absent, naming the flags that were shown" {
	needs_root
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nexpect wire R\nexpect wire no S.\nexpect wire none\naccept 3\nexpect wire S'
	repl
	assert_failure 1
	assert_line 'line 7: expected a segment with flags [R] under the last call or wait, but it showed [S], [.], [S.]'
	assert_line 'line 8: expected no segment with flags [S.] under the last call or wait, but it showed [S], [.], [S.]'
	assert_line 'line 9: expected no segment under the last call or wait, but it showed [S], [.], [S.]'
	assert_line 'line 11: expected a segment with flags [S] under the last call or wait, but it showed none'
}

@test "expect wire after a wait checks the segments the wait showed, not the call's before it" {
	needs_root
	# fd 5's SYN to a full backlog is dropped; the wait shows it sent again
	# 1 s later (and only that), so [S] holds after the wait and [.] does not
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten 0\nsocket\nconnect @3\nexpect wire .\nsocket\nnonblock on\nconnect @3\nexpect wire S\nwait 5 1500\nexpect wire S\nexpect wire no .\nexpect wire no S.\nwait 3 10\nexpect wire none'
	run timeout 15 "$SOCKREPL" --no-echo --sandbox <<<"$SCRIPT_TEXT"
	assert_success
	refute_output --regexp '^line '
	[ "$(grep -c 'Flags \[S\], seq' <<<"$output")" -eq 3 ]	# two connects, one retry
}

@test "expect wire without capture fails: nothing is captured" {
	SCRIPT_TEXT=$'socket\nexpect wire S\nexpect wire none'
	repl
	assert_failure 1
	assert_line 'line 2: expected a segment with flags [S], but nothing is captured'
	assert_line 'line 3: expected no segment, but nothing is captured'
}

@test "expect wire without flags, or with a word other than no or order, is a usage error" {
	SCRIPT_TEXT=$'expect wire\nexpect wire some S\nexpect wire SFRPUEW.X\nexpect wire []\nexpect wire no none\nexpect wire no S. S\nexpect wire order S SFRPUEW.X'
	repl
	assert_failure 1
	[ "$(grep -c 'expect wire: write expect wire FLAGS, expect wire no FLAGS, expect wire none or expect wire order FLAGS FLAGS..., FLAGS as tcpdump writes them (S, S., ., P., F., R.)' <<<"$output")" -eq 6 ]
	assert_line "line 7: expect wire order: 'SFRPUEW.X' is not FLAGS as tcpdump writes them (S, S., ., P., F., R.)"
}

@test "expect wire order checks the kernel's order since the last call, whatever was shown where" {
	needs_root	# the capture
	SCRIPT_TEXT=$'wire on\nsocket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nexpect wire order S S. .\nexpect wire order S .\nexpect wire order S. S\naccept 3\nexpect wire order S'
	repl
	assert_failure 1
	assert_line 'line 9: expected segments with flags [S.] [S] in this order since the last call, but they came as [S] [S.] [.]'
	assert_line 'line 11: expected segments with flags [S] in this order since the last call, but they came as none'
	[ "$(grep -c '^line ' <<<"$output")" -eq 2 ]
}

@test "in a script an expect that holds prints nothing, not even its echo; --verbose marks it; one that fails names its line" {
	run timeout 15 "$SOCKREPL" <<<$'socket\nexpect ok\nexpect state 3 CREATED\nexpect state 3 BOUND'
	assert_failure 1
	assert_output $'sockrepl> socket\nsocket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3\nfd 3: CREATED (no address yet) · TCP CLOSED\nline 4: expected fd 3 to be BOUND, but it is CREATED\nclose(3) = 0\nfd 3: CLOSED'
	run timeout 15 "$SOCKREPL" --verbose <<<$'socket\nexpect ok\nexpect state 3 CREATED'
	assert_success
	assert_line --index 3 '✓ expect ok'
	assert_line --index 4 '✓ expect state 3 CREATED'
}
