/*
 * stdinwatch.c - a script's standard input closing while a call waits.
 *
 * When sockrepl reads a script from a pipe and the pipe's writer goes away
 * while a blocking call (accept, recv, connect, send, sendto ...) waits with
 * no end (blocking, no SO_RCVTIMEO/SO_SNDTIMEO: call_waits_forever), nothing
 * might ever wake that call: the session would hang. A small thread waits
 * for the pipe to hang up; if the same call is still waiting on two looks
 * 50 ms apart and no script line is left unread, it sends the main thread
 * SIGHUP, which interrupts the call and ends the session cleanly, as a
 * terminal going away does. (One look would also catch a call that does not
 * block at all, such as an accept with a connection already queued, in the
 * microseconds it runs.) A call with a timeout is left to end by itself. At
 * exit the thread is told to stop through an eventfd (parked at the top of
 * the fd range) and joined, so nothing of it outlives the session.
 *
 * After fork a call may wait in a child (procs.c) while the parent waits for
 * its answer: the flags of the call live in memory shared with the children
 * (MAP_SHARED), so the watcher sees a child's call too, and the SIGHUP it
 * sends the parent ends the session, which interrupts the child's call.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockrepl.h"

static pthread_t main_thread, watcher;
static bool watching;			/* the watcher thread runs */
static bool paused;			/* ... and is stopped while the process forks */
static int stop_fd = -1;		/* an eventfd: written at exit, it ends the watcher */
static void *shared = MAP_FAILED;	/* the flags below, when shared with children */
static struct call_flags {
	atomic_bool in_call;		/* a process of the session is in a call that may block */
	atomic_uint call_number;	/* counts the calls, to tell one long call from two */
	atomic_bool lines_left;		/* script lines already read into stdio's buffer */
} own_flags, *flags = &own_flags;	/* shared with the children while watching */
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

/* A call is waiting with nothing left to read: the number of that call, or 0. */
static unsigned waiting_call(void)
{
	int unread;

	if (ioctl(STDIN_FILENO, FIONREAD, &unread) == -1)
		unread = 0;
	if (atomic_load(&flags->in_call) && !atomic_load(&flags->lines_left) && unread == 0)
		return atomic_load(&flags->call_number);
	return 0;
}

/* Sleep until fd is ready for `events` (0: hang-up only) or stop_fd is written; true: stop. */
static bool sleep_until(int fd, short events, int timeout_ms, short *revents)
{
	struct pollfd p[2] = { { .fd = fd, .events = events }, { .fd = stop_fd, .events = POLLIN } };

	*revents = 0;
	if (poll(p, 2, timeout_ms) > 0)
		*revents = p[0].revents;
	return p[1].revents != 0;
}

static void *watch_stdin(void *arg)
{
	unsigned seen = 0, now;
	short revents;

	(void)arg;
	do	/* wait for the writer to go */
		if (sleep_until(STDIN_FILENO, 0, -1, &revents))
			return NULL;
	while (!(revents & (POLLHUP | POLLERR)));
	for (;;) {	/* the writer is gone: wait for a call with nothing left to read */
		now = waiting_call();
		if (now != 0 && now == seen) {
			stdin_closed = 1;
			pthread_kill(main_thread, SIGHUP);
			return NULL;
		}
		seen = now;
		if (sleep_until(-1, 0, 50, &revents))
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
	stop_fd = fd_out_of_the_way(eventfd(0, EFD_CLOEXEC));
	if (stop_fd == -1)
		return;
	shared = mmap(NULL, sizeof(*flags), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	flags = shared != MAP_FAILED ? shared : &own_flags;
	main_thread = pthread_self();
	sigfillset(&all);	/* signals stay the main thread's */
	pthread_sigmask(SIG_BLOCK, &all, &old);
	watching = pthread_create(&watcher, NULL, watch_stdin, NULL) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Around a call that may block: begin (true) before it, end (false) after. */
void stdin_watch_call(const struct session *s, bool begin)
{
	if (begin) {
		atomic_store(&flags->lines_left, s->script != NULL && read_ahead(s->script) > 0);
		atomic_fetch_add(&flags->call_number, 1);
	}
	atomic_store(&flags->in_call, begin);
}

/*
 * At exit: tell the watcher to stop and wait for it, so it leaves nothing
 * behind. It is told through an eventfd rather than cancelled: a cancelled
 * thread unwinds through libc internals that AddressSanitizer reports as a
 * stack-buffer-underflow when the thread's alternate signal stack goes.
 */
void stdin_watch_stop(void)
{
	if (watching) {
		eventfd_write(stop_fd, 1);
		pthread_join(watcher, NULL);
		watching = false;
	}
	if (stop_fd != -1)
		close(stop_fd);
	stop_fd = -1;
	flags = &own_flags;
	if (shared != MAP_FAILED)
		munmap(shared, sizeof(*flags));
	shared = MAP_FAILED;
}

/*
 * Around fork: the watcher stops (told and joined, its stop eventfd read
 * back to 0), so that sockrepl forks with one thread and the child holds
 * nothing of a thread it does not have; then it starts again in the parent.
 * The shared flags stay.
 */
void stdin_watch_pause(bool pause)
{
	sigset_t all, old;
	eventfd_t value;

	if (pause && watching) {
		eventfd_write(stop_fd, 1);
		pthread_join(watcher, NULL);
		eventfd_read(stop_fd, &value);
		paused = true;
		watching = false;
	} else if (!pause && paused) {
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		watching = pthread_create(&watcher, NULL, watch_stdin, NULL) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		paused = false;
	}
}

/* In a child after fork: no watcher (the parent's watches); its eventfd goes. */
void stdin_watch_forget(void)
{
	watching = false;
	paused = false;
	if (stop_fd != -1)
		close(stop_fd);
	stop_fd = -1;
}
