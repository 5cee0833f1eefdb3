#!/usr/bin/env bats
# The suite itself: tests/run-suite's summary, and the check that fails a test
# which leaves a sockrepl running. Each runs the runner on small Bats files of
# its own.

load test_helper

FIXTURES="$REPO_ROOT/tests/fixtures/suite"

# run_suite FILE...: tests/run-suite on FILEs, with its own times file, and
# without this bats' variables and its internal commands first on PATH, which
# would confuse the bats it starts.
run_suite() {
	local clean=() name
	for name in $(compgen -e); do [[ $name != BATS_* ]] || clean+=(-u "$name"); done
	run env "${clean[@]}" PATH="${PATH//$BATS_LIBEXEC:/}" SUITE_TIMES="$BATS_TEST_TMPDIR/times" SOCKREPL="$SOCKREPL" SOCKREPL_EXIT_WAIT=1 \
		timeout 60 "$REPO_ROOT/tests/run-suite" "$@"
}

@test "the runner ends with 'N passed, N failed, N skipped in T s' and the slowest tests, and fails on a failure" {
	run_suite "$FIXTURES/mixed.bats" "$FIXTURES/good.bats"
	assert_failure 1
	assert_line --regexp '^ +[0-9]+\.[0-9] s  .*/mixed\.bats: 2 passed, 1 failed, 1 skipped$'
	assert_line 'Failures:'
	assert_line "$FIXTURES/mixed.bats:"
	assert_line --regexp '^not ok 3 fails in [0-9]+ms$'
	assert_line 'Slowest tests:'
	assert_line --regexp '^ +0\.[2-9] s  mixed: passes slowly$'
	assert_line --regexp '^3 passed, 1 failed, 1 skipped in [0-9]+\.[0-9] s \(2 test files, [0-9]+ at a time\)$'
	[[ ${lines[-1]} == "3 passed, 1 failed, 1 skipped in "* ]]	# the last line
}

@test "the runner succeeds when every test passes" {
	run_suite "$FIXTURES/good.bats"
	assert_success
	assert_line --regexp '^1 passed, 0 failed, 0 skipped in '
	refute_line 'Failures:'
}

@test "a test that leaves a sockrepl running fails, naming it, and the sockrepl is killed" {
	run_suite "$FIXTURES/leaks.bats"
	assert_failure 1
	assert_line --regexp '^not ok 1 leaves one behind'
	assert_line --regexp "^# sockrepl left running by this test: pid [0-9]+ \\($SOCKREPL --no-echo \\), State: S"
	assert_line --regexp '^1 passed, 1 failed, 0 skipped in '
	pid=$(sed -n 's/^# sockrepl left running by this test: pid \([0-9]*\).*/\1/p' <<<"$output")
	wait_until -t 5 sh -c "! grep -q '^State:.[^Z]' /proc/$pid/status 2>/dev/null"
}

@test "a test file whose own teardown forgets the check still fails when a sockrepl is left" {
	run_suite "$FIXTURES/own-teardown.bats"
	assert_failure 1
	assert_line --regexp "^not ok - $FIXTURES/own-teardown\\.bats left sockrepl running: pid [0-9]+$"
	assert_line --regexp '^1 passed, 1 failed, 0 skipped in '
}

@test "no test sleeps a fixed time: each waits for its condition (wait_until)" {
	run grep -nE '^[[:space:]]*sleep[[:space:]]|;[[:space:]]*sleep[[:space:]]+[0-9.]+[[:space:]]*;' \
		"$REPO_ROOT"/tests/*.bats "$REPO_ROOT"/tests/atlas_helper.bash
	assert_output ''
}

@test "no test asserts with a negated command, which bash's set -e never fails on" {
	run grep -nE '^[[:space:]]*![[:space:]]' "$REPO_ROOT"/tests/*.bats
	assert_output ''
}
