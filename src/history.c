/*
 * history.c - Readline history kept across sessions, in
 * $XDG_STATE_HOME/sockrepl/history (or ~/.local/state/sockrepl/history),
 * mode 0600, at most HISTORY_MAX lines. A file that cannot be written costs
 * one warning, never the session.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>

#include "sockrepl.h"

#define HISTORY_MAX 1000

static char path[PATH_MAX];
static bool writable;		/* false: keep history in memory only */

/* mkdir -p, each new directory 0700. */
static bool make_dirs(char *dir)
{
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return false;
		*p = '/';
	}
	return mkdir(dir, 0700) == 0 || errno == EEXIST;
}

static void warn(const char *what)
{
	fprintf(stderr, "sockrepl: history: cannot %s %s (%s); going on without saving it\n",
		what, path, strerror(errno));
	writable = false;
}

void history_load(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[PATH_MAX];
	int fd;

	using_history();
	stifle_history(HISTORY_MAX);
	if (state != NULL && *state == '/')
		snprintf(dir, sizeof(dir), "%s/sockrepl", state);
	else if (home != NULL && *home != '\0')
		snprintf(dir, sizeof(dir), "%s/.local/state/sockrepl", home);
	else
		return;
	if ((size_t)snprintf(path, sizeof(path), "%.*s/history", PATH_MAX - 16, dir) >= sizeof(path))
		return;
	if (!make_dirs(dir)) {
		warn("make the directory of");
		return;
	}
	/* Create it 0600 ourselves, and never through a symlink planted there. */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		warn("open");
		return;
	}
	fchmod(fd, 0600);
	close(fd);
	writable = true;
	read_history(path);
}

/* A line the learner entered: in memory, and appended to the file at once. */
void history_remember(const char *line)
{
	add_history(line);
	if (writable && append_history(1, path) != 0)
		warn("write");
}

void history_save(void)
{
	if (writable)
		history_truncate_file(path, HISTORY_MAX);
	clear_history();
}
