/*
 * cmd_query.c - asking about sockets: getsockname, getpeername, poll; and
 * socketpair, the one call that makes two connected sockets at once.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sockrepl.h"

/* ---- getsockname [FD] / getpeername [FD] ------------------------------------- */

/* Both take (fd, addr, &len) and print the same way. */
static enum cmd_status name_call(struct session *s, const struct cmd_args *a, const char *call,
				 int (*fn)(int, struct sockaddr *, socklen_t *))
{
	struct call_ctx c = { .call = call };
	struct sockaddr_storage addr;
	socklen_t size, len;
	struct strbuf args;
	int ret, err;

	if (!resolve_fd(s, a->argc ? a->argv[0] : NULL, NULL, call, &c.fd))
		return CMD_USAGE;
	size = len = sockaddr_size_of(c.fd);
	ret = fn(c.fd, (struct sockaddr *)&addr, &len);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, ", c.fd);
	if (ret == 0)
		sb_sockaddr(&args, (struct sockaddr *)&addr, len);
	else
		sb_printf(&args, "%p", (void *)&addr);
	sb_socklen(&args, size, len, ret == 0);
	return finish_call(s, &args, &c, ret, err);
}

static enum cmd_status cmd_getsockname_exec(struct session *s, const struct cmd_args *a)
{
	return name_call(s, a, "getsockname", getsockname);
}

static enum cmd_status cmd_getpeername_exec(struct session *s, const struct cmd_args *a)
{
	return name_call(s, a, "getpeername", getpeername);
}

const struct cmd_entry cmd_getsockname_entry = {
	.name = "getsockname",
	.usage = "[FD]",
	.summary = "ask for a socket's own address",
	.syscall = "getsockname",
	.about = "Returns the address the socket is bound to: how a program learns which\n"
		"port the kernel chose after bind to port 0 or an implicit bind by\n"
		"connect. Without FD: the current socket.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_getsockname_exec,
};

const struct cmd_entry cmd_getpeername_entry = {
	.name = "getpeername",
	.usage = "[FD]",
	.summary = "ask for the address of a socket's peer",
	.syscall = "getpeername",
	.about = "Returns the address of the other end of a connected socket; ENOTCONN if\n"
		"there is none. Without FD: the current socket.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_getpeername_exec,
};

/* ---- poll [FD[:in|out|inout]...] [Nms|forever] ---------------------------------- */

#define MAX_POLL 64

static const struct {
	short bit;
	const char *name;
} poll_bits[] = {
	{ POLLIN, "POLLIN" }, { POLLPRI, "POLLPRI" }, { POLLOUT, "POLLOUT" },
	{ POLLERR, "POLLERR" }, { POLLHUP, "POLLHUP" }, { POLLNVAL, "POLLNVAL" },
	{ POLLRDNORM, "POLLRDNORM" }, { POLLRDBAND, "POLLRDBAND" },
	{ POLLWRNORM, "POLLWRNORM" }, { POLLWRBAND, "POLLWRBAND" }, { POLLRDHUP, "POLLRDHUP" },
};

static void sb_poll_bits(struct strbuf *sb, short bits)
{
	const char *sep = "";

	for (size_t i = 0; i < sizeof(poll_bits) / sizeof(poll_bits[0]); i++) {
		if (bits & poll_bits[i].bit) {
			sb_printf(sb, "%s%s", sep, poll_bits[i].name);
			sep = "|";
		}
	}
	if (*sep == '\0')
		sb_printf(sb, "0");
}

/*
 * What a ready event means for this socket, in words. Linux reports POLLOUT
 * and POLLHUP on a TCP socket with no connection (never connected, refused,
 * reset), so POLLOUT alone is no promise of a connection: the TCP state says.
 */
static void note_revents(int fd, short revents)
{
	struct kstate k;
	bool known = kstate_read(fd, &k);
	bool listening = known && k.api == API_LISTENING;
	bool no_tcp_connection = known && k.has_tcp && k.tcp_state == TCP_CLOSE;

	if (revents & POLLNVAL)
		report_note("fd %d: POLLNVAL: not an open fd.", fd);
	if (revents & POLLIN)
		report_note("fd %d: POLLIN: %s", fd, listening ?
			    "a connection is waiting; accept will not block." :
			    "data (or end of file) is waiting; recv will not block.");
	if ((revents & POLLOUT) && (revents & (POLLHUP | POLLERR)))
		report_note("fd %d: POLLOUT: send would not block, but only because it would fail "
			    "at once%s.", fd, no_tcp_connection ? ": there is no connection (TCP CLOSED)" :
			    " (see below)");
	else if ((revents & POLLOUT) && known && k.has_tcp && k.tcp_state == TCP_ESTABLISHED)
		report_note("fd %d: POLLOUT: there is room in the send buffer, and the connection "
			    "is established (a non-blocking connect has finished).", fd);
	else if (revents & POLLOUT)
		report_note("fd %d: POLLOUT: there is room in the send buffer; send will not "
			    "block.", fd);
	if (revents & POLLERR)
		report_note("fd %d: POLLERR: an error is pending; getsockopt SO_ERROR reads it "
			    "(and clears it).", fd);
	if ((revents & POLLHUP) && no_tcp_connection)
		report_note("fd %d: POLLHUP: no connection: Linux reports it for a TCP socket "
			    "that never connected, whose connect failed, or whose connection "
			    "ended.", fd);
	else if ((revents & POLLHUP) && known && k.domain == AF_UNIX && !k.has_peer)
		report_note("fd %d: POLLHUP: the Unix socket is not connected.", fd);
	else if (revents & POLLHUP)
		report_note("fd %d: POLLHUP: both directions are shut down (the peer closed, or "
			    "shutdown here): nothing more will pass.", fd);
}

/* FD, FD:in, FD:out or FD:inout; FD alone means POLLIN, or POLLOUT while connecting. */
static bool parse_poll_fd(struct session *s, const char *word, struct pollfd *p)
{
	char number[32];
	const char *colon = strchr(word, ':');
	struct kstate k;

	snprintf(number, sizeof(number), "%.*s", colon ? (int)(colon - word) : 31, word);
	if (!parse_fd(s, number, &p->fd))
		return false;
	p->revents = 0;
	if (colon == NULL)
		p->events = kstate_read(p->fd, &k) && k.api == API_CONNECTING ? POLLOUT : POLLIN;
	else if (strcmp(colon + 1, "in") == 0)
		p->events = POLLIN;
	else if (strcmp(colon + 1, "out") == 0)
		p->events = POLLOUT;
	else if (strcmp(colon + 1, "inout") == 0)
		p->events = POLLIN | POLLOUT;
	else {
		report_error(s, "poll: '%.40s': after the fd write :in, :out or :inout", word);
		return false;
	}
	return true;
}

/*
 * strace abbreviates arrays after its -s limit (32 elements by default), and
 * builds poll's result list in a 1024-byte buffer that it ends with "..."
 * once the next entry would come within 27 bytes of the end (strace's
 * poll.c, decode_poll_exiting). sockrepl cuts its lines where strace does.
 */
#define STRACE_MAX_ELEMENTS 32
#define STRACE_POLL_RESULT_ROOM (1024 - (2 + 2 * sizeof(long) + sizeof(", ], ...")))

/* The array poll is passed: [{fd=3, events=POLLIN}, ...]. */
static void sb_pollfds(struct strbuf *sb, const struct pollfd *fds, int n)
{
	sb_printf(sb, "[");
	for (int i = 0; i < n; i++) {
		if (i == STRACE_MAX_ELEMENTS) {
			sb_printf(sb, ", ...");
			break;
		}
		sb_printf(sb, "%s{fd=%d", i ? ", " : "", fds[i].fd);
		if (fds[i].fd >= 0) {
			sb_printf(sb, ", events=");
			sb_poll_bits(sb, fds[i].events);
		}
		sb_printf(sb, "}");
	}
	sb_printf(sb, "]");
}

/*
 * What poll returned, as strace shows it after the count: ([{fd=4,
 * revents=POLLOUT}]); ppoll adds the time left, when it was given a timeout.
 */
static void sb_poll_result(struct strbuf *sb, const struct pollfd *fds, int n,
			   const struct timespec *left)
{
	struct strbuf list, entry;
	int printed = 0;

	sb_init(&list);
	for (int i = 0; i < n; i++) {
		if (fds[i].revents == 0)
			continue;
		sb_printf(&list, "%s", list.len ? ", " : "[");
		sb_init(&entry);
		sb_printf(&entry, "{fd=%d, revents=", fds[i].fd);
		sb_poll_bits(&entry, fds[i].revents);
		sb_printf(&entry, "}");
		if (printed == STRACE_MAX_ELEMENTS ||
		    list.len + entry.len >= STRACE_POLL_RESULT_ROOM) {
			sb_printf(&list, "...");
			break;
		}
		sb_printf(&list, "%s", entry.text);
		printed++;
	}
	sb_printf(&list, "]");
	if (left != NULL) {
		sb_init(&entry);
		sb_printf(&entry, "{tv_sec=%lld, tv_nsec=%llu}", (long long)left->tv_sec,
			  (unsigned long long)left->tv_nsec);
		if (list.len + sizeof(", left ") + entry.len < 1024)
			sb_printf(&list, ", left %s", entry.text);
		else
			sb_printf(&list, ", ...");
	}
	sb_printf(sb, "(%s)", list.text);
}

/*
 * glibc's poll() is the poll system call where the architecture has one
 * (x86_64, where strace shows poll). Where it has none (arm64, riscv64),
 * glibc calls ppoll(fds, n, the timeout as a timespec or NULL, NULL, 8), and
 * strace shows that; sockrepl then makes that call itself, with its own
 * timespec, so that its call line can show the time left as strace does.
 * SOCKREPL_PPOLL makes it do so anywhere (tests/strace.bats builds it so).
 */
#if defined(SYS_poll) && !defined(SOCKREPL_PPOLL)
#define POLL_CALL "poll"
#define POLL_TIMESPEC false
#else
#define POLL_CALL "ppoll"
#define POLL_TIMESPEC true
#endif

/* The call, and its arguments after the array and its length, as strace prints them. */
static int call_poll(struct strbuf *args, struct pollfd *fds, int n, long timeout,
		     struct timespec *ts)
{
	if (!POLL_TIMESPEC) {
		sb_printf(args, ", %ld", timeout);
		return poll(fds, (nfds_t)n, (int)timeout);
	}
	ts->tv_sec = timeout / 1000;
	ts->tv_nsec = timeout % 1000 * 1000000;
	if (timeout >= 0)
		sb_printf(args, ", {tv_sec=%lld, tv_nsec=%ld}", (long long)ts->tv_sec, ts->tv_nsec);
	else
		sb_printf(args, ", NULL");
	sb_printf(args, ", NULL, 8");	/* no signal mask; the kernel's sigset_t is 8 bytes */
	return (int)syscall(SYS_ppoll, fds, (nfds_t)n, timeout >= 0 ? ts : NULL, NULL, (size_t)8);
}

/* Without FDs: every socket of the session, for reading. */
static int poll_all(const struct session *s, struct pollfd *fds)
{
	int n = 0;

	for (size_t i = 0; i < s->nfds && n < MAX_POLL; i++, n++)
		fds[n] = (struct pollfd){ .fd = s->fds[i], .events = POLLIN };
	return n;
}

static enum cmd_status cmd_poll_exec(struct session *s, const struct cmd_args *a)
{
	struct call_ctx c = { .call = POLL_CALL, .fd = -1 };
	struct timespec ts;
	struct pollfd fds[MAX_POLL];
	int nfds = a->argc, ret, err, timed = 0;
	struct strbuf args, result;
	enum cmd_status status;
	long timeout = 0;

	if (nfds > 0 && (timed = take_timeout_word(s, a->argv[nfds - 1], &timeout)) < 0)
		return CMD_USAGE;
	nfds -= timed;
	if (!timed && refuse_bare_timeout(s, "poll", a, ":in"))
		return CMD_USAGE;
	for (int i = 0; i < nfds; i++)
		if (!parse_poll_fd(s, a->argv[i], &fds[i]))
			return CMD_USAGE;
	if (nfds == 0 && (nfds = poll_all(s, fds)) == 0) {
		report_error(s, "poll: no sockets yet; create one with socket");
		return CMD_USAGE;
	}
	c.arg = nfds;
	sb_init(&args);
	sb_pollfds(&args, fds, nfds);
	sb_printf(&args, ", %d", nfds);
	fflush(stdout);
	stdin_watch_call(s, timeout < 0);	/* only a poll without end could hang */
	ret = call_poll(&args, fds, nfds, timeout, &ts);
	err = errno;
	sb_init(&result);	/* strace's "= 1 ([{fd=4, revents=POLLOUT}])" or "= 0 (Timeout)" */
	if (ret > 0)
		sb_poll_result(&result, fds, nfds, POLL_TIMESPEC && timeout >= 0 ? &ts : NULL);
	c.result = ret > 0 ? result.text : ret == 0 ? "(Timeout)" : NULL;
	status = finish_call(s, &args, &c, ret, err);
	for (int i = 0; ret > 0 && i < nfds; i++)
		if (fds[i].revents)
			note_revents(fds[i].fd, fds[i].revents);
	if (ret == 0)
		report_note("nothing was ready within %ld ms.", timeout);
	return status;
}

const struct cmd_entry cmd_poll_entry = {
	.name = "poll",
	.usage = "[FD[:in|out|inout]...] [Nms|forever]",
	.summary = "wait until sockets are ready (default: just look)",
	.syscall = "poll",
	.about = "Asks which sockets are ready: POLLIN (a connection or data waits, or end\n"
		"of file), POLLOUT (send would not block: room to send, or a send that would\n"
		"fail at once), POLLERR (an error is pending), POLLHUP (nothing more will\n"
		"pass). A non-blocking connect has finished when POLLOUT comes: with POLLERR\n"
		"and POLLHUP it failed (SO_ERROR says why). Linux also reports POLLOUT|POLLHUP\n"
		"on a TCP socket that never connected. The timeout is written Nms (or\n"
		"timeout=N; negative or forever: wait forever, Ctrl-C interrupts); a number\n"
		"alone is always an FD, and poll 3 4 is refused as ambiguous. FD alone asks\n"
		"for POLLIN (POLLOUT while connecting). Without FDs: every socket, POLLIN,\n"
		"no wait.",
	.min_args = 0,
	.max_args = MAX_POLL + 1,
	.exec = cmd_poll_exec,
};

/* ---- socketpair [unix|inet|inet6] [stream|dgram] ----------------------------------- */

static const struct {
	const char *word, *symbol;
	int family;
} pair_families[] = {
	{ "unix", "AF_UNIX", AF_UNIX }, { "inet", "AF_INET", AF_INET },
	{ "inet6", "AF_INET6", AF_INET6 },
};

/* One word of [unix|inet|inet6] [stream|dgram]; false: neither (reported). */
static bool take_pair_word(struct session *s, const char *word, size_t *family, int *type)
{
	if (strcmp(word, "stream") == 0 || strcmp(word, "dgram") == 0) {
		*type = strcmp(word, "stream") == 0 ? SOCK_STREAM : SOCK_DGRAM;
		return true;
	}
	for (size_t f = 0; f < sizeof(pair_families) / sizeof(pair_families[0]); f++)
		if (strcmp(word, pair_families[f].word) == 0) {
			*family = f;
			return true;
		}
	report_error(s, "socketpair: '%.40s' is not one of unix, inet, inet6, stream, dgram", word);
	return false;
}

static enum cmd_status cmd_socketpair_exec(struct session *s, const struct cmd_args *a)
{
	struct call_ctx c = { .call = "socketpair", .fd = -1 };
	int type = SOCK_STREAM, sv[2] = { -1, -1 }, ret, err;
	size_t family = 0;
	struct strbuf args;
	enum cmd_status status;

	for (int i = 0; i < a->argc; i++)
		if (!take_pair_word(s, a->argv[i], &family, &type))
			return CMD_USAGE;
	ret = socketpair(pair_families[family].family, type, 0, sv);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%s, %s, 0, ", pair_families[family].symbol,
		  type == SOCK_STREAM ? "SOCK_STREAM" : "SOCK_DGRAM");
	if (ret == 0)
		sb_printf(&args, "[%d, %d]", sv[0], sv[1]);
	else
		sb_printf(&args, "%p", (void *)sv);
	for (int i = 0; ret == 0 && i < 2; i++)
		if (!session_add(s, sv[i]))
			report_error(s, "out of memory: fd %d is not in the session's list", sv[i]);
	status = finish_call(s, &args, &c, ret, err);
	for (int i = 0; ret == 0 && i < 2; i++)
		print_state_line(sv[i]);
	return status;
}

const struct cmd_entry cmd_socketpair_entry = {
	.name = "socketpair",
	.usage = "[unix|inet|inet6] [stream|dgram]",
	.summary = "two Unix sockets connected to each other",
	.syscall = "socketpair",
	.about = "Creates two sockets connected to each other, with no address and no\n"
		"listen/accept: what one sends, the other receives. The usual way for a\n"
		"process to talk to a child it forks. Of the families here only unix (the\n"
		"default) can: Linux answers EOPNOTSUPP for inet and inet6.",
	.min_args = 0,
	.max_args = 2,
	.exec = cmd_socketpair_exec,
};
