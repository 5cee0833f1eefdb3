/*
 * diagram.c - `diagram [FD]`: the TCP state diagram (RFC 793, figure 6,
 * simplified to 80 columns), with the socket's current state marked >LIKE<
 * this and the states it has been through marked [like] this, followed by
 * the path it took.
 */
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
	"  rcv SYN, send SYN+ACK |              | rcv SYN+ACK, send ACK",
	"                    v                |",
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
	printf("\n  path of fd %d:", fd);
	for (int i = 0; i < w->npath; i++)
		printf("%s %s", i ? " ->" : "", tcp_state_name(w->path[i]));
	printf("\n");
	return CMD_OK;
}

const struct cmd_entry cmd_diagram_entry = {
	.name = "diagram",
	.usage = "[FD]",
	.summary = "the TCP state diagram, with where this socket is and has been",
	.about = "Draws the TCP state diagram (RFC 793, simplified) with the socket's\n"
		"current state marked >LIKE< this and the states it went through marked\n"
		"[like] this, then the path it took. Without FD: the current socket.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_diagram_exec,
};
