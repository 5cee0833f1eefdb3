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

static pid_t proc_first(void)
{
	return procs.first ? procs.first : getpid();
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
		if (poll(&p, 1, (int)(ms - spent)) == 1 && (p.revents & POLLNVAL))
			poll(NULL, 0, 10);	/* the learner closed the signalfd: look every 10 ms */
	}
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
	proc_wait_answer(s, &procs.kids[procs.n - 1]);
	return pid;
}

/* ---- lines for a child ------------------------------------------------------ */

/*
 * Wait for kid's answer to the line it was sent (or its first, after fork).
 * Ctrl-C at the terminal reaches both processes: the child's call is
 * interrupted, and this wait goes on until the child answers. A signal that
 * ends the session ends the wait; the child is then ended with the session.
 */
void proc_wait_answer(struct session *s, struct proc *kid)
{
	char msg[192];
	ssize_t n = -1;
	int status, quit, at = 0;

	kid->busy = true;
	while (!terminating) {
		n = recv(kid->channel, msg, sizeof(msg) - 1, 0);
		if (n != -1 || errno != EINTR)
			break;
	}
	if (terminating)
		return;
	kid->busy = false;
	if (n <= 0) {	/* the child ended (exit, or killed) */
		close(kid->channel);
		kid->channel = -1;
		wait_for_end(kid, END_WAIT_MS);
		return;
	}
	msg[n] = '\0';
	if (sscanf(msg, "%d %d %n", &status, &quit, &at) == 2 && at > 0) {
		snprintf(kid->prompt, sizeof(kid->prompt), "%s", msg + at);
		if (status != 0)
			s->status = status;
		if (quit)
			s->quit = true;
	}
}

/* Send a line to kid and wait until it has run there. */
static enum cmd_status forward(struct session *s, struct proc *kid, const char *line)
{
	char *msg;
	int len;

	if (kid->channel == -1)
		return CMD_OK;
	msg = malloc(strlen(line) + 32);
	if (msg == NULL)
		return CMD_USAGE;
	len = sprintf(msg, "%lu %s", s->lineno, line);
	record_line(s, line);
	fflush(stdout);
	memset(s->wire_flags, 0, sizeof(s->wire_flags));	/* expect wire: the child's call's */
	if (send(kid->channel, msg, (size_t)len, MSG_NOSIGNAL) == len) {
		proc_wait_answer(s, kid);
	} else {	/* it ended before (killed from outside) */
		close(kid->channel);
		kid->channel = -1;
		wait_for_end(kid, END_WAIT_MS);
	}
	free(msg);
	wire_drain(s, true, NULL, NULL);	/* what the child's call sent, seen from here */
	if (kid->channel == -1) {	/* it ended: say so under its last line */
		proc_check(proc_say_event, NULL);
		printf("commands go to process %d (the parent) again\n", (int)getpid());
		procs.chosen = -1;
	}
	return CMD_OK;
}

void proc_say_event(const char *line, void *arg)
{
	(void)arg;
	printf("  event: %s\n", line);
}

/*
 * The commands that run in the parent even while a child is chosen: the
 * ones about the session and its input rather than a process (choosing a
 * process, leaving, lessons, the recording, the capture and what it saw).
 */
static const struct {
	const struct cmd_entry *cmd;
	const char *first_arg;	/* only with this first argument, or NULL: any */
} in_parent[] = {
	{ &cmd_proc_entry, NULL }, { &cmd_quit_entry, NULL }, { &cmd_reset_entry, NULL },
	{ &cmd_lesson_entry, NULL }, { &cmd_lessons_entry, NULL }, { &cmd_next_entry, NULL },
	{ &cmd_back_entry, NULL }, { &cmd_again_entry, NULL }, { &cmd_leave_entry, NULL },
	{ &cmd_record_entry, NULL }, { &cmd_requires_entry, NULL }, { &cmd_wire_entry, NULL },
	{ &cmd_ladder_entry, NULL }, { &cmd_expect_entry, "wire" },
};

static bool runs_in_parent(const char *line)
{
	char name[32], arg[16];
	const struct cmd_entry *cmd;
	const char *p = line;

	take_word(&p, name, sizeof(name));
	take_word(&p, arg, sizeof(arg));
	if (*name == '\0' || *name == '#' || (cmd = cmd_lookup_quiet(name)) == NULL)
		return false;
	for (size_t i = 0; i < sizeof(in_parent) / sizeof(in_parent[0]); i++)
		if (in_parent[i].cmd == cmd &&
		    (in_parent[i].first_arg == NULL || strcmp(arg, in_parent[i].first_arg) == 0))
			return true;
	return false;
}

/* A line for the chosen child is sent there: true, *status its outcome. */
bool proc_route_line(struct session *s, char *line, enum cmd_status *status)
{
	struct proc *kid = proc_chosen();

	if (kid == NULL || procs.is_child || runs_in_parent(line))
		return false;
	*status = forward(s, kid, line);
	return true;
}

/* The chosen child's prompt, for the parent's prompt and echo; false: none chosen. */
bool proc_chosen_prompt(char *out, size_t size)
{
	struct proc *kid = proc_chosen();

	if (kid == NULL || kid->prompt[0] == '\0')
		return false;
	snprintf(out, size, "%s", kid->prompt);
	return true;
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
			events_forget_source(kid->channel);
			close(kid->channel);
			kid->channel = -1;
		}
		if (!wait_for_end(kid, END_WAIT_MS))
			kill(kid->pid, SIGKILL);
		kid->told = true;
		proc_print_wait4(s, kid->pid, 0);	/* it leaves the table */
	}
	procs.chosen = -1;
}

/* A child reaped by wait4 (the learner's, or the end's) leaves the table. */
void proc_reaped(pid_t pid)
{
	struct proc *kid = proc_find(pid);

	if (kid != NULL)
		forget_kid(kid);
}

/* ---- who holds a socket ------------------------------------------------------ */

/* The fds in dir (a /proc/PID/fd) whose link reads want, in order; how many. */
static size_t fds_with_link(const char *dir, const char *want, int *fds, size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (d != NULL && n < max && (e = readdir(d)) != NULL) {
		char path[320], link[64];
		ssize_t got;

		snprintf(path, sizeof(path), "%s/%.200s", dir, e->d_name);
		got = readlink(path, link, sizeof(link) - 1);
		if (got > 0 && (link[got] = '\0', strcmp(link, want) == 0))
			fds[n++] = atoi(e->d_name);
	}
	if (d != NULL)
		closedir(d);
	for (size_t i = 1; i < n; i++)	/* readdir's order is the kernel's: sort, few */
		for (size_t j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];

			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	return n;
}

/*
 * The session's processes: the first one and its children; none while the
 * session is one process. A child asks /proc for its parent's children.
 */
static size_t session_pids(pid_t *out, size_t max)
{
	char path[64];
	size_t n = 0;
	FILE *f;
	long pid;

	if (!procs.is_child) {
		if (procs.n > 0)
			out[n++] = getpid();
		for (size_t i = 0; i < procs.n && n < max; i++)
			if (!procs.kids[i].ended)
				out[n++] = procs.kids[i].pid;
		return n;
	}
	out[n++] = proc_first();
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)out[0], (int)out[0]);
	if ((f = fopen(path, "r")) == NULL)
		return n;
	while (n < max && fscanf(f, "%ld", &pid) == 1)
		out[n++] = (pid_t)pid;
	fclose(f);
	return n;
}

/*
 * Which of the session's processes hold the socket with this inode, and by
 * which fd: "pid 1200 fd 5, pid 1234 fd 5". False while the session is one
 * process (then the fd alone says it).
 */
bool proc_holders(unsigned long inode, pid_t except, char *out, size_t size)
{
	pid_t pids[PROC_MAX + 1];
	size_t n = session_pids(pids, PROC_MAX + 1), len = 0;
	char want[32];

	*out = '\0';
	if (n < 2)
		return false;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	for (size_t i = 0; i < n; i++) {
		char path[64];
		int fds[16];
		size_t nfds;

		if (pids[i] == except)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)pids[i]);
		nfds = fds_with_link(path, want, fds, 16);
		for (size_t j = 0; j < nfds && len + 32 < size; j++)
			len += (size_t)snprintf(out + len, size - len, "%spid %d fd %d",
						len ? ", " : "", (int)pids[i], fds[j]);
	}
	return true;
}

/* The inode of the socket fd refers to, or 0. */
unsigned long socket_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) ? (unsigned long)st.st_ino : 0;
}
