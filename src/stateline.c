/*
 * stateline.c - the state line printed after every call: the API state and
 * the kernel's truth (TCP state, accept queue, queues, shutdown), in words,
 * from what kstate.c read.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "sockrepl.h"

/*
 * A listener's accept queue in words: "2 waiting, full (backlog 1: up to 2
 * may wait)". Linux lets backlog + 1 connections wait (the queue is full
 * when more than backlog wait), the backlog capped at net.core.somaxconn.
 */
void describe_queue(const struct kstate *k, char *out, size_t size)
{
	/*
	 * /proc is read again only when the limit equals the value it had at
	 * the first look: opening it for every state line costs a listen loop
	 * a fifth of its time. At worst a cap by a value set since is not named.
	 */
	static unsigned first_seen;
	bool capped;

	if (first_seen == 0)
		first_seen = somaxconn();
	capped = k->queue_max == first_seen && k->queue_max == somaxconn();

	snprintf(out, size, "%u waiting%s (backlog %u%s: up to %u may wait)", k->queue_len,
		 k->queue_len > k->queue_max ? ", full" : "", k->queue_max,
		 capped ? " = net.core.somaxconn" : "", k->queue_max + 1);
}

/* "LISTENING on 127.0.0.1:6789", "CONNECTED 127.0.0.1:5000 -> 127.0.0.1:6789" */
static void describe_endpoints(const struct kstate *k, char *out, size_t size)
{
	char local[ENDPOINT_SIZE], peer[ENDPOINT_SIZE], why[128];

	format_endpoint(local, sizeof(local), (const struct sockaddr *)&k->local);
	format_endpoint(peer, sizeof(peer), (const struct sockaddr *)&k->peer);
	switch (k->api) {
	case API_LISTENING:
		snprintf(out, size, "on %s", local);
		break;
	case API_BOUND:
		snprintf(out, size, "to %s", local);
		break;
	case API_CONNECTING:
		if (k->has_dest)	/* from sock_diag: getpeername cannot answer yet */
			snprintf(out, size, "%s -> %s, waiting for the SYN-ACK", local, peer);
		else
			snprintf(out, size, "from %s, waiting for the SYN-ACK", local);
		break;
	case API_CONNECTED:
	case API_HALF_CLOSED:
		snprintf(out, size, "%s -> %s", local, peer);
		break;
	case API_DISCONNECTED:
		describe_disconnect(k, true, why, sizeof(why));
		snprintf(out, size, "(%s)", why);
		break;
	default:
		snprintf(out, size, "(no address yet)");
	}
}

/* sk_shutdown bits in words; receiving is also shut by the peer's FIN. */
static const char *const shutdown_words[] = {
	"", "recv returns 0 when empty (the peer's FIN, or shutdown rd)",
	"no more sending (the FIN follows any data still queued)", "both directions shut",
};

/* Unix sends no FIN: one end's shutdown (or close) sets the bits of both ends. */
static const char *const unix_shutdown_words[] = {
	"", "no more receiving (shut down here, or the peer stopped sending)",
	"no more sending (shut down here, or the peer stopped receiving)", "both directions shut",
};

/* UDP tells no one: the bits are this socket's own (set even when shutdown says ENOTCONN). */
static const char *const udp_shutdown_words[] = {
	"", "no more receiving (shut down here: recv returns 0 once no datagram waits)",
	"no more sending (shut down here: send fails with EPIPE; UDP tells no one)",
	"both directions shut",
};

static const char *shutdown_text(const struct kstate *k)
{
	if (k->domain == AF_UNIX)
		return unix_shutdown_words[k->shutdown & 3];
	if (k->protocol == IPPROTO_UDP)
		return udp_shutdown_words[k->shutdown & 3];
	/* Once the peer acknowledged our FIN, nothing of ours is queued any more. */
	if ((k->shutdown & 3) == 2 && k->has_tcp &&
	    (k->tcp_state == TCP_FIN_WAIT2 || k->tcp_state == TCP_TIME_WAIT))
		return "no more sending (FIN sent and acknowledged)";
	return shutdown_words[k->shutdown & 3];
}

/* One line: `fd 3: LISTENING on 127.0.0.1:6789 · TCP LISTEN · accept queue: 0 waiting (...)`. */
void print_state_line(int fd)
{
	struct kstate k;

	kstate_read(fd, &k);
	print_state(fd, &k);
}

/* The same line, from a state already read. */
void print_state(int fd, const struct kstate *kp)
{
	const struct kstate k = *kp;
	char where[2 * ENDPOINT_SIZE + 160], queue[96], segments[128];
	int flags;

	if (!k.is_socket && is_epoll_fd(fd)) {
		print_epoll_state(fd);
		return;
	}
	if (!k.is_socket) {
		printf("fd %d: %s\n", fd, k.api == API_CLOSED ? "CLOSED" : "not a socket");
		return;
	}
	describe_endpoints(&k, where, sizeof(where));
	printf("fd %d: %s%s%s %s · ", fd, color(COLOR_STATE), api_state_name(k.api),
	       color(COLOR_OFF), where);
	if (k.has_tcp)
		printf("TCP %s", tcp_state_name(k.tcp_state));
	else
		printf("%s", proto_name(&k));
	if (k.api == API_LISTENING) {
		describe_queue(&k, queue, sizeof(queue));
		printf(" · accept queue: %s", queue);
	}
	print_queues(&k);
	if (k.shutdown > 0)
		printf(" · %s", shutdown_text(&k));
	/* Asked here only (tables do not show it); DISCONNECTED names it already. */
	if (k.api != API_DISCONNECTED && (observe_events(fd, 0) & POLLERR))
		printf(" · error pending (getsockopt SO_ERROR reads it)");
	flags = fcntl(fd, F_GETFL);
	if (flags != -1 && (flags & O_NONBLOCK))
		printf(" · non-blocking");
	wire_counters(fd, &k, segments, sizeof(segments));
	printf("%s\n", segments);
}
