/*
 * cmd_socket.c - the server's first three calls: socket, bind, listen.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sockrepl.h"

/* ---- socket [tcp|udp] [inet|inet6] ------------------------------------- */

/* The words `socket` takes, and the constants (and strace names) they mean. */
static const struct socket_word {
	const char *word;
	bool is_family;		/* else a type */
	int value;
	const char *symbol;
} socket_words[] = {
	{ "tcp", false, SOCK_STREAM, "SOCK_STREAM" },
	{ "udp", false, SOCK_DGRAM, "SOCK_DGRAM" },
	{ "inet", true, AF_INET, "AF_INET" },
	{ "inet6", true, AF_INET6, "AF_INET6" },
	{ "unix", true, AF_UNIX, "AF_UNIX" },
	{ "stream", false, SOCK_STREAM, "SOCK_STREAM" },
	{ "dgram", false, SOCK_DGRAM, "SOCK_DGRAM" },
};

static const struct socket_word *find_socket_word(const char *word)
{
	for (size_t i = 0; i < sizeof(socket_words) / sizeof(socket_words[0]); i++)
		if (strcasecmp(word, socket_words[i].word) == 0)
			return &socket_words[i];
	return NULL;
}

static enum cmd_status cmd_socket_exec(struct session *s, const struct cmd_args *a)
{
	const struct socket_word *family = &socket_words[2], *type = &socket_words[0];
	struct call_ctx c = { .call = "socket", .fd = -1 };
	struct strbuf args;
	int fd, err;

	for (int i = 0; i < a->argc; i++) {
		const struct socket_word *w = find_socket_word(a->argv[i]);

		if (w == NULL) {
			report_error(s, "socket: '%.40s' is not one of tcp, udp, stream, dgram, "
				     "inet, inet6, unix", a->argv[i]);
			return CMD_USAGE;
		}
		*(w->is_family ? &family : &type) = w;
	}
	fd = socket(family->value, type->value, 0);
	err = errno;
	if (fd >= 0 && !session_add(s, fd)) {
		close(fd);
		report_error(s, "out of memory: the socket was closed again");
		return CMD_USAGE;
	}
	sb_init(&args);
	/* protocol 0: strace names it IPPROTO_IP for the IP families */
	sb_printf(&args, "%s, %s, %s", family->symbol, type->symbol,
		  family->value == AF_UNIX ? "0" : "IPPROTO_IP");
	c.fd = fd;
	return finish_call(s, &args, &c, fd, err);
}

const struct cmd_entry cmd_socket_entry = {
	.name = "socket",
	.usage = "[tcp|udp|stream|dgram] [inet|inet6|unix]",
	.summary = "create a socket (default: tcp inet)",
	.syscall = "socket",
	.about = "Asks the kernel for a new socket and returns its file descriptor: the\n"
		"lowest free number, so 3 in a fresh session. tcp is a stream socket\n"
		"(SOCK_STREAM), udp a datagram socket (SOCK_DGRAM); stream and dgram say\n"
		"the same for unix. inet is IPv4, inet6 IPv6, unix a local socket whose\n"
		"address is a file path. The socket has no address yet: bind gives it one.",
	.min_args = 0,
	.max_args = 2,
	.exec = cmd_socket_exec,
};

/* ---- bind [FD] ADDR PORT ----------------------------------------------- */

static enum cmd_status cmd_bind_exec(struct session *s, const struct cmd_args *a)
{
	return address_call(s, a, "bind", fits_unbound, bind);
}

const struct cmd_entry cmd_bind_entry = {
	.name = "bind",
	.usage = "[FD] ADDR PORT",
	.summary = "give a socket its local address and port",
	.syscall = "bind",
	.about = "Gives the socket a local address: where it can be reached. ADDR PORT may\n"
		"also be written ADDR:PORT, [V6ADDR]:PORT, or @FD (the address socket FD is\n"
		"bound to, or had when it was closed; 0.0.0.0 and :: become loopback);\n"
		"PORT may be @FD too (that socket's port).\n"
		"ADDR is numeric, localhost or any; port 0 lets the kernel pick a free\n"
		"port. A unix socket takes a path; or @\"NAME\", a name in Linux's abstract\n"
		"namespace (no file; C escapes, no blanks: \\x20), as strace shows it; or\n"
		"\"\" (no path: the kernel autobinds an abstract name of five hex digits).\n"
		"Without FD: the newest unbound socket.",
	.min_args = 1,
	.max_args = 3,
	.exec = cmd_bind_exec,
};

/* ---- listen [FD] [BACKLOG] --------------------------------------------- */

/*
 * After a successful listen: what limit the kernel really applies, and what
 * a full queue does to a handshake (net.ipv4.tcp_abort_on_overflow, read
 * from this kernel).
 */
static void note_backlog(const struct call_ctx *c)
{
	const struct kstate *k = c->after;

	if (k == NULL || !k->has_tcp)
		return;
	if ((long)k->queue_max != c->arg)
		report_note("note: the kernel caps the backlog at net.core.somaxconn = %u%s.",
			    k->queue_max, c->arg < 0 ? " (a negative backlog reads as a "
			    "huge unsigned number)" : "");
	else
		report_note("note: Linux lets backlog + 1 = %lu finished connections wait "
			    "for accept; when that many wait, new SYNs are dropped, and a "
			    "handshake's final ACK is %s.", (unsigned long)k->queue_max + 1,
			    final_ack_on_overflow());
}

static enum cmd_status cmd_listen_exec(struct session *s, const struct cmd_args *a)
{
	struct call_ctx c = { .call = "listen", .on_success = note_backlog };
	const char *backlog_text = a->argc == 2 ? a->argv[1] : a->argc == 1 ? a->argv[0] : "1";
	struct strbuf args;
	long backlog;
	int ret, err;

	if (!resolve_fd(s, a->argc == 2 ? a->argv[0] : NULL, fits_listen, "listen", &c.fd) ||
	    !parse_int(s, "backlog", backlog_text, INT_MIN, INT_MAX, &backlog))
		return CMD_USAGE;
	c.arg = backlog;
	ret = listen(c.fd, (int)backlog);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, %ld", c.fd, backlog);
	return finish_call(s, &args, &c, ret, err);
}

const struct cmd_entry cmd_listen_entry = {
	.name = "listen",
	.usage = "[FD] [BACKLOG]",
	.summary = "make a socket accept connections (backlog 1)",
	.syscall = "listen",
	.about = "Turns a stream socket into a listener: the kernel now completes TCP\n"
		"handshakes on its port by itself and queues the finished connections\n"
		"until accept takes them. BACKLOG (default 1) bounds that accept queue;\n"
		"the kernel caps it at net.core.somaxconn. One number means BACKLOG.\n"
		"Without FD: the newest stream socket that is not listening or connected.",
	.min_args = 0,
	.max_args = 2,
	.exec = cmd_listen_exec,
};
