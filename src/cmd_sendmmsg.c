/*
 * cmd_sendmmsg.c - sendmmsg [FD] [more] TEXT TEXT...: several messages in
 * one system call.
 *
 * Each TEXT is one message: a struct mmsghdr with one iovec and no address
 * (the socket's peer). On a datagram socket each message is a datagram; on
 * a stream socket each is a send of its own, back to back inside the one
 * call, as close together as a program's two writes, which is what Nagle's
 * algorithm is about (lesson 13) and what no typist can do. The call line
 * is strace's: every message, and msg_len for those the kernel sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockrepl.h"

#define MAX_MESSAGES 8
#define STRACE_STRING_MAX 32	/* strace's default -s */

struct messages {
	struct mmsghdr hdr[MAX_MESSAGES];
	struct iovec iov[MAX_MESSAGES];
	unsigned n;
	int sent;		/* what sendmmsg returned */
};

static void messages_free(struct messages *m)
{
	for (unsigned i = 0; i < m->n; i++)
		free(m->iov[i].iov_base);
}

/* One TEXT, parsed as send parses its one, as message m->n; false after a usage error. */
static bool take_message(struct session *s, const char *start, const char *end,
			 struct messages *m)
{
	char *token = strndup(start, (size_t)(end - start)), *data;
	size_t len;
	bool ok;

	if (token == NULL) {
		report_error(s, "out of memory for TEXT");
		return false;
	}
	ok = parse_text(s, token, &data, &len);
	free(token);
	if (!ok)
		return false;
	m->iov[m->n] = (struct iovec){ .iov_base = data, .iov_len = len };
	m->hdr[m->n].msg_hdr.msg_iov = &m->iov[m->n];
	m->hdr[m->n].msg_hdr.msg_iovlen = 1;
	m->n++;
	return true;
}

/* Every TEXT on the line, one message each. */
static bool take_messages(struct session *s, const char *p, struct messages *m)
{
	for (p += strspn(p, " \t"); *p != '\0'; p += strspn(p, " \t")) {
		const char *end = text_end(p);

		if (m->n == MAX_MESSAGES) {
			report_error(s, "sendmmsg: at most %d messages (TEXTs) in one call",
				     MAX_MESSAGES);
			return false;
		}
		if (!take_message(s, p, end, m))
			return false;
		p = end;
	}
	return true;
}

/* The array as strace prints it: msg_len only for the messages sent. */
static void sb_messages(struct strbuf *sb, const struct messages *m)
{
	sb_printf(sb, "[");
	for (unsigned i = 0; i < m->n; i++) {
		sb_printf(sb, "%s{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=",
			  i ? ", " : "");
		sb_quoted(sb, m->iov[i].iov_base, m->iov[i].iov_len, STRACE_STRING_MAX);
		sb_printf(sb, ", iov_len=%zu}], msg_iovlen=1, msg_controllen=0, msg_flags=0}",
			  m->iov[i].iov_len);
		if ((int)i < m->sent)
			sb_printf(sb, ", msg_len=%u", m->hdr[i].msg_len);
		sb_printf(sb, "}");
	}
	sb_printf(sb, "]");
}

/* What the kernel did with each message: how many went, short ones, a stream's joins. */
static void note_messages(const struct call_ctx *c)
{
	const struct messages *m = c->extra;

	if ((unsigned)m->sent < m->n)
		report_note("%d of %u messages sent: sendmmsg stops at the first one that fails "
			    "and returns how many went before it; the error of the one that failed "
			    "is not returned.", m->sent, m->n);
	for (int i = 0; i < m->sent; i++)
		if (m->hdr[i].msg_len < m->iov[i].iov_len)
			report_note("message %d: %u of %zu bytes taken (a short write: the send "
				    "buffer filled).", i + 1, m->hdr[i].msg_len, m->iov[i].iov_len);
	if (socket_type(c->fd) == SOCK_STREAM && m->sent > 1)
		report_note("on a stream socket each message is a send of its own, one right after "
			    "the other: their bytes join one stream, with no boundary between them.");
	note_after_send(c);
}

static enum cmd_status cmd_sendmmsg_exec(struct session *s, const struct cmd_args *a)
{
	struct messages m = { .n = 0 };
	struct call_ctx c = { .call = "sendmmsg", .on_success = note_messages, .extra = &m };
	struct strbuf args;
	const char *text;
	enum cmd_status status;
	int err;

	if (!take_send_fd_and_flags(s, a, "sendmmsg", &c.fd, &c.msg_flags, &text) ||
	    !take_messages(s, text, &m)) {
		messages_free(&m);
		return CMD_USAGE;
	}
	c.arg = (long)m.iov[0].iov_len;	/* the datagram EMSGSIZE is about: the first */
	fflush(stdout);
	stdin_watch_call(s, call_waits_forever(c.fd, true));
	m.sent = sendmmsg(c.fd, m.hdr, m.n, c.msg_flags);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, ", c.fd);
	sb_messages(&args, &m);
	sb_printf(&args, ", %u, ", m.n);
	sb_msg_flags(&args, c.msg_flags);
	status = finish_call(s, &args, &c, m.sent, err);
	messages_free(&m);
	return status;
}

const struct cmd_entry cmd_sendmmsg_entry = {
	.name = "sendmmsg",
	.usage = "[FD] [more] TEXT TEXT...",
	.summary = "send several messages in one call (each TEXT one)",
	.syscall = "sendmmsg",
	.about = "Sends each TEXT as a message of its own, all in one system call, on a\n"
		"connected socket; TEXT as for send (quote one that holds blanks). The\n"
		"result is how many messages were sent: on an error after the first, the\n"
		"count so far. A datagram socket sends one datagram per TEXT. On TCP each\n"
		"message is a send of its own, right after the one before, as a program's\n"
		"two writes would be: faster than anyone types, which shows Nagle's\n"
		"algorithm holding the second when the peer delays its ACK (lesson 13).\n"
		"At most 8 TEXTs. Without FD: the newest connected socket.",
	.min_args = 1,
	.max_args = -1,
	.exec = cmd_sendmmsg_exec,
};
