/*
 * stdinwatch.c - a script's standard input closing while a call waits.
 *
 * When sockrepl reads a script from a pipe and the pipe's writer goes away
 * while a blocking call (accept, recv, ...) waits, nothing would ever wake
 * that call: the session would hang. A small thread waits for the pipe to
 * hang up; if a call is waiting then and no script line is left unread, it
 * sends the main thread SIGHUP, which interrupts the call and ends the
 * session cleanly, as a terminal going away does. At exit the thread is
 * told to stop (an eventfd it also waits on) and joined, so nothing of it
 * outlives the session.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockrepl.h"

static pthread_t main_thread, watcher;
static int stop_fd = -1;		/* written at exit: the watcher returns */
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

/*
 * Wait up to timeout_ms (-1: no limit) for stdin to hang up (events 0: the
 * script's lines are the main thread's to read); false once told to stop.
 */
static bool wait_stdin(int timeout_ms, short *revents)
{
	struct pollfd fds[2] = {
		{ .fd = STDIN_FILENO, .events = 0 },
		{ .fd = stop_fd, .events = POLLIN },
	};

	*revents = 0;
	if (poll(fds, 2, timeout_ms) == -1)
		return true;
	*revents = fds[0].revents;
	return !(fds[1].revents & POLLIN);
}

static void *watch_stdin(void *arg)
{
	short revents;
	int unread;

	(void)arg;
	do {
		if (!wait_stdin(-1, &revents))
			return NULL;
	} while (!(revents & (POLLHUP | POLLERR)));
	for (;;) {	/* the writer is gone: wait for a call with nothing left to read */
		if (ioctl(STDIN_FILENO, FIONREAD, &unread) == -1)
			unread = 0;
		if (atomic_load(&in_call) && !atomic_load(&lines_left) && unread == 0) {
			stdin_closed = 1;
			pthread_kill(main_thread, SIGHUP);
			return NULL;
		}
		if (!wait_stdin(50, &revents))
			return NULL;
	}
}

/* In script mode on a pipe or socket: start watching for its writer to go. */
void stdin_watch_start(const struct session *s)
{
	struct stat st;
	sigset_t all, old;

	if (s->interactive || s->script != stdin || fstat(STDIN_FILENO, &st) == -1 ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return;
	main_thread = pthread_self();
	stop_fd = fd_out_of_the_way(eventfd(0, EFD_CLOEXEC));
	if (stop_fd == -1)
		return;
	sigfillset(&all);	/* signals stay the main thread's */
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&watcher, NULL, watch_stdin, NULL) != 0) {
		close(stop_fd);
		stop_fd = -1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* At exit: stop the watcher and wait for it, so it leaves nothing behind. */
void stdin_watch_stop(void)
{
	const uint64_t one = 1;

	if (stop_fd == -1)
		return;
	if (write(stop_fd, &one, sizeof(one)) == (ssize_t)sizeof(one))
		pthread_join(watcher, NULL);
	close(stop_fd);
	stop_fd = -1;
}

/* Around a call that may block: begin (true) before it, end (false) after. */
void stdin_watch_call(const struct session *s, bool begin)
{
	if (begin)
		atomic_store(&lines_left, s->script != NULL && read_ahead(s->script) > 0);
	atomic_store(&in_call, begin);
}
