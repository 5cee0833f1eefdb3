/*
 * cmd_fd.c - calls on the descriptor itself: nonblock (fcntl) and close.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockrepl.h"

/*
 * fds 0-2 are the REPL's own terminal or pipe: closing one ends the session's
 * input or output, and O_NONBLOCK on a terminal is shared with the shell that
 * started sockrepl. These are refused; every other fd goes to the kernel.
 */
static bool refuse_std_fd(struct session *s, const char *call, int fd, const char *harm)
{
	static const char *const names[] = { "standard input", "standard output",
					     "standard error" };

	if (fd < 0 || fd > 2)
		return false;
	report_error(s, "%s: fd %d is sockrepl's own %s; %s", call, fd, names[fd], harm);
	return true;
}

/* ---- nonblock [FD] on|off ---------------------------------------------- */

static enum cmd_status cmd_nonblock_exec(struct session *s, const struct cmd_args *a)
{
	struct call_ctx c = { .call = "fcntl" };
	const char *mode = a->argv[a->argc - 1];
	struct strbuf args;
	int ret, err;

	if (strcmp(mode, "on") != 0 && strcmp(mode, "off") != 0) {
		report_error(s, "nonblock: '%.40s' is neither on nor off", mode);
		return CMD_USAGE;
	}
	if (!resolve_fd(s, a->argc == 2 ? a->argv[0] : NULL, NULL, "nonblock", &c.fd) ||
	    refuse_std_fd(s, "nonblock", c.fd, "making it non-blocking would change "
			  "the terminal it shares with your shell"))
		return CMD_USAGE;
	c.arg = strcmp(mode, "on") == 0;
	/*
	 * One call, as promised: a socket's F_GETFL flags are just O_RDWR, so
	 * this is what fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) sets.
	 */
	ret = fcntl(c.fd, F_SETFL, O_RDWR | (c.arg ? O_NONBLOCK : 0));
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, F_SETFL, %s", c.fd, c.arg ? "O_RDWR|O_NONBLOCK" : "O_RDWR");
	return finish_call(s, &args, &c, ret, err);
}

const struct cmd_entry cmd_nonblock_entry = {
	.name = "nonblock",
	.usage = "[FD] on|off",
	.summary = "make calls on a socket return instead of waiting",
	.syscall = "fcntl",
	.about = "Sets or clears O_NONBLOCK with fcntl(F_SETFL). A non-blocking socket never\n"
		"waits: accept with an empty queue fails with EAGAIN, connect returns\n"
		"EINPROGRESS while the handshake goes on. Without FD: the current socket.",
	.min_args = 1,
	.max_args = 2,
	.exec = cmd_nonblock_exec,
};

/* ---- close [FD] ---------------------------------------------------------- */

/* What closing loses, said before the fd is gone: queued connections are reset. */
static void note_queue_lost(int fd)
{
	unsigned waiting = listener_queue(fd);

	if (waiting > 0)
		report_note("note: %u connection%s waiting in the accept queue; closing "
			    "the listener resets %s.", waiting,
			    waiting == 1 ? " was" : "s were", waiting == 1 ? "it" : "them");
}

/*
 * After fork: another process of the session holds the same socket, so this
 * close only drops one of its fds; the socket stays (a connection sends no FIN).
 */
static void note_still_held(const struct call_ctx *c)
{
	const char *holders = c->extra;

	if (*holders)
		report_note("note: %s still refer%s to this socket: closing fd %d dropped one "
			    "reference, and the socket stays open (a connection sends no FIN) until "
			    "the last fd is closed.", holders, strchr(holders, ',') ? "" : "s", c->fd);
}

/*
 * A connected socket closed with SO_LINGER on 0 resets its connection (RST):
 * remember its addresses, so that the peer's ECONNRESET can name the cause.
 */
static void remember_reset(struct session *s, int fd)
{
	struct linger lg = { 0, 0 };
	socklen_t len = sizeof(lg);
	struct reset_close *grown;
	struct kstate k;

	if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len) == -1 || !lg.l_onoff ||
	    lg.l_linger != 0 || !kstate_read(fd, &k) || !k.has_peer)
		return;
	grown = realloc(s->resets, (s->nresets + 1) * sizeof(*grown));
	if (grown == NULL)
		return;		/* only an explanation is lost */
	s->resets = grown;
	s->resets[s->nresets++] = (struct reset_close){ .fd = fd, .local = k.local, .peer = k.peer };
}

/* close(2) on fd, printed like any call; at exit too. */
enum cmd_status close_fd(struct session *s, int fd)
{
	char holders[256] = "";
	struct call_ctx c = { .call = "close", .fd = fd, .on_success = note_still_held,
			      .extra = holders };
	struct strbuf args;
	int ret, err;

	note_queue_lost(fd);
	proc_holders(socket_inode(fd), getpid(), holders, sizeof(holders));
	remember_reset(s, fd);
	session_remember_address(s, fd);
	ret = close(fd);
	err = errno;
	/* On Linux the fd is released even when close reports an error. */
	if (ret == 0 || err != EBADF)
		session_remove(s, fd);
	sb_init(&args);
	sb_printf(&args, "%d", fd);
	return finish_call(s, &args, &c, ret, err);
}

static enum cmd_status cmd_close_exec(struct session *s, const struct cmd_args *a)
{
	int fd;

	if (!resolve_fd(s, a->argc ? a->argv[0] : NULL, NULL, "close", &fd) ||
	    refuse_std_fd(s, "close", fd, "closing it would end the session"))
		return CMD_USAGE;
	return close_fd(s, fd);
}

const struct cmd_entry cmd_close_entry = {
	.name = "close",
	.usage = "[FD]",
	.summary = "close a socket",
	.syscall = "close",
	.about = "Releases the fd; the socket goes away once no fd refers to it. The side\n"
		"that closes a connection first keeps it in TIME-WAIT for 60 s, a fixed\n"
		"value in Linux (RFC 793 says twice the maximum segment lifetime): it\n"
		"answers a retransmitted FIN with the last ACK again, and keeps the port\n"
		"busy. Closing with unread data, or with SO_LINGER on 0, sends RST instead\n"
		"and leaves no TIME-WAIT. Without FD: the current socket.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_close_exec,
};

/* ---- unlink PATH ------------------------------------------------------------ */

static enum cmd_status cmd_unlink_exec(struct session *s, const struct cmd_args *a)
{
	struct sockaddr_storage addr;
	struct call_ctx c = { .call = "unlink", .fd = -1, .addr = (struct sockaddr *)&addr };
	const char *path = ((struct sockaddr_un *)&addr)->sun_path;
	struct strbuf args;
	socklen_t len;
	int ret, err;

	if (!unix_path_resolve(s, a->argv[0], &addr, &len))
		return CMD_USAGE;
	ret = unlink(path);
	err = errno;
	sb_init(&args);
	sb_quoted(&args, path, strlen(path), 4096);
	return finish_call(s, &args, &c, ret, err);
}

const struct cmd_entry cmd_unlink_entry = {
	.name = "unlink",
	.usage = "PATH",
	.summary = "remove a Unix socket's file (to bind its path again)",
	.syscall = "unlink",
	.about = "Removes a file. A Unix socket's file stays after the socket is closed,\n"
		"and binding the path again fails with EADDRINUSE until it is removed:\n"
		"servers unlink their path before bind. Relative paths are in sockrepl's\n"
		"private directory, as for bind.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_unlink_exec,
};
