/*
 * cmd_connection.c - the calls that make a connection: accept and connect.
 *
 * Both may block. Stdout is flushed first so the learner sees why the REPL
 * waits, and Ctrl-C (SIGINT, installed without SA_RESTART) makes the call
 * return EINTR instead of waiting on.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>

#include "sockrepl.h"

/* ---- accept [FD] -------------------------------------------------------- */

static enum cmd_status cmd_accept_exec(struct session *s, const struct cmd_args *a)
{
	struct call_ctx c = { .call = "accept" };
	struct sockaddr_storage peer;
	socklen_t size, len;
	struct strbuf args;
	enum cmd_status status;
	int fd, err;

	if (!resolve_fd(s, a->argc ? a->argv[0] : NULL, fits_accept, "accept", &c.fd))
		return CMD_USAGE;
	size = len = sockaddr_size_of(c.fd);
	announce_wait(s, c.fd, "accept");
	fd = accept(c.fd, (struct sockaddr *)&peer, &len);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, ", c.fd);
	if (fd >= 0)
		sb_sockaddr(&args, (struct sockaddr *)&peer, len);
	else
		sb_printf(&args, "%p", (void *)&peer);
	sb_socklen(&args, size, len, fd >= 0);
	if (fd >= 0 && !session_add(s, fd))
		report_error(s, "out of memory: fd %d is not in the session's list", fd);
	status = finish_call(s, &args, &c, fd, err);
	if (fd >= 0) {
		struct kstate k;

		kstate_read(fd, &k);
		print_state(fd, &k);	/* the new connection, below its listener */
		s->current_fd = fd;
		session_shown(s, fd, k.api);
		if (k.has_tcp)
			watch_note_state(s, fd, k.tcp_state);
	}
	return status;
}

const struct cmd_entry cmd_accept_entry = {
	.name = "accept",
	.usage = "[FD]",
	.summary = "take the next connection from the accept queue",
	.syscall = "accept",
	.about = "Takes the first finished connection from a listener's accept queue and\n"
		"returns a new fd for it; the listener goes on listening. With an empty\n"
		"queue a blocking listener waits (Ctrl-C interrupts: EINTR; SO_RCVTIMEO\n"
		"bounds the wait: EAGAIN), a non-blocking one fails at once with EAGAIN.\n"
		"On a socket that is not listening it fails at once (EINVAL). A connection\n"
		"reset while it waited in the queue is still returned on Linux. Without\n"
		"FD: the newest listener.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_accept_exec,
};

/* ---- connect [FD] ADDR PORT -------------------------------------------- */

static enum cmd_status cmd_connect_exec(struct session *s, const struct cmd_args *a)
{
	return address_call(s, a, "connect", fits_connect, connect);
}

const struct cmd_entry cmd_connect_entry = {
	.name = "connect",
	.usage = "[FD] ADDR PORT",
	.summary = "connect a socket to a listening address",
	.syscall = "connect",
	.about = "Connects a TCP socket to ADDR PORT (or ADDR:PORT, [V6ADDR]:PORT, @FD): the\n"
		"kernel picks a free local port if the socket is not bound, sends a SYN and\n"
		"waits for the three-way handshake. A non-blocking socket returns at once\n"
		"with EINPROGRESS while the handshake goes on. On Linux a socket whose\n"
		"connect failed may connect again (POSIX says: make a new one). A Unix\n"
		"stream socket connects to a path. Without FD: the newest socket that is\n"
		"neither listening nor connected.",
	.min_args = 1,
	.max_args = 3,
	.exec = cmd_connect_exec,
};
