/*
 * cmd_proc.c - processes: fork, proc, waitpid, exit.
 *
 * fork makes a child that holds a copy of every fd; proc chooses which
 * process runs the commands that follow (procs.c sends them); waitpid reaps
 * a child that ended; exit ends a child (in the first process it is quit).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockrepl.h"

/* The session's socket fds, "3, 4, 5", or "none". */
static void list_fds(const struct session *s, char *out, size_t size)
{
	size_t len = 0;

	snprintf(out, size, "none");
	for (size_t i = 0; i < s->nfds && len + 16 < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%d", i ? ", " : "", s->fds[i]);
}

/* ---- fork ------------------------------------------------------------------ */

static void note_forked(const struct call_ctx *c)
{
	const struct session *s = c->extra;
	char fds[256];

	list_fds(s, fds, sizeof(fds));
	report_note("the child, process %ld, is a copy of this one: it holds its own copy of each "
		    "fd (%s), referring to the same sockets. A socket is closed only when its "
		    "last fd in any process is. proc %ld (or proc child) sends the next commands to "
		    "it; proc parent brings them back.", c->arg, s->nfds ? fds : "no socket yet",
		    c->arg);
}

static enum cmd_status cmd_fork_exec(struct session *s, const struct cmd_args *a)
{
	struct call_ctx c = { .call = "fork", .fd = -1, .on_success = note_forked, .extra = s };
	struct strbuf args;
	bool forked;
	pid_t pid;
	int err;
	size_t n;

	(void)a;
	if (proc_is_child()) {
		report_error(s, "fork: sockrepl follows the children of its first process only: "
			     "proc parent, then fork");
		return CMD_USAGE;
	}
	if (proc_table(&n) && n == PROC_MAX) {
		report_error(s, "fork: sockrepl follows up to %d children: waitpid reaps one that "
			     "ended, or exit in one ends it", PROC_MAX);
		return CMD_USAGE;
	}
	pid = proc_fork(s, &forked);
	err = errno;
	if (!forked) {
		report_error(s, "fork: the channel to a child could not be made (%s): nothing "
			     "was forked", errno_name(err));
		return CMD_USAGE;
	}
	c.arg = pid;
	sb_init(&args);
	return finish_call(s, &args, &c, pid, err);
}

const struct cmd_entry cmd_fork_entry = {
	.name = "fork",
	.usage = "",
	.summary = "make a child process holding a copy of every fd",
	.syscall = "fork",
	.about = "Makes the fork system call: the kernel copies this process. The parent\n"
		"gets the child's pid, the child 0 (it is not shown: it goes on waiting for\n"
		"commands). The child holds a copy of every fd, so each socket has two fds\n"
		"referring to it, one in each process; it is closed, and a connection sends\n"
		"its FIN, only when the last of them is closed. proc chooses the process\n"
		"that runs the commands. The child never reads the terminal, never runs a\n"
		"shell, and never outlives the session (PR_SET_PDEATHSIG; the session's end\n"
		"ends and reaps it). sockrepl follows the children of its first process.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_fork_exec,
};

/* ---- proc [PID|parent|child] ------------------------------------------------ */

static void print_procs(void)
{
	const struct proc *chosen = proc_chosen();
	size_t n;
	const struct proc *kids = proc_table(&n);
	char how[64];

	printf("%-8s %-7s %s\n", "PID", "ROLE", "STATE");
	printf("%-8d %-7s running%s\n", (int)getpid(), "parent",
	       chosen == NULL ? ", runs the commands" : "");
	for (size_t i = 0; i < n; i++) {
		if (kids[i].ended) {
			proc_describe_status(kids[i].status, how, sizeof(how));
			printf("%-8d %-7s %s: a zombie until waitpid reaps it\n", (int)kids[i].pid,
			       "child", how);
		} else {
			printf("%-8d %-7s running%s\n", (int)kids[i].pid, "child",
			       &kids[i] == chosen ? ", runs the commands" : "");
		}
	}
}

/* The process a word names: a pid, parent or child (the newest running one). */
static bool named_proc(struct session *s, const char *word, struct proc **kid)
{
	size_t n;
	struct proc *kids = proc_table(&n);
	long pid;

	*kid = NULL;
	if (strcmp(word, "parent") == 0)
		return true;
	if (strcmp(word, "child") == 0) {
		for (size_t i = n; i-- > 0;)
			if (kids[i].channel != -1)
				return (*kid = &kids[i]) != NULL;
		report_error(s, "proc child: no child is running (fork makes one)");
		return false;
	}
	if (!parse_int(s, "pid", word, 1, 0x7fffffffL, &pid))
		return false;
	if (pid == getpid())
		return true;
	if ((*kid = proc_find((pid_t)pid)) == NULL) {
		report_error(s, "proc: no process %ld in this session (proc lists them)", pid);
		return false;
	}
	if ((*kid)->channel == -1) {
		report_error(s, "proc: process %ld has ended: waitpid reaps it", pid);
		return false;
	}
	return true;
}

static enum cmd_status cmd_proc_exec(struct session *s, const struct cmd_args *a)
{
	struct proc *kid;

	if (a->argc == 0) {
		proc_check(proc_say_event, NULL);	/* a child that ended is said first */
		print_procs();
		return CMD_OK;
	}
	if (!named_proc(s, a->argv[0], &kid))
		return CMD_USAGE;
	proc_choose(kid);
	if (kid == NULL)
		printf("commands go to process %d (the parent)\n", (int)getpid());
	else
		printf("commands go to process %d (a child) until proc parent\n", (int)kid->pid);
	return CMD_OK;
}

const struct cmd_entry cmd_proc_entry = {
	.name = "proc",
	.usage = "[PID|parent|child]",
	.summary = "list the session's processes, or choose the one that runs commands",
	.about = "Without an argument, lists the session's processes: the parent (the one\n"
		"sockrepl started as) and the children fork made, running or ended (a zombie\n"
		"until waitpid reaps it). With one, the commands that follow run in that\n"
		"process: PID, parent, or child (the newest running child). The prompt says\n"
		"which: sockrepl [child 1234] [5 CONNECTED]>. Each line is sent to the child\n"
		"and the parent waits until it has run there, so output stays in order.\n"
		"Ctrl-C reaches both processes (the terminal's foreground group): a call\n"
		"waiting in the child is interrupted, and the parent goes on waiting for it.\n"
		"proc, quit, reset, lessons, record, wire and expect wire always run in the\n"
		"parent. exit in a child ends it.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_proc_exec,
};

/* ---- waitpid [PID] [nohang] -------------------------------------------------- */

/* What wait4 gave back, for the note under it. */
struct reaped {
	pid_t pid;		/* its return value */
	int status;
};

static void note_reaped(const struct call_ctx *c)
{
	const struct reaped *r = c->extra;
	char how[64];

	if (r->pid == 0) {
		report_note("no child has ended yet: with WNOHANG, wait4 returns 0 at once "
			    "instead of waiting.");
		return;
	}
	proc_describe_status(r->status, how, sizeof(how));
	report_note("process %d %s and is reaped: the kernel drops what it kept of it (its "
		    "exit status, for this call), and its pid may be used again.", (int)r->pid, how);
}

/*
 * wait4(pid, &status, options, NULL), printed as strace prints it; the
 * child it reaped leaves the table. A wait without WNOHANG may block.
 */
enum cmd_status proc_print_wait4(struct session *s, pid_t pid, int options)
{
	struct reaped r = { 0, 0 };
	struct call_ctx c = { .call = "wait4", .fd = -1, .arg = pid, .on_success = note_reaped,
			      .extra = &r };
	struct strbuf args;
	int err;

	fflush(stdout);
	stdin_watch_call(s, !(options & WNOHANG));
	r.pid = wait4(pid, &r.status, options, NULL);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, ", (int)pid);
	if (r.pid > 0)
		sb_wait_status(&args, r.status);
	else
		sb_printf(&args, "%p", (void *)&r.status);
	sb_printf(&args, ", %s, NULL", options & WNOHANG ? "WNOHANG" : "0");
	if (r.pid > 0)
		proc_reaped(r.pid);
	return finish_call(s, &args, &c, r.pid, err);
}

static enum cmd_status cmd_waitpid_exec(struct session *s, const struct cmd_args *a)
{
	bool nohang = a->argc > 0 && strcmp(a->argv[a->argc - 1], "nohang") == 0;
	long pid = -1;

	if (a->argc > (nohang ? 1 : 0) &&
	    !parse_int(s, "pid", a->argv[0], -0x7fffffffL, 0x7fffffffL, &pid))
		return CMD_USAGE;
	if (a->argc == 2 && !nohang) {
		report_error(s, "waitpid: '%.40s' is not nohang (usage: waitpid [PID] [nohang])",
			     a->argv[1]);
		return CMD_USAGE;
	}
	return proc_print_wait4(s, (pid_t)pid, nohang ? WNOHANG : 0);
}

const struct cmd_entry cmd_waitpid_entry = {
	.name = "waitpid",
	.usage = "[PID] [nohang]",
	.summary = "reap a child that ended (wait4), or wait until one does",
	.syscall = "wait4",
	.about = "Waits for a child to end and reaps it: glibc's waitpid is the wait4 system\n"
		"call, printed as strace prints it, with the wait status decoded\n"
		"([{WIFEXITED(s) && WEXITSTATUS(s) == 0}]). PID -1 (the default) is any\n"
		"child; 0 or -PGID a child in a process group. A child that ended stays a\n"
		"zombie (proc shows it) until it is reaped. Without nohang the call blocks\n"
		"until a child ends (Ctrl-C interrupts it); with nohang (WNOHANG) it\n"
		"returns 0 at once when none has. A process with no child to wait for\n"
		"gets ECHILD: a child's own waitpid does. Not to be confused with wait,\n"
		"which waits for events on the sockets.",
	.min_args = 0,
	.max_args = 2,
	.exec = cmd_waitpid_exec,
};

/* ---- why fork or wait4 failed here --------------------------------------------- */

/* ECHILD: what this process has for children, and what the pid asked for is. */
static void why_no_child(pid_t asked)
{
	size_t n;

	proc_table(&n);
	if (proc_is_child())
		report_note("here: this is a child (pid %d): it forked none, and only its parent "
			    "(pid %d) can wait for it.", (int)getpid(), (int)getppid());
	else if (n == 0)
		report_note("here: process %d has no child: fork made none yet, or every one "
			    "was reaped already.", (int)getpid());
	else if (asked > 0 && proc_find(asked) == NULL)
		report_note("here: process %d is not a child of process %d (proc lists its "
			    "children).", (int)asked, (int)getpid());
	else
		report_note("here: no child of process %d is in the process group asked for.",
			    (int)getpid());
}

/* The cause of fork's or wait4's error here; false: not one of theirs. */
bool explain_proc_cause(struct session *s, const struct call_ctx *c, int err)
{
	struct rlimit lim;

	(void)s;
	if (strcmp(c->call, "wait4") == 0 && err == ECHILD) {
		why_no_child((pid_t)c->arg);
		return true;
	}
	if (strcmp(c->call, "fork") == 0 && err == EAGAIN && getrlimit(RLIMIT_NPROC, &lim) == 0 &&
	    lim.rlim_cur != RLIM_INFINITY && getuid() != 0) {
		report_note("here: RLIMIT_NPROC (ulimit -u) is %llu for this user (uid %d), and "
			    "its processes (every one it runs, on the whole machine) reached it.",
			    (unsigned long long)lim.rlim_cur, (int)getuid());
		return true;
	}
	return false;
}

/* ---- exit [STATUS] --------------------------------------------------------------- */

static enum cmd_status cmd_exit_exec(struct session *s, const struct cmd_args *a)
{
	char fds[256];
	long status = 0;

	if (!proc_is_child()) {
		if (a->argc > 0) {
			report_error(s, "exit: STATUS is for a child; in the parent exit is quit "
				     "and takes no status");
			return CMD_USAGE;
		}
		s->quit = true;
		return CMD_OK;
	}
	if (a->argc > 0 && !parse_int(s, "status", a->argv[0], -0x7fffffffL - 1, 0x7fffffffL,
				      &status))
		return CMD_USAGE;
	list_fds(s, fds, sizeof(fds));
	printf("%sexit_group(%ld) = ?%s\n", color(COLOR_CALL), status, color(COLOR_OFF));
	report_note("process %d ends here: the kernel closes its fds (%s), and a socket whose "
		    "last fd was one of them is closed now (a connection sends its FIN). Its "
		    "parent gets SIGCHLD and the status's low 8 bits (%ld).", (int)getpid(), fds,
		    status & 0xff);
	proc_exit_child((int)status);
	return CMD_OK;
}

const struct cmd_entry cmd_exit_entry = {
	.name = "exit",
	.usage = "[STATUS]",
	.summary = "in a child: end it (exit_group); in the parent: quit",
	.about = "In a child (proc chose it), ends that process with exit_group(STATUS,\n"
		"default 0): the kernel closes every fd it holds, and a socket whose last\n"
		"fd that was closes now. The parent is told (SIGCHLD: an event at the\n"
		"prompt, in wait, or under the line) and waitpid reaps the child. In the\n"
		"parent, exit is quit.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_exit_exec,
};
