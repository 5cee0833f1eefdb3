/*
 * cmd_sendfile.c - sendfile FD FILE [COUNT]: a response straight from a file.
 *
 * Three system calls, each printed as strace prints it: openat opens FILE
 * for reading, sendfile copies it to the socket inside the kernel, and close
 * closes the file again, so that no file fd lingers in the session.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockrepl.h"

#define COUNT_MAX 2147479552L	/* Linux moves at most this much per call (MAX_RW_COUNT) */

/* openat(AT_FDCWD, FILE, O_RDONLY), printed and, on failure, explained; the fd or -1. */
static int open_file(struct session *s, const char *file)
{
	struct call_ctx c = { .call = "openat", .fd = -1 };
	struct strbuf args;
	int fd, err;

	stdin_watch_call(s, true);	/* a FIFO makes open wait for a writer */
	fd = openat(AT_FDCWD, file, O_RDONLY);
	err = errno;
	stdin_watch_call(s, false);
	sb_init(&args);
	sb_printf(&args, "AT_FDCWD, ");
	sb_quoted(&args, file, strlen(file), strlen(file));
	sb_printf(&args, ", O_RDONLY");
	print_call(s, &args, &c, fd, err);
	if (fd == -1)
		explain_failure(s, &c, err);
	return fd;
}

/* close(fd) of the file, printed; `expect` still sees sendfile's outcome, the command's. */
static void close_file(struct session *s, int fd)
{
	struct call_ctx c = { .call = "close", .fd = -1 };
	struct call_result sendfile_result = s->last;
	struct strbuf args;
	int ret = close(fd), err = errno;

	sb_init(&args);
	sb_printf(&args, "%d", fd);
	print_call(s, &args, &c, ret, err);
	s->last = sendfile_result;
}

/* After sendfile: fewer bytes than asked is a short transfer, not an error. */
static void note_sent(const struct call_ctx *c)
{
	const long *sent = c->extra;

	if (*sent < c->arg)
		report_note("%ld of %ld bytes: sendfile stops at the end of the file, or, on a "
			    "non-blocking socket, when the send buffer is full; call it again for "
			    "the rest.", *sent, c->arg);
	else
		report_note("the kernel copied the %ld bytes from the file into fd %d's send "
			    "buffer itself: they never passed through this process.", *sent, c->fd);
}

static enum cmd_status cmd_sendfile_exec(struct session *s, const struct cmd_args *a)
{
	bool fd_typed = a->argc == 3 || (a->argc == 2 && looks_like_int(a->argv[0]));
	const char *count_text = a->argc > 1 + fd_typed ? a->argv[1 + fd_typed] : NULL;
	struct call_ctx c = { .call = "sendfile", .on_success = note_sent };
	enum cmd_status status;
	struct strbuf args;
	struct stat st;
	long count = 0, sent;
	int in, err;
	char path[PATH_MAX];

	if (a->argc == 1 && looks_like_int(a->argv[0])) {
		report_error(s, "sendfile: missing FILE (usage: sendfile %s)",
			     cmd_sendfile_entry.usage);
		return CMD_USAGE;
	}
	if (!resolve_fd(s, fd_typed ? a->argv[0] : NULL, fits_data, "sendfile", &c.fd) ||
	    (count_text != NULL && !parse_int(s, "COUNT", count_text, 0, COUNT_MAX, &count)))
		return CMD_USAGE;
	if ((in = open_file(s, lessons_path(a->argv[fd_typed], path, sizeof(path)))) == -1)
		return CMD_FAILED_CALL;
	if (count_text == NULL)	/* the whole file: its size, read with fstat */
		count = fstat(in, &st) == 0 && st.st_size < COUNT_MAX ? (long)st.st_size : COUNT_MAX;
	c.arg = count;
	c.extra = &sent;
	fflush(stdout);
	stdin_watch_call(s, call_waits_forever(c.fd, true));	/* a full send buffer makes it wait */
	sent = sendfile(c.fd, in, NULL, (size_t)count);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, %d, NULL, %ld", c.fd, in, count);
	status = finish_call(s, &args, &c, sent, err);
	close_file(s, in);
	return status;
}

const struct cmd_entry cmd_sendfile_entry = {
	.name = "sendfile",
	.usage = "[FD] FILE [COUNT]",
	.summary = "send a file's bytes on a connected socket",
	.syscall = "sendfile",
	.also_syscall = "openat",
	.about = "Opens FILE (openat, O_RDONLY), sends COUNT bytes of it (default: its\n"
		"size) with sendfile, which copies them inside the kernel from the file to\n"
		"the socket's send buffer, then closes the file: three calls, each printed.\n"
		"Like send, it may take fewer bytes than asked (the end of the file, or a\n"
		"full send buffer on a non-blocking socket). A relative FILE is from the\n"
		"directory sockrepl started in; @lessons/NAME is NAME in the lessons'\n"
		"directory (the page of lesson 18), and openat shows the path it became.\n"
		"Without FD: the newest connected socket.",
	.min_args = 1,
	.max_args = 3,
	.exec = cmd_sendfile_exec,
};
