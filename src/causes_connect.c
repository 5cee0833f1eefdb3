/*
 * causes_connect.c - why a connect got no answer or no port: the SYN
 * schedule this kernel follows before ETIMEDOUT, a listener whose accept
 * queue is full, a four-tuple already in use, a Unix listener with no room.
 * Read from the kernel (sock_diag, /proc/sys); each cause prints "here: ...".
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "sockrepl.h"

/* A listener on a port, from the kernel's table: is its accept queue full? */
struct full_listener {
	unsigned port;
	bool full;
};

static void find_full_listener(const struct diag_sock *d, void *arg)
{
	struct full_listener *fl = arg;

	/* for a listener, Recv-Q is the queue and Send-Q the backlog */
	if (d->state == TCP_LISTEN && port_of((const struct sockaddr *)&d->local) == fl->port &&
	    d->rqueue > d->wqueue)
		fl->full = true;
}

/*
 * How long this kernel tries a SYN before connect gives up: the first wait is
 * 1 s; where net.ipv4.tcp_syn_linear_timeouts exists (recent kernels), the
 * first L+1 waits are 1 s and L more retries are added; after that each wait
 * doubles, capped at the maximum RTO (120 s, or net.ipv4.tcp_rto_max_ms).
 * Checked on 6.18: retries 1, linear 0 gives up after 3 s; 1, 1 after 4 s;
 * 2, 1 after 8 s.
 */
static void say_syn_schedule(void)
{
	unsigned retries = 6, linear = 0, rto_max_ms = 120000, total_ms = 0, wait_ms = 1000;
	bool has_linear = sysctl_read("net/ipv4/tcp_syn_linear_timeouts", &linear, 1);

	sysctl_read("net/ipv4/tcp_syn_retries", &retries, 1);
	sysctl_read("net/ipv4/tcp_rto_max_ms", &rto_max_ms, 1);
	for (unsigned i = 0; i <= retries + linear; i++) {
		total_ms += wait_ms;
		if (i >= linear)
			wait_ms = wait_ms * 2 < rto_max_ms ? wait_ms * 2 : rto_max_ms;
	}
	if (has_linear)
		report_note("here: this kernel sends the SYN %u more times (net.ipv4.tcp_syn_retries "
			    "= %u, plus net.ipv4.tcp_syn_linear_timeouts = %u), waiting 1 s the "
			    "first %u time%s, then twice as long each time, and gives up after "
			    "about %u s (older kernels, without that setting, resend at 1, 3, 7, "
			    "15 s ... from the start).", retries + linear, retries, linear, linear + 1,
			    linear ? "s" : "", (total_ms + 500) / 1000);
	else
		report_note("here: this kernel sends the SYN %u more times (net.ipv4.tcp_syn_retries), "
			    "at 1, 3, 7, 15 s ... (each wait twice the last), and gives up after "
			    "about %u s.", retries, (total_ms + 500) / 1000);
}

/*
 * What a full accept queue does to a handshake's final ACK, as this kernel is
 * set: "dropped too (net.ipv4.tcp_abort_on_overflow = 0)" or "answered with
 * a reset (... = 1)". The listen note and connect's ETIMEDOUT share it.
 */
const char *final_ack_on_overflow(void)
{
	static char words[96];
	unsigned resets = 0;

	sysctl_read("net/ipv4/tcp_abort_on_overflow", &resets, 1);
	snprintf(words, sizeof(words), "%s (net.ipv4.tcp_abort_on_overflow = %u)",
		 resets ? "answered with a reset" : "dropped too", resets);
	return words;
}

void cause_timed_out(struct session *s, const struct call_ctx *c)
{
	struct full_listener fl = { 0, false };
	char where[128];

	(void)s;
	if (c->addr == NULL || strcmp(c->call, "connect") != 0)
		return;
	format_endpoint(where, sizeof(where), c->addr);
	fl.port = port_of(c->addr);
	diag_each(AF_INET, IPPROTO_TCP, find_full_listener, &fl);
	diag_each(AF_INET6, IPPROTO_TCP, find_full_listener, &fl);
	if (fl.full)
		report_note("here: a socket listens on %s, but its accept queue is full, and "
			    "Linux drops a SYN that finds it full; a handshake's final ACK "
			    "arriving then is %s.", where, final_ack_on_overflow());
	say_syn_schedule();
}

/* A connection with these two ends, found in the kernel's table. */
struct tuple_search {
	const struct sockaddr_storage *local;
	const struct sockaddr *peer;
	bool found;
};

static void match_tuple(const struct diag_sock *d, void *arg)
{
	struct tuple_search *ts = arg;

	if (d->state != TCP_LISTEN && same_place(&d->local, (const struct sockaddr *)ts->local) &&
	    same_place(&d->peer, ts->peer))
		ts->found = true;
}

/*
 * connect EADDRNOTAVAIL: the socket's bound address and port already have a
 * connection to that peer (seen in the kernel's table), or an unbound socket
 * found no free port (Linux says EADDRNOTAVAIL for both, not EADDRINUSE).
 */
void cause_no_local_port(struct session *s, const struct call_ctx *c)
{
	struct tuple_search ts = { .peer = c->addr };
	struct kstate k;
	char where[128], peer[128];

	(void)s;
	if (!kstate_read(c->fd, &k) || k.domain == AF_UNIX)
		return;
	format_endpoint(where, sizeof(where), (struct sockaddr *)&k.local);
	format_endpoint(peer, sizeof(peer), c->addr);
	ts.local = &k.local;
	if (port_of((struct sockaddr *)&k.local) == 0) {
		cause_no_free_port("connect on an unbound socket");
		return;
	}
	diag_each(k.domain, IPPROTO_TCP, match_tuple, &ts);
	if (ts.found)
		report_note("here: fd %d is bound to %s, and a connection from there to %s exists "
			    "already: no two connections share both addresses and both ports "
			    "(Linux says EADDRNOTAVAIL here, not EADDRINUSE).", c->fd, where, peer);
}

/* A non-blocking Unix stream connect to a listener with no room left. */
void cause_connect_would_block(struct session *s, const struct call_ctx *c)
{
	(void)s;
	if (c->addr == NULL || c->addr->sa_family != AF_UNIX)
		return;
	report_note("here: the listener on %s has as many connections waiting as its backlog "
		    "allows (backlog + 1), and fd %d is non-blocking, so connect did not wait "
		    "for room.", ((const struct sockaddr_un *)c->addr)->sun_path, c->fd);
}

/*
 * Before a connect: when it will wait, say so and that Ctrl-C interrupts.
 * On loopback a blocking connect waits only for a listener whose accept
 * queue is full: TCP drops the SYN and sends it again (checked on 6.18:
 * the connect ends when accept makes room, or in ETIMEDOUT); a Unix stream
 * connect sleeps until accept makes room. Either way the stdin watcher
 * may end the session if the script's input closes meanwhile.
 */
void announce_connect_wait(struct session *s, int fd, const struct sockaddr *to)
{
	const char *path = ((const struct sockaddr_un *)to)->sun_path;
	struct full_listener fl = { port_of(to), false };
	struct diag_sock d = { .family = -1 };
	char where[ENDPOINT_SIZE], limit[64];
	unsigned inode;
	bool listening;

	stdin_watch_call(s, call_waits_forever(fd, true));
	if (fcntl(fd, F_GETFL) & O_NONBLOCK)
		return;
	call_time_limit(fd, true, limit, sizeof(limit));
	format_endpoint(where, sizeof(where), to);
	if (to->sa_family == AF_UNIX) {
		if (socket_type(fd) == SOCK_STREAM && unix_path_socket(path, &inode, &listening) &&
		    listening && diag_unix(inode, &d) && d.rqueue > d.wqueue)
			report_note("(the listener on %s has as many connections waiting as its "
				    "backlog allows: connect blocks until accept makes room%s; "
				    "Ctrl-C interrupts)", where, limit);
		return;
	}
	if (socket_type(fd) != SOCK_STREAM)
		return;
	diag_each(to->sa_family, IPPROTO_TCP, find_full_listener, &fl);
	if (fl.full)
		report_note("(the accept queue of the listener on %s is full: Linux drops the SYN, "
			    "and connect blocks, sending it again, until accept makes room or it "
			    "gives up with ETIMEDOUT%s; Ctrl-C interrupts)", where, limit);
}
