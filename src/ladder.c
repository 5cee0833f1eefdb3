/*
 * ladder.c - `ladder [FD]`: a connection's exchange as a sequence diagram,
 * one column per endpoint, one arrow per captured segment (tcpdump's flags
 * and numbers), the call that set each group of segments off at the left,
 * and each end's TCP state written where it changed.
 *
 * Everything in it was captured or read: the arrows are the segments wire.c
 * saw on lo, and the states are the kernel's (sock_diag, looked up by the
 * connection's two addresses) after each batch of segments, so a state a
 * socket passed through inside one call (SYN-SENT in a blocking connect)
 * does not appear: the figure shows what could be observed, not a template.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#include "sockrepl.h"

#define ROWS 1024		/* the newest rows are kept */
#define INNER 56		/* columns between the two lifelines */

/* One end of a connection, as the capture names it. */
struct end {
	int family;
	unsigned char addr[16];
	unsigned port;
};

struct row {
	struct end from, to;	/* a segment's direction; a state row: from is the end */
	bool is_state;
	int state;		/* a state row: TCP_* or 0 for gone */
	char text[72];		/* a segment's label */
	char call[32];		/* the call that caused it, "" when none did */
	unsigned long no;	/* a segment's place among all captured (ladder_count) */
	unsigned flags, payload;
	uint32_t seq, ack;
};

static struct row rows[ROWS];
static size_t nrows, first;	/* a ring: rows[first] is the oldest */
static struct { struct end a, b; } touched[16];	/* connections seen since the last drain */
static size_t ntouched;
static unsigned long captured;	/* segments noted since the start, never reset */

static bool same_end(const struct end *x, const struct end *y)
{
	return x->family == y->family && x->port == y->port && memcmp(x->addr, y->addr, 16) == 0;
}

static struct row *row_at(size_t i)
{
	return &rows[(first + i) % ROWS];
}

static struct row *new_row(void)
{
	struct row *r;

	if (nrows == ROWS)
		first = (first + 1) % ROWS;
	else
		nrows++;
	r = row_at(nrows - 1);
	memset(r, 0, sizeof(*r));
	return r;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* "[S.] seq 1, ack 1, length 5" from tcpdump's brief line. */
static void label_of(const char *tcpdump, char *out, size_t size)
{
	const char *flags = strstr(tcpdump, "Flags ");
	const char *win = flags ? strstr(flags, ", win ") : NULL;
	const char *length = strstr(tcpdump, ", length ");
	int len;

	if (flags == NULL || win == NULL || length == NULL) {
		snprintf(out, size, "%s", tcpdump);
		return;
	}
	len = (int)(win - flags) - 6;
	snprintf(out, size, "%.*s%s", len, flags + 6, strcmp(length, ", length 0") ? length : "");
}

/* A TCP segment wire.c captured, with its line and the call that caused it. */
void ladder_note_segment(const struct wire_seg *seg, const char *line, const char *call)
{
	struct row *r;
	size_t i;

	if (seg->proto != IPPROTO_TCP || seg->unreachable)
		return;
	r = new_row();
	r->from.family = r->to.family = seg->family;
	memcpy(r->from.addr, seg->src, 16);
	memcpy(r->to.addr, seg->dst, 16);
	r->from.port = seg->sport;
	r->to.port = seg->dport;
	label_of(line, r->text, sizeof(r->text));
	r->no = captured++;
	r->flags = seg->flags;
	r->payload = seg->payload;
	r->seq = be32(seg->l4 + 4);
	r->ack = be32(seg->l4 + 8);
	snprintf(r->call, sizeof(r->call), "%s", call);
	for (i = 0; i < ntouched; i++)
		if ((same_end(&touched[i].a, &r->from) && same_end(&touched[i].b, &r->to)) ||
		    (same_end(&touched[i].a, &r->to) && same_end(&touched[i].b, &r->from)))
			return;
	if (ntouched < sizeof(touched) / sizeof(touched[0])) {
		touched[ntouched].a = r->from;
		touched[ntouched++].b = r->to;
	}
}

static void to_sockaddr(const struct end *e, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)e->family;
	if (e->family == AF_INET) {
		memcpy(&((struct sockaddr_in *)ss)->sin_addr, e->addr, 4);
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)e->port);
	} else {
		memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, e->addr, 16);
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)e->port);
	}
}

/* The kernel's TCP state of the socket at `local` connected to `peer`; 0: none left. */
static int state_of(const struct end *local, const struct end *peer)
{
	struct kstate k = { .domain = local->family, .protocol = IPPROTO_TCP };
	struct diag_sock d;

	to_sockaddr(local, &k.local);
	to_sockaddr(peer, &k.peer);
	/* With no socket of the connection left, the lookup answers with the listener. */
	return diag_lookup(&k, &d) && d.state != TCP_LISTEN ? d.state : 0;
}

/* The last state written for `end` of the connection, or -1. */
static int last_state(const struct end *end, const struct end *other)
{
	for (size_t i = nrows; i-- > 0;) {
		const struct row *r = row_at(i);

		if (r->is_state && same_end(&r->from, end) && same_end(&r->to, other))
			return r->state;
	}
	return -1;
}

static void note_state(const struct end *end, const struct end *other)
{
	int now = state_of(end, other);
	struct row *r;

	if (now == last_state(end, other))
		return;
	r = new_row();
	r->is_state = true;
	r->from = *end;
	r->to = *other;
	r->state = now;
}

/* After a drain: each end's state, where it changed, for the connections it saw. */
void ladder_note_states(void)
{
	for (size_t i = 0; i < ntouched; i++) {
		note_state(&touched[i].a, &touched[i].b);
		note_state(&touched[i].b, &touched[i].a);
	}
	ntouched = 0;
}

/* How many segments were captured so far: a mark in time for `diagram`. */
unsigned long ladder_count(void)
{
	return captured;
}

/* Everything is forgotten when capture ends. */
void ladder_forget(void)
{
	nrows = first = ntouched = 0;
}

/* ---- drawing ------------------------------------------------------------- */

static void end_text(const struct end *e, char *out, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(e->family, e->addr, addr, sizeof(addr));
	snprintf(out, size, e->family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, e->port);
}

static const char *state_text(int state)
{
	return state == 0 ? "CLOSED (gone)" : tcp_state_name(state);
}

/* One arrow: |--label---->| or |<---label--|, the call at the left. */
static void draw_segment(const struct row *r, bool rightwards, const char *call)
{
	char body[INNER + 1];
	size_t len = strlen(r->text);

	if (len > INNER - 6)
		len = INNER - 6;
	memset(body, '-', INNER);
	body[INNER] = '\0';
	memcpy(body + 3, r->text, len);
	body[2] = body[3 + len] = ' ';
	if (rightwards)
		body[INNER - 1] = '>';
	else
		body[0] = '<';
	printf("%14.14s |%s|\n", call, body);
}

static bool in_connection(const struct row *r, const struct end *left, const struct end *right)
{
	return (same_end(&r->from, left) && same_end(&r->to, right)) ||
	       (same_end(&r->from, right) && same_end(&r->to, left));
}

static void draw(const struct end *left, const struct end *right)
{
	char l[64], rt[64];
	const char *last_call = "";
	int width;

	end_text(left, l, sizeof(l));
	end_text(right, rt, sizeof(rt));
	/* the left address over the left lifeline, the right one ending over the right */
	width = INNER + 2 - (int)strlen(rt);
	printf("%14s %-*s%s\n", "", width > (int)strlen(l) ? width : (int)strlen(l) + 1, l, rt);
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = row_at(i);

		if (!in_connection(r, left, right))
			continue;
		if (r->is_state) {
			const struct row *next = i + 1 < nrows ? row_at(i + 1) : NULL;
			const char *at[2] = { "", "" };	/* left, right */

			at[!same_end(&r->from, left)] = state_text(r->state);
			if (next != NULL && next->is_state && in_connection(next, left, right) &&
			    !same_end(&next->from, &r->from)) {	/* both ends changed: one line */
				at[!same_end(&next->from, left)] = state_text(next->state);
				i++;
			}
			printf("%14s |%*s| %s\n", at[0], INNER, "", at[1]);
		} else {
			draw_segment(r, same_end(&r->from, left),
				     strcmp(r->call, last_call) != 0 ? r->call : "");
			last_call = r->call;
		}
	}
}

/*
 * A captured end is fd's `local` end: the same, or the same port when
 * getsockname gives no address (a refused connect leaves 0.0.0.0:PORT).
 */
static bool is_local(const struct end *e, const struct end *local)
{
	static const unsigned char any[16];

	return same_end(e, local) || (e->family == local->family && e->port == local->port &&
				      memcmp(local->addr, any, sizeof(any)) == 0);
}

/* fd's connection, as two ends: from the kernel, or else the newest captured one of its address. */
static bool connection_of(struct session *s, int fd, struct end *left, struct end *right)
{
	struct sockaddr_storage local, peer;
	socklen_t len = sizeof(local), plen = sizeof(peer);
	bool has_peer;
	struct row probe;

	if (getsockname(fd, (struct sockaddr *)&local, &len) == -1 &&
	    !session_former_address(s, fd, &local, &len))
		return false;
	if (local.ss_family != AF_INET && local.ss_family != AF_INET6)
		return false;
	has_peer = getpeername(fd, (struct sockaddr *)&peer, &plen) == 0;
	memset(&probe, 0, sizeof(probe));
	probe.from.family = local.ss_family;
	probe.from.port = port_of((struct sockaddr *)&local);
	memcpy(probe.from.addr, local.ss_family == AF_INET
	       ? (const void *)&((struct sockaddr_in *)&local)->sin_addr
	       : (const void *)&((struct sockaddr_in6 *)&local)->sin6_addr,
	       local.ss_family == AF_INET ? 4 : 16);
	for (size_t i = nrows; i-- > 0;) {
		const struct row *r = row_at(i);
		const struct end *other = is_local(&r->from, &probe.from) ? &r->to
					  : is_local(&r->to, &probe.from) ? &r->from : NULL;

		if (other == NULL || r->is_state ||
		    (has_peer && port_of((struct sockaddr *)&peer) != other->port))
			continue;
		*left = other == &r->to ? r->from : r->to;
		*right = *other;
		return true;
	}
	return false;
}

/* fd's connection's captured segments, oldest first (at most max), for `diagram`'s marks. */
size_t ladder_segments(struct session *s, int fd, struct ladder_seg *out, size_t max)
{
	struct end left, right;
	size_t n = 0;

	if (!connection_of(s, fd, &left, &right))
		return 0;
	for (size_t i = 0; i < nrows && n < max; i++) {
		const struct row *r = row_at(i);

		if (r->is_state || !in_connection(r, &left, &right))
			continue;
		out[n++] = (struct ladder_seg){
			.no = r->no, .sent = same_end(&r->from, &left), .flags = r->flags,
			.payload = r->payload, .seq = r->seq, .ack = r->ack, .label = r->text,
		};
	}
	return n;
}

static enum cmd_status cmd_ladder_exec(struct session *s, const struct cmd_args *a)
{
	struct end left, right;
	int fd = s->current_fd;

	if (a->argc == 1 && !parse_fd(s, a->argv[0], &fd))
		return CMD_USAGE;
	if (fd == -1) {
		report_error(s, "ladder: no socket yet; create one with socket");
		return CMD_USAGE;
	}
	wire_drain(s, true, NULL, NULL);	/* what came since the last call, drawn too */
	if (!connection_of(s, fd, &left, &right)) {
		printf("ladder: no segments of fd %d were captured: wire on captures them, from "
		       "then on\n", fd);
		return CMD_OK;
	}
	printf("ladder: fd %d's connection, as captured on lo (tcpdump's numbers; states "
	       "from the kernel after each batch of segments)\n", fd);
	draw(&left, &right);
	return CMD_OK;
}

const struct cmd_entry cmd_ladder_entry = {
	.name = "ladder",
	.usage = "[FD]",
	.summary = "a connection's captured segments as a sequence diagram",
	.about = "Draws FD's TCP connection (the current socket's without FD) as the\n"
		"figure TCP textbooks draw: one column per end, one arrow per segment\n"
		"captured with wire on (tcpdump's flags, seq, ack and length), the call\n"
		"that sent each group at the left, and each end's TCP state, read from\n"
		"the kernel after each batch of segments, where it changed. Works for a\n"
		"connection between two sockets of the session and for one whose peer is\n"
		"another process; after a close, FD's last connection is drawn.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_ladder_exec,
};
