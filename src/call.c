/*
 * call.c - what every syscall command shares: choosing the fd the learner
 * meant, and printing the outcome (call line, explanation, state).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/un.h>
#include <stdio.h>
#include <string.h>

#include "sockrepl.h"

/* ---- which socket a command means -------------------------------------- */

static bool in_state(int fd, enum api_state a, enum api_state b)
{
	struct kstate k;

	return kstate_read(fd, &k) && (k.api == a || k.api == b);
}

bool fits_unbound(int fd)
{
	return in_state(fd, API_CREATED, API_CREATED);
}

bool fits_listen(int fd)
{
	struct kstate k;

	return kstate_read(fd, &k) && k.type == SOCK_STREAM &&
	       (k.api == API_CREATED || k.api == API_BOUND);
}

bool fits_accept(int fd)
{
	return in_state(fd, API_LISTENING, API_LISTENING);
}

/*
 * connect: an unconnected socket, or one whose connect failed: Linux lets a
 * failed connect be tried again on the same socket (after a non-blocking
 * one, the next connect first reports the error). A connection that ended
 * is not: connect on it gives EISCONN.
 */
bool fits_connect(int fd)
{
	struct kstate k;

	return kstate_read(fd, &k) && (k.api == API_CREATED || k.api == API_BOUND ||
				       (k.api == API_DISCONNECTED && !k.was_connected));
}

/* send, recv, shutdown: a connected socket, or a datagram socket with an address. */
bool fits_data(int fd)
{
	struct kstate k;

	return kstate_read(fd, &k) && (k.api == API_CONNECTED || k.api == API_HALF_CLOSED ||
				       (k.type == SOCK_DGRAM && k.api == API_BOUND));
}

/* sendto: a datagram socket. */
bool fits_unconnected_dgram(int fd)
{
	struct kstate k;

	return kstate_read(fd, &k) && k.type == SOCK_DGRAM;
}

/*
 * The fd a command acts on: the one typed (text), or else the newest socket
 * for which `call` makes sense.
 */
bool resolve_fd(struct session *s, const char *text, bool (*fits)(int fd),
		const char *call, int *fd)
{
	if (text != NULL)
		return parse_fd(s, text, fd);
	*fd = session_pick_fd(s, fits);
	if (*fd == -1) {
		report_error(s, "%s: no socket yet; create one with socket", call);
		return false;
	}
	return true;
}

/*
 * Arguments of bind and connect: [FD] ADDR PORT, [FD] ADDR:PORT or [FD] @FD.
 * A leading integer is the fd when an endpoint still follows it: no address
 * is ever a bare integer, so `bind 3 127.0.0.1:80` and `bind 127.0.0.1 80`
 * cannot be confused.
 */
static bool take_endpoint(struct session *s, const struct cmd_args *a, bool (*fits)(int fd),
		   const char *call, int *fd, struct sockaddr_storage *addr,
		   socklen_t *len)
{
	bool fd_typed = a->argc == 3 || (a->argc == 2 && looks_like_int(a->argv[0]));
	int first = fd_typed ? 1 : 0;

	if (a->argc == 1 && looks_like_int(a->argv[0])) {
		report_error(s, "%s: '%s' is not an address; write ADDR PORT, ADDR:PORT or @FD",
			     call, a->argv[0]);
		return false;
	}
	return resolve_fd(s, fd_typed ? a->argv[0] : NULL, fits, call, fd) &&
	       parse_endpoint(s, socket_family(*fd), a->argc - first, a->argv + first,
			      addr, len);
}

/*
 * After a bind to ::, whether IPv4 reaches the socket too. That rests on the
 * socket's IPV6_V6ONLY, whose default is net.ipv6.bindv6only: both are read,
 * so the note says what this kernel does, not what Linux usually does.
 */
static void note_dual_stack(int fd)
{
	FILE *f = fopen("/proc/sys/net/ipv6/bindv6only", "r");
	char from[96] = "";
	int v6only, sysctl;
	socklen_t len = sizeof(v6only);

	if (f != NULL) {
		if (fscanf(f, "%d", &sysctl) == 1)
			snprintf(from, sizeof(from), " (its default: net.ipv6.bindv6only, %d here, "
				 "read from /proc/sys/net/ipv6/bindv6only)", sysctl);
		fclose(f);
	}
	if (getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len) == -1)
		return;
	if (v6only)
		report_note("note: IPV6_V6ONLY is on for fd %d%s, so only IPv6 reaches it; IPv4 "
			    "needs a socket of its own.", fd, from);
	else
		report_note("note: IPV6_V6ONLY is off for fd %d%s, so it also takes IPv4: IPv4 "
			    "peers appear as IPv4-mapped addresses such as ::ffff:127.0.0.1.",
			    fd, from);
}

/* After a bind to 0.0.0.0 or ::, say that the port is open to the network. */
static void warn_if_wildcard(const struct call_ctx *c)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)c->addr;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)c->addr;
	bool any6 = c->addr->sa_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);

	if ((c->addr->sa_family == AF_INET && in->sin_addr.s_addr == htonl(INADDR_ANY)) || any6)
		report_note("%swarning: bound to every interface: once it listens, this port "
			    "can be reached from the network, not just this machine; 127.0.0.1 "
			    "or ::1 keep it local.%s", color(COLOR_ERROR), color(COLOR_OFF));
	if (any6)
		note_dual_stack(c->fd);
}

/*
 * bind and connect take the same arguments and print the same way:
 * call(fd, {sockaddr}, len). connect may block: then it says so, and
 * stdout is flushed first.
 */
enum cmd_status address_call(struct session *s, const struct cmd_args *a,
			     const char *call, bool (*fits)(int fd),
			     int (*syscall_fn)(int, const struct sockaddr *, socklen_t))
{
	struct sockaddr_storage addr;
	struct call_ctx c = { .call = call, .addr = (struct sockaddr *)&addr };
	struct strbuf args;
	socklen_t len;
	int ret, err;

	if (!take_endpoint(s, a, fits, call, &c.fd, &addr, &len))
		return CMD_USAGE;
	if (strcmp(call, "bind") == 0)
		c.on_success = warn_if_wildcard;
	else
		announce_connect_wait(s, c.fd, c.addr);
	fflush(stdout);
	ret = syscall_fn(c.fd, (struct sockaddr *)&addr, len);
	err = errno;
	if (ret == 0 && strcmp(call, "bind") == 0)
		unix_path_created(s, (struct sockaddr *)&addr);
	sb_init(&args);
	sb_printf(&args, "%d, ", c.fd);
	sb_sockaddr(&args, (struct sockaddr *)&addr, len);
	sb_printf(&args, ", %u", (unsigned)len);
	return finish_call(s, &args, &c, ret, err);
}

/* A buffer the size of the socket's own family, as a C program would pass. */
socklen_t sockaddr_size_of(int fd)
{
	switch (socket_family(fd)) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	case AF_UNIX:
		return sizeof(struct sockaddr_un);
	default:
		return sizeof(struct sockaddr_storage);
	}
}

/*
 * Whether accept or recv on fd will wait: only a blocking socket with
 * nothing to report (no connection queued, no data, no end of file, no
 * error) on which the call does not fail at once. accept fails at once
 * (EINVAL) unless fd listens; recv fails at once (ENOTCONN, EINVAL) on a
 * stream socket that is not connected or connecting. A datagram socket
 * waits, bound or not; so does a 0-byte recv (until something arrives).
 */
static bool call_will_wait(int fd, const char *call)
{
	int flags = fcntl(fd, F_GETFL);
	struct kstate k;

	if (flags == -1 || (flags & O_NONBLOCK) ||
	    (observe_events(fd, POLLIN) & (POLLIN | POLLERR | POLLHUP)) || !kstate_read(fd, &k))
		return false;
	if (strcmp(call, "accept") == 0)
		return k.api == API_LISTENING;
	if (k.type != SOCK_STREAM)
		return true;
	if (k.has_tcp)
		return k.tcp_state != TCP_LISTEN && k.tcp_state != TCP_CLOSE;
	return k.has_peer;
}

/*
 * A timeout option (SO_RCVTIMEO, SO_SNDTIMEO) in words (", for at most 1.5 s
 * (SO_RCVTIMEO)"), or "" when the call waits for ever.
 */
void call_time_limit(int fd, bool sending, char *out, size_t size)
{
	struct timeval tv = { 0, 0 };
	socklen_t len = sizeof(tv);

	*out = '\0';
	if (getsockopt(fd, SOL_SOCKET, sending ? SO_SNDTIMEO : SO_RCVTIMEO, &tv, &len) == 0 &&
	    (tv.tv_sec || tv.tv_usec))
		snprintf(out, size, ", for at most %g s (%s)",
			 (double)tv.tv_sec + (double)tv.tv_usec / 1e6,
			 sending ? "SO_SNDTIMEO" : "SO_RCVTIMEO");
}

/*
 * A call on fd could wait with no end: fd is blocking and has no timeout
 * (SO_SNDTIMEO when sending, else SO_RCVTIMEO). Only such a call is ended
 * when a script's input closes (stdinwatch.c); one with an end ends by itself.
 */
bool call_waits_forever(int fd, bool sending)
{
	char limit[64];
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1 || (flags & O_NONBLOCK))
		return false;
	call_time_limit(fd, sending, limit, sizeof(limit));
	return limit[0] == '\0';
}

/*
 * Before accept or recv: if the call will wait, say so, then flush, so the
 * learner knows why the prompt does not come back.
 */
void announce_wait(struct session *s, int fd, const char *call)
{
	char limit[64];

	stdin_watch_call(s, call_waits_forever(fd, false));
	if (call_will_wait(fd, call)) {
		call_time_limit(fd, false, limit, sizeof(limit));
		if (strcmp(call, "accept") == 0)
			report_note("(no connection is waiting yet: accept blocks until one "
				    "arrives%s; Ctrl-C interrupts)", limit);
		else
			report_note("(nothing is waiting to be read yet: the call blocks until "
				    "data arrives%s; Ctrl-C interrupts)", limit);
	}
	fflush(stdout);
}

/* The ports a call touched, so that `ss` can show what the kernel keeps of them. */
static void note_ports(struct session *s, const struct call_ctx *c, const struct kstate *k)
{
	if (c->addr != NULL)
		session_note_port(s, c->addr);
	if (!k->is_socket)
		return;
	if (k->has_tcp && session_has(s, c->fd))
		watch_note_state(s, c->fd, k->tcp_state);
	session_note_port(s, (const struct sockaddr *)&k->local);
	if (k->has_peer)
		session_note_port(s, (const struct sockaddr *)&k->peer);
}

/* ---- the outcome -------------------------------------------------------- */

/*
 * Whether the call just closed fd's peer: the closed fd's address is fd's
 * peer address, or (closed with SO_LINGER 0, which leaves fd no peer to ask)
 * the closed fd's peer is fd's address.
 */
static bool closed_peer_of(struct session *s, const struct call_ctx *c, const struct kstate *k)
{
	struct sockaddr_storage former;
	socklen_t len;

	if (strcmp(c->call, "close") != 0)
		return false;
	if (k->has_peer && session_former_address(s, c->fd, &former, &len) && len > 0)
		return memcmp(&former, &k->peer, len) == 0;
	for (size_t i = 0; i < s->nresets; i++)
		if (s->resets[i].fd == c->fd &&
		    memcmp(&s->resets[i].peer, &k->local, sizeof(k->local)) == 0)
			return true;
	return false;
}

/* Why the current socket's state changed, said before its state line. */
static void note_state_change(struct session *s, const struct call_ctx *c, int fd,
			      const struct kstate *k)
{
	char closer[64], rest[64] = "";

	if (closed_peer_of(s, c, k))
		snprintf(closer, sizeof(closer), "fd %d was fd %d's peer: closing it", c->fd, fd);
	else
		snprintf(closer, sizeof(closer), "fd %d's peer closed: it", fd);
	if (k->unread > 0)
		snprintf(rest, sizeof(rest), "its %u unread byte%s, then ", k->unread,
			 k->unread == 1 ? "" : "s");
	if (k->has_tcp && k->tcp_state == TCP_CLOSE_WAIT)
		report_note("note: %s sent a FIN, so recv on fd %d (the current socket now) "
			    "returns %s0, end of file.", closer, fd, rest);
	else if (k->api == API_DISCONNECTED && k->end_err == ECONNRESET && k->error_pending)
		report_note("note: %s sent a RST (reset), so fd %d (the current socket now) "
			    "is DISCONNECTED: its next call reports ECONNRESET.", closer, fd);
	else
		report_note("note: fd %d, the current socket now, is %s since it was last shown:",
			    fd, api_state_name(k->api));
}

/*
 * The prompt shows the current socket and its state. When a call moved the
 * prompt to another socket (a close), or changed a socket it did not act on,
 * and that socket's state is not the one last shown for it, say what it is,
 * once, instead of letting the prompt change without a word.
 */
static void tell_current(struct session *s, const struct call_ctx *c)
{
	int fd = s->current_fd, shown;
	struct kstate k;

	if (fd == -1 || s->closing_all)
		return;
	kstate_read(fd, &k);
	shown = session_last_shown(s, fd);
	if (shown != -1 && shown != (int)k.api) {
		note_state_change(s, c, fd, &k);
		print_state(fd, &k);
	}
	session_shown(s, fd, k.api);
}

/*
 * After the call: its strace line, on failure the explanation, then the
 * state of the socket it acted on. Returns CMD_FAILED_CALL on failure, which
 * only -e treats as fatal.
 */
enum cmd_status finish_call(struct session *s, const struct strbuf *args,
			    const struct call_ctx *c, long ret, int err)
{
	struct call_ctx done = *c;
	/* Read once: the notes, the state line and the bookkeeping share it. */
	struct kstate k = { .is_socket = false };

	stdin_watch_call(s, false);
	print_call(s, args, c, ret, err);
	wire_note_call(c->call, c->fd);
	memset(s->wire_flags, 0, sizeof(s->wire_flags));	/* expect wire: this call's */
	s->wire_order_len = 0;	/* expect wire order: from this call on */
	wire_drain(s, true, NULL, NULL);	/* the segments the call caused, under it */
	kstate_note_result(c->fd, c->call, ret, err);
	challenge_note_call(s, args, c, ret, err);
	if (c->fd != -1)
		kstate_read(c->fd, &k);
	done.after = c->fd != -1 ? &k : NULL;
	if (ret == -1)
		explain_failure(s, c, err);
	else if (c->on_success != NULL)
		c->on_success(&done);
	if (c->fd != -1) {
		print_state(c->fd, &k);
		diagram_note_call(s, c, ret, err, &k);
		note_ports(s, c, &k);
	}
	if (session_has(s, c->fd)) {
		s->current_fd = c->fd;
		session_shown(s, c->fd, k.api);
	} else {
		tell_current(s, c);
	}
	return ret == -1 ? CMD_FAILED_CALL : CMD_OK;
}
