/*
 * queues.c - Recv-Q and Send-Q on the state line, as ss counts them, with
 * what each number is. ss's numbers are not always bytes: for UDP they are
 * the kernel memory the datagrams take (832 for a 3-byte datagram here), a
 * Unix sender's Send-Q is the memory its unread data takes at the receiver,
 * a Unix datagram socket's Recv-Q is the size of the next datagram only, and
 * TCP counts a FIN and a SYN as one each (they take a sequence number).
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>

#include "sockrepl.h"

/* What ss's Recv-Q and Send-Q count, per kind of socket; NULL: plain bytes. */
static const struct queue_meaning {
	int domain, type;	/* domain 0: AF_INET and AF_INET6 */
	const char *recv, *send;
} meanings[] = {
	{ 0, SOCK_DGRAM, "kernel memory, not bytes", "kernel memory, not bytes" },
	{ AF_UNIX, SOCK_STREAM, NULL, "kernel memory of what the peer has not read" },
	{ AF_UNIX, SOCK_SEQPACKET, NULL, "kernel memory of what the peer has not read" },
	{ AF_UNIX, SOCK_DGRAM, "the next datagram's size",
	  "kernel memory of what the receiver has not read" },
};

static const struct queue_meaning *meaning_of(const struct kstate *k)
{
	int domain = k->domain == AF_UNIX ? AF_UNIX : 0;

	for (size_t i = 0; i < sizeof(meanings) / sizeof(meanings[0]); i++)
		if (meanings[i].domain == domain && meanings[i].type == k->type)
			return &meanings[i];
	return NULL;
}

/* The states in which our FIN is sent but not yet acknowledged (RFC 793). */
static bool fin_unacknowledged(int tcp_state)
{
	return tcp_state == TCP_FIN_WAIT1 || tcp_state == TCP_CLOSING || tcp_state == TCP_LAST_ACK;
}

/*
 * TCP: ss counts the peer's FIN in Recv-Q until recv has read up to it
 * (SIOCINQ does not), and our SYN or FIN in Send-Q until it is acknowledged.
 */
static void tcp_words(const struct kstate *k, char *recv, char *send, size_t size)
{
	if (k->recv_q == k->unread + 1 && k->shutdown > 0 && (k->shutdown & 1)) {
		if (k->unread == 0)
			snprintf(recv, size, " (the peer's FIN: recv returns 0)");
		else
			snprintf(recv, size, " (%u byte%s + the peer's FIN)", k->unread,
				 k->unread == 1 ? "" : "s");
	}
	if (k->tcp_state == TCP_SYN_SENT && k->send_q == 1)
		snprintf(send, size, " (the SYN, not yet answered)");
	if (fin_unacknowledged(k->tcp_state) && k->send_q == 1)
		snprintf(send, size, " (the FIN, not yet acknowledged)");
	else if (fin_unacknowledged(k->tcp_state) && k->send_q > 1)
		snprintf(send, size, " (%u byte%s + the FIN, not yet acknowledged)", k->send_q - 1,
			 k->send_q == 2 ? "" : "s");
}

/* The states in which a connection still carries data each way that it can hold up. */
static bool may_receive(int tcp_state)
{
	return tcp_state == TCP_ESTABLISHED || tcp_state == TCP_FIN_WAIT1 ||
	       tcp_state == TCP_FIN_WAIT2;
}

static bool may_send(int tcp_state)
{
	return tcp_state == TCP_ESTABLISHED || tcp_state == TCP_CLOSE_WAIT;
}

/*
 * Flow control, shown only when it stops data (a zero window), so that the
 * state line of every connection that is not held up stays as it was. The
 * windows come from TCP_INFO (Linux 6.2 on): tcpi_rcv_wnd is the window this
 * end advertised last, tcpi_snd_wnd the one the peer advertised.
 */
static void print_windows(const struct kstate *k)
{
	if (!k->has_tcp || !k->has_windows || !k->has_peer)
		return;
	if (may_receive(k->tcp_state) && k->rcv_wnd == 0)
		printf(" · window 0 (advertised: the receive buffer is full, the peer must wait)");
	if (may_send(k->tcp_state) && k->snd_wnd == 0 && k->notsent > 0)
		printf(" · the peer's window is 0: %u byte%s wait%s unsent", k->notsent,
		       k->notsent == 1 ? "" : "s", k->notsent == 1 ? "s" : "");
}

/* " · Recv-Q 4 (3 bytes + the peer's FIN) · Send-Q 0", or nothing when both are empty. */
void print_queues(const struct kstate *k)
{
	char recv[64] = "", send[64] = "";
	unsigned recv_q = k->has_queues ? k->recv_q : k->unread;
	unsigned send_q = k->has_queues ? k->send_q : k->unsent;
	const struct queue_meaning *m = meaning_of(k);

	if (k->api == API_LISTENING || (recv_q == 0 && send_q == 0 && !k->dgram_waiting))
		return;
	if (k->has_tcp && k->has_queues)
		tcp_words(k, recv, send, sizeof(recv));
	if (k->has_tcp && k->tcp_state == TCP_CLOSE && recv_q)
		snprintf(recv, sizeof(recv), " (still readable: the connection has ended)");
	if (m != NULL && m->recv != NULL && (recv_q || k->dgram_waiting))
		snprintf(recv, sizeof(recv), " (%s)", m->recv);
	if (m != NULL && m->send != NULL && send_q)
		snprintf(send, sizeof(send), " (%s)", m->send);
	printf(" · Recv-Q %u%s · Send-Q %u%s", recv_q, recv, send_q, send);
	if (k->dgram_waiting && k->domain != AF_UNIX)
		printf(" · next datagram %u byte%s", k->next_dgram, k->next_dgram == 1 ? "" : "s");
	print_windows(k);
}
