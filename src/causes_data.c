/*
 * causes_data.c - why a call that moves or asks about data (send, recv,
 * shutdown, socket options, names, poll, socketpair, unlink) failed in this
 * session, where the session can know: the SO_LINGER 0 close that reset a
 * connection, the shutdown that stopped sending. One small function per
 * errno, chosen from a table; each prints "here: ..." lines, or nothing.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#include "sockrepl.h"

/* After recvfrom: name the sender when it is a socket of this session. */
void note_sender(struct session *s, const struct sockaddr *from)
{
	struct kstate k;
	char where[128];
	int fd = session_fd_at(s, from, -1, &k);

	format_endpoint(where, sizeof(where), from);
	if (fd != -1)
		report_note("from %s: that is fd %d of this session.", where, fd);
	else
		report_note("from %s.", where);
}

static void why_refused(struct session *s, const struct call_ctx *c)
{
	struct kstate k;
	char where[128];

	(void)s;
	if (kstate_read(c->fd, &k) && k.has_peer && k.type == SOCK_DGRAM) {
		format_endpoint(where, sizeof(where), (struct sockaddr *)&k.peer);
		report_note("here: an earlier datagram from fd %d to %s found nobody "
			    "there; the kernel keeps that ICMP error for the next call.",
			    c->fd, where);
	}
}

static void why_broken_pipe(struct session *s, const struct call_ctx *c)
{
	struct kstate k;

	(void)s;
	if (!kstate_read(c->fd, &k))
		return;
	if (k.shutdown > 0 && (k.shutdown & 2))
		report_note("here: fd %d was shut down for writing (shutdown wr).", c->fd);
	else if (k.has_tcp && k.tcp_state == TCP_CLOSE)
		report_note("here: fd %d's connection is closed (TCP CLOSED): the peer reset it, "
			    "or it never connected.", c->fd);
	report_note("here: sockrepl ignores SIGPIPE and survived; most programs would have "
		    "been killed here.");
}

static void why_reset(struct session *s, const struct call_ctx *c)
{
	struct kstate k;
	char where[128];

	if (!kstate_read(c->fd, &k) || !k.has_local)
		return;
	for (size_t i = 0; i < s->nresets; i++) {
		if (same_place(&s->resets[i].peer, (struct sockaddr *)&k.local)) {
			format_endpoint(where, sizeof(where), (struct sockaddr *)&s->resets[i].local);
			report_note("here: the peer, %s, was fd %d of this session, closed with "
				    "SO_LINGER on 0: that close sends RST instead of FIN.", where,
				    s->resets[i].fd);
			return;
		}
	}
}

static void why_not_connected(struct session *s, const struct call_ctx *c)
{
	struct kstate k;

	(void)s;
	if (kstate_read(c->fd, &k))
		report_note("here: fd %d is %s.", c->fd, api_state_name(k.api));
}

static void why_too_big(struct session *s, const struct call_ctx *c)
{
	(void)s;
	report_note("here: the datagram was %ld bytes.", c->arg);
}

static const struct {
	int err;
	void (*why)(struct session *s, const struct call_ctx *c);
} data_causes[] = {
	{ ECONNREFUSED, why_refused }, { EPIPE, why_broken_pipe },
	{ ECONNRESET, why_reset }, { ENOTCONN, why_not_connected },
	{ EMSGSIZE, why_too_big },
};

void explain_data_cause(struct session *s, const struct call_ctx *c, int err)
{
	for (size_t i = 0; i < sizeof(data_causes) / sizeof(data_causes[0]); i++)
		if (data_causes[i].err == err)
			data_causes[i].why(s, c);
}
