/*
 * procs.c - the session's processes: the children `fork` makes, the lines
 * sent to one, their ends noticed and reaped.
 *
 * A child is sockrepl itself after fork(): it holds a copy of every fd and
 * of the session. It never reads the terminal or the script. Right after
 * fork it waits on its end of a SOCK_SEQPACKET socketpair made for it; the
 * parent, while `proc` has chosen that child, sends it each line (with the
 * line's number) and waits for its answer: the child runs the line through
 * the same cmd_run_line, writes to the shared standard output, flushes, and
 * answers with its exit status so far and its prompt. So a transcript reads
 * in order and a script replays the same way each time. The child's end
 * closing (it exited) also ends the wait.
 *
 * The parent learns of a child's end as a program does: the kernel sends it
 * SIGCHLD. SIGCHLD is blocked and read from a signalfd, a source of the one
 * wait of events.c (WAKE_CHILD); which child ended is then asked with
 * waitid(WNOWAIT), which reaps nothing: the child stays a zombie until the
 * learner's waitpid, or the session's end, reaps it.
 *
 * fork is the raw system call (so strace prints fork(), not glibc's clone):
 * glibc's atfork handlers do not run, which is safe because sockrepl forks
 * with one thread, holding no lock: the only other thread, the stdin watcher
 * (stdinwatch.c), is stopped and joined around the fork (stdin_watch_pause),
 * and the child forgets it (stdin_watch_forget). A child never
 * outlives the session: PR_SET_PDEATHSIG kills it if the parent dies, and
 * at the session's end (quit, end of input, a signal, reset) the parent ends
 * and reaps every child, each wait4 printed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sockrepl.h"

#define END_WAIT_MS 5000	/* a child told to end has this long before SIGKILL */

static struct {
	struct proc kids[PROC_MAX];	/* the children, in fork order */
	size_t n;
	int chosen;		/* the child lines go to (index in kids), -1: this process */
	pid_t first;		/* the session's first process, the parent of every child */
	int sigfd;		/* the parent's SIGCHLD signalfd, or -1 before the first fork */
	bool is_child;		/* this process is a child: it runs what its channel sends */
	int channel;		/* in a child: its end of the channel */
	bool exiting;		/* in a child: `exit` ran, the process ends after its line */
	int exit_status;	/* ... with this status */
} procs = { .chosen = -1, .sigfd = -1, .channel = -1 };

bool proc_is_child(void)
{
	return procs.is_child;
}

/* The children the table knows, for `proc` and the commands. */
struct proc *proc_table(size_t *n)
{
	*n = procs.n;
	return procs.kids;
}

struct proc *proc_chosen(void)
{
	return procs.chosen >= 0 ? &procs.kids[procs.chosen] : NULL;
}

struct proc *proc_find(pid_t pid)
{
	for (size_t i = 0; i < procs.n; i++)
		if (procs.kids[i].pid == pid)
			return &procs.kids[i];
	return NULL;
}

/* Lines go to kid (NULL: to this process). */
void proc_choose(struct proc *kid)
{
	procs.chosen = kid != NULL ? (int)(kid - procs.kids) : -1;
}

/* " [parent 1200]", " [child 1234]", or "" while the session is one process. */
void proc_prompt_tag(char *out, size_t size)
{
	*out = '\0';
	if (procs.is_child)
		snprintf(out, size, " [child %d]", (int)getpid());
	else if (procs.n > 0)
		snprintf(out, size, " [parent %d]", (int)getpid());
}

/* A child gone from the table (reaped): the later ones move up. */
static void forget_kid(struct proc *kid)
{
	size_t i = (size_t)(kid - procs.kids);

	if (kid->channel != -1)
		close(kid->channel);
	if (procs.chosen == (int)i)
		procs.chosen = -1;
	else if (procs.chosen > (int)i)
		procs.chosen--;
	memmove(kid, kid + 1, (procs.n - i - 1) * sizeof(*kid));
	procs.n--;
}

/* ---- SIGCHLD, as a source of the one wait -------------------------------- */

/* Before the first fork: SIGCHLD blocked and read from a signalfd instead. */
static bool sigchld_source(void)
{
	sigset_t chld;

	if (procs.sigfd != -1)
		return true;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	procs.sigfd = fd_out_of_the_way(signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC));
	if (procs.sigfd == -1)
		return false;
	events_keep_source(procs.sigfd, WAKE_CHILD);
	return true;
}

/* The SIGCHLDs queued so far are read: the signalfd stops waking the wait. */
static void drain_sigchld(void)
{
	struct signalfd_siginfo info;

	while (procs.sigfd != -1 && read(procs.sigfd, &info, sizeof(info)) == sizeof(info))
		;
}

/* Has kid ended? Asked without reaping it (WNOWAIT); its wait status then in kid. */
static bool has_ended(struct proc *kid)
{
	siginfo_t info;

	if (kid->ended)
		return true;
	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, (id_t)kid->pid, &info, WEXITED | WNOHANG | WNOWAIT) == -1 ||
	    info.si_pid != kid->pid)
		return false;
	kid->ended = true;
	if (info.si_code == CLD_EXITED)
		kid->status = W_EXITCODE(info.si_status & 0xff, 0);
	else	/* CLD_KILLED, CLD_DUMPED: the signal, and 0x80 for the core */
		kid->status = (info.si_status & 0x7f) | (info.si_code == CLD_DUMPED ? 0x80 : 0);
	return true;
}

/* "exited with status 0", "was killed by SIGKILL": how a wait status reads. */
void proc_describe_status(int status, char *out, size_t size)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "was killed by SIG%s%s", sigabbrev_np(WTERMSIG(status)),
			 WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(out, size, "changed state (wait status %#x)", (unsigned)status);
}

/*
 * The children that ended since last asked, each said once: the kernel sent
 * SIGCHLD, and the child stays a zombie until waitpid reaps it. Returns how
 * many were said.
 */
int proc_check(void (*say)(const char *line, void *arg), void *arg)
{
	char line[192], how[64];
	int said = 0;

	drain_sigchld();
	for (size_t i = 0; i < procs.n; i++) {
		struct proc *kid = &procs.kids[i];

		if (kid->told || !has_ended(kid))
			continue;
		kid->told = true;
		proc_describe_status(kid->status, how, sizeof(how));
		snprintf(line, sizeof(line), "process %d %s; the kernel sent SIGCHLD, and the child "
			 "is a zombie until waitpid reaps it", (int)kid->pid, how);
		say(line, arg);
		said++;
	}
	return said;
}

/* Wait (bounded) until kid has ended, after its channel closed or it was told to end. */
static bool wait_for_end(struct proc *kid, int ms)
{
	struct timespec start, now;
	struct pollfd p = { .fd = procs.sigfd, .events = POLLIN };

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		long spent;

		drain_sigchld();
		if (has_ended(kid))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		spent = (now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L;
		if (spent >= ms)
			return false;
		/*
		 * A SIGCHLD wakes this at once; look again every 20 ms all the same:
		 * a thread that does not block SIGCHLD (none of sockrepl's; a test
		 * harness's may) takes it, and the learner may close the signalfd.
		 */
		if (poll(&p, 1, ms - spent < 20 ? (int)(ms - spent) : 20) == 1 &&
		    (p.revents & POLLNVAL))
			poll(NULL, 0, 20);
	}
}

/* After its channel closed: wait for the child's end to be told (SIGCHLD). */
bool proc_wait_end(struct proc *kid)
{
	return wait_for_end(kid, END_WAIT_MS);
}

/* ---- the child ------------------------------------------------------------- */

/*
 * What the parent keeps for itself, gone from the child: the wait's epoll
 * set (shared after fork: the child makes its own), the packet capture, the
 * stdin watcher, the other children's channels, the SIGCHLD signalfd, the
 * recording. The child's sockets and files are the learner's copies.
 */
static void become_child(struct session *s, int channel)
{
	sigset_t chld;
	int null;

	procs.is_child = true;
	procs.channel = channel;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != procs.first)
		_exit(1);	/* the parent died before PR_SET_PDEATHSIG took hold */
	/*
	 * The standard input becomes /dev/null: the child never reads it, and the
	 * parent's reading position in a script file, an offset the two share,
	 * must not move when the child's stdio lets go of its copy of the buffer
	 * (glibc seeks back over what was read ahead, as at exit under valgrind).
	 */
	null = open("/dev/null", O_RDONLY);
	if (null > 0) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	for (size_t i = 0; i < procs.n; i++)
		close(procs.kids[i].channel);
	procs.n = 0;
	procs.chosen = -1;
	events_end();
	wire_end();
	stdin_watch_forget();
	if (procs.sigfd != -1)
		close(procs.sigfd);
	procs.sigfd = -1;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_UNBLOCK, &chld, NULL);
	if (s->record != NULL)
		fclose(s->record);	/* flushed before fork: only the fd goes */
	s->record = NULL;
	s->script = NULL;	/* the parent's: a child reads its channel */
	s->lesson = NULL;	/* the parent steps the lesson */
	s->quit = false;
}

/* Tell the parent the line is done: "STATUS QUIT PROMPT". */
static bool answer(struct session *s)
{
	char msg[160], prompt[128];
	int len;

	session_prompt(s, prompt, sizeof(prompt));
	len = snprintf(msg, sizeof(msg), "%d %d %s", s->status, s->quit, prompt);
	s->quit = false;	/* -e: the session ends; this process waits to be told */
	return send(procs.channel, msg, (size_t)len, MSG_NOSIGNAL) == len;
}

/*
 * The child's loop: run each line the parent sends, answer, until the
 * channel closes (the session ends), `exit`, or a signal that ends the
 * session. Never returns.
 */
static void child_loop(struct session *s)
{
	static char line[MAX_LINE + 32];

	if (!answer(s))
		_exit(1);
	while (!terminating && !procs.exiting) {
		ssize_t n = recv(procs.channel, line, sizeof(line) - 1, 0);
		char *text;

		if (n == -1 && errno == EINTR) {
			interrupted = 0;	/* Ctrl-C at the prompt reached the whole group */
			continue;
		}
		if (n <= 0)
			break;
		line[n] = '\0';
		s->lineno = strtoul(line, &text, 10);
		interrupted = 0;
		cmd_run_line(s, text + (*text == ' '));
		fflush(stdout);
		if (!procs.exiting && !answer(s))
			break;
	}
	fflush(stdout);
	_exit(terminating ? 128 + terminating : procs.exit_status);	/* as the session would */
}

/* `exit [STATUS]` in a child: after its line is printed, the process ends. */
void proc_exit_child(int status)
{
	procs.exiting = true;
	procs.exit_status = status;
}

/* ---- fork ------------------------------------------------------------------- */

static pid_t raw_fork(void)
{
#ifdef SYS_fork
	return (pid_t)syscall(SYS_fork);
#else
	return fork();	/* no fork system call here (arm64): glibc's clone */
#endif
}

/*
 * fork(2) for the `fork` command: the parent gets the child's pid (the child
 * is in the table, its first prompt read), the child never returns from here.
 * -1 with errno set when it failed, or when the channel could not be made
 * (then fork was not called: *forked is false).
 */
pid_t proc_fork(struct session *s, bool *forked)
{
	int sv[2], err;
	pid_t pid;

	*forked = false;
	if (procs.first == 0)
		procs.first = getpid();
	if (!sigchld_source() ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	sv[0] = fd_park(sv[0]);
	sv[1] = fd_park(sv[1]);
	fflush(NULL);	/* nothing buffered is written twice */
	stdin_watch_pause(true);	/* one thread forks, holding no lock */
	*forked = true;
	pid = raw_fork();
	err = errno;
	if (pid == 0) {
		close(sv[0]);
		become_child(s, sv[1]);
		child_loop(s);
	}
	stdin_watch_pause(false);
	close(sv[1]);
	if (pid == -1) {
		close(sv[0]);
		errno = err;
		return -1;
	}
	procs.kids[procs.n] = (struct proc){ .pid = pid, .channel = sv[0] };
	procs.n++;
	proc_wait_answer(s, &procs.kids[procs.n - 1], false);
	return pid;
}

/* ---- the end --------------------------------------------------------------------- */

/*
 * End every child and reap it, each wait4 printed (quit, end of input, a
 * signal, reset). An idle child's channel is closed: it ends at once. A
 * child still in a call (the session was told to end while it waited) gets
 * SIGHUP, which interrupts the call as it would the parent's; after
 * END_WAIT_MS it is killed.
 */
void proc_end_all(struct session *s)
{
	fflush(stdout);	/* what the parent said comes before what the children say now */
	while (procs.n > 0) {
		struct proc *kid = &procs.kids[procs.n - 1];

		if (kid->busy && !kid->ended)
			kill(kid->pid, SIGHUP);
		if (kid->channel != -1) {
			close(kid->channel);
			kid->channel = -1;
		}
		if (!wait_for_end(kid, END_WAIT_MS))
			kill(kid->pid, SIGKILL);
		kid->told = true;
		proc_print_wait4(s, kid->pid, 0);	/* it leaves the table */
	}
	procs.chosen = -1;
	if (procs.sigfd != -1) {	/* made again at the next fork: no fd stays */
		events_forget_source(procs.sigfd);
		close(procs.sigfd);
		procs.sigfd = -1;
	}
}

/* A child reaped by wait4 (the learner's, or the end's) leaves the table. */
void proc_reaped(pid_t pid)
{
	struct proc *kid = proc_find(pid);

	if (kid != NULL)
		forget_kid(kid);
}

