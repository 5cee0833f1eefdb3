/*
 * events.c - the one wait the front ends share.
 *
 * Everything that can wake sockrepl is a source in one epoll set, and the
 * process sleeps in the kernel until one is ready: no sampling. A source is
 * a row {fd, how it triggers, what its readiness means}:
 *
 *   - the standard input, level-triggered: Readline reads one byte per call,
 *     so a paste must keep waking the loop until it is all read;
 *   - each session socket, edge-triggered (EPOLLET): it wakes the loop once
 *     per change the kernel signals (a connection queued, data or a FIN
 *     arriving, a state change), not for as long as it stays ready, so a
 *     readable socket left unread costs nothing.
 *
 * What changed is then read from the kernel's state (watch.c), never by
 * consuming anything. A few TCP states are left by a timer inside the
 * kernel, which wakes no one (FIN-WAIT-2 giving up, SYN-SENT resending); only
 * while a session socket is in one does the wait get a deadline (a tick),
 * so an idle session with nothing that can change sleeps with no wake-up.
 *
 * Other sources plug in as more rows with their own wake bit: the packet
 * capture of wire.c (an AF_PACKET socket) is a level-triggered row whose
 * WAKE_WIRE makes the caller drain it, kept with events_keep_source() so it
 * stays in the set when a reset makes the set afresh; child processes are a
 * signalfd (SIGCHLD, procs.c), whose WAKE_CHILD makes the caller say which
 * child ended. The callers already loop on the returned bits.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <unistd.h>

#include "sockrepl.h"

#define TRANSIENT_TICK_MS 100	/* how often a state the kernel leaves by a timer is looked at */
#define MAX_READY 64

/* The epoll data of a source: its wake bit above, its fd below. */
#define SOURCE_DATA(wake, fd) (((uint64_t)(wake) << 32) | (uint32_t)(fd))

static int epoll_fd = -1;
static bool stdin_added;	/* the standard input is in the set */
static struct { int fd; unsigned wake; } kept[8];	/* sockrepl's own level-triggered sources */
static size_t nkept;

/*
 * Move an fd of sockrepl's own to the top of the fd range (at most 1023, the
 * usual limit's last), so that the learner's first socket is still fd 3 and
 * the numbers go on unbroken.
 */
int fd_out_of_the_way(int fd)
{
	struct rlimit lim;
	int top, high = -1;

	if (fd < 0 || getrlimit(RLIMIT_NOFILE, &lim) == -1)
		return fd;
	top = (int)(lim.rlim_cur < 1024 ? lim.rlim_cur : 1024) - 1;
	/* The highest free number: the top one may be another of sockrepl's own already. */
	for (int at = top; high == -1 && at > fd && at > top - 16; at--) {
		high = fcntl(fd, F_DUPFD_CLOEXEC, at);
		if (high > top) {	/* at was taken, and the limit allows more than 1024 */
			close(high);
			high = -1;
		}
	}
	if (high == -1)
		return fd;
	close(fd);
	return high;
}

static bool ensure_epoll(void)
{
	if (epoll_fd == -1)
		epoll_fd = fd_out_of_the_way(epoll_create1(EPOLL_CLOEXEC));
	return epoll_fd != -1;
}

/* A source in the wait: edge-triggered or not; wake is the bit the wait returns. */
bool events_add_source(int fd, bool edge, unsigned wake)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLPRI | EPOLLRDHUP | (edge ? EPOLLOUT | EPOLLET : 0u),
		.data.u64 = SOURCE_DATA(wake, fd),
	};

	if (!ensure_epoll())
		return false;
	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0 || errno == EEXIST;
}

/*
 * A source of sockrepl's own (the packet capture) that stays in the set
 * until forgotten, also when the set is made afresh after a reset.
 */
void events_keep_source(int fd, unsigned wake)
{
	if (nkept < sizeof(kept) / sizeof(kept[0])) {
		kept[nkept].fd = fd;
		kept[nkept++].wake = wake;
	}
	events_add_source(fd, false, wake);
}

void events_forget_source(int fd)
{
	for (size_t i = 0; i < nkept; i++)
		if (kept[i].fd == fd)
			kept[i--] = kept[--nkept];
	if (epoll_fd != -1)
		epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

/*
 * Every session socket is a source. Adding one already there is refused
 * (EEXIST) and harmless; a closed socket left the set by itself, so a new
 * socket on its number is added afresh. Added, a socket already ready wakes
 * the wait once, and watch.c finds nothing new: no harm either.
 */
static void add_sockets(const struct session *s)
{
	for (size_t i = 0; i < s->nfds; i++)
		events_add_source(s->fds[i], true, WAKE_SOCKETS);
	for (size_t i = 0; i < nkept; i++)
		events_add_source(kept[i].fd, false, kept[i].wake);
}

/* A TCP state that the kernel may leave by a timer of its own, waking no one. */
static bool transient(int fd)
{
	struct tcp_info info;
	socklen_t len = sizeof(info);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == -1)
		return false;	/* not TCP: Unix and UDP sockets change only by waking */
	switch (info.tcpi_state) {
	case TCP_SYN_SENT: case TCP_SYN_RECV: case TCP_FIN_WAIT1: case TCP_FIN_WAIT2:
	case TCP_CLOSING: case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

static bool any_transient(const struct session *s)
{
	for (size_t i = 0; i < s->nfds; i++)
		if (transient(s->fds[i]))
			return true;
	return false;
}

/*
 * Sleep until a source is ready, a signal arrives, or timeout_ms pass (-1:
 * no limit); with_stdin: the standard input is a source too. Returns the
 * WAKE_ bits of what was ready (0: the time ran out, a tick, or a signal).
 * The signals sockrepl handles (SIGINT, SIGTERM, SIGHUP, ...) are blocked
 * while the flags are checked and let in only inside epoll_pwait, so one
 * arriving just before the wait still ends it at once.
 */
unsigned events_wait(struct session *s, bool with_stdin, long timeout_ms)
{
	struct epoll_event ready[MAX_READY];
	sigset_t ends, old;
	unsigned woke = 0;
	int n, timeout = timeout_ms < 0 || timeout_ms > INT32_MAX ? -1 : (int)timeout_ms;

	if (!ensure_epoll())
		return 0;
	add_sockets(s);
	if (with_stdin && !stdin_added)
		stdin_added = events_add_source(STDIN_FILENO, false, WAKE_INPUT);
	else if (!with_stdin && stdin_added)
		stdin_added = epoll_ctl(epoll_fd, EPOLL_CTL_DEL, STDIN_FILENO, NULL) == -1;
	if (any_transient(s) && (timeout == -1 || timeout > TRANSIENT_TICK_MS))
		timeout = TRANSIENT_TICK_MS;
	signals_handled(&ends);
	sigprocmask(SIG_BLOCK, &ends, &old);
	n = interrupted ? 0 : epoll_pwait(epoll_fd, ready, MAX_READY, timeout, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (n == -1 && errno != EINTR)
		events_end();	/* the learner closed its fd (close takes any number): a new one next time */
	for (int i = 0; i < n; i++)
		woke |= (unsigned)(ready[i].data.u64 >> 32);
	return woke;
}

/* At exit: the epoll set goes. */
void events_end(void)
{
	if (epoll_fd != -1)
		close(epoll_fd);
	epoll_fd = -1;
	stdin_added = false;
}
