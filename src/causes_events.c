/*
 * causes_events.c - why select or an epoll call failed in this session:
 * which fd, and what the epoll instance already watches (read from the kernel).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sockrepl.h"

/* What fd is, in words, from its /proc/self/fd link: "a regular file", "a pipe". */
static void fd_kind(int fd, char *out, size_t size)
{
	char path[64], target[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	if (strncmp(target, "pipe:", 5) == 0)
		snprintf(out, size, "a pipe");
	else if (strncmp(target, "socket:", 7) == 0)
		snprintf(out, size, "a socket");
	else if (strncmp(target, "anon_inode:", 11) == 0)
		snprintf(out, size, "%s", target + 11);
	else
		snprintf(out, size, "the file %s", target);
}

/* "watching 3 EPOLLIN|..., 4 ..." of an epoll fd. */
static void note_watching(int epfd)
{
	struct strbuf sb;

	sb_init(&sb);
	if (epoll_interest(epfd, &sb))
		report_note("here: epoll fd %d is watching %s.", epfd, sb.text);
}

static void why_ctl_bad_fd(struct session *s, const struct call_ctx *c)
{
	(void)s;
	report_note("here: fd %ld is not open.", fcntl(c->fd, F_GETFD) == -1 ? (long)c->fd : c->arg);
}

static void why_ctl_exists(struct session *s, const struct call_ctx *c)
{
	(void)s;
	note_watching(c->fd);
	cause_try("epoll_ctl %d mod %ld EVENTS changes what it waits for.", c->fd, c->arg);
}

static void why_ctl_no_entry(struct session *s, const struct call_ctx *c)
{
	(void)s;
	report_note("here: fd %ld is not on epoll fd %d's interest list.", c->arg, c->fd);
	note_watching(c->fd);
}

static void why_ctl_perm(struct session *s, const struct call_ctx *c)
{
	char kind[160];

	(void)s;
	fd_kind((int)c->arg, kind, sizeof(kind));
	report_note("here: fd %ld is %s: it has no wait queue to watch (a regular file "
		    "is always ready, so epoll refuses it).", c->arg, kind);
}

static void why_ctl_loop(struct session *s, const struct call_ctx *c)
{
	(void)s;
	report_note("here: fd %ld is an epoll instance that already watches epoll fd %d "
		    "(directly or through others): adding it would close a loop.", c->arg, c->fd);
}

/* EINVAL from epoll_ctl or epoll_wait: which of the man page's reasons it is here. */
static void why_epoll_invalid(struct session *s, const struct call_ctx *c)
{
	const struct epoll_ctl_args *ctl = c->extra;

	(void)s;
	if (!is_epoll_fd(c->fd))
		report_note("here: fd %d is not an epoll instance (epoll_create makes one).",
			    c->fd);
	else if (strcmp(errors_of(c->call), "epoll_wait") == 0 && c->arg < 1)
		report_note("here: MAX is %ld; it must be at least 1.", c->arg);
	else if (strcmp(errors_of(c->call), "epoll_wait") == 0)
		report_note("here: MAX is %ld; Linux takes at most INT_MAX / sizeof(struct "
			    "epoll_event) = %zu (EP_MAX_EVENTS).", c->arg,
			    (size_t)INT_MAX / sizeof(struct epoll_event));
	else if (c->arg == c->fd)
		report_note("here: fd %d cannot watch itself.", c->fd);
	else if (ctl != NULL && (ctl->events & EPOLLEXCLUSIVE))
		report_note("here: EPOLLEXCLUSIVE is allowed only with add, and not with "
			    "oneshot or on an epoll fd; %s.", ctl->op == EPOLL_CTL_ADD ?
			    "this was add" : "this was not add");
}

static void why_select_invalid(struct session *s, const struct call_ctx *c)
{
	(void)s;
	(void)c;
	report_note("here: the timeout is negative; only -1 means no timeout (NULL).");
}

static void why_create_invalid(struct session *s, const struct call_ctx *c)
{
	(void)s;
	report_note("here: flags %#lx hold bits other than EPOLL_CLOEXEC (%#x).",
		    c->arg, EPOLL_CLOEXEC);
}

static const struct {
	const char *call;
	int err;
	void (*why)(struct session *s, const struct call_ctx *c);
} event_causes[] = {
	{ "epoll_ctl", EBADF, why_ctl_bad_fd }, { "epoll_ctl", EEXIST, why_ctl_exists }, { "epoll_ctl", ENOENT, why_ctl_no_entry },
	{ "epoll_ctl", EPERM, why_ctl_perm }, { "epoll_ctl", ELOOP, why_ctl_loop },
	{ "epoll_ctl", EINVAL, why_epoll_invalid }, { "epoll_wait", EINVAL, why_epoll_invalid },
	{ "select", EINVAL, why_select_invalid },
	{ "epoll_create1", EINVAL, why_create_invalid },
};

/* The cause of an event call's error, if this file knows it; false: the general causes. */
bool explain_events_cause(struct session *s, const struct call_ctx *c, int err)
{
	for (size_t i = 0; i < sizeof(event_causes) / sizeof(event_causes[0]); i++)
		if (event_causes[i].err == err && strcmp(event_causes[i].call, errors_of(c->call)) == 0) {
			event_causes[i].why(s, c);
			return true;
		}
	return false;
}
