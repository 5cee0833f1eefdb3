/*
 * ended.c - how a TCP socket's connect or connection ended: DISCONNECTED.
 *
 * The state comes from the kernel: TCP_INFO says CLOSE and counts segments
 * (zeroed when the kernel resets a socket for a new connect), and sock_diag
 * says whether the port getsockname still shows is held. Which error is
 * pending the kernel says only through SO_ERROR, which clears it; so its
 * name comes from what this session saw of the socket: the errno a call
 * returned, or the TCP state it left (by the kernel's tcp_reset() rule).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sockrepl.h"

/* What this session saw of each fd's TCP connection. */
static struct memory {
	int last_open;		/* the last TCP state seen other than CLOSE, or 0 */
	int end_err;		/* the errno that ended its connect or connection, or 0 */
	bool connect_tried;	/* connect was called: a port may have been given back */
} memories[1024];

static struct memory *memory_of(int fd)
{
	return fd >= 0 && fd < (int)(sizeof(memories) / sizeof(memories[0])) ?
	       &memories[fd] : NULL;
}

/* A new socket on this fd number starts afresh. */
void ended_forget(int fd)
{
	struct memory *m = memory_of(fd);

	if (m != NULL)
		memset(m, 0, sizeof(*m));
}

/* The errnos that end a TCP connect or connection. */
static bool ends_connection(int err)
{
	return err == ECONNREFUSED || err == ECONNRESET || err == ETIMEDOUT || err == EPIPE ||
	       err == EHOSTUNREACH || err == ENETUNREACH;
}

/*
 * What a call of this session returned on fd: connect starts a new attempt
 * (its error, if any, is why it ended); a later call's ECONNRESET or
 * ETIMEDOUT names how a connection ended, unless that is known already.
 * Not EPIPE: send returns it on any connection this side can no longer
 * send on, a clean close too.
 */
void kstate_note_result(int fd, const char *call, long ret, int err)
{
	struct memory *id = memory_of(fd);

	if (id == NULL)
		return;
	if (strcmp(call, "connect") == 0) {
		id->connect_tried = true;
		if (ret == 0 || err == EINPROGRESS || ends_connection(err))
			id->end_err = ret == -1 && ends_connection(err) ? err : 0;
	} else if (ret == -1 && (err == ECONNRESET || err == ETIMEDOUT) && id->end_err == 0 &&
		   id->last_open != 0) {
		id->end_err = err;
	}
}

/*
 * Which error a reset or a failed connect left pending, by the rule of the
 * kernel's tcp_reset(): ECONNREFUSED in SYN-SENT, EPIPE in CLOSE-WAIT,
 * ECONNRESET otherwise. A connect that got no answer at all (no RST: a
 * timeout, an ICMP error) is left unnamed: 0; so is a connection that had
 * to retransmit, which may have timed out (ETIMEDOUT) rather than been reset.
 */
static int pending_error(const struct kstate *k)
{
	if (!k->was_connected)
		return k->segs_in > 0 ? ECONNREFUSED : 0;
	if (k->retransmits > 0)
		return 0;
	return k->last_open == TCP_CLOSE_WAIT ? EPIPE : ECONNRESET;
}

struct tw_search {
	const struct sockaddr_storage *local;
	bool found;
};

/* A TIME-WAIT entry on the same local address and port. */
static void match_time_wait(const struct diag_sock *d, void *arg)
{
	struct tw_search *tw = arg;
	const struct sockaddr_in *a = (const struct sockaddr_in *)&d->local;
	const struct sockaddr_in *b = (const struct sockaddr_in *)tw->local;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&d->local;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)tw->local;

	if (d->state != TCP_TIME_WAIT || d->local.ss_family != tw->local->ss_family)
		return;
	if (d->local.ss_family == AF_INET)
		tw->found |= a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	else
		tw->found |= a6->sin6_port == b6->sin6_port &&
			     memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
}

/* After this side closed first, the kernel's TIME-WAIT entry holds the port it gave back. */
static bool port_in_time_wait(const struct kstate *k)
{
	struct tw_search tw = { .local = &k->local };

	return diag_each(k->domain, IPPROTO_TCP, match_time_wait, &tw) && tw.found;
}

/*
 * A TCP socket in CLOSE that exchanged segments, or whose port the kernel
 * gave back, had a connect or a connection that is over: DISCONNECTED.
 * TCP_INFO's counters are zeroed when the kernel resets a socket for a new
 * connect (tcp_disconnect); the port is asked of sock_diag.
 */
void ended_read(int fd, struct kstate *k)
{
	bool exchanged = k->segs_out + k->segs_in > 0;
	struct memory *id = memory_of(fd);
	struct stat st;

	if (id != NULL && k->tcp_state != TCP_CLOSE) {
		id->last_open = k->tcp_state;
		id->end_err = 0;
		return;
	}
	if (k->tcp_state != TCP_CLOSE || id == NULL || (!exchanged && !id->connect_tried &&
							id->last_open == 0))
		return;
	k->error_pending = observe_events(fd, 0) & POLLERR;
	k->last_open = id->last_open;
	if (k->has_local && fstat(fd, &st) == 0 && diag_holds_port(k->domain, st.st_ino) == 0)
		k->port_released = true;	/* getsockname still shows it */
	if (k->port_released && id->end_err == 0 && !k->error_pending &&
	    (id->last_open == TCP_FIN_WAIT1 || id->last_open == TCP_FIN_WAIT2 ||
	     id->last_open == TCP_CLOSING || id->last_open == TCP_TIME_WAIT))
		k->time_wait = port_in_time_wait(k);
	if (!exchanged && !k->port_released)
		return;		/* reset for a new connect, and still bound: BOUND */
	if (k->error_pending && id->end_err == 0)
		id->end_err = pending_error(k);
	k->end_err = id->end_err;
	k->api = API_DISCONNECTED;
}

/* How a connect or a connection ended, by the errno that ended it. */
static const struct {
	int err;
	const char *connect, *connection;
} end_words[] = {
	{ ECONNREFUSED, "connect refused", "connection refused" },
	{ ECONNRESET, "connect reset", "connection reset" },
	{ EPIPE, "connect failed", "connection reset after the peer's FIN" },
	{ ETIMEDOUT, "connect timed out", "connection timed out" },
	{ 0, "connect failed", "connection ended" },
};

/*
 * A clean end: this side's FIN and the peer's were both sent and
 * acknowledged. The only ways out of CLOSE-WAIT are this side's FIN or a
 * reset (which leaves EPIPE pending).
 */
static bool closed_both_ways(const struct kstate *k)
{
	return k->was_connected && k->end_err == 0 && !k->error_pending &&
	       (k->last_open == TCP_FIN_WAIT1 || k->last_open == TCP_FIN_WAIT2 ||
		k->last_open == TCP_CLOSING || k->last_open == TCP_LAST_ACK ||
		k->last_open == TCP_TIME_WAIT || k->last_open == TCP_CLOSE_WAIT);
}

/*
 * Why a DISCONNECTED socket is so: "connect refused: ECONNREFUSED pending",
 * "connection reset", "connection closed: FIN sent and received"; with_port
 * adds what became of its port.
 */
void describe_disconnect(const struct kstate *k, bool with_port, char *out, size_t size)
{
	size_t i = 0, n;
	char local[64];

	while (end_words[i].err != 0 && end_words[i].err != k->end_err)
		i++;
	if (closed_both_ways(k))
		n = (size_t)snprintf(out, size, "connection closed: FIN sent and received");
	else if (k->last_open == TCP_LISTEN && !k->error_pending)
		n = (size_t)snprintf(out, size, "no longer listening");
	else
		n = (size_t)snprintf(out, size, "%s", k->was_connected ? end_words[i].connection :
				     end_words[i].connect);
	if (n < size && k->error_pending && k->end_err != 0)
		n += (size_t)snprintf(out + n, size - n, ": %s pending", errno_name(k->end_err));
	else if (n < size && k->error_pending)
		n += (size_t)snprintf(out + n, size - n, ": an error is pending");
	else if (n < size && k->end_err != 0 && end_words[i].err == 0)
		n += (size_t)snprintf(out + n, size - n, ": %s", errno_name(k->end_err));
	if (n >= size || !with_port)
		return;
	format_endpoint(local, sizeof(local), (const struct sockaddr *)&k->local);
	if (k->time_wait)
		snprintf(out + n, size - n, "; its TIME-WAIT holds port %s",
			 strrchr(local, ':') != NULL ? strrchr(local, ':') + 1 : local);
	else if (k->port_released)
		snprintf(out + n, size - n, "; port %s released",
			 strrchr(local, ':') != NULL ? strrchr(local, ':') + 1 : local);
	else if (k->has_local)
		snprintf(out + n, size - n, "; still bound to %s", local);
}
