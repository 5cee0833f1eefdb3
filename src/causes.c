/*
 * causes.c - why a call that sets up a socket or a connection (socket, bind,
 * listen, accept, connect, fcntl, close) failed in this session, where the
 * session can know: the fd of ours that holds a port, the TIME-WAIT that
 * blocks a bind. One small function per errno, chosen from a table; each
 * prints "here: ..." lines, or nothing. The calls that move data have theirs
 * in causes_data.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockrepl.h"

/* ---- helpers ---------------------------------------------------------------- */

unsigned port_of(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

/* Is an address the same place as another? IP: same port, same address or a wildcard. */
bool same_place(const struct sockaddr_storage *have, const struct sockaddr *want)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	if (have->ss_family != want->sa_family)
		return false;
	if (want->sa_family == AF_UNIX)	/* abstract names start with NUL: compare all of sun_path */
		return memcmp(((const struct sockaddr_un *)have)->sun_path,
			      ((const struct sockaddr_un *)want)->sun_path,
			      sizeof(((const struct sockaddr_un *)want)->sun_path)) == 0;
	if (port_of((const struct sockaddr *)have) != port_of(want))
		return false;
	if (want->sa_family == AF_INET) {
		in_addr_t h = ((const struct sockaddr_in *)have)->sin_addr.s_addr;

		return h == INADDR_ANY || h == ((const struct sockaddr_in *)want)->sin_addr.s_addr;
	}
	if (want->sa_family == AF_INET6) {
		const struct in6_addr *h = &((const struct sockaddr_in6 *)have)->sin6_addr;

		return !memcmp(h, &any6, sizeof(*h)) ||
		       !memcmp(h, &((const struct sockaddr_in6 *)want)->sin6_addr, sizeof(*h));
	}
	return false;
}

/* The session's socket, other than `except`, bound where `sa` points, or -1. */
int session_fd_at(const struct session *s, const struct sockaddr *sa, int except,
		  struct kstate *k)
{
	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i] != except && kstate_read(s->fds[i], k) && k->has_local &&
		    !k->port_released && same_place(&k->local, sa))
			return s->fds[i];
	return -1;
}

/* What the kernel's own table says about a TCP port: TIME-WAIT, or a listener elsewhere. */
struct port_census {
	unsigned port;
	int timewait;		/* connections in TIME-WAIT on the port */
	unsigned other_inode;	/* a socket on the port that some process holds */
};

static void count_port(const struct diag_sock *d, void *arg)
{
	struct port_census *pc = arg;

	if (port_of((const struct sockaddr *)&d->local) != pc->port)
		return;
	if (d->state == TCP_TIME_WAIT)
		pc->timewait++;
	else if (d->inode != 0 && pc->other_inode == 0)
		pc->other_inode = d->inode;
}

static void census(unsigned port, struct port_census *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->port = port;
	diag_each(AF_INET, IPPROTO_TCP, count_port, pc);
	diag_each(AF_INET6, IPPROTO_TCP, count_port, pc);
}

static bool reuseaddr_on(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, &len) == 0 && on;
}

/* ---- one function per errno ----------------------------------------------------- */

static void why_addr_in_use(struct session *s, const struct call_ctx *c)
{
	struct port_census pc;
	struct kstate k;
	char where[128], owner[64];
	int holder;

	if (c->addr == NULL)
		return;
	holder = session_fd_at(s, c->addr, c->fd, &k);
	format_endpoint(where, sizeof(where), holder != -1 ? (struct sockaddr *)&k.local : c->addr);
	if (holder != -1) {
		report_note("here: fd %d of this session holds %s (%s).", holder, where,
			    api_state_name(k.api));
		return;
	}
	if (c->addr->sa_family == AF_UNIX) {
		report_note("here: the file %s already exists (a socket file stays after close "
			    "until someone unlinks it): unlink it, or bind another name.", where);
		return;
	}
	census(port_of(c->addr), &pc);
	if (pc.other_inode != 0 && inode_owner(pc.other_inode, owner, sizeof(owner)))
		report_note("here: %s holds port %u.", owner, port_of(c->addr));
	else if (pc.timewait > 0)
		report_note("here: %d connection%s on port %u %s in TIME-WAIT (ss shows %s). %s",
			    pc.timewait, pc.timewait == 1 ? "" : "s", port_of(c->addr),
			    pc.timewait == 1 ? "is" : "are", pc.timewait == 1 ? "it" : "them",
			    reuseaddr_on(c->fd) ? "SO_REUSEADDR is on here, but Linux also wants it "
			    "on the socket whose connection is in TIME-WAIT: set it on a server "
			    "before every bind." : "With SO_REUSEADDR on (before bind, here and on "
			    "the old server) the port can be bound again.");
	else
		report_note("here: another process holds port %u.", port_of(c->addr));
}

static void why_bad_fd(struct session *s, const struct call_ctx *c)
{
	char list[256] = "";
	size_t used = 0;

	for (size_t i = 0; i < s->nfds && used < sizeof(list) - 16; i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%d",
					 i ? ", " : "", s->fds[i]);
	if (s->nfds == 0)
		report_note("here: fd %d is not open, and this session has no sockets yet.", c->fd);
	else
		report_note("here: fd %d is not open; this session's sockets are %s.", c->fd, list);
}

static void why_not_socket(struct session *s, const struct call_ctx *c)
{
	static const char *const std_names[] = { "standard input", "standard output",
						 "standard error" };

	(void)s;
	if (c->fd >= 0 && c->fd <= 2)
		report_note("here: fd %d is sockrepl's own %s, not a socket.", c->fd,
			    std_names[c->fd]);
	else
		report_note("here: fd %d is open but is not a socket.", c->fd);
}

static const char *family_word(int family)
{
	return family == AF_INET6 ? "IPv6" : family == AF_INET ? "IPv4" :
	       family == AF_UNIX ? "Unix" : "other";
}

static void why_invalid(struct session *s, const struct call_ctx *c)
{
	struct kstate k;
	char where[128];

	(void)s;
	if (!kstate_read(c->fd, &k))
		return;
	format_endpoint(where, sizeof(where), (struct sockaddr *)&k.local);
	if (c->addr && c->addr->sa_family != k.domain)
		report_note("here: fd %d is an %s socket but the address is %s.", c->fd,
			    family_word(k.domain), family_word(c->addr->sa_family));
	else if (strcmp(c->call, "bind") == 0 && k.has_local)
		report_note("here: fd %d is already bound to %s.", c->fd, where);
	else if (strcmp(c->call, "accept") == 0 || strcmp(c->call, "listen") == 0)
		report_note("here: fd %d is %s%s%s.", c->fd, api_state_name(k.api),
			    k.has_tcp ? ", TCP " : "", k.has_tcp ? tcp_state_name(k.tcp_state) : "");
}

static void why_access(struct session *s, const struct call_ctx *c)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "r");
	unsigned start = 1024;

	(void)s;
	if (f != NULL) {
		if (fscanf(f, "%u", &start) != 1)
			start = 1024;
		fclose(f);
	}
	if (strcmp(c->call, "bind") == 0 && c->addr && c->addr->sa_family != AF_UNIX &&
	    port_of(c->addr) < start)
		report_note("here: port %u is below %u (net.ipv4.ip_unprivileged_port_start) "
			    "and this process runs without CAP_NET_BIND_SERVICE.",
			    port_of(c->addr), start);
}

static void why_refused(struct session *s, const struct call_ctx *c)
{
	struct port_census pc;
	struct kstate k;
	char where[128];
	int holder;

	if (c->addr == NULL)
		return;
	format_endpoint(where, sizeof(where), c->addr);
	holder = session_fd_at(s, c->addr, c->fd, &k);
	if (holder != -1 && k.api != API_LISTENING) {
		report_note("here: fd %d of this session is bound to %s but is %s, not "
			    "listening: call listen %d.", holder, where, api_state_name(k.api), holder);
		return;
	}
	if (c->addr->sa_family == AF_UNIX) {
		report_note("here: the file %s exists, but no socket listens on it (its listener "
			    "was closed; the file stays).", where);
		return;
	}
	census(port_of(c->addr), &pc);
	report_note("here: nothing listens on %s%s.", where, pc.timewait ?
		    "; only a closed connection in TIME-WAIT is left on that port, and TIME-WAIT "
		    "answers no new connection" : "");
}

static void why_no_entry(struct session *s, const struct call_ctx *c)
{
	if (c->addr == NULL || c->addr->sa_family != AF_UNIX)
		return;
	report_note("here: %s does not exist%s.", ((const struct sockaddr_un *)c->addr)->sun_path,
		    s->unix_dir ? " (relative paths live in sockrepl's private directory)" : "");
}

static void why_would_block(struct session *s, const struct call_ctx *c)
{
	struct kstate k;

	(void)s;
	if (strcmp(c->call, "accept") == 0 && kstate_read(c->fd, &k) && k.has_tcp)
		report_note("here: the accept queue of fd %d is empty (%u/%u).", c->fd,
			    k.queue_len, k.queue_max);
}

static void why_too_many_files(struct session *s, const struct call_ctx *c)
{
	struct rlimit lim;

	(void)c;
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0)
		report_note("here: the limit is %llu open fds; this session holds %zu sockets.",
			    (unsigned long long)lim.rlim_cur, s->nfds);
}

static void why_interrupted(struct session *s, const struct call_ctx *c)
{
	(void)s;
	(void)c;
	if (terminating)
		report_note("here: %s arrived during the call: sockrepl is ending, after it "
			    "closes its sockets and removes its files.", strsignal(terminating));
	else
		report_note("here: SIGINT (Ctrl-C) arrived during the call; sockrepl's handler "
			    "does not ask for restarts (no SA_RESTART), so the call returned EINTR.");
}

static void why_connected(struct session *s, const struct call_ctx *c)
{
	struct kstate k;
	char where[128];

	(void)s;
	if (!kstate_read(c->fd, &k))
		return;
	format_endpoint(where, sizeof(where), (struct sockaddr *)&k.peer);
	if (k.api == API_LISTENING)
		report_note("here: fd %d is listening.", c->fd);
	else if (k.has_peer)
		report_note("here: fd %d is already connected to %s.", c->fd, where);
}

static const struct {
	int err;
	void (*why)(struct session *s, const struct call_ctx *c);
} causes[] = {
	{ EADDRINUSE, why_addr_in_use }, { EBADF, why_bad_fd },
	{ ENOTSOCK, why_not_socket }, { EINVAL, why_invalid },
	{ EAFNOSUPPORT, why_invalid }, { EACCES, why_access },
	{ ECONNREFUSED, why_refused }, { ENOENT, why_no_entry },
	{ EAGAIN, why_would_block }, { EMFILE, why_too_many_files },
	{ EINTR, why_interrupted }, { EISCONN, why_connected },
};

/* Calls that move or ask about data: their causes live in causes_data.c. */
static bool is_data_call(const char *call)
{
	static const char *const data_calls[] = {
		"sendto", "recvfrom", "shutdown", "setsockopt", "getsockopt", "getsockname",
		"getpeername", "poll", "socketpair", "unlink",
	};

	for (size_t i = 0; i < sizeof(data_calls) / sizeof(data_calls[0]); i++)
		if (strcmp(call, data_calls[i]) == 0)
			return true;
	return false;
}

void explain_cause(struct session *s, const struct call_ctx *c, int err)
{
	if (is_data_call(c->call)) {
		explain_data_cause(s, c, err);
		return;
	}
	for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
		if (causes[i].err == err)
			causes[i].why(s, c);
}
