/*
 * fuzz_exec.c - libFuzzer harness that executes: each input is a script, run
 * line by line through repl_run and cmd_run_line exactly as `sockrepl < FILE`
 * runs it, so every command makes its real system call on a real socket, and
 * the state reader, the explanations and the notes run on what the kernel
 * answered. The first line also goes through Tab completion and the history.
 *
 * Isolation. At start-up the harness enters a private network namespace
 * (as root: unshare(CLONE_NEWNET); otherwise a user namespace with its own
 * network namespace, where the kernel allows one) and brings its loopback up,
 * so no port collides with anything on the machine and no packet leaves it;
 * where neither works it warns and runs on the host's loopback. It works in a
 * private directory in $TMPDIR (its cwd and TMPDIR), removed at exit (a
 * crash or Ctrl-C leaves it: tests/fuzz/run gives each run a TMPDIR), where
 * `record` files and relative Unix socket paths land, with a `lessons` link
 * to the source tree's lessons so that `lesson NAME` runs them. Every '/' in
 * the input but a word's leading "./" becomes '_' before it runs: no path
 * can leave that directory (`unlink /etc/passwd`, `record ../x`), as root too.
 *
 * Blocking calls. A call that waits (accept, recv, connect, send on a full
 * buffer, poll -1, wait 3600000) must not stall the fuzzer. Rather than make
 * them non-blocking (which would skip the code that explains a wait), the
 * harness does what a learner does: Ctrl-C. While an input runs, a timer
 * signals the main thread every TICK_MS, and its handler does what
 * sockrepl's SIGINT handler does (interrupted = SIGINT), installed the same
 * way (no SA_RESTART): the waiting call returns EINTR, so the interruption
 * notes and causes run, and `wait` ends "(interrupted)". No call waits
 * longer than one tick. The timer is off between inputs, so libFuzzer's own
 * I/O never sees it, and it uses a real-time signal, so SIGINT and SIGTERM
 * stay libFuzzer's: Ctrl-C ends a run with its final figures.
 *
 * Between inputs the session is reset as sockrepl's exit resets it: every
 * socket closed, Unix socket files and the private directory removed, the
 * capture (wire on) and the recording closed, every list freed, the signal
 * flags cleared. An input that leaves an fd open aborts with the fds it left
 * (libFuzzer saves the input); memory it leaves is LeakSanitizer's report.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <readline/readline.h>

#include "../../src/sockrepl.h"
#include "quiet.h"

#define TICK_MS 5	/* the longest any call or wait runs before its Ctrl-C */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char workdir[PATH_MAX];	/* $TMPDIR/sockrepl-fuzz.XXXXXX */
static char origin[PATH_MAX];	/* libFuzzer's directory: its paths are relative to it */
static timer_t ticker;
static bool have_ticker;

/* To the real stderr (fd 2), which quiet() leaves to libFuzzer and the sanitizers. */
static void say(const char *what)
{
	dprintf(STDERR_FILENO, "fuzz_exec: %s\n", what);
}

/* Write `text` to a /proc file (uid_map and the like). */
static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok = fd != -1 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd != -1)
		close(fd);
	return ok;
}

/* An unprivileged user: a user namespace mapping only itself, with a network namespace. */
static bool enter_user_netns(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) == -1)
		return false;
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
	write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
	write_file("/proc/self/gid_map", map);
	return true;
}

/* A namespace's loopback starts down: up it goes (ip link set lo up). */
static bool loopback_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd == -1)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
	close(fd);
	return ok;
}

static void private_network(void)
{
	bool isolated = geteuid() == 0 ? unshare(CLONE_NEWNET) == 0 : enter_user_netns();

	if (isolated && loopback_up())
		return;
	say(isolated ? "cannot bring up the namespace's loopback" :
	    "no private network namespace (not root, no user namespaces): running on the "
	    "host's loopback, where a fuzzed address may reach the network");
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_workdir(void)
{
	nftw(workdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * A private directory for the inputs to work in (each input runs there;
 * libFuzzer, between inputs, in its own), with the source tree's lessons
 * linked in.
 */
static void private_directory(void)
{
	const char *base = getenv("TMPDIR");
	char lessons[PATH_MAX], link[PATH_MAX + 32];

	if (realpath("lessons", lessons) == NULL)
		snprintf(lessons, sizeof(lessons), "lessons");
	if (base == NULL || *base != '/' || strlen(base) > 200)
		base = "/tmp";
	snprintf(workdir, sizeof(workdir), "%s/sockrepl-fuzz.XXXXXX", base);
	if (getcwd(origin, sizeof(origin)) == NULL || mkdtemp(workdir) == NULL) {
		say("cannot make a private directory in $TMPDIR or /tmp");
		abort();
	}
	atexit(remove_workdir);
	setenv("TMPDIR", workdir, 1);
	setenv("XDG_STATE_HOME", workdir, 1);
	snprintf(link, sizeof(link), "%s/lessons", workdir);
	symlink(lessons, link);
}

/* A tick is a Ctrl-C: what sockrepl's own SIGINT handler records. */
static void on_tick(int sig)
{
	(void)sig;
	interrupted = SIGINT;
}

/* A signal every TICK_MS to this thread only (libFuzzer's threads never get it). */
static void make_ticker(void)
{
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGRTMIN };
	struct sigaction sa = { .sa_handler = on_tick };	/* no SA_RESTART, as signals.c */

	sigemptyset(&sa.sa_mask);
	sigaction(SIGRTMIN, &sa, NULL);
	ev._sigev_un._tid = gettid();
	have_ticker = timer_create(CLOCK_MONOTONIC, &ev, &ticker) == 0;
	if (!have_ticker)
		say("no timer: a blocking call would stall the fuzzer");
}

static void tick(bool on)
{
	struct itimerspec every = { { 0, TICK_MS * 1000000L }, { 0, TICK_MS * 1000000L } };
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };

	if (have_ticker)
		timer_settime(ticker, 0, on ? &every : &off, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (getenv("FUZZ_EXEC_SHOW") == NULL)	/* set it to see a reproduced input's run */
		quiet();
	private_network();
	private_directory();
	/*
	 * sockrepl's signal set-up (SIGPIPE ignored), then SIGINT, SIGTERM and
	 * SIGHUP back to their defaults, which libFuzzer, installing its
	 * handlers after this, takes over.
	 */
	signals_init();
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	color_init(true);
	history_load();		/* in the private directory: XDG_STATE_HOME */
	make_ticker();
	return 0;
}

/*
 * No path may leave the private directory: every '/' becomes '_', except in
 * "./" at the start of a word, which names a file right in it (record ./a,
 * lesson ./a). "./.." is the directory above, which no command can write.
 */
static void no_paths(char *text, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		char before = i >= 2 ? text[i - 2] : ' ';
		bool dot_slash = i >= 1 && text[i - 1] == '.' &&
				 (before == ' ' || before == '\t' || before == '\n');

		if (text[i] == '/' && !dot_slash)
			text[i] = '_';
	}
}

static int count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (dir == NULL)
		return -1;
	while (readdir(dir) != NULL)
		n++;
	closedir(dir);
	return n;
}

/* An input left fds open: say which, and abort so libFuzzer keeps the input. */
static void fd_leak(void)
{
	char link[64], target[PATH_MAX], line[PATH_MAX + 96];
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	ssize_t n;

	say("the input left file descriptors open; open now:");
	while (dir != NULL && (e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(dir))
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		snprintf(line, sizeof(line), "  fd %s -> %s", e->d_name, target);
		say(line);
	}
	abort();
}

/*
 * The input's first line as a typed line: Tab completion at its end, as
 * Readline would ask for it, then into the history file and out again.
 */
static void type_first_line(struct session *s, const char *data, size_t size)
{
	size_t len = strnlen(data, size < 200 ? size : 200);
	char *line = strndup(data, len), **matches;
	size_t start;

	if (line == NULL)
		return;
	line[strcspn(line, "\r\n")] = '\0';
	len = strlen(line);
	start = len;
	while (start > 0 && line[start - 1] != ' ' && line[start - 1] != '\t')
		start--;
	completion_init(s);
	rl_line_buffer = line;
	matches = rl_attempted_completion_function ?
		  rl_attempted_completion_function(line + start, (int)start, (int)len) : NULL;
	for (size_t i = 0; matches != NULL && matches[i] != NULL; i++)
		free(matches[i]);
	free(matches);
	rl_line_buffer = NULL;
	history_remember(line);
	history_save();		/* trims the file to its limit and empties the list */
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds_before = count_fds();
	char *text = malloc(size + 1);
	struct session s;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	no_paths(text, size);
	session_init(&s);
	s.echo = true;		/* a script's transcript: prompts and state lines */
	s.script = fmemopen(text, size, "r");
	if (s.script != NULL && chdir(workdir) == 0) {
		tick(true);
		repl_run(&s);
		type_first_line(&s, text, size);
		tick(false);
		if (chdir(origin) == -1)
			abort();
	}
	proc_end_all(&s);	/* the children fork made, ended and reaped */
	session_close_all(&s);
	unix_paths_cleanup(&s);
	session_end(&s);
	wire_end();		/* a capture (wire on) outlives reset, as in a session */
	free(text);
	interrupted = 0;
	terminating = 0;
	stdin_closed = 0;
	if (fds_before != -1 && count_fds() > fds_before)
		fd_leak();
	return 0;
}
