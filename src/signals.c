/*
 * signals.c - Ctrl-C interrupts a blocking call instead of killing the REPL.
 *
 * The SIGINT handler is installed without SA_RESTART, so a blocking accept or
 * connect returns -1 EINTR and the REPL explains it. SIGPIPE is ignored: a
 * write to a closed connection fails with EPIPE, which can be explained,
 * instead of killing the process.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "sockrepl.h"

volatile sig_atomic_t interrupted;	/* the signal that interrupted a call (SIGINT...) */
volatile sig_atomic_t terminating;	/* SIGTERM, SIGHUP, ...: finish up and exit */

static void on_sigint(int sig)
{
	interrupted = sig;
}

static void on_terminate(int sig)
{
	interrupted = sig;
	terminating = sig;
}

/* The signals whose default action terminates (SIGPIPE aside: it is ignored, below). */
static const int ending[] = {
	SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF,
	SIGIO, SIGPWR, SIGSTKFLT, SIGXCPU, SIGXFSZ,
};

void signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_sigint;
	sa.sa_flags = 0;	/* no SA_RESTART: that is what makes EINTR visible */
	sigaction(SIGINT, &sa, NULL);
	/*
	 * Every signal whose default action ends the process (SIGTERM, SIGHUP
	 * when the terminal goes away, SIGQUIT, SIGUSR1, SIGALRM, ...) ends the
	 * session, but only after its sockets are closed and its Unix socket
	 * files and private directory removed; the exit status is then 128 +
	 * the signal, as if it had killed the process.
	 */
	sa.sa_handler = on_terminate;
	for (size_t i = 0; i < sizeof(ending) / sizeof(ending[0]); i++)
		sigaction(ending[i], &sa, NULL);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaction(sig, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/*
 * Every signal sockrepl handles (SIGINT and the ending ones), for a wait
 * that blocks them while it checks its flags and lets them in only while
 * it sleeps (epoll_pwait).
 */
void signals_handled(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	for (size_t i = 0; i < sizeof(ending) / sizeof(ending[0]); i++)
		sigaddset(set, ending[i]);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaddset(set, sig);
}

/* ---- what the kernel did when a signal interrupted a call ------------------ */

/*
 * The calls sockrepl makes that can wait, and what the kernel answers when a
 * signal with a handler interrupts them (checked under strace on Linux 6.18,
 * tests/strace.bats). A socket call that waits without
 * a timeout answers ERESTARTSYS: restart me if the handler has SA_RESTART.
 * With SO_RCVTIMEO or SO_SNDTIMEO set it answers EINTR itself, since a call
 * with a deadline is not restartable (the kernel's sock_intr_errno). poll
 * answers ERESTART_RESTARTBLOCK and ppoll ERESTARTNOHAND: restart only if
 * the signal has no handler, so with one the program gets EINTR, SA_RESTART
 * or not.
 */
#define RESTARTSYS "ERESTARTSYS", "To be restarted if SA_RESTART is set", \
	"restart the call if the handler has SA_RESTART"
static const struct {
	const char *call;
	int timeout_opt;	/* with this option's timeout set, plain EINTR; 0: none */
	const char *timeout_name;
	const char *code, *meaning;	/* as strace prints them */
	const char *restart;	/* what the code asks for */
} waits[] = {
	{ "accept", SO_RCVTIMEO, "SO_RCVTIMEO", RESTARTSYS },
	{ "recvfrom", SO_RCVTIMEO, "SO_RCVTIMEO", RESTARTSYS },
	{ "connect", SO_SNDTIMEO, "SO_SNDTIMEO", RESTARTSYS },
	{ "sendto", SO_SNDTIMEO, "SO_SNDTIMEO", RESTARTSYS },
	{ "sendmmsg", SO_SNDTIMEO, "SO_SNDTIMEO", RESTARTSYS },
	{ "sendfile", SO_SNDTIMEO, "SO_SNDTIMEO", RESTARTSYS },
	{ "openat", 0, NULL, RESTARTSYS },	/* a FIFO with no writer */
	{ "wait4", 0, NULL, RESTARTSYS },	/* no child has ended yet */
	{ "poll", 0, NULL, "ERESTART_RESTARTBLOCK", "Interrupted by signal",
	  "restart the call with the time left, only if the signal has no handler" },
	{ "ppoll", 0, NULL, "ERESTARTNOHAND", "To be restarted if no handler",
	  "restart the call only if the signal has no handler" },
	{ "select", 0, NULL, "ERESTARTNOHAND", "To be restarted if no handler",
	  "restart the call only if the signal has no handler" },
	{ "pselect6", 0, NULL, "ERESTARTNOHAND", "To be restarted if no handler",
	  "restart the call only if the signal has no handler" },
};

static int find_wait(const char *call)
{
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++)
		if (strcmp(waits[i].call, call) == 0)
			return (int)i;
	return -1;
}

/* The socket has a receive or send timeout set (nonzero): then the kernel says EINTR. */
static bool has_timeout(int fd, int opt)
{
	struct timeval tv = { 0, 0 };
	socklen_t len = sizeof(tv);

	return opt != 0 && getsockopt(fd, SOL_SOCKET, opt, &tv, &len) == 0 &&
	       (tv.tv_sec != 0 || tv.tv_usec != 0);
}

/* What strace prints after "= ?" for a call a signal interrupted, or NULL: "-1 EINTR". */
const char *interrupted_return(const struct call_ctx *c, char *out, size_t size)
{
	int i = find_wait(c->call);

	if (i < 0 || has_timeout(c->fd, waits[i].timeout_opt))
		return NULL;
	snprintf(out, size, "%s (%s)", waits[i].code, waits[i].meaning);
	return out;
}

/* The signal that interrupted the call, as SIGINT. */
static void signal_name(char *out, size_t size)
{
	const char *abbrev = interrupted ? sigabbrev_np(interrupted) : NULL;

	if (abbrev != NULL)
		snprintf(out, size, "SIG%s", abbrev);
	else
		snprintf(out, size, "a signal");
}

/*
 * Under the call line: what the program saw, when it is not what strace
 * shows (the kernel's answer), and why; or why the kernel said EINTR itself.
 */
void note_interruption(const struct call_ctx *c)
{
	int i = find_wait(c->call);
	char sig[32], why[128];

	if (i < 0)
		return;
	signal_name(sig, sizeof(sig));
	if (strcmp(waits[i].code, "ERESTARTSYS") == 0)	/* restarted only with SA_RESTART */
		snprintf(why, sizeof(why), "sockrepl's %s handler has no SA_RESTART, so the "
			 "kernel turned it into EINTR.", sig);
	else
		snprintf(why, sizeof(why), "sockrepl handles %s, so the kernel turned it into "
			 "EINTR, SA_RESTART or not.", sig);
	if (has_timeout(c->fd, waits[i].timeout_opt))
		report_note("the kernel returned EINTR itself, not ERESTARTSYS: %s is set on fd "
			    "%d, and a socket call with a timeout is never restarted.",
			    waits[i].timeout_name, c->fd);
	else
		report_note("the program got -1 EINTR: strace shows the kernel's answer, %s (%s); %s",
			    waits[i].code, waits[i].restart, why);
}
