/*
 * call.c - what every syscall command shares: choosing the fd the learner
 * meant, and printing the outcome (call line, explanation, state).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

bool fits_connect(int fd)
{
	return in_state(fd, API_CREATED, API_BOUND);
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
 * call(fd, {sockaddr}, len). connect may block, so stdout is flushed first.
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
	fflush(stdout);
	if (strcmp(call, "bind") == 0)
		c.on_success = warn_if_wildcard;
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
 * Before a call that may wait: if fd is blocking and nothing is ready to
 * read (no connection, no data, no EOF), say so, then flush, so the learner
 * knows why the prompt does not come back.
 */
void announce_wait(struct session *s, int fd, const char *why)
{
	int flags = fcntl(fd, F_GETFL);

	stdin_watch_call(s, true);
	if (flags != -1 && !(flags & O_NONBLOCK) && !(observe_events(fd, POLLIN) & POLLIN))
		report_note("(%s; Ctrl-C interrupts)", why);
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
		s->shown_fd = c->fd;
		s->shown_api = k.api;
	}
	return ret == -1 ? CMD_FAILED_CALL : CMD_OK;
}
