#!/usr/bin/env bats
# The errno atlas for unlink(2), a file-system call: each test makes one cause
# happen on the running kernel with files of its own and checks that the
# explanation names it. Test names read "atlas: CALL ERRNO - cause".

load test_helper

# as_nobody : sockrepl as uid 65534, with $SCRIPT_TEXT on stdin.
as_nobody() {
	needs_root
	run timeout 15 setpriv --reuid 65534 --regid 65534 --clear-groups \
		env HOME=/tmp "$SOCKREPL" --no-echo <<<"$SCRIPT_TEXT"
}

# in_mount_ns COMMANDS : run COMMANDS (sh) in a private mount namespace, then
# sockrepl there on $SCRIPT_TEXT; the mounts vanish with the namespace.
in_mount_ns() {
	needs_root
	run timeout 15 unshare -m sh -c "$1"' && exec "$0" --no-echo' "$SOCKREPL" <<<"$SCRIPT_TEXT"
}

teardown() {
	[ ! -e "$BATS_TEST_TMPDIR/stuck" ] || chattr -i "$BATS_TEST_TMPDIR/stuck"
	[ -z "${OPEN_DIR:-}" ] || rm -rf "$OPEN_DIR"
	no_sockrepl_left
}

@test "atlas: unlink EACCES - no write permission on the directory" {
	OPEN_DIR=$(mktemp -d /tmp/atlas.XXXXXX)
	chmod 755 "$OPEN_DIR"
	touch "$OPEN_DIR/file"
	SCRIPT_TEXT="unlink $OPEN_DIR/file"$'\nexpect EACCES'
	as_nobody
	assert_success
	assert_line "unlink(\"$OPEN_DIR/file\") = -1 EACCES (Permission denied)"
	assert_line "  here: this process (uid 65534) may not write to the directory $OPEN_DIR."
	[ -e "$OPEN_DIR/file" ]
}

@test "atlas: unlink EACCES - no search permission on a directory on the path" {
	OPEN_DIR=$(mktemp -d /tmp/atlas.XXXXXX)
	mkdir "$OPEN_DIR/sub"
	touch "$OPEN_DIR/sub/file"
	chmod 1777 "$OPEN_DIR/sub"
	chmod 700 "$OPEN_DIR"
	SCRIPT_TEXT="unlink $OPEN_DIR/sub/file"$'\nexpect EACCES'
	as_nobody
	assert_success
	assert_line "  here: this process (uid 65534) may not reach $OPEN_DIR/sub: a directory on the way denies it search (x) permission."
}

@test "atlas: unlink EBUSY - something is mounted on the file" {
	touch "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	SCRIPT_TEXT="unlink $BATS_TEST_TMPDIR/b"$'\nexpect EBUSY'
	in_mount_ns "mount --bind $BATS_TEST_TMPDIR/a $BATS_TEST_TMPDIR/b"
	assert_success
	assert_line "unlink(\"$BATS_TEST_TMPDIR/b\") = -1 EBUSY (Device or resource busy)"
	assert_line '  EBUSY: the file is in use by the system: something is mounted on it.'
}

@test "atlas: unlink EISDIR - the path is a directory" {
	mkdir "$BATS_TEST_TMPDIR/dir"
	SCRIPT_TEXT="unlink $BATS_TEST_TMPDIR/dir"$'\nexpect EISDIR'
	repl
	assert_success
	assert_line "unlink(\"$BATS_TEST_TMPDIR/dir\") = -1 EISDIR (Is a directory)"
	assert_line --partial '  EISDIR: the path is a directory: on Linux unlink says EISDIR'
}

@test "atlas: unlink ELOOP - a symbolic link loop on the path" {
	ln -s loop2 "$BATS_TEST_TMPDIR/loop1"
	ln -s loop1 "$BATS_TEST_TMPDIR/loop2"
	SCRIPT_TEXT="unlink $BATS_TEST_TMPDIR/loop1/x"$'\nexpect ELOOP'
	repl
	assert_success
	assert_line "unlink(\"$BATS_TEST_TMPDIR/loop1/x\") = -1 ELOOP (Too many levels of symbolic links)"
}

@test "atlas: unlink ENAMETOOLONG - a name over 255 bytes, reached through a symbolic link" {
	ln -s "$(printf 'n%.0s' $(seq 300))/x" "$BATS_TEST_TMPDIR/long"
	SCRIPT_TEXT="unlink $BATS_TEST_TMPDIR/long/y"$'\nexpect ENAMETOOLONG'
	repl
	assert_success
	assert_line "unlink(\"$BATS_TEST_TMPDIR/long/y\") = -1 ENAMETOOLONG (File name too long)"
	assert_line --partial 'after following symbolic links, is longer than 255 bytes (NAME_MAX)'
}

@test "atlas: unlink ENOENT - no file at the path" {
	SCRIPT_TEXT="unlink $BATS_TEST_TMPDIR/none"$'\nexpect ENOENT'
	repl
	assert_success
	assert_line "unlink(\"$BATS_TEST_TMPDIR/none\") = -1 ENOENT (No such file or directory)"
}

@test "atlas: unlink ENOENT - a directory on the path is missing" {
	SCRIPT_TEXT="unlink $BATS_TEST_TMPDIR/nodir/file"$'\nexpect ENOENT'
	repl
	assert_success
	assert_line --partial '  ENOENT: no file exists at that path (or a directory on the path is missing).'
}

@test "atlas: unlink ENOTDIR - a file used as a directory on the path" {
	touch "$BATS_TEST_TMPDIR/plain"
	SCRIPT_TEXT="unlink $BATS_TEST_TMPDIR/plain/x"$'\nexpect ENOTDIR'
	repl
	assert_success
	assert_line "unlink(\"$BATS_TEST_TMPDIR/plain/x\") = -1 ENOTDIR (Not a directory)"
}

@test "atlas: unlink EPERM - a sticky directory, and someone else's file" {
	OPEN_DIR=$(mktemp -d /tmp/atlas.XXXXXX)
	chmod 1777 "$OPEN_DIR"
	touch "$OPEN_DIR/roots"
	SCRIPT_TEXT="unlink $OPEN_DIR/roots"$'\nexpect EPERM'
	as_nobody
	assert_success
	assert_line "unlink(\"$OPEN_DIR/roots\") = -1 EPERM (Operation not permitted)"
	assert_line "  here: $OPEN_DIR is sticky (+t); it belongs to uid 0 and the file to uid 0, and this process is uid 65534."
}

@test "atlas: unlink EPERM - an immutable file" {
	touch "$BATS_TEST_TMPDIR/stuck"
	needs_root	# CAP_LINUX_IMMUTABLE
	chattr +i "$BATS_TEST_TMPDIR/stuck"
	SCRIPT_TEXT="unlink $BATS_TEST_TMPDIR/stuck"$'\nexpect EPERM'
	repl
	assert_success
	assert_line "  here: $BATS_TEST_TMPDIR/stuck is immutable (lsattr shows i)."
}

@test "atlas: unlink EROFS - the file is on a read-only mount" {
	mkdir "$BATS_TEST_TMPDIR/ro"
	touch "$BATS_TEST_TMPDIR/ro/file"
	SCRIPT_TEXT="unlink $BATS_TEST_TMPDIR/ro/file"$'\nexpect EROFS'
	in_mount_ns "mount --bind $BATS_TEST_TMPDIR/ro $BATS_TEST_TMPDIR/ro && mount -o remount,bind,ro $BATS_TEST_TMPDIR/ro"
	assert_success
	assert_line "unlink(\"$BATS_TEST_TMPDIR/ro/file\") = -1 EROFS (Read-only file system)"
	[ -e "$BATS_TEST_TMPDIR/ro/file" ]
}
