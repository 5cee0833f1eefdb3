#!/usr/bin/env bats
# Abstract Unix names and autobind: how they are typed, printed and refused.

load test_helper

@test "bind and connect take @\"NAME\" for an abstract Unix name; state lines and the table show it as strace does" {
	SCRIPT_TEXT=$'socket unix\nbind @"demo"\nlisten\nsocket unix\nconnect @"demo"\naccept 3\nsockets'
	repl
	assert_success
	assert_line 'bind(3, {sa_family=AF_UNIX, sun_path=@"demo"}, 7) = 0'
	assert_line 'fd 3: BOUND to @"demo" · unix'
	assert_line 'fd 4: CONNECTED (unnamed) -> @"demo" · unix'
	assert_line --regexp '^3 +unix +LISTENING +@"demo" '
}

@test "an abstract name takes C escapes; its length counts every byte, as C code passes it" {
	SCRIPT_TEXT=$'socket unix dgram\nbind @"a\\0b\\x20c"\ngetsockname'
	repl
	assert_success
	assert_line 'bind(3, {sa_family=AF_UNIX, sun_path=@"a\0b c"}, 8) = 0'
	assert_line 'fd 3: BOUND to @"a\0b c" · unix-dg'
}

@test "bind \"\" passes only sun_family: the kernel autobinds a five-hex-digit abstract name" {
	SCRIPT_TEXT=$'socket unix\nbind ""\ngetsockname\nlisten\nsocket unix\nconnect @3'
	repl
	assert_success
	assert_line 'bind(3, {sa_family=AF_UNIX}, 2) = 0'
	assert_line --regexp '^fd 3: BOUND to @"[0-9a-f]{5}" · unix$'
	assert_line --regexp '^connect\(4, \{sa_family=AF_UNIX, sun_path=@"[0-9a-f]{5}"\}, 8\) = 0$'
}

@test "a second bind to a held abstract name fails with EADDRINUSE naming the holder" {
	SCRIPT_TEXT=$'socket unix\nbind @"held"\nsocket unix\nbind 4 @"held"\nexpect EADDRINUSE\nbind 4 @"other"'
	repl
	assert_success
	assert_line '  here: fd 3 of this session holds @"held" (BOUND).'
	assert_line 'bind(4, {sa_family=AF_UNIX, sun_path=@"other"}, 8) = 0'
}

@test "a recvfrom names an abstract sender, and only the socket that has that name" {
	SCRIPT_TEXT=$'socket unix dgram\nbind @"srv"\nsocket unix dgram\nbind @"cli"\nsocket unix dgram\nbind @"x"\nsendto 4 @3 hi\nrecvfrom 3'
	repl
	assert_success
	assert_line '  from @"cli": that is fd 4 of this session.'
}

@test "a malformed abstract name or @WORD is one usage line; unlink of an abstract name has no file" {
	SCRIPT_TEXT=$'socket unix\nbind @"open\nbind @"two words"\nbind @abc\nbind @"x"y\nunlink @"x"'
	repl
	assert_failure 1
	assert_line "line 2: '@\"open': write an abstract Unix name as @\"NAME\", with C escapes and no blanks (\\x20 for a blank)"
	assert_line "line 3: '@\"two words\"': write an abstract Unix name as @\"NAME\", with C escapes and no blanks (\\x20 for a blank)"
	assert_line "line 4: '@abc': write @FD for the address of socket FD, or @\"NAME\" for an abstract Unix name"
	assert_line "line 5: '@\"x\"y': write an abstract Unix name as @\"NAME\", with C escapes and no blanks (\\x20 for a blank)"
	assert_line 'line 6: @"x" is an abstract name: there is no file; the name goes away when the last socket bound to it closes'
	refute_output --partial 'bind('
}

@test "an abstract name longer than sun_path is a usage error; 107 bytes fit" {
	long=$(printf 'n%.0s' $(seq 108))
	fits=$(printf 'n%.0s' $(seq 107))
	SCRIPT_TEXT=$'socket unix\n'"bind @\"$long\""$'\n'"bind @\"$fits\""
	repl
	assert_failure 1
	assert_line 'line 2: abstract name is 108 bytes: sun_path holds a NUL and at most 107'
	assert_line --partial ', 110) = 0'
}

@test "connect to an abstract name a session socket holds without listening names that socket" {
	SCRIPT_TEXT=$'socket unix\nbind ""\nsocket unix\nconnect @3\nexpect ECONNREFUSED'
	repl
	assert_success
	assert_line --regexp '^  here: fd 3 of this session is bound to @"[0-9a-f]{5}" but is BOUND, not listening: call listen 3\.$'
}
