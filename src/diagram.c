/*
 * diagram.c - `diagram [FD]`: the TCP state diagram (RFC 793, figure 6,
 * simplified to 80 columns), with the socket's current state marked >LIKE<
 * this and the states it has been through marked [like] this, followed by
 * the path it took: the states the session saw it in, plus what a call's
 * outcome proves (connect sent a SYN; accept's socket began in SYN-RECEIVED),
 * with the resets the kernel reported (an errno) labelled. With capture on,
 * each step is marked with the captured segment that made it (ladder.c keeps
 * them): the first of the connection's segments, after the one that made the
 * step before, captured before the socket was seen in the new state, that
 * fits the step (step_causes).
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#include "sockrepl.h"

/* Each state name sits between two spaces, which the marks replace. */
static const char *const picture[] = {
	"                               CLOSED ",
	"          listen()  |                |  connect(): send SYN",
	"                    v                v",
	"                 LISTEN           SYN-SENT ",
	"   rcv SYN: a new   :                | rcv SYN+ACK, send ACK",
	"   socket; SYN+ACK  v                |",
	"          SYN-RECEIVED               |",
	"          rcv ACK   |                |",
	"                    v                v",
	"                      ESTABLISHED ",
	"      close(): send FIN |            | rcv FIN, send ACK",
	"                    v                v",
	"             FIN-WAIT-1          CLOSE-WAIT ",
	"    rcv ACK |         | rcv FIN      | close(): send FIN",
	"            v         v              v",
	"     FIN-WAIT-2    CLOSING        LAST-ACK ",
	"    rcv FIN |         | rcv ACK      | rcv ACK",
	"            v         v              v",
	"             TIME-WAIT  -- 60 s -->  CLOSED ",
};

/* Edges off the figure, named by the errno that showed them (enum edge_via). */
static const struct {
	const char *label;	/* on the path line */
	const char *why;	/* under it */
} edges[] = {
	[VIA_FIGURE] = { NULL, NULL },
	[VIA_REFUSED] = { "rcv RST", "the SYN was answered by a reset, so connect failed with "
			  "ECONNREFUSED: nothing listened there" },
	[VIA_RESET] = { "rcv RST", "the peer reset the connection, and a call failed with "
			"ECONNRESET" },
	[VIA_TIMEOUT] = { "timed out", "the peer never answered the retransmissions, and a "
			  "call failed with ETIMEDOUT" },
};

/* ---- marks: the captured segment that made each step ------------------- */

enum { FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10 };	/* TCP flag bits */
#define MAX_SEGS 1024	/* as many as ladder.c keeps */

/*
 * The segment that makes a step of the path: which end sent it, the flags
 * it has and has not, and whether it acknowledges the socket's own FIN.
 * Steps no segment makes (listen, a timeout) have none; from -1: any state.
 * A socket that goes to TIME-WAIT shows CLOSED to its fd (the kernel hands
 * the connection to a separate TIME-WAIT socket), so those steps end CLOSED.
 */
static const struct step_cause {
	int from, to;
	bool sent;
	unsigned has, hasnt;
	bool acks_fin;
} step_causes[] = {
	{ TCP_CLOSE, TCP_SYN_SENT, true, SYN, ACK, false },
	{ TCP_SYN_SENT, TCP_ESTABLISHED, false, SYN | ACK, RST, false },
	{ TCP_SYN_RECV, TCP_ESTABLISHED, false, ACK, SYN | RST, false },
	{ TCP_ESTABLISHED, TCP_FIN_WAIT1, true, FIN, RST, false },
	{ TCP_ESTABLISHED, TCP_CLOSE_WAIT, false, FIN, RST, false },
	{ TCP_CLOSE_WAIT, TCP_LAST_ACK, true, FIN, RST, false },
	{ TCP_FIN_WAIT1, TCP_FIN_WAIT2, false, ACK, RST, true },
	{ TCP_FIN_WAIT1, TCP_CLOSING, false, FIN, RST, false },
	{ TCP_FIN_WAIT1, TCP_CLOSE, false, FIN, RST, true },
	{ TCP_FIN_WAIT2, TCP_CLOSE, false, FIN, RST, false },
	{ TCP_CLOSING, TCP_CLOSE, false, ACK, RST, true },
	{ TCP_LAST_ACK, TCP_CLOSE, false, ACK, RST, true },
	{ -1, TCP_CLOSE, false, RST, 0, false },
};

/* segs[i] acknowledges a FIN that the socket sent before it. */
static bool acks_own_fin(const struct ladder_seg *segs, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (segs[j].sent && (segs[j].flags & FIN) &&
		    (int32_t)(segs[i].ack - (segs[j].seq + segs[j].payload + 1)) >= 0)
			return true;
	return false;
}

static bool makes_step(const struct step_cause *c, const struct ladder_seg *segs, size_t i)
{
	return segs[i].sent == c->sent && (segs[i].flags & c->has) == c->has &&
	       !(segs[i].flags & c->hasnt) && (!c->acks_fin || acks_own_fin(segs, i));
}

/* The first rule at or after `from` for the step into path[i]; -1: none (no segment makes it). */
static int cause_rule(const struct watched *w, int i, size_t from)
{
	for (size_t r = from; r < sizeof(step_causes) / sizeof(step_causes[0]); r++)
		if ((step_causes[r].from == w->path[i - 1] || step_causes[r].from == -1) &&
		    step_causes[r].to == w->path[i] && w->via[i] != VIA_TIMEOUT)
			return (int)r;
	return -1;
}

/*
 * The first segment from segs[*next] on, captured before the socket was
 * seen in path[i], that makes the step into path[i]; -1 when none was.
 */
static long cause_of(const struct watched *w, int i, const struct ladder_seg *segs, size_t n,
		     size_t *next)
{
	for (size_t k = *next; k < n && segs[k].no < w->at[i]; k++)
		for (int r = cause_rule(w, i, 0); r != -1; r = cause_rule(w, i, (size_t)r + 1))
			if (makes_step(&step_causes[r], segs, k)) {
				*next = k + 1;
				return (long)k;
			}
	return -1;
}

/*
 * Under the path, when capture saw fd's connection: each step a segment
 * makes, with the captured segment that made it (its ladder label), or
 * that it is not among them (capture began later, or it was another
 * connection of the socket, before a failed connect).
 */
static void print_marks(struct session *s, int fd, const struct watched *w)
{
	static struct ladder_seg segs[MAX_SEGS];
	size_t n = ladder_segments(s, fd, segs, MAX_SEGS), next = 0;
	long cause[sizeof(w->path) / sizeof(w->path[0])];
	int steps = 0;

	for (int i = 1; i < w->npath; i++) {
		cause[i] = cause_of(w, i, segs, n, &next);
		steps += cause_rule(w, i, 0) != -1;
	}
	if (n == 0 || steps == 0)
		return;
	printf("  the segment that made each step, as captured on lo (wire):\n");
	for (int i = 1; i < w->npath; i++) {
		char step[64];

		if (cause_rule(w, i, 0) == -1)
			continue;
		snprintf(step, sizeof(step), "%s -> %s:", tcp_state_name(w->path[i - 1]),
			 tcp_state_name(w->path[i]));
		if (cause[i] < 0)
			printf("    %-30s not among this connection's captured segments\n", step);
		else
			printf("    %-30s %s %s\n", step, segs[cause[i]].sent ? "sent" : "received",
			       segs[cause[i]].label);
	}
}

/* The last state on fd's path, or -1. */
static int last_state(struct session *s, int fd)
{
	const struct watched *w = watch_find(s, fd);

	return w != NULL && w->npath > 0 ? w->path[w->npath - 1] : -1;
}

/*
 * fd's path ends SYN-SENT -> CLOSED with no errno seen yet: a non-blocking
 * connect failed, and a connect now only reports why (it sends no SYN).
 */
static bool unreported_failure(struct session *s, int fd)
{
	const struct watched *w = watch_find(s, fd);

	return w != NULL && w->npath >= 2 && w->path[w->npath - 2] == TCP_SYN_SENT &&
	       w->path[w->npath - 1] == TCP_CLOSE && w->via[w->npath - 1] == VIA_FIGURE;
}

/*
 * After a call on a TCP socket of the session, before its state is noted:
 * what the call's outcome proves about the path. A connect that succeeded,
 * is in progress, or was refused or timed out sent a SYN from CLOSED
 * (SYN-SENT), unless it only reported the failure of an earlier non-blocking
 * connect (then it sent nothing). accept's new socket began as SYN-RECEIVED,
 * while the listener stayed in LISTEN. ECONNREFUSED, ECONNRESET and
 * ETIMEDOUT label the edge into CLOSED.
 */
void diagram_note_call(struct session *s, const struct call_ctx *c, long ret, int err,
		       const struct kstate *k)
{
	static const struct { int err; enum edge_via via; } errs[] = {
		{ ECONNREFUSED, VIA_REFUSED }, { ECONNRESET, VIA_RESET }, { ETIMEDOUT, VIA_TIMEOUT },
	};
	enum edge_via via = VIA_FIGURE;

	if (!k->has_tcp || !session_has(s, c->fd))
		return;
	if (strcmp(c->call, "accept") == 0 && ret >= 0)
		watch_note_state(s, (int)ret, TCP_SYN_RECV);
	for (size_t i = 0; ret == -1 && i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].err == err)
			via = errs[i].via;
	if (strcmp(c->call, "connect") == 0 &&
	    (ret == 0 || err == EINPROGRESS || via != VIA_FIGURE) &&
	    last_state(s, c->fd) == TCP_CLOSE && !(via != VIA_FIGURE && unreported_failure(s, c->fd)))
		watch_note_state(s, c->fd, TCP_SYN_SENT);
	if (via != VIA_FIGURE && k->tcp_state == TCP_CLOSE)
		watch_note_edge(s, c->fd, TCP_CLOSE, via);
}

static bool visited(const struct watched *w, int state)
{
	for (int i = 0; i < w->npath; i++)
		if (w->path[i] == state)
			return true;
	return false;
}

/* One picture line with the marks: >NOW< for the current state, [SEEN] for the path. */
static void print_marked(const char *line, const struct watched *w, int now)
{
	char out[128];

	snprintf(out, sizeof(out), "%s", line);
	for (int st = TCP_ESTABLISHED; st <= TCP_CLOSING; st++) {
		const char *name = tcp_state_name(st);
		size_t len = strlen(name);

		for (char *p = strstr(out, name); p != NULL; p = strstr(p + len, name)) {
			bool whole = p > out && p[-1] == ' ' && p[len] == ' ' &&
				     !(p[len + 1] == 'W' && st == TCP_CLOSE);
			if (!whole)
				continue;
			if (st == now)
				p[-1] = '>', p[len] = '<';
			else if (visited(w, st))
				p[-1] = '[', p[len] = ']';
		}
	}
	printf("  %s\n", out);
}

/* The edge into path[i] was already on the path: explain it once. */
static bool edge_seen_before(const struct watched *w, int i)
{
	for (int j = 1; j < i; j++)
		if (w->path[j - 1] == w->path[i - 1] && w->path[j] == w->path[i] &&
		    w->via[j] == w->via[i])
			return true;
	return false;
}

static enum cmd_status cmd_diagram_exec(struct session *s, const struct cmd_args *a)
{
	const struct watched *w;
	struct kstate k;
	int fd;

	if (!resolve_fd(s, a->argc ? a->argv[0] : NULL, NULL, "diagram", &fd))
		return CMD_USAGE;
	wire_drain(s, true, NULL, NULL);	/* the segments since the last call, for the marks */
	if (!kstate_read(fd, &k) || !k.has_tcp) {
		report_error(s, "diagram: fd %d is %s; the diagram is for TCP sockets", fd,
			     k.is_socket ? proto_name(&k) : "not open");
		return CMD_USAGE;
	}
	watch_note_state(s, fd, k.tcp_state);
	w = watch_find(s, fd);
	printf("TCP states of fd %d: >%s< now, [marked] on its way here\n\n", fd,
	       tcp_state_name(k.tcp_state));
	for (size_t i = 0; i < sizeof(picture) / sizeof(picture[0]); i++)
		print_marked(picture[i], w, k.tcp_state);
	printf("\n  LISTEN stays LISTEN: each SYN makes a new socket (:), which starts in\n"
	       "  SYN-RECEIVED; accept returns it once it is ESTABLISHED.\n");
	printf("\n  path of fd %d:", fd);
	for (int i = 0; i < w->npath; i++) {
		if (i > 0 && w->via[i] != VIA_FIGURE)
			printf(" -[%s]->", edges[w->via[i]].label);
		else if (i > 0)
			printf(" ->");
		printf(" %s", tcp_state_name(w->path[i]));
	}
	printf("\n");
	for (int i = 1; i < w->npath; i++)
		if (w->via[i] != VIA_FIGURE && !edge_seen_before(w, i))
			printf("  %s -> %s is not in the figure: %s.\n", tcp_state_name(w->path[i - 1]),
			       tcp_state_name(w->path[i]), edges[w->via[i]].why);
	print_marks(s, fd, w);
	return CMD_OK;
}

const struct cmd_entry cmd_diagram_entry = {
	.name = "diagram",
	.usage = "[FD]",
	.summary = "the TCP state diagram, with where this socket is and has been",
	.about = "Draws the TCP state diagram (RFC 793, simplified) with the socket's\n"
		"current state marked >LIKE< this and the states it went through marked\n"
		"[like] this, then the path it took: the states the session saw, and what\n"
		"a call proved (connect sent a SYN; accept's socket began in SYN-RECEIVED).\n"
		"A reset the kernel reported (ECONNREFUSED, ECONNRESET) labels its edge,\n"
		"-[rcv RST]->. With wire on, each step a segment makes is listed with\n"
		"the segment captured that made it, as ladder labels it (SYN-SENT ->\n"
		"ESTABLISHED: received [S.], seq ..., ack ...). Without FD: the current\n"
		"socket.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_diagram_exec,
};
