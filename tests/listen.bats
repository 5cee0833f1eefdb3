#!/usr/bin/env bats
# listen [FD] [BACKLOG]

load test_helper

somaxconn() { cat /proc/sys/net/core/somaxconn; }

@test "listen with one number takes it as the backlog, and shows the empty queue" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten 2\nexpect state LISTENING\nexpect tcp LISTEN'
	assert_success
	assert_line 'listen(3, 2) = 0'
	assert_line --regexp '^fd 3: LISTENING on 127\.0\.0\.1:[0-9]+ · TCP LISTEN · accept queue: 0 waiting \(backlog 2: up to 3 may wait\)$'
	assert_line '  note: Linux lets backlog + 1 = 3 finished connections wait for accept; when that many wait, new SYNs are dropped, and a handshake'"'"'s final ACK is dropped too (net.ipv4.tcp_abort_on_overflow = 0).'
}

@test "listen without a backlog uses the chapter's 1" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten'
	assert_line 'listen(3, 1) = 0'
	assert_line --partial 'accept queue: 0 waiting (backlog 1: up to 2 may wait)'
}

@test "a backlog above somaxconn is passed as typed and the kernel's cap is shown" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten 3 100000'
	assert_success
	assert_line 'listen(3, 100000) = 0'
	assert_line --partial "accept queue: 0 waiting (backlog $(somaxconn) = net.core.somaxconn: up to $(($(somaxconn) + 1)) may wait)"
	assert_line "  note: the kernel caps the backlog at net.core.somaxconn = $(somaxconn)."
}

@test "a negative backlog is a legal call; the kernel reads it as huge and caps it" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten 3 -1'
	assert_success
	assert_line 'listen(3, -1) = 0'
	assert_line --partial "accept queue: 0 waiting (backlog $(somaxconn) = net.core.somaxconn: up to $(($(somaxconn) + 1)) may wait)"
	assert_line --partial "(a negative backlog reads as a huge unsigned number)"
}

@test "listen on an unbound socket makes the kernel pick a port" {
	run sockrepl --no-echo <<<$'socket\nlisten'
	assert_success
	assert_line --regexp '^fd 3: LISTENING on 0\.0\.0\.0:[1-9][0-9]* · TCP LISTEN'
}

@test "listen on a UDP socket fails with EOPNOTSUPP" {
	run sockrepl --no-echo <<<$'socket udp\nbind 127.0.0.1 0\nlisten\nexpect EOPNOTSUPP'
	assert_success
	assert_line 'listen(3, 1) = -1 EOPNOTSUPP (Operation not supported)'
	assert_line --partial 'only stream sockets (TCP, Unix stream) accept connections'
}

@test "listen on a connected socket fails with EINVAL and shows its state" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect @3\nlisten 4 1\nexpect EINVAL'
	assert_success
	assert_line 'listen(4, 1) = -1 EINVAL (Invalid argument)'
	assert_line '  here: fd 4 is CONNECTED, TCP ESTABLISHED.'
}

@test "listen on fd 9 (not open) and fd 1 (stdout) reach the kernel" {
	run sockrepl --no-echo <<<$'listen 9 1\nexpect EBADF\nlisten 1 1\nexpect ENOTSOCK'
	assert_success
	assert_line 'listen(9, 1) = -1 EBADF (Bad file descriptor)'
	assert_line 'listen(1, 1) = -1 ENOTSOCK (Socket operation on non-socket)'
}

@test "a backlog that is not a number, or too many arguments, is a usage error" {
	run sockrepl --no-echo <<<$'socket\nlisten lots\nlisten 3 1 2\nlisten 3 99999999999'
	assert_failure 1
	assert_line "line 2: backlog 'lots': not a decimal number"
	assert_line "line 3: listen: too many arguments (usage: listen [FD] [BACKLOG])"
	assert_line "line 4: backlog 99999999999: must be -2147483648 to 2147483647"
	refute_output --partial "listen("
}
