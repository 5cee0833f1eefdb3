#!/usr/bin/env bats
# sockets (ls): the session's sockets, as the kernel sees them

load test_helper

@test "sockets lists every socket with protocol, state, addresses, TCP state and queue" {
	run sockrepl --no-echo <<<$'socket\nbind 127.0.0.1 0\nlisten 2\nsocket\nconnect @3\nsocket udp\nsockets'
	assert_success
	assert_line --regexp '^FD +PROTO +STATE +LOCAL +PEER +TCP +QUEUE$'
	assert_line --regexp '^3 +tcp +LISTENING +127\.0\.0\.1:[0-9]+ +- +LISTEN +1 waiting \(up to 3\)$'
	assert_line --regexp '^4 +tcp +CONNECTED +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:[0-9]+ +ESTABLISHED +-$'
	assert_line --regexp '^5 +udp +CREATED +- +- +- +-$'
}

@test "ls is an alias of sockets, and an empty session says how to start" {
	run sockrepl --no-echo <<<$'ls'
	assert_output "no sockets yet: create one with socket"
}

@test "sockets takes no arguments" {
	run sockrepl --no-echo <<<'sockets 3'
	assert_failure 1
	assert_output "line 1: sockets: too many arguments (usage: sockets)"
}
