/*
 * main.c - options, start-up, the read-run loop, and a clean exit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockrepl.h"

static const char usage_text[] =
	"usage: sockrepl [-e] [--no-echo] [--no-color] [--verbose] [--sandbox] [--wire]\n"
	"                [--tap] [--challenge NAME] [--lesson NAME | --replay FILE]\n"
	"                [--help] [--version]\n"
	"\n"
	"A teaching REPL for the BSD sockets API: every command makes one system\n"
	"call, prints it as strace would, explains a failure and shows the socket's\n"
	"state as the kernel reports it. Type help at the prompt for the commands.\n"
	"\n"
	"Reads commands from the terminal (with line editing) or, when stdin is not a\n"
	"terminal, runs them as a script: sockrepl < lessons/01-creating-a-socket.txt\n"
	"\n"
	"  -e             stop at the first failing call, with exit status 1\n"
	"  --no-echo      in a script, do not echo each line after the prompt\n"
	"  --no-color     no colour, even at a terminal (so does NO_COLOR=1)\n"
	"  --verbose      explain a repeated error in full each time (else the\n"
	"                 second time is one line: its cause here), and mark each\n"
	"                 expect that holds in a script with a check mark\n"
	"  --sandbox      run the session in a network namespace of its own (only lo):\n"
	"                 no port collides, nothing reaches the network\n"
	"  --wire         show the segments on lo under each call (as wire on)\n"
	"  --lesson NAME  step through a lesson, each command typed for you\n"
	"  --replay FILE  run FILE as a script, with its checks (as sockrepl < FILE)\n"
	"  --challenge NAME\n"
	"                 take challenge NAME (or the file NAME, with a /): exit 0 if\n"
	"                 its goal was reached, 1 if not (sockrepl --challenge NAME\n"
	"                 --replay FILE grades FILE)\n"
	"  --tap          print every expect and challenge goal as a TAP test point\n"
	"                 on stdout (the plan last); the transcript goes to stderr\n"
	"  --help         show this help\n"
	"  --version      show the version\n"
	"\n"
	"Exit status: 0 at end of input or quit; 1 if an expect failed, a line could\n"
	"not be parsed, (with -e) a call failed, the output could not be written, or\n"
	"--sandbox could not make the namespace (sockrepl then does not start);\n"
	"with --challenge, 0 if the goal was reached and 1 if not, whatever else;\n"
	"2 for a bad option; 128+N when signal N ended the session (its sockets and\n"
	"files cleaned up first).\n";

/* What the command line asked for, beyond the session's own flags. */
struct options {
	const char *lesson, *replay, *challenge;
	bool no_color, sandbox, wire, tap;
};

/* The value after an option that takes one; NULL (reported) when missing. */
static const char *option_value(int argc, char **argv, int *i)
{
	if (*i + 1 < argc)
		return argv[++*i];
	fprintf(stderr, "sockrepl: %s needs a value\n%s", argv[*i], usage_text);
	return NULL;
}

/* Returns -1 to go on, or the exit status when the options end the run. */
static int parse_options(struct session *s, struct options *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-e") == 0) {
			s->errexit = true;
		} else if (strcmp(argv[i], "--no-echo") == 0) {
			s->echo = false;
		} else if (strcmp(argv[i], "--wire") == 0) {
			o->wire = true;
		} else if (strcmp(argv[i], "--no-color") == 0) {
			o->no_color = true;
		} else if (strcmp(argv[i], "--verbose") == 0) {
			s->verbose = true;
		} else if (strcmp(argv[i], "--sandbox") == 0) {
			o->sandbox = true;
		} else if (strcmp(argv[i], "--lesson") == 0) {
			if ((o->lesson = option_value(argc, argv, &i)) == NULL)
				return 2;
		} else if (strcmp(argv[i], "--tap") == 0) {
			o->tap = true;
		} else if (strcmp(argv[i], "--challenge") == 0) {
			if ((o->challenge = option_value(argc, argv, &i)) == NULL)
				return 2;
		} else if (strcmp(argv[i], "--replay") == 0) {
			if ((o->replay = option_value(argc, argv, &i)) == NULL)
				return 2;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
			printf("sockrepl %s\n", SOCKREPL_VERSION);
			return 0;
		} else {
			fprintf(stderr, "sockrepl: unknown option '%s'\n%s", argv[i], usage_text);
			return 2;
		}
	}
	if (o->lesson && o->replay) {
		fprintf(stderr, "sockrepl: --lesson and --replay exclude each other\n");
		return 2;
	}
	return -1;
}

/*
 * Open /dev/null on any of fds 0-2 that was closed at start (sockrepl >&-),
 * as careful daemons do: otherwise the first socket would become fd 1 or 2,
 * and the REPL's own output would go to the peer over the network.
 */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int null;

		if (fcntl(fd, F_GETFD) != -1)
			continue;
		null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (null != -1 && null != fd) {	/* lower fds are open: null == fd */
			dup2(null, fd);
			close(null);
		}
	}
}

/*
 * Close every fd inherited above 2 (a test runner's, an IDE's), so the
 * learner's first socket is fd 3, as in every tutorial.
 */
static void close_inherited_fds(void)
{
	DIR *dir;
	struct dirent *entry;

	if (close_range(3, ~0U, 0) == 0)
		return;
	dir = opendir("/proc/self/fd");	/* kernels before 5.9 */
	if (dir == NULL)
		return;
	while ((entry = readdir(dir)) != NULL) {
		int fd = atoi(entry->d_name);

		if (fd > 2 && fd != dirfd(dir))
			close(fd);
	}
	closedir(dir);
}

/*
 * Is someone feeding lines as they go (a terminal, a pipe, a socket)? Then
 * each line's output is flushed at once. A script read from a file runs
 * with stdout fully buffered; it is still flushed before any call that may
 * wait, before an error message, and at exit.
 */
static bool live_input(const struct session *s)
{
	struct stat st;

	return s->interactive || s->script != stdin || fstat(STDIN_FILENO, &st) == -1 ||
	       !S_ISREG(st.st_mode);
}

/* --replay FILE: the file as the script, read whole so it holds no fd. */
static bool replay_from(struct session *s, const char *path)
{
	size_t len;
	char *text = read_whole_file(s, path, &len);

	if (text == NULL)
		return false;
	s->script = fmemopen(text, len, "r");	/* size 0: an empty script, no line */
	if (s->script == NULL) {
		free(text);
		return false;
	}
	s->script_text = text;
	s->interactive = false;
	return true;
}

/*
 * Output that could not be written (a full disk, a reader that went away)
 * is said once, on stderr, and makes the exit status 1 if it was 0: a
 * transcript cut short must not look complete.
 */
static int check_output(int status)
{
	int err = fflush(stdout) == EOF ? errno : 0;

	if (err == 0 && !ferror(stdout))
		return status;
	if (err != 0)
		fprintf(stderr, "sockrepl: writing to standard output failed: %s (%s); the output "
			"is incomplete\n", strerror(err), errno_name(err));
	else
		fprintf(stderr, "sockrepl: part of the output could not be written to standard "
			"output\n");
	return status != 0 ? status : 1;
}

static int run(int argc, char **argv)
{
	struct options o = { 0 };
	struct session s;
	int status;

	ensure_std_fds();
	close_inherited_fds();
	session_init(&s);
	s.interactive = isatty(STDIN_FILENO);
	s.echo = !s.interactive;
	s.script = stdin;
	status = parse_options(&s, &o, argc, argv);
	if (status != -1)
		return status;
	if (o.tap && !tap_start())
		return 1;
	color_init(o.no_color);
	report_width_init();
	if (o.sandbox && !sandbox_enter(&s))	/* before any socket, thread or file */
		return 1;
	signals_init();
	if (o.replay && !replay_from(&s, o.replay))
		return 1;
	if (o.replay)
		snprintf(s.started_as, sizeof(s.started_as), "--replay %s", o.replay);
	s.echo = s.echo && !s.interactive;
	s.live_output = live_input(&s);
	input_init(&s);
	stdin_watch_start(&s);
	if (o.wire)
		cmd_run_line(&s, (char[]){ "wire on" });
	if (o.challenge && !challenge_start(&s, o.challenge))
		s.quit = true;
	if (o.lesson && !lesson_start(&s, o.lesson))
		s.quit = true;
	else if (!o.lesson && s.interactive)	/* where to begin, for a newcomer */
		printf("%slessons lists the lessons, lesson 01 starts the first, help lists the "
		       "commands.%s\n", color(COLOR_NOTE), color(COLOR_OFF));
	repl_run(&s);
	challenge_end(&s, false);	/* the input ended before the goal was reached */
	if (stdin_closed)
		printf("standard input was closed while a call waited: closing the session's "
		       "sockets and files\n");
	else if (terminating)
		printf("%s received: closing the session's sockets and files\n",
		       strsignal(terminating));
	proc_end_all(&s);
	session_close_all(&s);
	unix_paths_cleanup(&s);
	session_end(&s);
	input_done(&s);
	stdin_watch_stop();
	wire_end();
	events_end();
	tap_end();
	if (terminating)
		return 128 + terminating;
	return o.challenge ? !s.challenge_reached : s.status;
}

/*
 * Whether fd is a terminal that hung up: it answers isatty with EIO (where
 * a file or a pipe says ENOTTY), or, its other end (tmux, the window) just
 * closed, it still answers but polls POLLHUP.
 */
static bool terminal_hung_up(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (!isatty(fd))
		return errno == EIO;
	return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}

/*
 * When the terminal went away (a closed window, a killed tmux), the kernel
 * and the shell that owned it send SIGHUP and SIGCONT to its session while
 * sockrepl is ending, even one that had barely started. A SIGCONT discards
 * a pending SIGSTOP, and LeakSanitizer's exit-time check stops the process
 * with one (PTRACE_ATTACH): if the SIGCONT comes between, its tracer waits
 * forever and the process spins, orphaned, at full CPU. So sockrepl, once
 * done, leaves its session (setsid, which a process group leader may not
 * do), and after a hang-up it leaves by _exit, past the atexit handlers:
 * its sockets and files are cleaned up and its output flushed already, and
 * nobody is left to read a leak report.
 */
int main(int argc, char **argv)
{
	int status = check_output(run(argc, argv));	/* which flushes stdout */

	(void)setsid();		/* fails, harmlessly, for a process group leader */
	if (terminating == SIGHUP || terminal_hung_up(0) || terminal_hung_up(1) ||
	    terminal_hung_up(2))
		_exit(status);
	return status;
}
