/*
 * cmd_select.c - select: waiting on many fds with fd sets, the oldest way
 * (and pselect6 where the architecture has no select system call).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sockrepl.h"

/* ---- select [FD[:r|w|e]...] [Nms|forever] ------------------------------------ */

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
	if (fd < 0 || fd >= FD_SETSIZE) {
		report_error(s, "select: fd %d does not fit in an fd_set (it holds fds 0 to %d): "
			     "that is what poll and epoll are for", fd, FD_SETSIZE - 1);
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
	int nwords = a->argc, nfds = 0, ret, err, timeout_given = 0;
	struct strbuf args, result;
	enum cmd_status status;
	long timeout = 0;

	if (nwords > 0 && (timeout_given = take_timeout_word(s, a->argv[nwords - 1], &timeout)) < 0)
		return CMD_USAGE;
	nwords -= timeout_given;
	if (!timeout_given && refuse_bare_timeout(s, "select", a, ":r"))
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
	status = finish_call(s, &args, &c, ret, err);
	for (int fd = 0; ret > 0 && fd < nfds; fd++)	/* the state of each ready fd */
		if ((passed[0] && FD_ISSET(fd, passed[0])) || (passed[1] && FD_ISSET(fd, passed[1])) ||
		    (passed[2] && FD_ISSET(fd, passed[2])))
			print_state_line(fd);
	return status;
}

const struct cmd_entry cmd_select_entry = {
	.name = "select",
	.usage = "[FD[:r|w|e]...] [Nms|forever]",
	.summary = "wait until fds are ready, the oldest way (fd sets)",
	.syscall = "select",
	.about = "Passes up to three fd sets: r (readable: a connection or data waits, or end\n"
		"of file), w (writable), e (exceptional: urgent data). The kernel keeps in\n"
		"each set only the fds that are ready and returns how many; nfds is the\n"
		"highest fd + 1, and an fd of 1024 (FD_SETSIZE) or more cannot be asked\n"
		"about at all. FD alone is :r; :rw and the like ask for several. The timeout\n"
		"is written Nms (or timeout=N): forever (or -1ms) waits forever (NULL,\n"
		"Ctrl-C interrupts), another negative is passed and refused; a number alone\n"
		"is always an FD, and select 3 4 is refused as ambiguous. Linux writes the time\n"
		"left back (left {...}); a state line follows for each ready fd. Without\n"
		"FDs: every fd, for reading, no wait.",
	.min_args = 0,
	.max_args = 65,
	.exec = cmd_select_exec,
};
