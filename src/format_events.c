/*
 * format_events.c - the arguments and results of select and the epoll calls,
 * as strace 6.1 prints them (fd sets as [3 5], epoll_event as
 * {events=EPOLLIN|EPOLLET, data={u32=3, u64=3}}).
 */
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "sockrepl.h"

/* The epoll event bits in the order strace names them (by value). */
static const struct {
	unsigned bit;
	const char *name;
} epoll_bits[] = {
	{ EPOLLIN, "EPOLLIN" }, { EPOLLPRI, "EPOLLPRI" }, { EPOLLOUT, "EPOLLOUT" },
	{ EPOLLERR, "EPOLLERR" }, { EPOLLHUP, "EPOLLHUP" }, { 0x20, "EPOLLNVAL" },
	{ EPOLLRDNORM, "EPOLLRDNORM" }, { EPOLLRDBAND, "EPOLLRDBAND" },
	{ EPOLLWRNORM, "EPOLLWRNORM" }, { EPOLLWRBAND, "EPOLLWRBAND" },
	{ EPOLLMSG, "EPOLLMSG" }, { EPOLLRDHUP, "EPOLLRDHUP" },
	{ 1u << 27, "EPOLL_URING_WAKE" }, { EPOLLEXCLUSIVE, "EPOLLEXCLUSIVE" },
	{ EPOLLWAKEUP, "EPOLLWAKEUP" }, { EPOLLONESHOT, "EPOLLONESHOT" },
	{ EPOLLET, "EPOLLET" },
};

/* EPOLLIN|EPOLLET; 0 as "0"; bits without a name as strace's hex tail. */
void sb_epoll_bits(struct strbuf *sb, unsigned bits)
{
	const char *sep = "";

	if (bits == 0) {
		sb_printf(sb, "0");
		return;
	}
	for (size_t i = 0; i < sizeof(epoll_bits) / sizeof(epoll_bits[0]); i++)
		if (bits & epoll_bits[i].bit) {
			sb_printf(sb, "%s%s", sep, epoll_bits[i].name);
			sep = "|";
			bits &= ~epoll_bits[i].bit;
		}
	if (bits)
		sb_printf(sb, "%s%#x", sep, bits);
}

/* One struct epoll_event: {events=EPOLLIN, data={u32=3, u64=3}}. */
void sb_epoll_event(struct strbuf *sb, const struct epoll_event *ev)
{
	sb_printf(sb, "{events=");
	sb_epoll_bits(sb, ev->events);
	sb_printf(sb, ", data={u32=%u, u64=%llu}}", (unsigned)ev->data.u32,
		  (unsigned long long)ev->data.u64);
}

/* The events epoll_wait returned, cut after 32 as strace cuts arrays. */
void sb_epoll_events(struct strbuf *sb, const struct epoll_event *evs, int n)
{
	sb_printf(sb, "[");
	for (int i = 0; i < n; i++) {
		if (i == 32) {
			sb_printf(sb, ", ...");
			break;
		}
		sb_printf(sb, "%s", i ? ", " : "");
		sb_epoll_event(sb, &evs[i]);
	}
	sb_printf(sb, "]");
}

/* An fd set of nfds bits: [3 5], or NULL when none was passed. */
void sb_fd_set(struct strbuf *sb, const fd_set *set, int nfds)
{
	const char *sep = "";

	if (set == NULL) {
		sb_printf(sb, "NULL");
		return;
	}
	sb_printf(sb, "[");
	for (int fd = 0; fd < nfds; fd++)
		if (FD_ISSET(fd, set)) {
			sb_printf(sb, "%s%d", sep, fd);
			sep = " ";
		}
	sb_printf(sb, "]");
}
