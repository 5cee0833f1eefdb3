/*
 * signals.c - Ctrl-C interrupts a blocking call instead of killing the REPL.
 *
 * The SIGINT handler is installed without SA_RESTART, so a blocking accept or
 * connect returns -1 EINTR and the REPL explains it. SIGPIPE is ignored: a
 * write to a closed connection fails with EPIPE, which can be explained,
 * instead of killing the process.
 */
#include <signal.h>
#include <string.h>

#include "sockrepl.h"

volatile sig_atomic_t interrupted;	/* the signal that interrupted a call (SIGINT...) */
volatile sig_atomic_t terminating;	/* SIGTERM or SIGHUP: finish up and exit */

static void on_sigint(int sig)
{
	interrupted = sig;
}

static void on_terminate(int sig)
{
	interrupted = sig;
	terminating = sig;
}

void signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_sigint;
	sa.sa_flags = 0;	/* no SA_RESTART: that is what makes EINTR visible */
	sigaction(SIGINT, &sa, NULL);
	/*
	 * SIGTERM and SIGHUP (the terminal went away) end the session, but only
	 * after its sockets are closed and its Unix socket files removed.
	 */
	sa.sa_handler = on_terminate;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}
