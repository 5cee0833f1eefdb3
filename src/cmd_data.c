/*
 * cmd_data.c - moving bytes: send, recv, sendto, recvfrom, shutdown.
 *
 * glibc's send and recv are the sendto and recvfrom system calls with no
 * address, so that is what the call lines show, as strace does. Data is
 * quoted as strace quotes it (at most 32 bytes); a longer recv also prints
 * the whole of what arrived (up to a screenful) below the call line.
 */
#include <errno.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "sockrepl.h"

#define STRACE_STRING_MAX 32	/* strace's default -s */
#define RECV_MAX (1L << 20)

/* ---- shared ------------------------------------------------------------- */

/* Leading flag words (more) before TEXT; a flag word with no text after it is the TEXT. */
static int take_send_flags(const char **p)
{
	const char *q = *p;
	char word[16];
	int flags = 0, bit;

	while (take_word(&q, word, sizeof(word)) && *q != '\0' &&
	       (bit = msg_flag_bit(word, false)) != 0) {
		flags |= bit;
		*p = q;
	}
	return flags;
}

/*
 * [FD] [more] before the text of send and sendmmsg: a leading integer is the
 * fd only if text follows it. *text: where the text begins.
 */
bool take_send_fd_and_flags(struct session *s, const struct cmd_args *a, const char *call,
			    int *fd, int *flags, const char **text)
{
	const char *p = a->rest;
	char first[32];

	if (take_word(&p, first, sizeof(first)) && looks_like_int(first) && *p != '\0') {
		if (!resolve_fd(s, first, NULL, call, fd))
			return false;
	} else {
		p = a->rest;
		if (!resolve_fd(s, NULL, fits_data, call, fd))
			return false;
	}
	*flags = take_send_flags(&p);
	*text = p;
	return true;
}

/* [FD] [more] TEXT */
static bool take_fd_and_text(struct session *s, const struct cmd_args *a, const char *call,
			     int *fd, int *flags, char **data, size_t *len)
{
	const char *text;

	return take_send_fd_and_flags(s, a, call, fd, flags, &text) &&
	       parse_text(s, text, data, len);
}

/*
 * [FD] [N]: one number is the FD. The buffer size is N as typed, or 4096 as
 * in the guide. Without FD: the newest socket with something to read, else
 * the newest connected one.
 */
static bool take_fd_and_size(struct session *s, int argc, char **argv, const char *call,
			     int *fd, long *size)
{
	const char *size_text = argc == 2 ? argv[1] : "4096";

	if (argc == 0 && (*fd = session_find_fd(s, has_data_waiting)) != -1)
		return parse_int(s, "buffer size", size_text, 0, RECV_MAX, size);
	return resolve_fd(s, argc ? argv[0] : NULL, fits_data, call, fd) &&
	       parse_int(s, "buffer size", size_text, 0, RECV_MAX, size);
}

/*
 * [FD] [N] and flag words (peek, dontwait, waitall) in any place: the flags
 * go to *flags, the rest to take_fd_and_size.
 */
static bool take_recv_args(struct session *s, const struct cmd_args *a, const char *call,
			   struct call_ctx *c, long *size)
{
	char *rest[2];
	int n = 0, bit;

	for (int i = 0; i < a->argc; i++) {
		if ((bit = msg_flag_bit(a->argv[i], true)) != 0) {
			c->msg_flags |= bit;
		} else if (n == 2) {
			report_error(s, "%s: '%.40s' is no flag (peek, dontwait, waitall), and FD and "
				     "N are already given", call, a->argv[i]);
			return false;
		} else {
			rest[n++] = a->argv[i];
		}
	}
	return take_fd_and_size(s, n, rest, call, &c->fd, size);
}

/* ---- send [FD] TEXT ------------------------------------------------------- */

static enum cmd_status cmd_send_exec(struct session *s, const struct cmd_args *a)
{
	struct call_ctx c = { .call = "sendto", .on_success = note_after_send };
	struct strbuf args;
	size_t len;
	char *data;
	long ret;
	int err;

	if (!take_fd_and_text(s, a, "send", &c.fd, &c.msg_flags, &data, &len))
		return CMD_USAGE;
	c.arg = (long)len;
	fflush(stdout);
	stdin_watch_call(s, call_waits_forever(c.fd, true));
	ret = send(c.fd, data, len, c.msg_flags);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, ", c.fd);
	sb_quoted(&args, data, len, STRACE_STRING_MAX);
	sb_printf(&args, ", %zu, ", len);
	sb_msg_flags(&args, c.msg_flags);
	sb_printf(&args, ", NULL, 0");
	free(data);
	return finish_call(s, &args, &c, ret, err);
}

const struct cmd_entry cmd_send_entry = {
	.name = "send",
	.usage = "[FD] [more] TEXT",
	.summary = "send bytes on a connected socket",
	.syscall = "sendto",
	.about = "Sends TEXT on a connected socket (glibc's send is sendto with no address).\n"
		"TEXT takes C escapes: \\n, \\r\\n, \\t, \\0, \\xHH. Quote it to keep blanks or\n"
		"a leading number: send \"4 apples\\n\". \"ab\"*1000 repeats ab 1000 times.\n"
		"The result is how many bytes the kernel took into its send buffer; that is\n"
		"not yet delivered. more (MSG_MORE) says more follows: TCP holds the bytes\n"
		"to fill a segment (for about 200 ms), UDP joins them with the next\n"
		"send into one datagram. Without FD: the newest connected socket.",
	.min_args = 1,
	.max_args = -1,
	.exec = cmd_send_exec,
};

/* ---- recv [FD] [N] and recvfrom [FD] [N] ------------------------------------ */

/*
 * Both are the recvfrom system call: recv passes no address buffer (glibc's
 * recv is recvfrom(fd, buf, n, 0, NULL, NULL)); recvfrom asks who sent it.
 */
static enum cmd_status receive(struct session *s, const struct cmd_args *a, const char *name,
			       bool want_sender)
{
	struct call_ctx c = { .call = "recvfrom" };
	struct sockaddr_storage from = { 0 };	/* zeroed: an abstract name ends at its last byte */
	socklen_t fromsize = 0, fromlen = 0;
	struct strbuf args;
	enum cmd_status status;
	long size, ret, datagram;
	char *buf;
	int err;

	if (!take_recv_args(s, a, name, &c, &size))
		return CMD_USAGE;
	buf = malloc((size_t)size + 1);
	if (buf == NULL) {
		report_error(s, "out of memory for a %ld-byte buffer", size);
		return CMD_USAGE;
	}
	if (want_sender)
		fromsize = fromlen = sockaddr_size_of(c.fd);
	announce_recv_wait(s, c.fd, c.msg_flags, size);
	datagram = next_datagram(c.fd);
	ret = recvfrom(c.fd, buf, (size_t)size, c.msg_flags, want_sender ? (struct sockaddr *)&from : NULL,
		       want_sender ? &fromlen : NULL);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, ", c.fd);
	if (ret >= 0)
		sb_quoted(&args, buf, (size_t)ret, STRACE_STRING_MAX);
	else
		sb_printf(&args, "%p", (void *)buf);
	sb_printf(&args, ", %ld, ", size);
	sb_msg_flags(&args, c.msg_flags);
	sb_printf(&args, ", ");
	if (!want_sender)
		sb_printf(&args, "NULL, NULL");
	else if (ret >= 0 && fromlen > 0)
		sb_sockaddr(&args, (struct sockaddr *)&from, fromlen);
	else
		sb_printf(&args, "%p", (void *)&from);
	if (want_sender)
		sb_socklen(&args, fromsize, fromlen, ret >= 0);
	status = finish_call(s, &args, &c, ret, err);
	if (ret >= 0)
		note_received(c.fd, buf, size, ret, datagram);
	if (ret >= 0)
		note_recv_flags(c.fd, c.msg_flags, size, ret);
	if (c.msg_flags & MSG_PEEK)
		note_peeked_line(c.fd, buf, ret);
	if (ret >= 0 && fromlen > 0)
		note_sender(s, (struct sockaddr *)&from);
	free(buf);
	return status;
}

static enum cmd_status cmd_recv_exec(struct session *s, const struct cmd_args *a)
{
	return receive(s, a, "recv", false);
}

const struct cmd_entry cmd_recv_entry = {
	.name = "recv",
	.usage = "[FD] [N] [FLAG]...",
	.summary = "receive up to N bytes (default 4096)",
	.syscall = "recvfrom",
	.about = "Takes up to N bytes (default 4096, the guide's buffer) from the socket's\n"
		"receive queue. It returns what is there, which may be less than was sent\n"
		"(a partial read) or more than one send's worth: TCP is a byte stream.\n"
		"0 means end of file when the peer closed; 0 also comes after this side's\n"
		"shutdown rd, and with N = 0 (nothing taken). On a datagram socket each\n"
		"recv takes one whole datagram: what does not fit in N bytes is gone.\n"
		"With nothing to read it waits (Ctrl-C interrupts), or fails with EAGAIN\n"
		"if non-blocking. Flags: peek (MSG_PEEK) copies without taking: the bytes\n"
		"stay queued (on a byte stream a note says where the first line ends, so\n"
		"that recv FD LEN takes exactly it); waitall (MSG_WAITALL) waits for all N\n"
		"bytes or end of file (so a message whose length came first is read whole);\n"
		"dontwait (MSG_DONTWAIT) makes this one call non-blocking. One number is the\n"
		"FD. Without FD: the newest socket with data waiting, else the newest\n"
		"connected socket.",
	.min_args = 0,
	.max_args = 5,
	.exec = cmd_recv_exec,
};

/* ---- sendto [FD] ADDR PORT TEXT --------------------------------------------- */

/* Endpoint words: one for ADDR:PORT, [V6]:PORT, @FD or a Unix path, else two. */
static int endpoint_words(const char *first, int family)
{
	const char *colon = strchr(first, ':');

	if (family == AF_UNIX || first[0] == '@' || first[0] == '[' ||
	    (colon != NULL && strchr(colon + 1, ':') == NULL))
		return 1;
	return 2;
}

/* After a sendto on a connected TCP socket: Linux ignored the address. */
static void note_address_ignored(const struct call_ctx *c)
{
	char peer[128];

	if (c->after == NULL || !c->after->has_tcp || !c->after->has_peer)
		return;
	format_endpoint(peer, sizeof(peer), (const struct sockaddr *)&c->after->peer);
	report_note("note: Linux TCP ignores sendto's address: these bytes went to fd %d's "
		    "peer, %s.", c->fd, peer);
}

static enum cmd_status cmd_sendto_exec(struct session *s, const struct cmd_args *a)
{
	struct sockaddr_storage addr;
	struct call_ctx c = { .call = "sendto", .addr = (struct sockaddr *)&addr,
			      .on_success = note_address_ignored };
	char words[2][256], *argv[2], first[32], *data;
	const char *p = a->rest, *before = p;
	struct strbuf args;
	socklen_t addrlen;
	size_t len;
	long ret;
	int err, n;

	if (!take_word(&p, first, sizeof(first)) || !looks_like_int(first))
		p = before;
	if (!resolve_fd(s, p == before ? NULL : first, fits_unconnected_dgram, "sendto", &c.fd))
		return CMD_USAGE;
	for (n = 0; n < 2; n++) {
		if ((argv[n] = (char *)take_word(&p, words[n], sizeof(words[n]))) == NULL)
			break;
		if (endpoint_words(words[0], socket_family(c.fd)) == 1 && ++n)
			break;
	}
	if (n == 0 || *p == '\0') {
		report_error(s, "sendto: missing %s (usage: sendto %s)", n ? "TEXT" : "address",
			     cmd_sendto_entry.usage);
		return CMD_USAGE;
	}
	if (!parse_endpoint(s, socket_family(c.fd), n, argv, &addr, &addrlen) ||
	    !parse_text(s, p, &data, &len))
		return CMD_USAGE;
	c.arg = (long)len;
	fflush(stdout);
	stdin_watch_call(s, call_waits_forever(c.fd, true));	/* a full Unix receiver makes it wait */
	ret = sendto(c.fd, data, len, 0, (struct sockaddr *)&addr, addrlen);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, ", c.fd);
	sb_quoted(&args, data, len, STRACE_STRING_MAX);
	sb_printf(&args, ", %zu, 0, ", len);
	sb_sockaddr(&args, (struct sockaddr *)&addr, addrlen);
	sb_printf(&args, ", %u", (unsigned)addrlen);
	free(data);
	return finish_call(s, &args, &c, ret, err);
}

const struct cmd_entry cmd_sendto_entry = {
	.name = "sendto",
	.usage = "[FD] ADDR PORT TEXT",
	.summary = "send a datagram to an address (UDP)",
	.syscall = "sendto",
	.about = "Sends TEXT as one datagram to ADDR PORT (or ADDR:PORT, [V6ADDR]:PORT, @FD,\n"
		"or a path for a Unix socket), with no connection: each datagram carries\n"
		"its own destination. An unbound UDP socket gets a port at its first send.\n"
		"On a connected socket Linux differs by kind: TCP ignores the address and\n"
		"sends to its peer; UDP and Unix datagram sockets send to the address\n"
		"given; a Unix stream socket refuses (EISCONN). TEXT is as for send.\n"
		"Without FD: the newest datagram socket.",
	.min_args = 1,
	.max_args = -1,
	.exec = cmd_sendto_exec,
};

static enum cmd_status cmd_recvfrom_exec(struct session *s, const struct cmd_args *a)
{
	return receive(s, a, "recvfrom", true);
}

const struct cmd_entry cmd_recvfrom_entry = {
	.name = "recvfrom",
	.usage = "[FD] [N] [FLAG]...",
	.summary = "receive one datagram and its sender's address",
	.syscall = "recvfrom",
	.about = "Takes the next datagram (up to N bytes, default 4096; the rest of a longer\n"
		"one is lost) and says who sent it. On a stream socket it works like recv.\n"
		"One number is the FD; flags as for recv. Without FD: as for recv.",
	.min_args = 0,
	.max_args = 5,
	.exec = cmd_recvfrom_exec,
};

/* ---- shutdown [FD] rd|wr|rdwr ------------------------------------------------- */

static const struct {
	const char *word, *symbol;
	int how;
} shutdown_hows[] = {
	{ "rd", "SHUT_RD", SHUT_RD }, { "wr", "SHUT_WR", SHUT_WR },
	{ "rdwr", "SHUT_RDWR", SHUT_RDWR },
};

static enum cmd_status cmd_shutdown_exec(struct session *s, const struct cmd_args *a)
{
	struct call_ctx c = { .call = "shutdown" };
	const char *word = a->argv[a->argc - 1];
	struct strbuf args;
	size_t i;
	int ret, err;

	for (i = 0; i < sizeof(shutdown_hows) / sizeof(shutdown_hows[0]); i++)
		if (strcmp(word, shutdown_hows[i].word) == 0)
			break;
	if (i == sizeof(shutdown_hows) / sizeof(shutdown_hows[0])) {
		report_error(s, "shutdown: '%.40s' is neither rd, wr nor rdwr", word);
		return CMD_USAGE;
	}
	if (!resolve_fd(s, a->argc == 2 ? a->argv[0] : NULL, fits_data, "shutdown", &c.fd))
		return CMD_USAGE;
	ret = shutdown(c.fd, shutdown_hows[i].how);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, %s", c.fd, shutdown_hows[i].symbol);
	return finish_call(s, &args, &c, ret, err);
}

const struct cmd_entry cmd_shutdown_entry = {
	.name = "shutdown",
	.usage = "[FD] rd|wr|rdwr",
	.summary = "close one direction of a connection",
	.syscall = "shutdown",
	.about = "Ends one direction of a connection without closing the fd. wr (a FIN on\n"
		"TCP): the peer reads end of file, but can still send to you (a half-closed\n"
		"connection). rd sends nothing on Linux TCP: the peer is not told, its data\n"
		"still arrives and can still be read, and recv returns 0 once the receive\n"
		"queue is empty instead of waiting. rdwr does both. Unlike close, it acts\n"
		"on the connection, for every fd that shares it. Without FD: the newest\n"
		"connected socket.",
	.min_args = 1,
	.max_args = 2,
	.exec = cmd_shutdown_exec,
};
