/*
 * goal.c - a challenge's goal as predicates, checked against the kernel and
 * against what the session's calls returned.
 *
 * A predicate is one `check` line of a challenge file. Some ask the kernel
 * now (some socket in TCP state X, a listener with N waiting); others ask
 * the calls made since the challenge began (a connect failed with
 * ECONNREFUSED): those are logged as each call finishes (finish_call),
 * with what made a failure happen, read from the kernel at that moment.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "sockrepl.h"

/* ---- why a call failed, read when it failed: the `because` words ------------- */

enum cause_bit {
	CAUSE_TIME_WAIT = 1,	/* bind/listen/connect EADDRINUSE: only a TIME-WAIT holds the port */
	CAUSE_NOT_LISTENING = 2,	/* connect refused: a socket of ours is bound there, not listening */
	CAUSE_PEER = 4,		/* send/recv error: this end never shut its sending side */
	CAUSE_OWN_SHUTDOWN = 8,	/* ... it did (shutdown wr or rdwr) */
	CAUSE_DATAGRAM = 16,	/* on a datagram socket */
	CAUSE_UNIX = 32,	/* on a Unix socket */
	CAUSE_SHUT_WR = 64,	/* a successful shutdown that shut the sending side */
	CAUSE_OTHER_FAMILY = 128,	/* EADDRINUSE: a socket of the other IP family holds the port */
};

static const struct {
	const char *word;
	unsigned bit;
} causes[] = {	/* the words of `because`; what each means is in the enum above */
	{ "time-wait", CAUSE_TIME_WAIT },
	{ "not-listening", CAUSE_NOT_LISTENING },
	{ "peer", CAUSE_PEER },
	{ "own-shutdown", CAUSE_OWN_SHUTDOWN },
	{ "datagram", CAUSE_DATAGRAM },
	{ "unix", CAUSE_UNIX },
	{ "other-family", CAUSE_OTHER_FAMILY },
};

#define NCAUSES (sizeof(causes) / sizeof(causes[0]))

static unsigned cause_bit(const char *word)
{
	for (size_t i = 0; i < NCAUSES; i++)
		if (strcasecmp(word, causes[i].word) == 0)
			return causes[i].bit;
	return 0;
}

/* Did this session shut fd's sending side (and not close fd since)? */
static bool shut_here(const struct goal_log *log, int fd)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->calls[i].fd == fd && (log->calls[i].causes & CAUSE_SHUT_WR))
			return true;
	return false;
}

/* An IPv6 socket that takes IPv4 too: bound (or to be bound) to ::, IPV6_V6ONLY off. */
static bool dual_stack(int fd, const struct sockaddr *addr)
{
	int v6only = 1;
	socklen_t len = sizeof(v6only);

	return addr->sa_family == AF_INET6 &&
	       IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)addr)->sin6_addr) &&
	       getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len) == 0 && !v6only;
}

/*
 * A bind's port held by a session socket of the other IP family, the two
 * clashing because the IPv6 one of them is dual-stack.
 */
static bool other_family_on_port(const struct session *s, const struct call_ctx *c)
{
	for (size_t i = 0; i < s->nfds; i++) {
		struct kstate k;
		const struct sockaddr *held = (const struct sockaddr *)&k.local;

		if (s->fds[i] == c->fd || !kstate_read(s->fds[i], &k) || !k.has_local ||
		    k.port_released || (k.domain != AF_INET && k.domain != AF_INET6) ||
		    k.domain == c->addr->sa_family || port_of(held) != port_of(c->addr))
			continue;
		if (dual_stack(s->fds[i], held) || dual_stack(c->fd, c->addr))
			return true;
	}
	return false;
}

/* A session socket bound where sa points that does not listen. */
static bool bound_not_listening(const struct session *s, const struct sockaddr *sa)
{
	for (size_t i = 0; i < s->nfds; i++) {
		struct kstate k;

		if (kstate_read(s->fds[i], &k) && k.api == API_BOUND && same_place(&k.local, sa))
			return true;
	}
	return false;
}

static unsigned failure_causes(struct session *s, const struct goal_log *log,
			       const struct call_ctx *c, int err)
{
	unsigned bits = 0;
	int family = socket_family(c->fd), type = socket_type(c->fd);

	if (err == EADDRINUSE && c->addr != NULL && port_of(c->addr) != 0 &&
	    port_held_by_time_wait(port_of(c->addr)))
		bits |= CAUSE_TIME_WAIT;
	if (err == EADDRINUSE && c->addr != NULL && other_family_on_port(s, c))
		bits |= CAUSE_OTHER_FAMILY;
	if (err == ECONNREFUSED && c->addr != NULL && bound_not_listening(s, c->addr))
		bits |= CAUSE_NOT_LISTENING;
	if (err == EPIPE || err == ECONNRESET)
		bits |= shut_here(log, c->fd) ? CAUSE_OWN_SHUTDOWN : CAUSE_PEER;
	if (type == SOCK_DGRAM)
		bits |= CAUSE_DATAGRAM;
	if (family == AF_UNIX)
		bits |= CAUSE_UNIX;
	return bits;
}

/* A closed fd's number may come back as a new socket: forget what it did. */
static void forget_fd(struct goal_log *log, int fd)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->calls[i].fd == fd && log->calls[i].err == 0)
			log->calls[i].fd = -1;
}

/* Whether an accepted connection's peer had already closed it (FIN or RST). */
static bool closed_by_peer(int fd)
{
	struct kstate k;

	return kstate_read(fd, &k) && k.has_tcp &&
	       (k.tcp_state == TCP_CLOSE_WAIT || k.api == API_DISCONNECTED);
}

/*
 * After every call, while a challenge runs: what it returned, and why a
 * failure happened (read now: a TIME-WAIT or a bound socket may be gone by
 * the time the goal is checked).
 */
void goal_note_call(struct session *s, struct goal_log *log, const struct strbuf *args,
		    const struct call_ctx *c, long ret, int err)
{
	struct goal_call *grown, *g;

	log->calls_made++;
	if (ret != -1 && (strcmp(c->call, "close") == 0 || strcmp(c->call, "socket") == 0))
		forget_fd(log, strcmp(c->call, "close") == 0 ? c->fd : (int)ret);
	if (strcmp(c->call, "accept") == 0 && ret >= 0) {
		forget_fd(log, (int)ret);
		log->accepted_closed = log->accepted_closed || closed_by_peer((int)ret);
	}
	grown = realloc(log->calls, (log->n + 1) * sizeof(*grown));
	if (grown == NULL)
		return;		/* only this call is not remembered */
	log->calls = grown;
	g = &log->calls[log->n++];
	snprintf(g->call, sizeof(g->call), "%s", c->call);
	g->fd = c->fd;
	g->err = ret == -1 ? err : 0;
	g->causes = ret == -1 ? failure_causes(s, log, c, err) : 0;
	if (ret != -1 && strcmp(c->call, "shutdown") == 0 &&
	    (strstr(args->text, "SHUT_WR") || strstr(args->text, "SHUT_RDWR")))
		g->causes |= CAUSE_SHUT_WR;
}

void goal_log_clear(struct goal_log *log)
{
	free(log->calls);
	memset(log, 0, sizeof(*log));
}

/* ---- the predicates ------------------------------------------------------------ */

/* Is one of the session's sockets such that fits(k) holds? */
static bool some_socket(const struct session *s, bool (*fits)(const struct kstate *k, long v),
			long v)
{
	for (size_t i = 0; i < s->nfds; i++) {
		struct kstate k;

		if (kstate_read(s->fds[i], &k) && fits(&k, v))
			return true;
	}
	return false;
}

static bool in_tcp_state(const struct kstate *k, long v)
{
	return k->has_tcp && k->tcp_state == v;
}

static bool in_api_state(const struct kstate *k, long v)
{
	return (long)k->api == v;
}

static bool has_queue(const struct kstate *k, long v)
{
	return k->api == API_LISTENING && (long)k->queue_len == v;
}

/* The commands whose call has another name: send makes sendto, as strace shows. */
static const char *syscall_of(const char *word, size_t len)
{
	if (len == 4 && strncmp(word, "send", 4) == 0)
		return "sendto";
	if (len == 4 && strncmp(word, "recv", 4) == 0)
		return "recvfrom";
	if (len == 8 && strncmp(word, "nonblock", 8) == 0)
		return "fcntl";
	return NULL;
}

/* "recv|send": recvfrom and sendto are in the list. */
static bool call_in(const char *list, const char *call)
{
	for (const char *p = list; *p; p += strcspn(p, "|"), p += *p == '|') {
		size_t len = strcspn(p, "|");
		const char *named = syscall_of(p, len);

		if ((len == strlen(call) && strncmp(p, call, len) == 0) ||
		    (named != NULL && strcmp(named, call) == 0))
			return true;
	}
	return false;
}

/* failed CALL[|CALL] ERRNO [because CAUSE]: a call that failed so, since the start. */
static bool failed_call(const struct session *s, const struct goal_log *log, char **argv,
			int argc)
{
	int err = errno_from_name(argv[2]);
	unsigned why = argc == 5 ? cause_bit(argv[4]) : 0;

	(void)s;
	for (size_t i = 0; i < log->n; i++)
		if (log->calls[i].err == err && call_in(argv[1], log->calls[i].call) &&
		    (log->calls[i].causes & why) == why)
			return true;
	return false;
}

/* A socket in SYN-SENT whose destination is a listener of the session, open. */
static bool syn_sent_to_listener(const struct session *s)
{
	for (size_t i = 0; i < s->nfds; i++) {
		struct kstate k, l;

		if (!kstate_read(s->fds[i], &k) || !in_tcp_state(&k, TCP_SYN_SENT) || !k.has_dest)
			continue;
		for (size_t j = 0; j < s->nfds; j++)
			if (kstate_read(s->fds[j], &l) && in_tcp_state(&l, TCP_LISTEN) &&
			    same_place(&l.local, (const struct sockaddr *)&k.peer))
				return true;
	}
	return false;
}

/* Two open sockets of one type, each given its port by a bind of the challenge's. */
static bool same_port(const struct session *s, const struct goal_log *log)
{
	for (size_t i = 0; i < log->n; i++) {
		struct kstate a, b;

		if (strcmp(log->calls[i].call, "bind") != 0 || log->calls[i].err != 0 ||
		    !session_has(s, log->calls[i].fd) || !kstate_read(log->calls[i].fd, &a) || !a.has_local || a.port_released ||
		    port_of((const struct sockaddr *)&a.local) == 0)
			continue;
		for (size_t j = i + 1; j < log->n; j++)
			if (strcmp(log->calls[j].call, "bind") == 0 && log->calls[j].err == 0 &&
			    log->calls[j].fd != log->calls[i].fd && log->calls[j].fd != -1 &&
			    session_has(s, log->calls[j].fd) && kstate_read(log->calls[j].fd, &b) &&
			    b.has_local && !b.port_released && b.type == a.type &&
			    port_of((const struct sockaddr *)&b.local) ==
			    port_of((const struct sockaddr *)&a.local))
				return true;
	}
	return false;
}

enum pred { P_TCP, P_STATE, P_QUEUE, P_FAILED, P_SYN_SENT_TO_LISTENER, P_SAME_PORT,
	    P_ACCEPTED_CLOSED };

static const struct {
	const char *name, *usage;
	int argc;		/* words, the name included; failed: 3 or 5 */
	enum pred pred;
} predicates[] = {
	{ "tcp", "tcp STATE", 2, P_TCP },
	{ "state", "state STATE", 2, P_STATE },
	{ "queue", "queue N", 2, P_QUEUE },
	{ "failed", "failed CALL[|CALL] ERRNO [because CAUSE]", 3, P_FAILED },
	{ "syn-sent-to-listener", "syn-sent-to-listener", 1, P_SYN_SENT_TO_LISTENER },
	{ "same-port", "same-port", 1, P_SAME_PORT },
	{ "accepted-closed", "accepted-closed", 1, P_ACCEPTED_CLOSED },
};

#define NPREDICATES (sizeof(predicates) / sizeof(predicates[0]))

/* Split a copy of a check line into words; the predicate's index, or -1. */
static int split_check(const char *check, char *copy, size_t size, char **argv, int *argc)
{
	*argc = 0;
	snprintf(copy, size, "%s", check);
	for (char *w = strtok(copy, " \t"); w && *argc < 6; w = strtok(NULL, " \t"))
		argv[(*argc)++] = w;
	for (size_t i = 0; *argc > 0 && i < NPREDICATES; i++)
		if (strcasecmp(argv[0], predicates[i].name) == 0)
			return (int)i;
	return -1;
}

/* Why a check line is wrong, or NULL: for a teacher writing a challenge. */
const char *goal_check_error(const char *check)
{
	char copy[256], *argv[6];
	int argc, i = split_check(check, copy, sizeof(copy), argv, &argc);
	long n;

	if (i == -1)
		return "unknown check: use tcp, state, queue, failed, syn-sent-to-listener, "
		       "same-port or accepted-closed";
	if (argc != predicates[i].argc && !(predicates[i].pred == P_FAILED && argc == 5))
		return predicates[i].usage;
	switch (predicates[i].pred) {
	case P_TCP:
		return find_tcp_state(argv[1]) == -1 ? "tcp: not a TCP state (SYN-SENT, ...)" : NULL;
	case P_STATE:
		return find_api_state(argv[1]) == -1 ? "state: not an API state (BOUND, ...)" : NULL;
	case P_QUEUE:
		return sscanf(argv[1], "%ld", &n) != 1 || n < 0 ? "queue: N is a count" : NULL;
	case P_FAILED:
		if (errno_from_name(argv[2]) == 0)
			return "failed: not an errno name (EADDRINUSE, ...)";
		if (argc == 5 && (strcasecmp(argv[3], "because") != 0 || !cause_bit(argv[4])))
			return "failed ... because CAUSE: CAUSE is time-wait, not-listening, peer, "
			       "own-shutdown, datagram, unix or other-family";
		return NULL;
	default:
		return NULL;
	}
}

/* Does a (valid) check line hold now? */
bool goal_holds(struct session *s, const struct goal_log *log, const char *check)
{
	char copy[256], *argv[6];
	int argc, i = split_check(check, copy, sizeof(copy), argv, &argc);

	if (i == -1)
		return false;
	switch (predicates[i].pred) {
	case P_TCP:
		return some_socket(s, in_tcp_state, find_tcp_state(argv[1]));
	case P_STATE:
		return some_socket(s, in_api_state, find_api_state(argv[1]));
	case P_QUEUE:
		return some_socket(s, has_queue, atol(argv[1]));
	case P_FAILED:
		return failed_call(s, log, argv, argc);
	case P_SYN_SENT_TO_LISTENER:
		return syn_sent_to_listener(s);
	case P_SAME_PORT:
		return same_port(s, log);
	case P_ACCEPTED_CLOSED:
		return log->accepted_closed;
	}
	return false;
}
