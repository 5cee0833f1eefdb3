#!/usr/bin/env bats
# The README shows what the program really prints.

load test_helper

# block HEADING: the first ```text block after the README heading HEADING.
block() {
	awk -v h="$1" '$0 == h { found = 1 } found && /^```text$/ { inside = 1; next }
		inside && /^```$/ { exit } inside' "$REPO_ROOT/README.md"
}

# Ports from the kernel's ephemeral range differ from run to run.
mask_ephemeral_ports() {
	local low high
	read -r low high </proc/sys/net/ipv4/ip_local_port_range
	perl -pe "s/\\b(\\d+)\\b/(\$1 >= $low && \$1 <= $high) ? 'PORT' : \$1/ge"
}

@test "the README's chapter 3 transcript is what sockrepl prints" {
	block "## Chapter 3 in sockrepl" >"$BATS_TEST_TMPDIR/readme"
	[ -s "$BATS_TEST_TMPDIR/readme" ]
	sed -n 's/^sockrepl\( \[[^]]*\]\)\?> //p' "$BATS_TEST_TMPDIR/readme" >"$BATS_TEST_TMPDIR/input"
	COLUMNS= sockrepl <"$BATS_TEST_TMPDIR/input" 2>&1 | mask_ephemeral_ports >"$BATS_TEST_TMPDIR/real"
	mask_ephemeral_ports <"$BATS_TEST_TMPDIR/readme" >"$BATS_TEST_TMPDIR/expected"
	run diff "$BATS_TEST_TMPDIR/expected" "$BATS_TEST_TMPDIR/real"
	assert_success
}

# The wire's numbers that differ from run to run: initial sequence numbers
# (absolute, so long), the capture socket's fd, and the arrows' lengths that
# follow from them.
mask_wire() {
	mask_ephemeral_ports | perl -pe 's/\b(seq|ack) (\d{3,}|PORT)\b(?!:)/$1 ISN/g; s/socket, fd \d+/socket, fd N/; s/ -+(>?\|)$/ --$1/'
}

@test "the README's wire transcript is what sockrepl prints" {
	block "## On the wire" >"$BATS_TEST_TMPDIR/readme"
	[ -s "$BATS_TEST_TMPDIR/readme" ]
	sed -n 's/^sockrepl\( \[[^]]*\]\)\?> //p' "$BATS_TEST_TMPDIR/readme" >"$BATS_TEST_TMPDIR/input"
	COLUMNS= sockrepl <"$BATS_TEST_TMPDIR/input" 2>&1 | mask_wire >"$BATS_TEST_TMPDIR/real"
	mask_wire <"$BATS_TEST_TMPDIR/readme" >"$BATS_TEST_TMPDIR/expected"
	run diff "$BATS_TEST_TMPDIR/expected" "$BATS_TEST_TMPDIR/real"
	assert_success
}

@test "the README's command list is the help text" {
	block "## Commands" >"$BATS_TEST_TMPDIR/readme"
	sockrepl --no-echo <<<help >"$BATS_TEST_TMPDIR/help"
	run diff "$BATS_TEST_TMPDIR/readme" "$BATS_TEST_TMPDIR/help"
	assert_success
}

@test "the README names the two commands a newcomer needs" {
	grep -q '^    make run ' "$REPO_ROOT/README.md"
	grep -q '^    make check ' "$REPO_ROOT/README.md"
}
