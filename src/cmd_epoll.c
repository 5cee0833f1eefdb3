/*
 * cmd_epoll.c - the epoll calls (epoll_create, epoll_ctl, epoll_wait): a set
 * of fds kept in the kernel, the way event-loop servers wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sockrepl.h"

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
		"FD itself, so epoll_wait names the fd. Closing FD removes it by itself\n"
		"(its last fd: an entry stays while another fd holds the same file).",
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
 * Room for MAX events, as a C program would pass, up to FULL_ROOM; past that,
 * room for as many as the kernel can write: at most one event for each entry
 * of the interest list (the tfd lines of /proc/self/fdinfo/EPFD). Not the fd
 * limit: an entry outlives its fd while another fd holds the same file, and
 * the limit can be lowered from outside (prlimit) after the entries were
 * added. At the limit fdinfo cannot be opened; then the bound is fs.nr_open's
 * default (1 << 20): no process holds more fds unless root raised it.
 */
#define FULL_ROOM 65536L
#define MOST_ENTRIES (1L << 20)

static struct epoll_event *event_buffer(int epfd, long max)
{
	long room = max;

	if (max > FULL_ROOM) {
		room = epoll_interest_count(epfd);
		if (room < 0 || room > MOST_ENTRIES)
			room = MOST_ENTRIES;
		if (max < room)
			room = max;
	}
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
	if ((evs = event_buffer(c.fd, max)) == NULL) {
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
	for (int i = 0; i < ret && i < 32; i++)	/* the state of each fd named (data is its fd) */
		if (evs[i].data.u64 <= 2147483647u && fcntl((int)evs[i].data.u64, F_GETFD) != -1)
			print_state_line((int)evs[i].data.u64);
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
		"while it stays ready; an edge-triggered one (et) only when it becomes ready.\n"
		"A state line follows for each fd reported.",
	.min_args = 1,
	.max_args = 3,
	.exec = cmd_epoll_wait_exec,
};
