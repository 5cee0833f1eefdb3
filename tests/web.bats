#!/usr/bin/env bats
# A page served by hand from a sockrepl script, loaded by real web clients:
# curl (the response from text, and from a file with sendfile; a curl that
# gives up) and headless Chromium. Loopback only: as root, tests/run-suite
# runs this file in a network namespace of its own, with only lo.

load test_helper

BATS_TEST_TIMEOUT=90	# Chromium starts in a few seconds, more on a loaded 2-core machine

BODY='<h1>Hello from sockrepl</h1>\n'	# 29 bytes, as lesson 18 sends it
RESPONSE="HTTP/1.1 200 OK\\r\\nContent-Type: text/html; charset=utf-8\\r\\nContent-Length: 29\\r\\nConnection: close\\r\\n\\r\\n$BODY"
LISTEN=$'socket\nbind 127.0.0.1 0\nlisten 8'

# serve LIMIT LINES...: sockrepl runs LINES (a script file: its end does not
# cut a blocking accept short) in the background for at most LIMIT seconds,
# output in $OUT, $REPL_PID its timeout; sets $port once fd 3 listens.
serve() {
	local limit=$1
	shift
	printf '%s\n' "$@" >"$BATS_TEST_TMPDIR/script"
	OUT="$BATS_TEST_TMPDIR/out"
	: >"$OUT"
	timeout --foreground "$limit" "$SOCKREPL" --no-echo <"$BATS_TEST_TMPDIR/script" >>"$OUT" 2>&1 &
	REPL_PID=$!
	wait_for '^fd 3: LISTENING'
	port=$(port_of 3)
	[ -n "$port" ]
}

# served: wait until the background sockrepl is done; its output in $output
# and $lines, as run sets them.
served() {
	status=0
	wait "$REPL_PID" || status=$?
	output=$(cat "$OUT")
	mapfile -t lines <"$OUT"
	[ "$status" = 0 ] || { echo "sockrepl exited with $status:"; cat "$OUT"; return 1; }
}

@test "curl fetches a page served by hand with send and gets exactly the body sent" {
	serve 20 "$LISTEN" 'accept 3' 'recv 4' "send 4 \"$RESPONSE\"" 'close 4'
	run timeout 20 curl -s -S -m 15 -o "$BATS_TEST_TMPDIR/body" -w '%{http_code} %{size_download}' "http://127.0.0.1:$port/"
	assert_success
	assert_output '200 29'
	printf "$BODY" | cmp - "$BATS_TEST_TMPDIR/body"
	served
	# the request line and headers, as the learner reads them in the recv
	assert_line --regexp "^  all [0-9]+ bytes: \"GET / HTTP/1\\.1\\\\r\\\\nHost: 127\\.0\\.0\\.1:$port\\\\r\\\\nUser-Agent: curl/[0-9.]+\\\\r\\\\nAccept: \\*/\\*\\\\r\\\\n\\\\r\\\\n\"$"
	assert_line 'sendto(4, "HTTP/1.1 200 OK\r\nContent-Type: t"..., 127, 0, NULL, 0) = 127'
}

@test "curl fetches a page sent from a file with sendfile and gets exactly the file" {
	page="$REPO_ROOT/lessons/18-web-page.html"
	size=$(stat -c %s "$page")
	serve 20 "$LISTEN" 'accept 3' 'recv 4' \
		"send 4 \"HTTP/1.1 200 OK\\r\\nContent-Type: text/html; charset=utf-8\\r\\nContent-Length: $size\\r\\nConnection: close\\r\\n\\r\\n\"" \
		'sendfile 4 @lessons/18-web-page.html' 'close 4'
	run timeout 20 curl -s -S -m 15 -o "$BATS_TEST_TMPDIR/body" -w '%{http_code} %{size_download}' "http://127.0.0.1:$port/page.html"
	assert_success
	assert_output "200 $size"
	cmp "$page" "$BATS_TEST_TMPDIR/body"
	served
	# the lessons' directory beside the binary (an ASan build's falls back to ./lessons)
	assert_line --regexp '^openat\(AT_FDCWD, "(.*/)?lessons/18-web-page\.html", O_RDONLY\) = 5$'
	assert_line "sendfile(4, 5, NULL, $size) = $size"
}

@test "keep-alive: without Connection: close, curl sends its next request on the same connection" {
	page="$REPO_ROOT/lessons/18-web-page.html"
	kept="HTTP/1.1 200 OK\\r\\nContent-Type: text/html; charset=utf-8\\r\\nContent-Length: 29\\r\\n\\r\\n$BODY"
	serve 20 "$LISTEN" 'accept 3' 'recv 4' "send 4 \"$kept\"" 'recv 4' \
		"send 4 \"HTTP/1.1 200 OK\\r\\nContent-Length: 158\\r\\nConnection: close\\r\\n\\r\\n\"" \
		'sendfile 4 @lessons/18-web-page.html' 'close 4' 'nonblock 3 on' 'accept 3' 'expect EAGAIN'
	run timeout 20 curl -v -s -S -m 15 -o "$BATS_TEST_TMPDIR/one" -o "$BATS_TEST_TMPDIR/two" \
		"http://127.0.0.1:$port/" "http://127.0.0.1:$port/page.html"
	assert_success
	assert_line --partial '* Re-using existing connection'
	printf "$BODY" | cmp - "$BATS_TEST_TMPDIR/one"
	cmp "$page" "$BATS_TEST_TMPDIR/two"
	served
	# one connection, two requests on it; no second connection waits
	[ "$(grep -c '^accept(3, .*) = 4$' <<<"$output")" -eq 1 ]
	assert_line --regexp '^recvfrom\(4, "GET /page\.html HTTP/1\.1\\r\\nHost: 1"\.\.\., 4096, 0, NULL, NULL\) = [0-9]+$'
}

@test "a curl -m 1 that gives up is an event: the peer closed before you answered" {
	serve 20 "$LISTEN" 'accept 3' 'recv 4' 'wait 4 10000' 'expect tcp 4 CLOSE-WAIT' \
		"send 4 \"$RESPONSE\"" 'wait 4 5000' 'expect state 4 DISCONNECTED'
	run timeout 20 curl -s -m 1 "http://127.0.0.1:$port/"
	assert_failure 28	# curl: operation timed out
	served
	n=$(sed -n 's/^recvfrom(4, .* = \([0-9]*\)$/\1/p' <<<"$output")
	assert_line "  event: fd 4: the peer closed its side (FIN) before you answered: it sent $n bytes and got none back; recv returns 0, end of file"
	# the answer goes out too late: curl's closed socket answers it with a RST
	assert_line --regexp '^fd 4: DISCONNECTED \(connection reset after the peer.s FIN: EPIPE pending'
}

# chromium_dom URL: headless Chromium loads URL and prints the DOM it
# rendered; flags that keep it from reaching past loopback on its own.
chromium_dom() {
	timeout 60 chromium --headless --no-sandbox --no-first-run --no-default-browser-check \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-default-apps --disable-extensions --disable-gpu \
		--user-data-dir="$BATS_TEST_TMPDIR/chromium" --dump-dom "$1" 2>"$BATS_TEST_TMPDIR/chromium.log"
}

@test "headless Chromium loads a page served by hand; every connection it opens is served or seen closed" {
	needs_tool chromium
	# Chromium opens more than one connection for one page (the page, the
	# favicon, one opened ahead of need), in an order of its own: serve each
	# the same way, fd 4 each time. A connection that sent nothing yet is
	# waited for (poll), its request read without blocking; after the first,
	# the next is waited for up to 1.5 s on a non-blocking listener, whose
	# accept says EAGAIN when none came.
	slot=("poll 4 3000ms" "recv 4 dontwait" "send 4 \"$RESPONSE\"" "close 4")
	serve 60 "$LISTEN" 'accept 3' "${slot[@]}" 'nonblock 3 on' \
		'poll 3 1500ms' 'accept 3' "${slot[@]}" 'poll 3 1500ms' 'accept 3' "${slot[@]}" \
		'poll 3 1500ms' 'accept 3' "${slot[@]}" 'poll 3 1500ms' 'accept 3' "${slot[@]}"
	run chromium_dom "http://127.0.0.1:$port/"
	assert_success
	assert_line '<html><head></head><body><h1>Hello from sockrepl</h1>'
	served
	accepted=$(grep -c '^accept(3, .*) = 4$' <<<"$output")
	echo "Chromium opened $accepted connections; what each sent:"
	grep -E '^recvfrom\(4, ' <<<"$output"
	# one carried the page's request; any other asked for the favicon or
	# closed unused (recv 0), or had sent nothing yet (EAGAIN)
	[ "$(grep -c '^recvfrom(4, "GET / HTTP/1.1\\r\\n' <<<"$output")" -eq 1 ]
	[ "$(grep -cE '^recvfrom\(4, ("GET /favicon\.ico HTTP/1\.1\\r\\n.*|"", 4096, MSG_DONTWAIT, NULL, NULL\) = 0|.* = -1 EAGAIN .*)' <<<"$output")" -eq $((accepted - 1)) ]
	# what lesson 18 says Chromium does here: more than one connection for one page
	[ "$accepted" -ge 2 ]
}
