/*
 * explain.c - an errno in plain words: what it means for this call, why it
 * happened in this session (where the session can know), and what to try.
 *
 * The words live in errnos.def; the session-specific causes are small
 * functions below, one per errno, chosen from a table.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "sockrepl.h"

struct errno_text {
	const char *call;
	int err;
	const char *meaning;
	const char *try;
};

static const struct errno_text errno_texts[] = {
#define X(call, err, meaning, try) { #call, err, meaning, try },
#include "errnos.def"
#undef X
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static const struct errno_text *find_text(const char *call, int err)
{
	for (size_t i = 0; i < COUNT(errno_texts); i++)
		if (errno_texts[i].err == err && strcmp(errno_texts[i].call, call) == 0)
			return &errno_texts[i];
	return NULL;
}

/* ---- session-specific causes ------------------------------------------- */

static unsigned port_of(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

/* The session's socket, other than `except`, whose local port is `port`. */
static int session_fd_on_port(const struct session *s, unsigned port, int except,
			      struct kstate *k)
{
	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i] != except && kstate_read(s->fds[i], k) && k->has_local &&
		    port_of((struct sockaddr *)&k->local) == port)
			return s->fds[i];
	return -1;
}

/* Does local address `have` receive what is sent to `want`? (Same port; same address or a wildcard.) */
static bool receives_at(const struct sockaddr_storage *have, const struct sockaddr *want)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	if (have->ss_family != want->sa_family || port_of((const struct sockaddr *)have) != port_of(want))
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

/* The session's socket that owns local address `sa`, or -1. */
static int session_fd_at(const struct session *s, const struct sockaddr *sa)
{
	struct kstate k;

	for (size_t i = 0; i < s->nfds; i++)
		if (kstate_read(s->fds[i], &k) && k.has_local && receives_at(&k.local, sa))
			return s->fds[i];
	return -1;
}

static void why_addr_in_use(struct session *s, const struct call_ctx *c)
{
	struct kstate k;
	char where[64];
	unsigned port;
	int holder;

	if (c->addr == NULL)
		return;
	port = port_of(c->addr);
	holder = session_fd_on_port(s, port, c->fd, &k);
	if (holder != -1) {
		format_endpoint(where, sizeof(where), (struct sockaddr *)&k.local);
		report_note("here: fd %d of this session holds %s (%s).", holder, where,
			    api_state_name(k.api));
	} else {
		report_note("here: no socket of this session holds port %u, so another process "
			    "does, or a connection closed less than a minute ago is still in "
			    "TIME-WAIT (ss -tan 'sport = :%u' shows which).", port, port);
	}
}

/* After recvfrom: name the sender when it is a socket of this session. */
void note_sender(struct session *s, const struct sockaddr *from)
{
	char where[64];
	int fd = session_fd_at(s, from);

	format_endpoint(where, sizeof(where), from);
	if (fd != -1)
		report_note("from %s: that is fd %d of this session.", where, fd);
	else
		report_note("from %s.", where);
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

static void why_invalid(struct session *s, const struct call_ctx *c)
{
	struct kstate k;
	char where[64];

	(void)s;
	if (!kstate_read(c->fd, &k))
		return;
	format_endpoint(where, sizeof(where), (struct sockaddr *)&k.local);
	if (strcmp(c->call, "bind") == 0 && c->addr && c->addr->sa_family != k.domain)
		report_note("here: fd %d is an %s socket but the address is %s.", c->fd,
			    k.domain == AF_INET6 ? "IPv6" : "IPv4",
			    c->addr->sa_family == AF_INET6 ? "IPv6" : "IPv4");
	else if (strcmp(c->call, "bind") == 0 && k.has_local)
		report_note("here: fd %d is already bound to %s.", c->fd, where);
	else if (strcmp(c->call, "accept") == 0 || strcmp(c->call, "listen") == 0)
		report_note("here: fd %d is %s, TCP %s.", c->fd, api_state_name(k.api),
			    k.has_tcp ? tcp_state_name(k.tcp_state) : "-");
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
	if (strcmp(c->call, "bind") == 0 && c->addr && port_of(c->addr) < start)
		report_note("here: port %u is below %u (net.ipv4.ip_unprivileged_port_start) "
			    "and this process runs without CAP_NET_BIND_SERVICE.",
			    port_of(c->addr), start);
}

static void why_refused(struct session *s, const struct call_ctx *c)
{
	struct kstate k;
	char where[64];
	int holder;

	if (c->addr == NULL)
		return;
	format_endpoint(where, sizeof(where), c->addr);
	holder = session_fd_on_port(s, port_of(c->addr), c->fd, &k);
	if (holder != -1 && k.api != API_LISTENING)
		report_note("here: fd %d of this session is bound to port %u but is %s, not "
			    "listening: call listen %d.", holder, port_of(c->addr),
			    api_state_name(k.api), holder);
	else
		report_note("here: nothing listens on %s.", where);
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
	report_note("here: SIGINT (Ctrl-C) arrived during the call; sockrepl's handler "
		    "does not ask for restarts (no SA_RESTART), so the call returned EINTR.");
}

static const struct {
	int err;
	void (*why)(struct session *s, const struct call_ctx *c);
} causes[] = {
	{ EADDRINUSE, why_addr_in_use }, { EBADF, why_bad_fd },
	{ ENOTSOCK, why_not_socket }, { EINVAL, why_invalid },
	{ EAFNOSUPPORT, why_invalid }, { EACCES, why_access },
	{ ECONNREFUSED, why_refused }, { EAGAIN, why_would_block },
	{ EMFILE, why_too_many_files }, { EINTR, why_interrupted },
};

/* ---- the explanation --------------------------------------------------- */

/* Print what `err` means for this call, its cause here, and what to try. */
void explain_failure(struct session *s, const struct call_ctx *c, int err)
{
	const struct errno_text *text = find_text(c->call, err);

	if (text != NULL)
		report_note("%s: %s", errno_name(err), text->meaning);
	else
		report_note("%s: %s. %s(2) does not list this error; see its man page.",
			    errno_name(err), strerror(err), c->call);
	for (size_t i = 0; i < COUNT(causes); i++)
		if (causes[i].err == err)
			causes[i].why(s, c);
	if (text != NULL && text->try[0] != '\0')
		report_note("try: %s", text->try);
}

/* For `help CALL`: the errnos the call can return, as a wrapped list. */
void explain_errnos_of(const char *call)
{
	size_t column = 0;

	for (size_t i = 0; i < COUNT(errno_texts); i++) {
		const char *name;

		if (strcmp(errno_texts[i].call, call) != 0)
			continue;
		name = errno_name(errno_texts[i].err);
		if (column == 0 || column + strlen(name) + 1 > 76) {
			printf("%s  ", column ? "\n" : "");
			column = 2;
		} else {
			putchar(' ');
			column++;
		}
		fputs(name, stdout);
		column += strlen(name);
	}
	if (column)
		putchar('\n');
}
