/*
 * causes.c - why a call that sets up a socket or a connection (socket, bind,
 * listen, accept, connect, fcntl, close) failed in this session, where the
 * session can know: a bad fd, a family mismatch, a permission, an empty
 * queue. One small function per errno, chosen from a table; each prints
 * "here: ..." lines, or nothing, and may replace the errno's general advice
 * with its own (cause_try). Who holds an address is in causes_port.c, why
 * a connect got no answer or no port in causes_connect.c; the calls that
 * move data have theirs in causes_data.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/time.h>
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

/* ---- one function per errno ----------------------------------------------------- */

static void why_bad_fd(struct session *s, const struct call_ctx *c)
{
	char list[256] = "";
	size_t used = 0;
	bool epolls = false;

	for (size_t i = 0; i < s->nfds && used < sizeof(list) - 24; i++) {
		bool epoll = is_epoll_fd(s->fds[i]);	/* epoll_create's fds are the session's too */

		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%d%s",
					 i ? ", " : "", s->fds[i], epoll ? " (epoll)" : "");
		epolls |= epoll;
	}
	if (s->nfds == 0)
		report_note("here: fd %d is not open, and this session has no sockets yet.", c->fd);
	else
		report_note("here: fd %d is not open; this session's %s are %s.", c->fd,
			    epolls ? "fds" : "sockets", list);
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
		report_note("here: fd %d is an %s socket but the address is %s%s.", c->fd,
			    family_word(k.domain), family_word(c->addr->sa_family),
			    k.domain == AF_INET6 && c->addr->sa_family == AF_INET ?
			    ": a 16-byte sockaddr_in, shorter than the 28-byte sockaddr_in6 it "
			    "needs, and Linux checks the length before the family" : "");
	else if (strcmp(c->call, "bind") == 0 && k.has_local)
		report_note("here: fd %d is already bound to %s.", c->fd, where);
	else if (strcmp(c->call, "connect") == 0 && k.api == API_LISTENING)
		report_note("here: fd %d is a listening Unix socket, and Linux refuses to connect "
			    "it (a TCP listener gives EISCONN instead).", c->fd);
	else if (strcmp(c->call, "accept") == 0 || strcmp(c->call, "listen") == 0)
		report_note("here: fd %d is %s%s%s.", c->fd, api_state_name(k.api),
			    k.has_tcp ? ", TCP " : "", k.has_tcp ? tcp_state_name(k.tcp_state) : "");
}

/* The directory part of a path, for the notes. */
static void dir_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, size, ".");
	else
		snprintf(out, size, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

static void why_access(struct session *s, const struct call_ctx *c)
{
	unsigned start = 1024;
	const char *path;
	char dir[128];

	(void)s;
	if (c->addr == NULL)
		return;
	if (c->addr->sa_family == AF_UNIX) {
		path = ((const struct sockaddr_un *)c->addr)->sun_path;
		dir_of(path, dir, sizeof(dir));
		if (strcmp(c->call, "connect") == 0 && access(dir, X_OK) == 0)
			report_note("here: uid %u may not write to the socket file %s, and "
				    "connect needs that.", (unsigned)geteuid(), path);
		else
			report_note("here: uid %u may not %s in %s: the directory's permissions "
				    "deny it.", (unsigned)geteuid(), strcmp(c->call, "bind") == 0 ?
				    "create a file" : "look up a name", dir);
		return;
	}
	sysctl_read("net/ipv4/ip_unprivileged_port_start", &start, 1);
	if (strcmp(c->call, "bind") == 0 && port_of(c->addr) < start)
		report_note("here: port %u is below %u (net.ipv4.ip_unprivileged_port_start) "
			    "and this process runs without CAP_NET_BIND_SERVICE.",
			    port_of(c->addr), start);
}

static void why_no_entry(struct session *s, const struct call_ctx *c)
{
	const char *path;
	char dir[128];

	if (c->addr == NULL || c->addr->sa_family != AF_UNIX)
		return;
	path = ((const struct sockaddr_un *)c->addr)->sun_path;
	dir_of(path, dir, sizeof(dir));
	if (strcmp(c->call, "bind") == 0)
		report_note("here: the directory %s does not exist; bind creates the socket file, "
			    "not its directories.", dir);
	else
		report_note("here: %s does not exist%s.", path, s->unix_dir ?
			    " (relative paths live in sockrepl's private directory)" : "");
}

/* A listener with nothing queued that may not wait: O_NONBLOCK, or its SO_RCVTIMEO ran out. */
static void why_would_block(struct session *s, const struct call_ctx *c)
{
	struct timeval tv = { 0, 0 };
	socklen_t len = sizeof(tv);
	int flags = fcntl(c->fd, F_GETFL);

	if (strcmp(c->call, "connect") == 0) {
		cause_connect_would_block(s, c);
		return;
	}
	if (strcmp(c->call, "accept") != 0)
		return;
	if (flags != -1 && (flags & O_NONBLOCK))
		report_note("here: no connection is waiting in fd %d's accept queue, and fd %d is "
			    "non-blocking.", c->fd, c->fd);
	else if (getsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0 &&
		 (tv.tv_sec || tv.tv_usec))
		report_note("here: no connection arrived within fd %d's SO_RCVTIMEO (%ld.%03ld s), "
			    "so accept stopped waiting.", c->fd, (long)tv.tv_sec,
			    (long)tv.tv_usec / 1000);
}

/* bind to an address that is not this machine's; connect with no port to use. */
static void why_addr_not_avail(struct session *s, const struct call_ctx *c)
{
	char peer[128];

	if (c->addr == NULL)
		return;
	format_endpoint(peer, sizeof(peer), c->addr);
	if (strcmp(c->call, "bind") == 0)
		report_note("here: no interface of this machine has the address of %s.", peer);
	else if (strcmp(c->call, "connect") == 0)
		cause_no_local_port(s, c);
}

/*
 * EMFILE: the limit and what fills it. Besides the learner's sockets and
 * fds 0-2, sockrepl may hold fds of its own (the stdin watcher's eventfd, an
 * open recording, the directory of a bound Unix socket), parked at the top
 * of the range; they count against the limit too. Counted by asking each fd
 * number, since at the limit no directory (/proc/self/fd) can be opened.
 */
void cause_fd_limit(const struct session *s, const char *and_then)
{
	struct rlimit lim;
	size_t open = 0, epolls = 0;
	char held[96];

	if (getrlimit(RLIMIT_NOFILE, &lim) == -1)
		return;
	for (rlim_t fd = 0; fd < lim.rlim_cur && fd < (1u << 20); fd++)
		open += fcntl((int)fd, F_GETFD) != -1;
	for (size_t i = 0; i < s->nfds; i++)
		epolls += is_epoll_fd(s->fds[i]);
	snprintf(held, sizeof(held), "%zu sockets", s->nfds - epolls);
	if (epolls)	/* epoll_create's fds are the session's too */
		snprintf(held + strlen(held), sizeof(held) - strlen(held), " and %zu epoll fds",
			 epolls);
	if (open > s->nfds + 3)
		report_note("here: the limit is %llu open fds; this session holds %s, "
			    "besides fds 0-2 and %zu of sockrepl's own%s.",
			    (unsigned long long)lim.rlim_cur, held, open - s->nfds - 3, and_then);
	else
		report_note("here: the limit is %llu open fds; this session holds %s%s.",
			    (unsigned long long)lim.rlim_cur, held, and_then);
}

static void why_too_many_files(struct session *s, const struct call_ctx *c)
{
	(void)c;
	cause_fd_limit(s, "");
}

/*
 * EINTR for any call: which signal, and that sockrepl's handler ran. Why the
 * program saw EINTR (no SA_RESTART, a timeout, poll's own rule) is the note
 * under the call line, which knows the call (signals.c).
 */
void why_interrupted(struct session *s, const struct call_ctx *c)
{
	(void)s;
	(void)c;
	if (terminating)
		report_note("here: %s arrived during the call: sockrepl is ending, after it "
			    "closes its sockets and removes its files.", strsignal(terminating));
	else
		report_note("here: SIGINT (Ctrl-C) arrived while the call waited and "
			    "sockrepl's handler ran; the note under the call line says what the "
			    "kernel answered and why the program saw EINTR.");
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
		report_note("here: fd %d is a listening TCP socket; Linux answers EISCONN, where "
			    "POSIX lists EOPNOTSUPP (a listening Unix socket gives EINVAL).", c->fd);
	else if (k.has_peer)
		report_note("here: fd %d is already connected to %s.", c->fd, where);
}

static const struct {
	int err;
	void (*why)(struct session *s, const struct call_ctx *c);
} causes[] = {
	{ EADDRINUSE, cause_addr_in_use }, { EBADF, why_bad_fd },
	{ ENOTSOCK, why_not_socket }, { EINVAL, why_invalid },
	{ EAFNOSUPPORT, why_invalid }, { EACCES, why_access },
	{ ECONNREFUSED, cause_refused }, { ENOENT, why_no_entry },
	{ EAGAIN, why_would_block }, { EMFILE, why_too_many_files },
	{ EINTR, why_interrupted }, { EISCONN, why_connected },
	{ EADDRNOTAVAIL, why_addr_not_avail }, { ETIMEDOUT, cause_timed_out },
};

/* Set when a cause printed its own "try:", so the errno's general one is left out. */
static bool own_try;

/* A "try:" that fits the cause found, in place of the errno's general advice. */
void cause_try(const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	report_note("try: %s", text);
	own_try = true;
}

/* Calls that move or ask about data: their causes live in causes_data.c. */
static bool is_data_call(const char *call)
{
	static const char *const data_calls[] = {
		"sendto", "sendmmsg", "recvfrom", "shutdown", "setsockopt", "getsockopt", "getsockname",
		"getpeername", "poll", "socketpair", "unlink",
	};

	for (size_t i = 0; i < sizeof(data_calls) / sizeof(data_calls[0]); i++)
		if (strcmp(call, data_calls[i]) == 0)
			return true;
	return false;
}

/* The cause here, if the session can know it; true when it printed its own "try:". */
bool explain_cause(struct session *s, const struct call_ctx *c, int err)
{
	own_try = false;
	if (is_data_call(c->call)) {
		explain_data_cause(s, c, err);
		return own_try;
	}
	if (explain_events_cause(s, c, err) || explain_proc_cause(s, c, err))
		return own_try;
	for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
		if (causes[i].err == err)
			causes[i].why(s, c);
	return own_try;
}
