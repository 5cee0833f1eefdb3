/*
 * diagram.c - `diagram [FD]`: the TCP state diagram (RFC 793, figure 6,
 * simplified to 80 columns), with the socket's current state marked >LIKE<
 * this and the states it has been through marked [like] this, followed by
 * the path it took: the states the session saw it in, plus what a call's
 * outcome proves (connect sent a SYN; accept's socket began in SYN-RECEIVED),
 * with the resets the kernel reported (an errno) labelled.
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
		"-[rcv RST]->. Without FD: the current socket.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_diagram_exec,
};
