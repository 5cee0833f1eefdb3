/*
 * msgflags.c - the MSG_* flags of send and recv: the words a learner types
 * and the names strace prints for them; and, after a send, why TCP holds
 * bytes back (MSG_MORE, Nagle's algorithm).
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sockrepl.h"

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* In the order of their values, which is the order strace prints them in. */
static const struct {
	const char *word, *symbol;
	int bit;
	bool receiving;		/* a recv flag (else a send flag) */
} msg_flags[] = {
	{ "peek", "MSG_PEEK", MSG_PEEK, true },
	{ "dontwait", "MSG_DONTWAIT", MSG_DONTWAIT, true },
	{ "waitall", "MSG_WAITALL", MSG_WAITALL, true },
	{ "more", "MSG_MORE", MSG_MORE, false },
};

/* The flag a word names for recv (receiving) or send, else 0. */
int msg_flag_bit(const char *word, bool receiving)
{
	for (size_t i = 0; i < COUNT(msg_flags); i++)
		if (msg_flags[i].receiving == receiving && strcmp(word, msg_flags[i].word) == 0)
			return msg_flags[i].bit;
	return 0;
}

/* The flags as strace prints them: 0, or MSG_PEEK|MSG_WAITALL. */
void sb_msg_flags(struct strbuf *sb, int flags)
{
	const char *sep = "";

	if (flags == 0)
		sb_printf(sb, "0");
	for (size_t i = 0; i < COUNT(msg_flags); i++)
		if (flags & msg_flags[i].bit) {
			sb_printf(sb, "%s%s", sep, msg_flags[i].symbol);
			sep = "|";
		}
}

/* A TCP connection whose peer may still send: a MSG_WAITALL recv can wait for more. */
static bool peer_may_send(const struct kstate *k)
{
	return k->has_tcp && (k->tcp_state == TCP_ESTABLISHED || k->tcp_state == TCP_FIN_WAIT1 ||
			      k->tcp_state == TCP_FIN_WAIT2);
}

/*
 * Before a recv: MSG_DONTWAIT never waits; MSG_WAITALL waits while fewer than
 * N bytes are queued, even if some are; otherwise announce_wait says it.
 */
void announce_recv_wait(struct session *s, int fd, int flags, long size)
{
	struct kstate k;
	char limit[64];

	if (!(flags & MSG_DONTWAIT) && (flags & MSG_WAITALL) &&
	    kstate_read(fd, &k) && peer_may_send(&k) && k.unread > 0 && k.unread < size &&
	    !(fcntl(fd, F_GETFL) & O_NONBLOCK)) {
		call_time_limit(fd, false, limit, sizeof(limit));
		report_note("(MSG_WAITALL: %u of the %ld bytes are here; the call blocks until all "
			    "have arrived or the peer closes%s; Ctrl-C interrupts)", k.unread, size,
			    limit);
	}
	if (flags & MSG_DONTWAIT) {
		stdin_watch_call(s, false);	/* it cannot wait */
		fflush(stdout);
	} else {
		announce_wait(s, fd, "recv");
	}
}

/* After a recv that returned n: what MSG_PEEK and MSG_WAITALL did. */
void note_recv_flags(int fd, int flags, long size, long n)
{
	bool stream = socket_type(fd) == SOCK_STREAM;

	if ((flags & MSG_PEEK) && n > 0)
		report_note("MSG_PEEK: %s copied, not taken: still queued (Recv-Q on the state "
			    "line counts %s), and the next recv returns %s again.",
			    stream ? "these bytes were" : "the datagram was",
			    stream ? "them" : "it", stream ? "them" : "it");
	if (!(flags & MSG_WAITALL) || !stream || size == 0)
		return;
	if (n == size)
		report_note("MSG_WAITALL: recv returned only once all %ld bytes had arrived; "
			    "without it, recv returns as soon as any byte is there.", size);
	else if (n > 0 && (flags & MSG_DONTWAIT))
		report_note("MSG_WAITALL, yet %ld of %ld bytes: MSG_DONTWAIT forbids the wait, so "
			    "recv returned what was there.", n, size);
	else if (n > 0)
		report_note("MSG_WAITALL, yet %ld of %ld bytes: the wait ended early (end of "
			    "file, an error, a signal or SO_RCVTIMEO), and recv returned what had "
			    "arrived.", n, size);
}

/* After a send with MSG_MORE: what each kind of socket does with the held bytes. */
static void note_send_more(const struct call_ctx *c)
{
	int type = socket_type(c->fd);

	if (!(c->msg_flags & MSG_MORE) || c->after == NULL)
		return;
	if (c->after->has_tcp)
		report_note("MSG_MORE: TCP holds these bytes (Send-Q) to fill a segment with "
			    "what the next send adds; a send without more pushes them out, and "
			    "Linux sends them on its own after about 200 ms.");
	else if (c->after->domain != AF_UNIX && type == SOCK_DGRAM)
		report_note("MSG_MORE: UDP holds these bytes; the next send without more adds "
			    "its own and sends them all as one datagram.");
	else if (c->after->domain == AF_UNIX)
		report_note("MSG_MORE: a Unix socket ignores it: the bytes are queued for the "
			    "peer at once.");
}

static bool tcp_option_on(int fd, int option)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, IPPROTO_TCP, option, &on, &len) == 0 && on;
}

/*
 * Bytes TCP did not send although the peer's window has room, while earlier
 * segments wait for their ACK, with no MSG_MORE and no TCP_CORK: that is
 * Nagle's algorithm (Linux's form of it holds a small segment only while an
 * earlier small one is unacknowledged).
 */
static void note_nagle_hold(const struct call_ctx *c)
{
	const struct kstate *k = c->after;

	if (k == NULL || !k->has_tcp || k->notsent == 0 || k->unacked_segs == 0 ||
	    (c->msg_flags & MSG_MORE) || (k->has_windows && k->unsent > k->snd_wnd) ||
	    tcp_option_on(c->fd, TCP_NODELAY) || tcp_option_on(c->fd, TCP_CORK))
		return;
	report_note("%u byte%s not sent yet: Nagle's algorithm holds a small segment while an "
		    "earlier small one is unacknowledged (%u segment%s in flight); it goes when "
		    "the ACK comes. TCP_NODELAY on sends at once.", k->notsent,
		    k->notsent == 1 ? " is" : "s are", k->unacked_segs,
		    k->unacked_segs == 1 ? "" : "s");
}

/* After send or sendmmsg: what TCP holds back, and why. */
void note_after_send(const struct call_ctx *c)
{
	note_send_more(c);
	note_nagle_hold(c);
}
