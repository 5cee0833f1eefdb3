#!/usr/bin/env bats
# The errno atlas for bind(2): each test makes one cause happen on the running
# kernel and checks that the explanation names it. Test names read
# "atlas: CALL ERRNO - cause" (tests/atlas-size counts them for the README).

load atlas_helper

# A server's connection, closed by the server first (fd 5), then by the
# client (fd 4), and the listener (fd 3) closed: the port keeps a TIME-WAIT.
TIME_WAIT_LEFT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect 4 @3\naccept\nclose 5\nwait 4 2000\nclose 4\nclose 3\nsocket'

@test "atlas: bind EADDRINUSE - a socket of this session holds the port" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket\nbind @3'
	repl
	assert_line --regexp '^bind\(4, .*\) = -1 EADDRINUSE '
	assert_line --regexp '^  here: fd 3 of this session holds 127\.0\.0\.1:[0-9]+ \(BOUND\)\.$'
	assert_line --partial 'try: pick another port, or port 0'
}

@test "atlas: bind EADDRINUSE - another process holds the port, named as ss -p names it" {
	python_peer 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(15)'
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 '"$port"
	repl
	kill "$peer"
	assert_line --regexp '^bind\(3, .*\) = -1 EADDRINUSE '
	assert_line "  here: python3 (pid $peer) holds port $port."
}

@test "atlas: bind EADDRINUSE - another user's process holds the port, and its owner cannot be read" {
	python_peer 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(15)'
	public_copy
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 '"$port"
	repl_as_nobody
	kill "$peer"
	assert_line --regexp '^bind\(3, .*\) = -1 EADDRINUSE '
	assert_line "  here: a socket of another process holds port $port."
}

@test "atlas: bind EADDRINUSE - a connection another process closed is still finishing" {
	# the server process closes its accepted connection; its client keeps its end open
	python_peer 'import socket, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
c = socket.create_connection(l.getsockname()); a, _ = l.accept()
a.close(); l.close()
print(c.getpeername()[1], flush=True); time.sleep(15)'
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 '"$port"
	repl
	kill "$peer"
	assert_line --regexp "^  here: a connection its process closed is still finishing: 127\\.0\\.0\\.1:$port -> 127\\.0\\.0\\.1:[0-9]+ is in FIN-WAIT-[12] and no fd holds it"
}

@test "atlas: bind EADDRINUSE - a TIME-WAIT holds the port: wait 60 s or SO_REUSEADDR on both" {
	SCRIPT_TEXT="$TIME_WAIT_LEFT"$'\nbind 3 @5'
	repl
	assert_line --regexp '^bind\(3, .*\) = -1 EADDRINUSE '
	assert_line --regexp '^  here: 1 connection on port [0-9]+ is in TIME-WAIT \(ss shows it\): the side that closes first keeps it 60 s \(fixed in Linux; RFC 793 says twice the maximum segment lifetime\), to answer a retransmitted FIN with the last ACK again'
	assert_line '  try: wait about 60 s, or set SO_REUSEADDR on both sockets (the old one before its bind, this one now), or bind to port 0.'
	refute_line --partial 'close the socket that holds it'
}

@test "atlas: bind EADDRINUSE - a TIME-WAIT holds the port, and SO_REUSEADDR is on only here" {
	SCRIPT_TEXT="$TIME_WAIT_LEFT"$'\nsetsockopt 3 SO_REUSEADDR on\nbind 3 @5'
	repl
	assert_line --regexp '^bind\(3, .*\) = -1 EADDRINUSE '
	assert_line '  here: SO_REUSEADDR is on here, but Linux also wants it on the socket whose connection is in TIME-WAIT: set it on a server before every bind.'
}

@test "atlas: bind EADDRINUSE - a connection this session closed is still finishing (FIN-WAIT)" {
	# close on the accepted fd while the client keeps its end open: an orphan
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect 4 @3\naccept\nclose 5\nclose 3\nsocket\nbind 3 @5'
	repl
	assert_line --regexp '^bind\(3, .*\) = -1 EADDRINUSE '
	assert_line --regexp '^  here: a connection this session closed is still finishing: 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:[0-9]+ is in FIN-WAIT-[12] and no fd holds it'
	assert_line --regexp '^  here: it keeps port [0-9]+ (until the peer closes its end too \(then a TIME-WAIT keeps it 60 s more\) or net\.ipv4\.tcp_fin_timeout \([0-9]+ s\) runs out|at least until the peer acknowledges its FIN)\.$'
	assert_line '  try: let the peer close its end, or set SO_REUSEADDR on both sockets (the old one before its bind, this one now), or bind to port 0.'
	refute_line --partial 'another process'
}

@test "an orphaned FIN-WAIT-2 ends after net.ipv4.tcp_fin_timeout, as the explanation says" {
	# the client acknowledges the FIN with a delayed ACK (at most 200 ms): the
	# second wait (no new event, 500 ms) lets FIN-WAIT-1 become FIN-WAIT-2
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nconnect 4 @3\naccept\nclose 5\nclose 3\nwait 4 1000\nwait 4 500\nsocket\nbind 3 @5'
	repl_in_netns 'net.ipv4.tcp_fin_timeout=1'
	assert_line --regexp '^  here: it keeps port [0-9]+ until the peer closes its end too \(then a TIME-WAIT keeps it 60 s more\) or net\.ipv4\.tcp_fin_timeout \(1 s\) runs out\.$'
	# and it does: a bind of the port succeeds once that time has passed
	run timeout 10 unshare --net /usr/bin/python3 -c 'import os, socket, time
os.system("ip link set lo up")
open("/proc/sys/net/ipv4/tcp_fin_timeout", "w").write("1")
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(); where = l.getsockname()
c = socket.create_connection(where); a, _ = l.accept(); a.close(); l.close()
start = time.time()
while time.time() - start < 5:
    try:
        socket.socket().bind(where); print("bound after %d s" % round(time.time() - start)); break
    except OSError:
        time.sleep(0.1)'
	assert_output --regexp '^bound after [12] s$'
}

@test "atlas: bind EADDRINUSE - a connection this session closed is still finishing (LAST-ACK)" {
	# the client shut down its side and reads nothing; the server's FIN waits
	# behind data the client's small window does not take
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nlisten\nsocket\nsetsockopt 4 SO_RCVBUF 1\nconnect 4 @3\naccept\nshutdown 4 wr\nwait 5 2000\nnonblock 5 on\nsend 5 "x"*100000\nclose 5\nclose 3\nsocket\nbind 3 @5'
	repl
	assert_line --regexp '^  here: a connection this session closed is still finishing: 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:[0-9]+ is in LAST-ACK and no fd holds it'
	assert_line --regexp '^  here: it keeps port [0-9]+ at least until the peer acknowledges its FIN, which waits behind [0-9]+ bytes the peer has not taken\.$'
	assert_line '  try: let the peer read, so that the FIN behind the unsent data gets acknowledged, or set SO_REUSEADDR on both sockets (the old one before its bind, this one now), or bind to port 0.'
}

@test "a connection still finishing does not block a bind when both sockets have SO_REUSEADDR" {
	SCRIPT_TEXT=$'socket\nsetsockopt SO_REUSEADDR on\nbind 127.0.0.1 0\nlisten\nsocket\nconnect 4 @3\naccept\nclose 5\nclose 3\nsocket\nsetsockopt 3 SO_REUSEADDR on\nbind 3 @5\nexpect ok'
	repl
	assert_success
}

@test "atlas: bind EADDRINUSE - port 0 finds no free port in the ephemeral range" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nsocket\nbind 127.0.0.1 0\nsocket\nbind 127.0.0.1 0'
	repl_in_netns 'net.ipv4.ip_local_port_range=40000,40001'
	assert_line --regexp '^bind\(5, .*htons\(0\).*\) = -1 EADDRINUSE '
	assert_line '  here: port 0 asks the kernel for a free port, and none is left in net.ipv4.ip_local_port_range (40000-40001): sockets hold them all.'
}

@test "atlas: bind EADDRINUSE - a Unix socket file is left from a closed socket" {
	SCRIPT_TEXT=$'socket unix\nbind s.sock\nclose 3\nsocket unix\nbind s.sock'
	repl
	assert_line --regexp '^bind\(3, \{sa_family=AF_UNIX, sun_path=".*/s\.sock"\}, [0-9]+\) = -1 EADDRINUSE '
	assert_line --regexp '^  here: the socket file .*/s\.sock is left from a socket that was closed: no socket is bound to it'
	assert_line --regexp '^  try: unlink .*/s\.sock, then bind again'
	refute_line --regexp '^  (here|try): .*port'
}

@test "atlas: bind EADDRINUSE - a Unix path is a file that is not a socket's" {
	touch "$BATS_TEST_TMPDIR/plain"
	SCRIPT_TEXT=$'socket unix\nbind '"$BATS_TEST_TMPDIR/plain"
	repl
	assert_line --regexp '^bind\(3, .*\) = -1 EADDRINUSE '
	assert_line "  here: $BATS_TEST_TMPDIR/plain is a file, not a socket's: bind creates the socket file and never replaces an existing file."
	assert_line '  try: bind another path.'
}

@test "atlas: bind EADDRINUSE - a Unix path is bound by another process's socket" {
	local path="$BATS_TEST_TMPDIR/peer.sock"
	unix_peer listen "$path"
	SCRIPT_TEXT=$'socket unix\nbind '"$path"
	repl
	kill "$peer"
	assert_line "  here: a socket of python3 (pid $peer) is bound to $path and listens on it."
	assert_line '  try: bind another path: that one belongs to a live socket.'
}

@test "atlas: bind EACCES - a port below ip_unprivileged_port_start, without the capability" {
	public_copy
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 80'
	repl_as_nobody
	assert_line --regexp '^bind\(3, .*htons\(80\).*\) = -1 EACCES '
	assert_line --regexp '^  here: port 80 is below [0-9]+ \(net\.ipv4\.ip_unprivileged_port_start\) and this process runs without CAP_NET_BIND_SERVICE\.$'
}

@test "atlas: bind EACCES - a Unix path in a directory this user may not write" {
	public_copy
	mkdir -m 755 "$PUBLIC_DIR/closed"
	SCRIPT_TEXT=$'socket unix\nbind '"$PUBLIC_DIR/closed/s.sock"
	repl_as_nobody
	assert_line --regexp '^bind\(3, .*\) = -1 EACCES '
	assert_line "  here: uid 65534 may not create a file in $PUBLIC_DIR/closed: the directory's permissions deny it."
}

@test "atlas: bind EADDRNOTAVAIL - the address is not this machine's" {
	SCRIPT_TEXT=$'socket\nbind 192.0.2.1 0'
	repl
	assert_line --regexp '^bind\(3, .*\) = -1 EADDRNOTAVAIL '
	assert_line '  here: no interface of this machine has the address of 192.0.2.1:0.'
}

@test "atlas: bind EAFNOSUPPORT - an IPv6 address (28 bytes) for an IPv4 socket" {
	SCRIPT_TEXT=$'socket\nbind ::1 0'
	repl
	assert_line --regexp '^bind\(3, \{sa_family=AF_INET6, .*\}, 28\) = -1 EAFNOSUPPORT '
	assert_line '  here: fd 3 is an IPv4 socket but the address is IPv6.'
}

@test "atlas: bind EBADF - the fd is not open" {
	SCRIPT_TEXT='bind 9 127.0.0.1 0'
	repl
	assert_line --regexp '^bind\(9, .*\) = -1 EBADF '
	assert_line '  here: fd 9 is not open, and this session has no sockets yet.'
}

@test "atlas: bind EINVAL - the socket is already bound" {
	SCRIPT_TEXT=$'socket\nbind 127.0.0.1 0\nbind 3 127.0.0.1 0'
	repl
	assert_line --regexp '^bind\(3, .*\) = -1 EINVAL '
	assert_line --regexp '^  here: fd 3 is already bound to 127\.0\.0\.1:[0-9]+\.$'
}

@test "atlas: bind EINVAL - an IPv4 address (16 bytes) is too short for an IPv6 socket" {
	SCRIPT_TEXT=$'socket inet6\nbind 127.0.0.1 0'
	repl
	assert_line --regexp '^bind\(3, \{sa_family=AF_INET, .*\}, 16\) = -1 EINVAL '
	assert_line '  here: fd 3 is an IPv6 socket but the address is IPv4: a 16-byte sockaddr_in, shorter than the 28-byte sockaddr_in6 it needs, and Linux checks the length before the family.'
}

@test "atlas: bind ENOTSOCK - the fd is sockrepl's standard input" {
	SCRIPT_TEXT='bind 0 127.0.0.1 0'
	repl
	assert_line --regexp '^bind\(0, .*\) = -1 ENOTSOCK '
	assert_line "  here: fd 0 is sockrepl's own standard input, not a socket."
}

@test "atlas: bind ELOOP - the Unix path runs into a symlink loop" {
	ln -s loop "$BATS_TEST_TMPDIR/loop"
	SCRIPT_TEXT=$'socket unix\nbind '"$BATS_TEST_TMPDIR/loop/s.sock"
	repl
	assert_line --regexp '^bind\(3, .*\) = -1 ELOOP '
	assert_line --partial 'ELOOP: resolving a Unix socket path met too many symbolic links'
}

@test "atlas: bind ENOENT - a directory of the Unix path does not exist" {
	SCRIPT_TEXT=$'socket unix\nbind '"$BATS_TEST_TMPDIR/nodir/s.sock"
	repl
	assert_line --regexp '^bind\(3, .*\) = -1 ENOENT '
	assert_line "  here: the directory $BATS_TEST_TMPDIR/nodir does not exist; bind creates the socket file, not its directories."
}

@test "atlas: bind ENOTDIR - a component of the Unix path is a file" {
	touch "$BATS_TEST_TMPDIR/file"
	SCRIPT_TEXT=$'socket unix\nbind '"$BATS_TEST_TMPDIR/file/s.sock"
	repl
	assert_line --regexp '^bind\(3, .*\) = -1 ENOTDIR '
	assert_line --partial 'ENOTDIR: a component of the Unix socket path is not a directory.'
}

@test "atlas: bind EROFS - the Unix path is on a read-only file system" {
	mkdir "$BATS_TEST_TMPDIR/ro"
	needs_root
	run timeout 15 unshare --mount sh -c 'mount -t tmpfs -o ro none "$1" &&
		exec "$0" --no-echo' "$SOCKREPL" "$BATS_TEST_TMPDIR/ro" \
		<<<$'socket unix\nbind '"$BATS_TEST_TMPDIR/ro/s.sock"
	assert_line --regexp '^bind\(3, .*\) = -1 EROFS '
	assert_line --partial 'EROFS: the Unix socket would be created on a read-only file system.'
}

@test "bind ENAMETOOLONG: Linux says EINVAL for an address longer than sun_path (checked in C)" {
	cat >"$BATS_TEST_TMPDIR/long.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
int main(void)
{
	struct { struct sockaddr_un un; char more[32]; } a;
	memset(&a, 0, sizeof(a));
	a.un.sun_family = AF_UNIX;
	memset(a.un.sun_path, 'a', sizeof(a.un.sun_path) + 8);
	if (bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, sizeof(a)) == -1)
		puts(errno == EINVAL ? "EINVAL" : strerror(errno));
	return 0;
}
C
	cc -o "$BATS_TEST_TMPDIR/long" "$BATS_TEST_TMPDIR/long.c"
	run "$BATS_TEST_TMPDIR/long"
	assert_output EINVAL
	run sockrepl --no-echo <<<'explain ENAMETOOLONG'
	assert_line --regexp '^  from bind: .*Linux returns EINVAL'
}

@test "atlas: bind EADDRINUSE - a Unix socket of this session is bound to the path" {
	SCRIPT_TEXT=$'socket unix\nbind s.sock\nsocket unix\nbind s.sock'
	repl
	assert_line --regexp '^bind\(4, .*\) = -1 EADDRINUSE '
	assert_line --regexp '^  here: fd 3 of this session holds .*/s\.sock \([A-Z-]+\)\.$'
	assert_line --regexp '^  try: bind another path; or close fd 3, unlink .*/s\.sock, and bind again \(the file stays after close\)\.$'
	refute_line --regexp '^  (here|try): .*port'
}
