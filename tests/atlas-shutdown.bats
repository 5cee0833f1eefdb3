#!/usr/bin/env bats
# The errno atlas for shutdown(2), and what shutdown does on Linux: each test
# makes one cause happen on the running kernel and checks that the explanation
# names it. Test names read "atlas: CALL ERRNO - cause".

load test_helper

# fd 3 listens, fd 4 is connected to fd 5, the connection accept returned.
CONNECTED=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\naccept 3'

@test "atlas: shutdown EBADF - the fd is not open" {
	SCRIPT_TEXT='shutdown 9 wr'
	repl
	assert_line 'shutdown(9, SHUT_WR) = -1 EBADF (Bad file descriptor)'
}

@test "atlas: shutdown ENOTCONN - an unconnected TCP socket, whose direction Linux shuts all the same" {
	SCRIPT_TEXT=$'socket\nshutdown 3 wr\nexpect ENOTCONN\nsocket\nbind 127.0.0.1 0\nlisten\nconnect 3 @4\nexpect ok\nsend 3 x\nexpect EPIPE'
	repl
	assert_success
	assert_line 'shutdown(3, SHUT_WR) = -1 ENOTCONN (Transport endpoint is not connected)'
	assert_line '  here: fd 3 is CREATED.'
	assert_line 'sendto(3, "x", 1, 0, NULL, 0) = -1 EPIPE (Broken pipe)'
	assert_line '  here: fd 3 was shut down for writing (shutdown wr).'
}

@test "atlas: shutdown ENOTCONN - an unconnected UDP socket" {
	SCRIPT_TEXT=$'socket udp\nshutdown 3 rdwr\nexpect ENOTCONN'
	repl
	assert_success
	assert_line 'shutdown(3, SHUT_RDWR) = -1 ENOTCONN (Transport endpoint is not connected)'
}

@test "atlas: shutdown ENOTSOCK - the fd is not a socket" {
	SCRIPT_TEXT='shutdown 0 wr'
	repl
	assert_line 'shutdown(0, SHUT_WR) = -1 ENOTSOCK (Socket operation on non-socket)'
}

@test "a Unix socket's shutdown succeeds even unconnected (no ENOTCONN on Linux)" {
	SCRIPT_TEXT=$'socket unix\nshutdown 3 wr\nexpect ok\nsocket dgram unix\nshutdown 4 rdwr\nexpect ok'
	repl
	assert_success
	assert_line 'shutdown(3, SHUT_WR) = 0'
}

@test "shutdown rd on TCP sends nothing: the peer's data still arrives and is read, then recv returns 0" {
	SCRIPT_TEXT="$CONNECTED"$'\nshutdown 4 rd\nsend 5 after\nexpect ok\nexpect tcp 5 ESTABLISHED\nrecv 4\nrecv 4\nnonblock 4 on\nrecv 4\nexpect ok'
	repl
	assert_success
	assert_line --regexp '^fd 5: CONNECTED .* · TCP ESTABLISHED'
	assert_line --regexp '^fd 4: HALF-CLOSED .* · TCP ESTABLISHED · recv returns 0 when empty \(the peer.s FIN, or shutdown rd\)$'
	refute_line --regexp '^fd 5: .*CLOSE-WAIT'
	assert_line 'recvfrom(4, "after", 4096, 0, NULL, NULL) = 5'
	assert_line 'recvfrom(4, "", 4096, 0, NULL, NULL) = 0'
	assert_line '  0 bytes: this side shut down receiving (shutdown rd), and nothing is queued. That is not the peer closing: Linux TCP sent it nothing, data it sends still arrives, and recv returns it.'
	refute_output --partial 'The peer has closed'
	run sockrepl --no-echo <<<'help shutdown'
	assert_line --partial 'rd sends nothing on Linux TCP: the peer is not told, its data'
}
