#!/usr/bin/env bats
# The errno atlas holds together: every explanation in src/errnos.def is
# either made to happen by an atlas test (SEEN), or says why not (NOT_HERE,
# NOT_LINUX); `help CALL` groups the errnos the same way; and the README's
# figure is counted from the tests, not typed.

load test_helper

# rows : "CALL ERRNO HOW" for each row of src/errnos.def.
rows() {
	sed -n 's/^X(\([a-z0-9_]*\), \(E[A-Z0-9]*\), \([A-Z_]*\),.*/\1 \2 \3/p' "$REPO_ROOT/src/errnos.def"
}

# atlas_pairs : "CALL ERRNO" for each atlas test, once.
atlas_pairs() {
	cat "$REPO_ROOT"/tests/atlas-*.bats |
		sed -n 's/^@test "atlas: \([a-z0-9_]*\) \(E[A-Z0-9]*\) - .*/\1 \2/p' | sort -u
}

# help_topic CALL : the command whose `help` shows CALL's errnos.
help_topic() {
	case $1 in
	fcntl) echo nonblock ;;
	openat) echo sendfile ;;
	epoll_create1) echo epoll_create ;;
	wait4) echo waitpid ;;
	*) echo "$1" ;;
	esac
}

@test "every explanation is sorted: reproduced, out of a session's reach, or not Linux's" {
	run sh -c "sed -n 's/^X(\([a-z0-9_]*\), \(E[A-Z0-9]*\), TODO,.*/\1 \2/p' '$REPO_ROOT/src/errnos.def'"
	assert_output ''
}

# seen_pairs : "CALL ERRNO" for each row marked SEEN, sorted.
seen_pairs() {
	rows | awk '$3 == "SEEN" { print $1, $2 }' | sort -u
}

@test "every row marked SEEN has an atlas test that makes it happen" {
	run comm -23 <(seen_pairs) <(atlas_pairs)
	assert_output ''	# SEEN rows without an atlas test
}

@test "every atlas test reproduces a row marked SEEN" {
	run comm -13 <(seen_pairs) <(atlas_pairs)
	assert_output ''	# atlas tests of rows not marked SEEN
}

@test "an errno Linux does not return for a call says so in its explanation" {
	local silent=
	while read -r call err how; do
		[ "$how" = NOT_LINUX ] || continue
		run sockrepl --no-echo <<<"explain $err"
		grep -q "^  from $call: .*Linux" <<<"$output" || silent+=" $call/$err"
	done < <(rows)
	[ -z "$silent" ] || { echo "NOT_LINUX rows that do not say what Linux does:$silent"; return 1; }
}

@test "help CALL lists the reproduced errnos under their own heading" {
	local call help seen
	seen=$(seen_pairs)
	for call in $(rows | cut -d' ' -f1 | sort -u); do
		help=$(sockrepl --no-echo <<<"help $(help_topic "$call")")
		# The errnos under the "reproduced" heading, one per line, against the SEEN rows.
		# (only under "CALL can fail with:": help sendfile lists openat's errnos too)
		diff <(awk -v c="$call" '/ can fail with:$/ { mine = $1 == c; on = 0; next }
				/^ reproduced on this kernel/ { on = mine; next } /^ [a-z]/ || /^read:/ { on = 0 }
				on { for (i = 1; i <= NF; i++) print $i }' <<<"$help" | sort) \
			<(awk -v c="$call" '$1 == c { print $2 }' <<<"$seen" | sort) ||
			{ echo "help $call: the reproduced errnos differ from the SEEN rows"; return 1; }
	done
}

@test "the README's atlas figure is counted from the atlas tests" {
	run grep -Fx -- "$("$REPO_ROOT/tests/atlas-size")" "$REPO_ROOT/README.md"
	assert_success
}
