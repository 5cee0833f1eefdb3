#!/usr/bin/env bats
# make install / uninstall, and the man page.

load test_helper

@test "make install puts the binary, lessons, challenges and man page under PREFIX; the binary finds them" {
	prefix="$BATS_TEST_TMPDIR/prefix"
	run timeout 60 make -C "$REPO_ROOT" -s install PREFIX="$prefix"
	assert_success
	[ -x "$prefix/bin/sockrepl" ]
	[ -f "$prefix/share/man/man1/sockrepl.1" ]
	run timeout 15 "$prefix/bin/sockrepl" --no-echo <<<'lessons'
	assert_success
	assert_line --regexp '^  01-creating-a-socket +Creating a socket$'
	run timeout 15 "$prefix/bin/sockrepl" --no-echo <<<'lesson 01'
	assert_success
	run timeout 15 "$prefix/bin/sockrepl" --no-echo <<<'challenges'
	assert_success
	assert_line --regexp '^  syn-sent +A client stuck in SYN-SENT while its listener is open$'
	# lesson 18's page is installed beside it, and sendfile finds it there
	run timeout 15 "$prefix/bin/sockrepl" --no-echo <<<'lesson 18'
	assert_success
	assert_line "openat(AT_FDCWD, \"$prefix/bin/../share/sockrepl/lessons/18-web-page.html\", O_RDONLY) = 6"
	assert_line 'sendfile(5, 6, NULL, 158) = 158'
	run timeout 60 make -C "$REPO_ROOT" -s uninstall PREFIX="$prefix"
	assert_success
	run find "$prefix" -type f
	assert_output ""
}

@test "DESTDIR stages an install without touching PREFIX" {
	run timeout 60 make -C "$REPO_ROOT" -s install DESTDIR="$BATS_TEST_TMPDIR/stage" PREFIX=/opt/sockrepl-test
	assert_success
	[ -x "$BATS_TEST_TMPDIR/stage/opt/sockrepl-test/bin/sockrepl" ]
	[ ! -e /opt/sockrepl-test ]
}

@test "the man page is clean under mandoc -T lint" {
	run mandoc -T lint -W warning "$REPO_ROOT/sockrepl.1"
	assert_success
	assert_output ""
}

@test "the man page documents every command in the table" {
	for cmd in $(sockrepl --no-echo <<<help | awk '/^  [a-z]/ { print $1 }'); do
		grep -q "^\.It Ic $cmd\( \|$\)" "$REPO_ROOT/sockrepl.1" || { echo "man page lacks $cmd"; return 1; }
	done
}

@test "the man page documents every option of --help" {
	for opt in $(sockrepl --help | grep -o -- '--[a-z-]*' | sort -u); do
		mdoc="Fl $(sed 's/-/\\-/g' <<<"${opt#-}")"	# --no-echo is written Fl \-no\-echo
		grep -qF -- "$mdoc" "$REPO_ROOT/sockrepl.1" || { echo "man page lacks $opt"; return 1; }
	done
}
