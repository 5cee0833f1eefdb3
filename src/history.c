/*
 * history.c - Readline history kept across sessions, in
 * $XDG_STATE_HOME/sockrepl/history (or ~/.local/state/sockrepl/history),
 * mode 0600, at most HISTORY_MAX lines. The file is opened once, never
 * through a symlink, and used only if it and its directory are the user's
 * own and writable by no one else. A file that cannot be used costs one
 * warning, never the session.
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
static int fd = -1;		/* the file, opened once; -1: history in memory only */

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

/* Why the last call failed, in the words of the warning. */
static const char *failure(void)
{
	return errno == ELOOP ? "it is a symbolic link" : strerror(errno);
}

/* One warning, and the session goes on with history in memory only. */
static void warn(const char *what, const char *which, const char *why)
{
	fprintf(stderr, "sockrepl: history: cannot %s %s (%s); going on without saving it\n",
		what, which, why);
	if (fd != -1)
		close(fd);
	fd = -1;
}

/*
 * Why a file or directory opened for history must not be used, or NULL:
 * another user's, or writable by others, it could feed or redirect what
 * the learner types (another user could plant a symlink in it).
 */
static const char *unsafe(int f, mode_t type)
{
	struct stat st;

	if (fstat(f, &st) == -1)
		return strerror(errno);
	if ((st.st_mode & S_IFMT) != type)
		return type == S_IFDIR ? "not a directory" : "not a regular file";
	if (st.st_uid != geteuid())
		return "it belongs to another user";
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return "it is writable by group or others";
	return NULL;
}

/* The file's lines into Readline's history (the last HISTORY_MAX); how many there were. */
static size_t read_lines(void)
{
	int copy = fd == -1 || lseek(fd, 0, SEEK_SET) == -1 ? -1 : dup(fd);
	FILE *f = copy == -1 ? NULL : fdopen(copy, "r");
	size_t count = 0, len;
	char *line;

	clear_history();
	if (f == NULL) {
		if (copy != -1)
			close(copy);
		return 0;
	}
	while ((line = read_line_bounded(f, &len)) != NULL) {
		if (len > 0 && len <= MAX_LINE && strlen(line) == len) {
			add_history(line);
			count++;
		}
		free(line);
	}
	fclose(f);
	return count;
}

/*
 * Open the history file once, at start: the directory and the file each
 * without following a symlink, each checked (ours, not writable by
 * others). Later writes go through this fd, never the path again, so
 * nothing planted at the path afterwards receives the learner's lines.
 */
void history_load(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME"), *why;
	char dir[PATH_MAX];
	int dirfd;

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
		warn("make the directory of", path, failure());
		return;
	}
	dirfd = open(dir, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);	/* a symlink: ELOOP */
	why = dirfd == -1 ? failure() : unsafe(dirfd, S_IFDIR);
	if (why != NULL) {
		warn("use the directory", dir, why);
		if (dirfd != -1)
			close(dirfd);
		return;
	}
	/* Created 0600 here if new; never through a symlink planted there. */
	fd = openat(dirfd, "history", O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	why = fd == -1 ? failure() : unsafe(fd, S_IFREG);
	close(dirfd);
	if (why != NULL) {
		warn("open", path, why);
		return;
	}
	fchmod(fd, 0600);
	fd = fd_park(fd);	/* out of the learner's way: the first socket is fd 3 */
	read_lines();
}

/* A line the learner entered: in memory, and appended to the file at once. */
void history_remember(const char *line)
{
	size_t len = strlen(line);
	char *entry = malloc(len + 1);

	add_history(line);
	if (fd == -1 || entry == NULL) {
		free(entry);
		return;
	}
	memcpy(entry, line, len);
	entry[len] = '\n';
	if (write(fd, entry, len + 1) != (ssize_t)(len + 1))	/* O_APPEND: one write, whole */
		warn("write", path, failure());
	free(entry);
}

/* At exit: keep the file's last HISTORY_MAX lines, those of other sessions too. */
void history_save(void)
{
	if (fd != -1 && read_lines() > HISTORY_MAX && ftruncate(fd, 0) == 0) {
		for (int i = 0; i < history_length; i++) {
			HIST_ENTRY *h = history_get(history_base + i);

			if (h != NULL && !(dprintf(fd, "%s\n", h->line) > 0))
				break;
		}
	}
	if (fd != -1)
		close(fd);
	fd = -1;
	clear_history();
}
