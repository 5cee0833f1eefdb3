/*
 * cmd_events.c - waiting on many fds at once: select, and the epoll calls
 * (epoll_create, epoll_ctl, epoll_wait), the way event-loop servers wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sockrepl.h"

/* ---- select [FD[:r|w|e]...] [TIMEOUT_MS] ------------------------------------ */

/*
 * glibc's select() is the select system call where the architecture has one
 * (x86_64). Where it has none (arm64, riscv64) glibc calls pselect6 with a
 * timespec and no signal mask, and strace shows that; sockrepl makes the
 * same call itself so its line is strace's. SOCKREPL_PPOLL (the build for
 * such architectures that tests/strace.bats checks) makes it do so anywhere.
 */
#if defined(SYS_select) && !defined(SOCKREPL_PPOLL)
#define SELECT_CALL "select"
#define SELECT_UNIT "usec"
#define SELECT_PER_MS 1000L
#else
#define SELECT_CALL "pselect6"
#define SELECT_UNIT "nsec"
#define SELECT_PER_MS 1000000L
#endif

/* The timeout as the call takes it: a timeval, or pselect6's timespec. */
struct select_time {
	long long sec, frac;	/* tv_usec or tv_nsec */
};

/* The call; the time left is written back to *t (Linux does). */
static int call_select(int nfds, fd_set *const sets[3], struct select_time *t, bool timed)
{
	int ret;
#if defined(SYS_select) && !defined(SOCKREPL_PPOLL)
	struct timeval tv = { (time_t)t->sec, (suseconds_t)t->frac };

	ret = (int)syscall(SYS_select, nfds, sets[0], sets[1], sets[2], timed ? &tv : NULL);
	t->sec = tv.tv_sec;
	t->frac = tv.tv_usec;
#else
	struct timespec ts = { (time_t)t->sec, (long)t->frac };

	ret = (int)syscall(SYS_pselect6, nfds, sets[0], sets[1], sets[2], timed ? &ts : NULL, NULL);
	t->sec = ts.tv_sec;
	t->frac = ts.tv_nsec;
#endif
	return ret;
}

/* FD, or FD: with any of r (read), w (write), e (exceptional); FD alone is r. */
static bool parse_select_fd(struct session *s, const char *word, fd_set sets[3], int *nfds)
{
	char number[32];
	const char *colon = strchr(word, ':');
	const char *which = colon ? colon + 1 : "r";
	int fd;

	snprintf(number, sizeof(number), "%.*s", colon ? (int)(colon - word) : 31, word);
	if (!parse_fd(s, number, &fd))
		return false;
	if (fd >= FD_SETSIZE) {
		report_error(s, "select: fd %d does not fit in an fd_set (FD_SETSIZE is %d): "
			     "that is what poll and epoll are for", fd, FD_SETSIZE);
		return false;
	}
	if (*which == '\0' || strspn(which, "rwe") != strlen(which)) {
		report_error(s, "select: '%.40s': after the fd write :r, :w, :e or a mix (:rw)",
			     word);
		return false;
	}
	for (int i = 0; i < 3; i++)
		if (strchr(which, "rwe"[i]))
			FD_SET(fd, &sets[i]);
	if (fd + 1 > *nfds)
		*nfds = fd + 1;
	return true;
}

/* A set with no fd in it is passed as NULL, as a C program would. */
static fd_set *set_or_null(fd_set *set, int nfds)
{
	for (int fd = 0; fd < nfds; fd++)
		if (FD_ISSET(fd, set))
			return set;
	return NULL;
}

/*
 * What select returned, as strace shows it: (in [3], out [4], left
 * {tv_sec=0, tv_usec=999000}); the time left only when a timeout was passed.
 */
static void select_result(struct strbuf *sb, fd_set *const sets[3], int nfds,
			  const struct select_time *left)
{
	static const char *const names[] = { "in", "out", "except" };
	const char *sep = "";

	sb_printf(sb, "(");
	for (int i = 0; i < 3; i++)
		if (sets[i] != NULL && set_or_null(sets[i], nfds) != NULL) {
			sb_printf(sb, "%s%s ", sep, names[i]);
			sb_fd_set(sb, sets[i], nfds);
			sep = ", ";
		}
	if (left != NULL)
		sb_printf(sb, "%sleft {tv_sec=%lld, tv_" SELECT_UNIT "=%llu}", sep, left->sec,
			  (unsigned long long)left->frac);
	sb_printf(sb, ")");
}

/* The lowest fd in any set that is not open, or -1. */
static int first_closed(const fd_set sets[3], int nfds)
{
	for (int fd = 0; fd < nfds; fd++)
		if ((FD_ISSET(fd, &sets[0]) || FD_ISSET(fd, &sets[1]) || FD_ISSET(fd, &sets[2])) &&
		    fcntl(fd, F_GETFD) == -1)
			return fd;
	return -1;
}

/* Without FDs: every fd of the session, for reading. */
static int select_all(const struct session *s, fd_set *read, int *nfds)
{
	int n = 0;

	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i] < FD_SETSIZE) {
			FD_SET(s->fds[i], read);
			*nfds = s->fds[i] + 1 > *nfds ? s->fds[i] + 1 : *nfds;
			n++;
		}
	return n;
}

static enum cmd_status cmd_select_exec(struct session *s, const struct cmd_args *a)
{
	struct call_ctx c = { .call = SELECT_CALL, .fd = -1 };
	fd_set sets[3];
	fd_set *passed[3];
	struct select_time t = { 0, 0 };
	bool timed;
	int nwords = a->argc > 1 ? a->argc - 1 : a->argc, nfds = 0, ret, err;
	struct strbuf args, result;
	long timeout = 0;

	if (a->argc > 1 &&
	    !parse_int(s, "timeout", a->argv[a->argc - 1], -2147483648L, 2147483647L, &timeout))
		return CMD_USAGE;
	for (int i = 0; i < 3; i++)
		FD_ZERO(&sets[i]);
	for (int i = 0; i < nwords; i++)
		if (!parse_select_fd(s, a->argv[i], sets, &nfds))
			return CMD_USAGE;
	if (nwords == 0 && select_all(s, &sets[0], &nfds) == 0) {
		report_error(s, "select: no fds yet; create a socket with socket");
		return CMD_USAGE;
	}
	timed = timeout != -1;	/* -1: no timeout (NULL); another negative is passed as is */
	t.sec = timeout / 1000;
	t.frac = timeout % 1000 * SELECT_PER_MS;
	sb_init(&args);
	sb_printf(&args, "%d", nfds);
	for (int i = 0; i < 3; i++) {
		passed[i] = set_or_null(&sets[i], nfds);
		sb_printf(&args, ", ");
		sb_fd_set(&args, passed[i], nfds);
	}
	if (timed)	/* strace prints the fraction unsigned */
		sb_printf(&args, ", {tv_sec=%lld, tv_" SELECT_UNIT "=%llu}", t.sec,
			  (unsigned long long)t.frac);
	else
		sb_printf(&args, ", NULL");
	if (strcmp(SELECT_CALL, "pselect6") == 0)
		sb_printf(&args, ", NULL");	/* no signal mask */
	fflush(stdout);
	stdin_watch_call(s, !timed);	/* only a select without end could hang */
	ret = call_select(nfds, passed, &t, timed);
	err = errno;
	if (ret == -1 && err == EBADF)
		c.fd = first_closed(sets, nfds);	/* so the explanation names it */
	sb_init(&result);
	if (ret > 0)
		select_result(&result, passed, nfds, timed ? &t : NULL);
	c.result = ret > 0 ? result.text : ret == 0 ? "(Timeout)" : NULL;
	return finish_call(s, &args, &c, ret, err);
}

const struct cmd_entry cmd_select_entry = {
	.name = "select",
	.usage = "[FD[:r|w|e]...] [TIMEOUT_MS]",
	.summary = "wait until fds are ready, the oldest way (fd sets)",
	.syscall = "select",
	.about = "Passes up to three fd sets: r (readable: a connection or data waits, or end\n"
		"of file), w (writable), e (exceptional: urgent data). The kernel keeps in\n"
		"each set only the fds that are ready and returns how many; nfds is the\n"
		"highest fd + 1, and an fd of 1024 (FD_SETSIZE) or more cannot be asked\n"
		"about at all. FD alone is :r; :rw and the like ask for several. With two or\n"
		"more words the last is the timeout in ms: -1 waits forever (NULL, Ctrl-C\n"
		"interrupts), another negative is passed and refused. Linux writes the time\n"
		"left back (left {...}). Without FDs: every fd, for reading, no wait.",
	.min_args = 0,
	.max_args = 65,
	.exec = cmd_select_exec,
};

/* ---- epoll_create [cloexec|FLAGS] --------------------------------------------- */

static enum cmd_status cmd_epoll_create_exec(struct session *s, const struct cmd_args *a)
{
	struct call_ctx c = { .call = "epoll_create1", .fd = -1 };
	long flags = 0;
	struct strbuf args;
	enum cmd_status status;
	int ret, err;

	if (a->argc == 1 && strcmp(a->argv[0], "cloexec") == 0)
		flags = EPOLL_CLOEXEC;
	else if (a->argc == 1 && !parse_int(s, "flags", a->argv[0], 0, 2147483647L, &flags))
		return CMD_USAGE;
	ret = epoll_create1((int)flags);
	err = errno;
	sb_init(&args);
	if (flags == 0)
		sb_printf(&args, "0");
	else if (flags == EPOLL_CLOEXEC)
		sb_printf(&args, "EPOLL_CLOEXEC");
	else if (flags & EPOLL_CLOEXEC)
		sb_printf(&args, "EPOLL_CLOEXEC|%#lx", flags & ~(long)EPOLL_CLOEXEC);
	else
		sb_printf(&args, "%#lx /* EPOLL_??? */", flags);
	if (ret >= 0 && !session_add(s, ret))
		report_error(s, "out of memory: fd %d is not in the session's list", ret);
	c.arg = flags;
	status = finish_call(s, &args, &c, ret, err);
	if (ret >= 0)
		print_state_line(ret);
	if (ret >= 0)
		report_note("fd %d is an epoll instance: no socket, a set of fds to watch "
			    "(epoll_ctl %d add FD) and a list of those that are ready "
			    "(epoll_wait %d).", ret, ret, ret);
	return status;
}

const struct cmd_entry cmd_epoll_create_entry = {
	.name = "epoll_create",
	.usage = "[cloexec|FLAGS]",
	.summary = "make an epoll instance: a kernel-kept set of fds to wait on",
	.syscall = "epoll_create1",
	.about = "Returns a new fd that is no socket: an epoll instance, which keeps an\n"
		"interest list (fds added with epoll_ctl) and a ready list that epoll_wait\n"
		"reads. Unlike select and poll, the set lives in the kernel, so a server with\n"
		"many connections does not pass them all at every wait. sockets shows its\n"
		"interest list. cloexec passes EPOLL_CLOEXEC; a number is passed as the flags.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_epoll_create_exec,
};

/* ---- epoll_ctl EPFD add|mod|del FD [in|out|rdhup|...] --------------------------- */

static const struct {
	const char *word;
	unsigned bit;
} event_words[] = {
	{ "in", EPOLLIN }, { "out", EPOLLOUT }, { "rdhup", EPOLLRDHUP }, { "pri", EPOLLPRI },
	{ "et", EPOLLET }, { "oneshot", EPOLLONESHOT }, { "exclusive", EPOLLEXCLUSIVE },
	{ "wakeup", EPOLLWAKEUP },
};

static const struct {
	const char *word, *symbol;
	int op;
} ctl_ops[] = {
	{ "add", "EPOLL_CTL_ADD", EPOLL_CTL_ADD }, { "mod", "EPOLL_CTL_MOD", EPOLL_CTL_MOD },
	{ "del", "EPOLL_CTL_DEL", EPOLL_CTL_DEL },
};

static bool parse_events(struct session *s, char **words, int n, unsigned *events)
{
	*events = n == 0 ? EPOLLIN : 0;
	for (int i = 0; i < n; i++) {
		size_t w = 0;

		while (w < sizeof(event_words) / sizeof(event_words[0]) &&
		       strcmp(words[i], event_words[w].word) != 0)
			w++;
		if (w == sizeof(event_words) / sizeof(event_words[0])) {
			report_error(s, "epoll_ctl: '%.40s' is not one of in, out, rdhup, pri, et, "
				     "oneshot, exclusive, wakeup", words[i]);
			return false;
		}
		*events |= event_words[w].bit;
	}
	return true;
}

static enum cmd_status cmd_epoll_ctl_exec(struct session *s, const struct cmd_args *a)
{
	struct call_ctx c = { .call = "epoll_ctl" };
	struct epoll_event ev;
	struct strbuf args;
	size_t op = 0;
	int fd, ret, err;
	bool no_event;
	struct epoll_ctl_args ctl;
	unsigned events;

	if (!parse_fd(s, a->argv[0], &c.fd) || !parse_fd(s, a->argv[2], &fd))
		return CMD_USAGE;
	while (op < 3 && strcmp(a->argv[1], ctl_ops[op].word) != 0)
		op++;
	if (op == 3) {
		report_error(s, "epoll_ctl: '%.40s' is not add, mod or del", a->argv[1]);
		return CMD_USAGE;
	}
	if (!parse_events(s, a->argv + 3, a->argc - 3, &events))
		return CMD_USAGE;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = (unsigned)fd;	/* the fd, so epoll_wait says which one is ready */
	/* del takes no event (NULL since Linux 2.6.9), unless events were typed */
	no_event = ctl_ops[op].op == EPOLL_CTL_DEL && a->argc == 3;
	ret = epoll_ctl(c.fd, ctl_ops[op].op, fd, no_event ? NULL : &ev);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, %s, %d, ", c.fd, ctl_ops[op].symbol, fd);
	if (no_event)
		sb_printf(&args, "NULL");
	else if (ctl_ops[op].op == EPOLL_CTL_DEL)
		sb_printf(&args, "%p", (void *)&ev);
	else
		sb_epoll_event(&args, &ev);
	c.arg = fd;
	ctl = (struct epoll_ctl_args){ ctl_ops[op].op, events };
	c.extra = &ctl;
	return finish_call(s, &args, &c, ret, err);
}

const struct cmd_entry cmd_epoll_ctl_entry = {
	.name = "epoll_ctl",
	.usage = "EPFD add|mod|del FD [in|out|rdhup|pri|et|oneshot|exclusive|wakeup...]",
	.summary = "add an fd to an epoll instance's interest list, change or remove it",
	.syscall = "epoll_ctl",
	.about = "add puts FD on the interest list of epoll instance EPFD, mod changes the\n"
		"events it waits for, del takes it off. Events: in (EPOLLIN, the default),\n"
		"out, rdhup (the peer shut down its sending side), pri; et makes it\n"
		"edge-triggered (reported once per change, not while the state lasts),\n"
		"oneshot reports it once and then disables it until mod. The event's data is\n"
		"FD itself, so epoll_wait names the fd. Closing FD removes it by itself.",
	.min_args = 3,
	.max_args = 11,
	.exec = cmd_epoll_ctl_exec,
};

/* ---- epoll_wait EPFD [MAX] [TIMEOUT_MS] ------------------------------------------ */

/* Where there is no epoll_wait system call (arm64, riscv64), glibc makes epoll_pwait. */
#if defined(SYS_epoll_wait) && !defined(SOCKREPL_PPOLL)
#define EPOLL_WAIT_CALL "epoll_wait"
#define EPOLL_WAIT(fd, evs, max, timeout) syscall(SYS_epoll_wait, fd, evs, max, timeout)
#define EPOLL_WAIT_TAIL ""
#else
#define EPOLL_WAIT_CALL "epoll_pwait"
#define EPOLL_WAIT(fd, evs, max, timeout) \
	syscall(SYS_epoll_pwait, fd, evs, max, timeout, NULL, (size_t)8)
#define EPOLL_WAIT_TAIL ", NULL, 8"
#endif

/*
 * The kernel writes at most one event per fd on the interest list, and every
 * one is an open fd of this process: a buffer of min(MAX, RLIMIT_NOFILE)
 * events is never overrun, whatever MAX is passed.
 */
static struct epoll_event *event_buffer(long max)
{
	struct rlimit rl;
	long room = max;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)room > rl.rlim_cur)
		room = (long)rl.rlim_cur;
	return calloc(room > 0 ? (size_t)room : 1, sizeof(struct epoll_event));
}

static enum cmd_status cmd_epoll_wait_exec(struct session *s, const struct cmd_args *a)
{
	struct call_ctx c = { .call = EPOLL_WAIT_CALL };
	struct epoll_event *evs;
	long max = 8, timeout = 0;
	struct strbuf args;
	enum cmd_status status;
	int ret, err;

	if (!parse_fd(s, a->argv[0], &c.fd) ||
	    (a->argc > 1 && !parse_int(s, "max", a->argv[1], -2147483648L, 2147483647L, &max)) ||
	    (a->argc > 2 &&
	     !parse_int(s, "timeout", a->argv[2], -2147483648L, 2147483647L, &timeout)))
		return CMD_USAGE;
	if ((evs = event_buffer(max)) == NULL) {
		report_error(s, "epoll_wait: out of memory for %ld events", max);
		return CMD_USAGE;
	}
	fflush(stdout);
	stdin_watch_call(s, timeout < 0);	/* only a wait without end could hang */
	ret = (int)EPOLL_WAIT(c.fd, evs, (int)max, (int)timeout);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, ", c.fd);
	if (ret >= 0)
		sb_epoll_events(&args, evs, ret);
	else
		sb_printf(&args, "%p", (void *)evs);
	sb_printf(&args, ", %ld, %ld" EPOLL_WAIT_TAIL, max, timeout);
	c.arg = max;
	status = finish_call(s, &args, &c, ret, err);
	free(evs);
	return status;
}

const struct cmd_entry cmd_epoll_wait_entry = {
	.name = "epoll_wait",
	.usage = "EPFD [MAX] [TIMEOUT_MS]",
	.summary = "wait until fds on an epoll instance's interest list are ready",
	.syscall = "epoll_wait",
	.about = "Returns up to MAX (default 8) ready fds of epoll instance EPFD, each with\n"
		"its events and data (the fd). TIMEOUT_MS (default 0: just look) -1 waits\n"
		"forever (Ctrl-C interrupts). A level-triggered fd is reported at every wait\n"
		"while it stays ready; an edge-triggered one (et) only when it becomes ready.",
	.min_args = 1,
	.max_args = 3,
	.exec = cmd_epoll_wait_exec,
};
