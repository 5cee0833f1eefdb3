/*
 * stdinwatch.c - a script's standard input closing while a call waits.
 *
 * When sockrepl reads a script from a pipe and the pipe's writer goes away
 * while a blocking call (accept, recv, ...) waits, nothing would ever wake
 * that call: the session would hang. A small thread waits for the pipe to
 * hang up; if a call is waiting then and no script line is left unread, it
 * sends the main thread SIGHUP, which interrupts the call and ends the
 * session cleanly, as a terminal going away does.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockrepl.h"

static pthread_t main_thread;
static atomic_bool in_call;		/* the main thread is in a call that may block */
static atomic_bool lines_left;		/* script lines already read into stdio's buffer */
volatile sig_atomic_t stdin_closed;	/* why the session ended, for the last message */

/* Bytes stdio has read ahead from the script but not yet handed out. */
static size_t read_ahead(FILE *f)
{
#ifdef __GLIBC__
	return (size_t)(f->_IO_read_end - f->_IO_read_ptr);	/* as gnulib's freadahead */
#else
	(void)f;
	return 1;	/* unknown: never interrupt */
#endif
}

static void *watch_stdin(void *arg)
{
	struct pollfd in = { .fd = STDIN_FILENO, .events = 0 };	/* hang-up only */
	int unread;

	(void)arg;
	while (poll(&in, 1, -1) < 1 || !(in.revents & (POLLHUP | POLLERR)))
		;
	for (;;) {	/* the writer is gone: wait for a call with nothing left to read */
		if (ioctl(STDIN_FILENO, FIONREAD, &unread) == -1)
			unread = 0;
		if (atomic_load(&in_call) && !atomic_load(&lines_left) && unread == 0) {
			stdin_closed = 1;
			pthread_kill(main_thread, SIGHUP);
			return NULL;
		}
		poll(NULL, 0, 50);
	}
}

/* In script mode on a pipe or socket: start watching for its writer to go. */
void stdin_watch_start(const struct session *s)
{
	struct stat st;
	sigset_t all, old;
	pthread_t thread;

	if (s->interactive || s->script != stdin || fstat(STDIN_FILENO, &st) == -1 ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return;
	main_thread = pthread_self();
	sigfillset(&all);	/* signals stay the main thread's */
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&thread, NULL, watch_stdin, NULL) == 0)
		pthread_detach(thread);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Around a call that may block: begin (true) before it, end (false) after. */
void stdin_watch_call(const struct session *s, bool begin)
{
	if (begin)
		atomic_store(&lines_left, s->script != NULL && read_ahead(s->script) > 0);
	atomic_store(&in_call, begin);
}
