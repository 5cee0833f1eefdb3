/*
 * kstate.c - a socket's state, read from the kernel every time.
 *
 * There is no shadow model: the API state is derived from what the kernel
 * answers (SO_ACCEPTCONN, getpeername, getsockname, poll's POLLERR) and the
 * TCP state and the accept queue come from TCP_INFO. For a listener, TCP_INFO's
 * tcpi_unacked is the accept queue's length and tcpi_sacked its limit (what ss
 * shows as Recv-Q and Send-Q on a LISTEN row). Why a TCP socket is
 * DISCONNECTED is ended.c's part.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockrepl.h"

static int get_int_opt(int fd, int level, int name, int *value)
{
	socklen_t len = sizeof(*value);

	return getsockopt(fd, level, name, value, &len);
}

/* Bound: an IP socket with a port, or a Unix socket with a path or an abstract name. */
static bool has_address(const struct sockaddr_storage *ss, socklen_t len)
{
	if (ss->ss_family == AF_UNIX)
		return len > sizeof(sa_family_t);	/* unnamed: only sun_family */
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_port != 0;
	if (ss->ss_family == AF_INET6)
		return ((const struct sockaddr_in6 *)ss)->sin6_port != 0;
	return false;
}

/* TCP states in which getpeername can answer: the connection exists. */
static bool may_have_peer(int tcp_state)
{
	return tcp_state != TCP_LISTEN && tcp_state != TCP_CLOSE && tcp_state != TCP_SYN_SENT;
}

/*
 * A socket's family, type and protocol never change, so they are asked once
 * per fd and kept until the session closes or reuses that fd number.
 */
static struct identity {
	bool known;
	int domain, type, protocol;
} identities[1024];

void kstate_forget(int fd)
{
	if (fd >= 0 && fd < (int)(sizeof(identities) / sizeof(identities[0])))
		identities[fd].known = false;
	ended_forget(fd);
}

static bool identity_of(int fd, struct kstate *k)
{
	struct identity *id = fd >= 0 && fd < (int)(sizeof(identities) / sizeof(identities[0])) ?
			      &identities[fd] : NULL;

	if (id != NULL && id->known) {
		k->domain = id->domain, k->type = id->type, k->protocol = id->protocol;
		return true;
	}
	if (get_int_opt(fd, SOL_SOCKET, SO_DOMAIN, &k->domain) == -1)
		return false;
	get_int_opt(fd, SOL_SOCKET, SO_TYPE, &k->type);
	get_int_opt(fd, SOL_SOCKET, SO_PROTOCOL, &k->protocol);
	if (id != NULL)
		*id = (struct identity){ true, k->domain, k->type, k->protocol };
	return true;
}

/* TCP_INFO as Linux fills it: glibc's struct tcp_info stops at tcpi_total_retrans. */
struct tcp_info_linux {
	struct tcp_info base;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
	uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
	uint32_t delivered, delivered_ce;
	uint64_t bytes_sent, bytes_retrans;
	uint32_t dsack_dups, reord_seen, rcv_ooopack;
	uint32_t snd_wnd;	/* the peer's advertised window, scaled (Linux 5.4) */
	uint32_t rcv_wnd;	/* the window this end advertised last, scaled (Linux 6.2) */
};

static void read_tcp_info(int fd, struct kstate *k)
{
	struct tcp_info_linux info;
	socklen_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (k->protocol != IPPROTO_TCP ||
	    getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == -1)
		return;
	k->has_tcp = true;
	k->tcp_state = info.base.tcpi_state;
	k->queue_len = info.base.tcpi_unacked;
	k->queue_max = info.base.tcpi_sacked;
	/* The SYN (or the SYN-ACK) was acknowledged: a timed-out SYN has an RTT estimate too. */
	k->was_connected = info.delivered > 0;
	k->segs_out = info.segs_out;	/* none for a fresh socket, or one reset for a new connect */
	k->segs_in = info.segs_in;
	k->bytes_in = info.bytes_received;
	k->bytes_out = info.bytes_sent;
	k->retransmits = info.base.tcpi_total_retrans;
	k->unacked_segs = info.base.tcpi_unacked;
	k->has_windows = len >= offsetof(struct tcp_info_linux, rcv_wnd) + sizeof(info.rcv_wnd);
	k->snd_wnd = info.snd_wnd;
	k->rcv_wnd = info.rcv_wnd;
	k->notsent = info.notsent_bytes;
}

/*
 * What only a connection has: bytes waiting in each direction (SIOCINQ,
 * SIOCOUTQ). Once a TCP connection has ended (CLOSED) only the unread bytes
 * mean anything: nothing will be sent, yet SIOCOUTQ may still count a SYN
 * that was never answered.
 */
static void read_connection(int fd, struct kstate *k)
{
	int bytes;

	if (ioctl(fd, SIOCINQ, &bytes) == 0)
		k->unread = (unsigned)bytes;
	if ((!k->has_tcp || k->tcp_state != TCP_CLOSE) && ioctl(fd, SIOCOUTQ, &bytes) == 0)
		k->unsent = (unsigned)bytes;
}

/* The kernel's table entry for fd (sock_diag), as ss finds it; false if it has none. */
static bool find_in_table(int fd, const struct kstate *k, struct diag_sock *d)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return false;
	if (k->domain == AF_UNIX)
		return diag_unix((unsigned)st.st_ino, d);
	if (k->domain != AF_INET && k->domain != AF_INET6)
		return false;
	if (!k->has_tcp)	/* UDP: connected or not, ss lists it */
		return diag_find(k->domain, k->protocol, ~0U, (unsigned)st.st_ino, d);
	if (k->has_peer)
		return diag_lookup(k, d);
	if (k->tcp_state == TCP_SYN_SENT)	/* getpeername cannot name the destination yet */
		return diag_find(k->domain, k->protocol, 1U << TCP_SYN_SENT, (unsigned)st.st_ino, d);
	return false;	/* LISTEN (TCP_INFO has its queue) or CLOSE: nothing is queued */
}

/*
 * What ss shows for fd: Recv-Q and Send-Q as it counts them (for a Unix
 * listener, its accept queue and backlog), which directions are shut down
 * (after shutdown, or the peer's FIN or close) and where a SYN-SENT socket
 * is connecting to.
 */
static void read_table(int fd, struct kstate *k, bool accepting)
{
	struct diag_sock d = { .family = -1 };

	if (!find_in_table(fd, k, &d))
		return;
	k->shutdown = d.shutdown;
	if (accepting) {
		k->queue_len = d.rqueue;
		k->queue_max = d.wqueue;
		return;
	}
	k->has_queues = true;
	k->recv_q = d.rqueue;
	k->send_q = d.wqueue;
	if (k->has_tcp && k->tcp_state == TCP_SYN_SENT) {
		k->peer = d.peer;
		k->has_dest = true;
	}
}

/*
 * A datagram socket: is a datagram waiting, and how big is the next one?
 * SIOCINQ gives the next datagram's size (0 for an empty one or none);
 * POLLIN tells an empty datagram from none, unless receiving is shut down
 * (that sets POLLIN too).
 */
static void read_datagram(int fd, struct kstate *k)
{
	bool shut = k->shutdown > 0 && (k->shutdown & 1);
	int bytes;

	if (ioctl(fd, SIOCINQ, &bytes) == -1)
		return;
	k->next_dgram = (unsigned)bytes;
	k->dgram_waiting = bytes > 0 || (!shut && (observe_events(fd, POLLIN) & POLLIN));
}

static enum api_state derive_api_state(const struct kstate *k, bool accepting)
{
	if (k->api == API_DISCONNECTED)	/* ended_read found it so */
		return API_DISCONNECTED;
	if (accepting)
		return API_LISTENING;
	if (k->has_peer && k->shutdown > 0)
		return API_HALF_CLOSED;
	if (k->has_peer)
		return API_CONNECTED;
	if (k->has_tcp && k->tcp_state == TCP_SYN_SENT)
		return API_CONNECTING;
	if (k->has_local)
		return API_BOUND;
	return API_CREATED;
}

/* Ask the kernel everything the state line and the table show. */
bool kstate_read(int fd, struct kstate *k)
{
	socklen_t len;
	int accepting = 0;

	memset(k, 0, sizeof(*k));
	if (!identity_of(fd, k)) {
		k->api = errno == EBADF ? API_CLOSED : API_CREATED;
		return false;
	}
	k->is_socket = true;
	read_tcp_info(fd, k);
	/* For TCP the state tells what else to ask: only LISTEN accepts, only a connection has a peer. */
	if (k->has_tcp)
		accepting = k->tcp_state == TCP_LISTEN;
	else
		get_int_opt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting);
	len = sizeof(k->local);
	k->has_local = getsockname(fd, (struct sockaddr *)&k->local, &len) == 0 &&
		       has_address(&k->local, len);
	len = sizeof(k->peer);
	k->has_peer = (!k->has_tcp || may_have_peer(k->tcp_state)) &&
		      getpeername(fd, (struct sockaddr *)&k->peer, &len) == 0;
	k->shutdown = -1;
	/* A TCP connection that ended (reset, or the FINs exchanged) may still hold unread bytes. */
	if (k->has_peer || (k->has_tcp && k->tcp_state == TCP_CLOSE))
		read_connection(fd, k);
	read_table(fd, k, accepting);
	if (k->type == SOCK_DGRAM)
		read_datagram(fd, k);
	if (k->has_tcp)
		ended_read(fd, k);	/* also error_pending, for a socket it may concern */
	k->api = derive_api_state(k, accepting);
	return true;
}

const char *api_state_name(enum api_state st)
{
	static const char *const names[] = {
		[API_CREATED] = "CREATED", [API_BOUND] = "BOUND",
		[API_LISTENING] = "LISTENING", [API_CONNECTING] = "CONNECTING",
		[API_CONNECTED] = "CONNECTED", [API_HALF_CLOSED] = "HALF-CLOSED",
		[API_DISCONNECTED] = "DISCONNECTED", [API_CLOSED] = "CLOSED",
	};

	return names[st];
}

/* Connections waiting in fd's accept queue (0 unless fd is a listening TCP or Unix socket). */
unsigned listener_queue(int fd)
{
	struct kstate k;

	return kstate_read(fd, &k) && k.api == API_LISTENING ? k.queue_len : 0;
}

/* RFC 793 names, indexed by the kernel's TCP_* state numbers. */
const char *tcp_state_name(int tcp_state)
{
	static const char *const names[] = {
		[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_SYN_SENT] = "SYN-SENT",
		[TCP_SYN_RECV] = "SYN-RECEIVED", [TCP_FIN_WAIT1] = "FIN-WAIT-1",
		[TCP_FIN_WAIT2] = "FIN-WAIT-2", [TCP_TIME_WAIT] = "TIME-WAIT",
		[TCP_CLOSE] = "CLOSED", [TCP_CLOSE_WAIT] = "CLOSE-WAIT",
		[TCP_LAST_ACK] = "LAST-ACK", [TCP_LISTEN] = "LISTEN",
		[TCP_CLOSING] = "CLOSING",
	};

	if (tcp_state < 0 || (size_t)tcp_state >= sizeof(names) / sizeof(names[0]) ||
	    names[tcp_state] == NULL)
		return "?";
	return names[tcp_state];
}

const char *proto_name(const struct kstate *k)
{
	bool v6 = k->domain == AF_INET6;

	if (k->domain == AF_UNIX)
		return k->type == SOCK_STREAM ? "unix" : "unix-dg";
	if (k->protocol == IPPROTO_TCP)
		return v6 ? "tcp6" : "tcp";
	if (k->protocol == IPPROTO_UDP)
		return v6 ? "udp6" : "udp";
	return "?";
}

/*
 * What poll would report for fd right now, without waiting or consuming
 * anything. ppoll rather than poll, so a trace of the learner's own poll
 * calls (strace -e poll) never shows these observations.
 */
short observe_events(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	struct timespec now = { 0, 0 };

	return ppoll(&p, 1, &now, NULL) == 1 ? p.revents : 0;
}

/* SOCK_STREAM, SOCK_DGRAM, ... or -1 when fd is no socket. */
int socket_type(int fd)
{
	int type;

	return get_int_opt(fd, SOL_SOCKET, SO_TYPE, &type) == -1 ? -1 : type;
}

/* The socket's address family, or AF_INET when fd is no socket. */
int socket_family(int fd)
{
	int domain;

	if (get_int_opt(fd, SOL_SOCKET, SO_DOMAIN, &domain) == -1)
		return AF_INET;
	return domain;
}

/* net.core.somaxconn, the cap on every listen backlog (0 if unreadable). */
unsigned somaxconn(void)
{
	char text[32];
	int fd = open("/proc/sys/net/core/somaxconn", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd == -1 ? -1 : read(fd, text, sizeof(text) - 1);
	unsigned value = 0;

	if (fd != -1)
		close(fd);
	if (n > 0 && (text[n] = '\0', sscanf(text, "%u", &value) != 1))
		value = 0;
	return value;
}
