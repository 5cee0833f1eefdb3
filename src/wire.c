/*
 * wire.c - the segments a session's sockets exchange on loopback, shown
 * under the call that caused them, as `tcpdump -n -i lo` prints them.
 *
 * Capture is one AF_PACKET socket bound to lo (the kernel's own packet tap,
 * what libpcap uses under tcpdump), non-blocking, parked at the top of the
 * fd range so the learner's fds stay 3, 4, ... It is drained after every
 * call and whenever it wakes the one wait of events.c (a level-triggered
 * source: a segment a peer sends shows at once, at the prompt or in `wait`).
 *
 * On lo every packet passes the tap twice: going out (PACKET_OUTGOING) and
 * coming in (PACKET_HOST). libpcap drops the outgoing copy on the loopback
 * device, so tcpdump prints each packet once, the incoming copy; so does
 * this (PACKET_IGNORE_OUTGOING, and a check of sll_pkttype for kernels
 * before 4.20, where the option fails).
 *
 * Which packets are the session's is decided here, in user space: a TCP or
 * UDP packet with a source or destination port that one of the session's
 * sockets had as its local port (getsockname, read before each drain and
 * remembered after the socket closes, since its FIN, the peer's ACK and a
 * RST come after the close). Ports, not a kernel BPF filter: the set
 * changes with every bind and connect, and a port is what makes a packet
 * the session's, at either end. A port another process also uses on
 * another address would show its packets too; on loopback that is rare.
 *
 * Without CAP_NET_RAW there is no capture: the state line then counts the
 * segments each TCP socket sent and received (TCP_INFO), which anyone may read.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sockrepl.h"

#define LINES_PER_CALL 20	/* then one line sums the rest up */
#define SUMMARY_EVERY_MS 1000	/* while a burst goes on between calls */
#define PACKETS_PER_DRAIN 100000	/* a drain ends even while another process floods lo */
#define CAPTURE_BUFFER (32 << 20)	/* bytes the kernel may hold for us (a 1 MB send: 17 big packets) */
#define SNAP 256		/* bytes read of each packet: its headers */

static struct {
	int fd;			/* the capture socket, or -1 */
	enum wire_mode mode;	/* what the learner asked for */
	int lo;			/* lo's interface index */
	struct { int proto; unsigned port; } ports[256];	/* the session's, newest last */
	size_t nports, next;
	struct { int fd; unsigned out, in; } seen[64];	/* counting: the counters last shown */
	size_t nseen;
	unsigned shown;		/* lines printed since the last call ended */
	unsigned held;		/* segments past the budget, not yet summed up ... */
	unsigned long long held_bytes;	/* ... and their bytes of data */
	long summed_at;		/* when the last summary was printed (ms) */
	char call[32];		/* the call whose segments are drained next, for ladder */
} wire = { .fd = -1 };

/* A port the session's sockets hold, remembered (the oldest makes room). */
static void remember_port(int proto, unsigned port)
{
	for (size_t i = 0; i < wire.nports; i++)
		if (wire.ports[i].proto == proto && wire.ports[i].port == port)
			return;
	wire.ports[wire.next].proto = proto;
	wire.ports[wire.next].port = port;
	wire.next = (wire.next + 1) % (sizeof(wire.ports) / sizeof(wire.ports[0]));
	if (wire.nports < sizeof(wire.ports) / sizeof(wire.ports[0]))
		wire.nports++;
}

/* The local port of each TCP and UDP socket of the session. */
static void learn_ports(const struct session *s)
{
	for (size_t i = 0; i < s->nfds; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int proto;
		socklen_t plen = sizeof(proto);

		if (getsockname(s->fds[i], (struct sockaddr *)&ss, &len) == -1 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) ||
		    getsockopt(s->fds[i], SOL_SOCKET, SO_PROTOCOL, &proto, &plen) == -1)
			continue;
		if (port_of((struct sockaddr *)&ss) != 0)
			remember_port(proto, port_of((struct sockaddr *)&ss));
	}
}

static bool is_sessions(const struct wire_seg *seg)
{
	for (size_t i = 0; i < wire.nports; i++)
		if (wire.ports[i].proto == seg->proto &&
		    (wire.ports[i].port == seg->sport || wire.ports[i].port == seg->dport))
			return true;
	return false;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* 1048576 as "1,048,576". */
static void with_commas(unsigned long long n, char *out, size_t size)
{
	char digits[32];
	size_t len = (size_t)snprintf(digits, sizeof(digits), "%llu", n), o = 0;

	for (size_t i = 0; i < len && o + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

static void print_line(const char *line, void *arg)
{
	(void)arg;
	printf("  %s\n", line);
}

/* The packets the kernel could not queue for us since the last drain (it resets the count). */
static void say_drops(void (*say)(const char *line, void *arg), void *arg)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);
	char line[256];

	if (getsockopt(wire.fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == -1 || st.tp_drops == 0)
		return;
	snprintf(line, sizeof(line), "wire: %u packet%s on lo not captured: the capture "
		 "socket's buffer was full (PACKET_STATISTICS tp_drops, which counts every "
		 "packet on lo), so segments may be missing above", st.tp_drops, st.tp_drops == 1 ? "" : "s");
	say(line, arg);
}

/* The capture socket went (the learner closed its fd): say so, once. */
static void capture_lost(int err, void (*say)(const char *line, void *arg), void *arg)
{
	char line[160];

	snprintf(line, sizeof(line), "wire: capture ended: reading the capture socket (fd %d) "
		 "failed with %s; wire on opens a new one", wire.fd, errno_name(err));
	say(line, arg);
	events_forget_source(wire.fd);
	if (err != EBADF)
		close(wire.fd);
	wire.fd = -1;
	wire.mode = WIRE_OFF;
}

/* "… 38 more segments, 1,048,576 bytes of data", for those past the budget. */
static void say_held(void (*say)(const char *line, void *arg), void *arg)
{
	char line[160], total[32];

	with_commas(wire.held_bytes, total, sizeof(total));
	snprintf(line, sizeof(line), "wire: … %u more segment%s, %s bytes of data (%d lines "
		 "a call at most)", wire.held, wire.held == 1 ? "" : "s", total, LINES_PER_CALL);
	say(line, arg);
	wire.held = 0;
	wire.held_bytes = 0;
	wire.summed_at = now_ms();
}

/*
 * Print what arrived since the last drain: the session's segments, the
 * first LINES_PER_CALL of a call as lines, the rest summed up in one line
 * when the call ends (call_done: after a call, at the end of a wait, when
 * the prompt's line is entered), or once a second while a burst goes on.
 * Then a new call's budget starts. Never blocks.
 */
void wire_drain(struct session *s, bool call_done, void (*say)(const char *line, void *arg),
		void *arg)
{
	unsigned char pkt[SNAP];
	char line[sizeof(((struct strbuf *)0)->text) + 8];

	if (wire.fd == -1)
		return;
	if (say == NULL)
		say = print_line;
	learn_ports(s);
	for (int n = 0; n < PACKETS_PER_DRAIN; n++) {
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		ssize_t got = recvfrom(wire.fd, pkt, sizeof(pkt), MSG_DONTWAIT,
				       (struct sockaddr *)&from, &flen);
		struct wire_seg seg;
		struct strbuf sb;

		if (got == -1) {
			int err = errno;	/* capture_lost prints, which may change errno */

			if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR)
				capture_lost(err, say, arg);
			if (err != EINTR)
				break;
			continue;
		}
		if (from.sll_pkttype == PACKET_OUTGOING || from.sll_ifindex != wire.lo ||
		    !wire_parse(pkt, (size_t)got, ntohs(from.sll_protocol), &seg) ||
		    !is_sessions(&seg))
			continue;
		if (seg.proto == IPPROTO_TCP && !seg.unreachable) {	/* for expect wire */
			s->wire_flags[seg.flags / 8] |= (unsigned char)(1u << seg.flags % 8);
			if (s->wire_order_len < sizeof(s->wire_order))
				s->wire_order[s->wire_order_len++] = seg.flags;
		}
		wire_format(&seg, wire.mode == WIRE_BRIEF, &sb);	/* counts the numbers on */
		ladder_note_segment(&seg, sb.text, wire.call);
		if (wire.shown < LINES_PER_CALL) {
			wire.shown++;
			snprintf(line, sizeof(line), "wire: %s", sb.text);
			say(line, arg);
		} else {
			if (wire.held++ == 0)
				wire.summed_at = now_ms();
			wire.held_bytes += seg.payload;
		}
	}
	if (wire.held > 0 && (call_done || now_ms() - wire.summed_at >= SUMMARY_EVERY_MS))
		say_held(say, arg);
	if (wire.fd != -1)
		say_drops(say, arg);
	ladder_note_states();
	if (call_done) {
		wire.shown = 0;
		wire.call[0] = '\0';
	}
}

/* The call whose segments the next drain shows, e.g. "connect(4)". */
void wire_note_call(const char *call, int fd)
{
	snprintf(wire.call, sizeof(wire.call), "%s(%d)", call, fd);
}

bool wire_capturing(void)
{
	return wire.fd != -1;
}

/* An AF_PACKET socket bound to lo, or -1 with errno set. */
static int open_capture(void)
{
	struct sockaddr_ll at = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd, one = 1, size = CAPTURE_BUFFER, err;

	at.sll_ifindex = (int)if_nametoindex("lo");
	if (at.sll_ifindex == 0)
		return -1;
	/* Protocol 0: nothing arrives until bind names lo, so no other interface's packets. */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));	/* up to rmem_max */
	if (bind(fd, (struct sockaddr *)&at, sizeof(at)) == -1) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	wire.lo = at.sll_ifindex;
	return fd_out_of_the_way(fd);
}

/*
 * Capture on (or brief) or off; false, errno set, when the capture socket
 * cannot be had: then the state lines count segments instead.
 */
bool wire_start(struct session *s, enum wire_mode mode)
{
	int fd;

	if (mode == WIRE_OFF) {
		wire_end();
		return true;
	}
	wire.mode = mode;
	if (wire.fd != -1)
		return true;
	learn_ports(s);
	fd = open_capture();
	if (fd == -1)
		return false;
	wire.fd = fd;
	wire.nseen = 0;
	events_keep_source(fd, WAKE_WIRE);
	return true;
}

/* Capture off: its socket closed, the counters no longer shown. */
void wire_end(void)
{
	if (wire.fd != -1) {
		events_forget_source(wire.fd);
		close(wire.fd);
	}
	wire.fd = -1;
	wire.mode = WIRE_OFF;
	wire.nseen = 0;
	ladder_forget();
}

/* A closed fd's counters go: a new socket on its number starts from its own zero. */
void wire_forget(int fd)
{
	for (size_t i = 0; i < wire.nseen; i++)
		if (wire.seen[i].fd == fd)
			wire.seen[i] = wire.seen[--wire.nseen];
}

/*
 * Without capture, what the state line adds: the TCP segments fd sent and
 * received since its last state line (TCP_INFO), or "" when capture runs or
 * was not asked for.
 */
void wire_counters(int fd, const struct kstate *k, char *out, size_t size)
{
	size_t i = 0;
	unsigned out_was = 0, in_was = 0;

	*out = '\0';
	if (wire.mode == WIRE_OFF || wire.fd != -1 || !k->has_tcp ||
	    k->segs_out + k->segs_in == 0)	/* nothing sent or received yet: nothing to count */
		return;
	while (i < wire.nseen && wire.seen[i].fd != fd)
		i++;
	if (i < wire.nseen && wire.seen[i].out <= k->segs_out && wire.seen[i].in <= k->segs_in)
		out_was = wire.seen[i].out, in_was = wire.seen[i].in;	/* else: a new socket or connect */
	if (i == wire.nseen && wire.nseen < sizeof(wire.seen) / sizeof(wire.seen[0]))
		wire.nseen++;
	if (i < wire.nseen) {
		wire.seen[i].fd = fd;
		wire.seen[i].out = k->segs_out;
		wire.seen[i].in = k->segs_in;
	}
	snprintf(out, size, " · segments since last shown: %u sent, %u received (TCP_INFO)",
		 k->segs_out - out_was, k->segs_in - in_was);
}

/* ---- wire on|off|brief ------------------------------------------------------- */

/* Why capture failed, and the ways round it; then what is shown instead. */
static void say_no_capture(int err)
{
	if (err == EPERM)
		printf("wire: cannot capture: socket(AF_PACKET, ...) fails with %s: capturing "
		       "packets needs CAP_NET_RAW, which this process lacks; run sockrepl as "
		       "root, or sockrepl --sandbox (its own user and network namespace, where "
		       "it has it)\n", errno_name(err));
	else
		printf("wire: cannot capture on lo: %s (%s)\n", errno_name(err), strerror(err));
	printf("  instead, each TCP state line counts the segments sent and received since "
	       "it was last shown (TCP_INFO: tcpi_segs_out, tcpi_segs_in)\n");
}

static enum cmd_status cmd_wire_exec(struct session *s, const struct cmd_args *a)
{
	static const char *const words[] = { "off", "on", "brief" };
	const char *word = a->argc ? a->argv[0] : "on";
	enum wire_mode mode = WIRE_OFF;

	while (mode <= WIRE_BRIEF && strcmp(word, words[mode]) != 0)
		mode++;
	if (mode > WIRE_BRIEF) {
		report_error(s, "wire: '%s': write wire on, wire off or wire brief", word);
		return CMD_USAGE;
	}
	if (!wire_start(s, mode)) {
		wire.mode = mode;	/* counting instead */
		say_no_capture(errno);
	} else if (mode == WIRE_OFF) {
		printf("wire: off\n");
	} else {
		printf("wire: %s: capturing on lo (an AF_PACKET socket, fd %d): each segment of "
		       "this session's sockets is shown under the call that caused it, as "
		       "tcpdump -n -i lo prints it%s\n", word, wire.fd,
		       mode == WIRE_BRIEF ? ", without the TCP options" : "");
	}
	return CMD_OK;
}

const struct cmd_entry cmd_wire_entry = {
	.name = "wire",
	.usage = "[on|off|brief]",
	.summary = "show the segments each call sends and receives, as tcpdump does",
	.about = "wire on captures the packets on the loopback interface (an AF_PACKET\n"
		"socket bound to lo) and, after each call and as they arrive, prints\n"
		"every TCP and UDP segment of this session's sockets (either end), and\n"
		"the ICMP port unreachable a datagram of theirs gets back, exactly as\n"
		"tcpdump -n -i lo prints it, without the timestamp, with tcpdump's\n"
		"relative sequence numbers: `  wire: IP 127.0.0.1.40000 > 127.0.0.1.6789:\n"
		"Flags [S], seq ..., length 0`. wire brief leaves out the TCP options.\n"
		"Segments that arrive while a script sits between lines show before the\n"
		"next line. Not shown: tcpdump's decoding of a well-known port's payload\n"
		"(port 53, 80, ...: sockrepl prints the TCP or UDP line only), and IPv6\n"
		"fragments (a UDP datagram too big for lo's MTU). At most 20 lines a call; the rest are summed up in one line, and packets\n"
		"the kernel could not queue are counted. Capture needs CAP_NET_RAW (root,\n"
		"or sockrepl --sandbox); without it, each TCP state line counts the\n"
		"segments sent and received instead (TCP_INFO). wire alone is wire on;\n"
		"wire off stops. --wire turns it on at start.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_wire_exec,
	.narrates = false,
};
