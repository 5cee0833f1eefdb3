#!/usr/bin/env bats
# The errno atlas: fork's errors, made to happen on this kernel.

load atlas_helper

@test "atlas: fork EAGAIN - the user's processes reached RLIMIT_NPROC" {
	public_copy
	mkdir -p "$PUBLIC_DIR/home" && chown 65534 "$PUBLIC_DIR/home"
	# as uid 65534 with ulimit -u 1: sockrepl itself is the one process allowed
	# (in an ASan build, LeakSanitizer's exit check would need a process too)
	run env HOME="$PUBLIC_DIR/home" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 15 setpriv --reuid=65534 --regid=65534 \
		--clear-groups --inh-caps=-all prlimit --nproc=1 "$PUBLIC_DIR/sockrepl" --no-echo \
		<<<$'fork\nexpect EAGAIN'
	assert_success
	assert_line 'fork() = -1 EAGAIN (Resource temporarily unavailable)'
	assert_line --partial '  EAGAIN: the kernel would not make another process: the user already runs as many processes as RLIMIT_NPROC (ulimit -u) allows (root is exempt)'
	assert_line '  here: RLIMIT_NPROC (ulimit -u) is 1 for this user (uid 65534), and its processes (every one it runs, on the whole machine) reached it.'
}

@test "root is exempt from RLIMIT_NPROC: fork works under ulimit -u 1" {
	needs_root
	run timeout 15 prlimit --nproc=1 "$SOCKREPL" --no-echo <<<$'fork\nexpect ok'
	assert_success
	assert_line --regexp '^fork\(\) = [0-9]+$'
}
