/*
 * scriptfile.c - reading scripts with bounds: lesson files and --replay
 * files read whole, and script lines read one at a time.
 *
 * Whatever a file holds, reading it costs bounded memory and never waits:
 * only regular files are read (a FIFO or a terminal would block, /dev/zero
 * never ends), at most SCRIPT_FILE_MAX bytes; a line longer than MAX_LINE
 * is dropped as it streams past; and lessons run inside lessons at most
 * SCRIPT_DEPTH_MAX deep, so one that runs itself ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockrepl.h"

/* What a file that is not a regular file is, for the refusal. */
static const char *file_kind(mode_t mode)
{
	static const struct {
		mode_t type;
		const char *name;
	} kinds[] = {
		{ S_IFDIR, "a directory" }, { S_IFIFO, "a FIFO" },
		{ S_IFCHR, "a character device" }, { S_IFBLK, "a block device" },
		{ S_IFSOCK, "a socket" },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((mode & S_IFMT) == kinds[i].type)
			return kinds[i].name;
	return "not a regular file";
}

/*
 * Read fd to its end; false if it holds more than SCRIPT_FILE_MAX bytes
 * (checked while reading too: a file may grow, and /proc's say size 0).
 * The buffer is allocated at the limit; pages never written cost nothing.
 */
static bool read_bounded(int fd, char **text, size_t *len)
{
	ssize_t n = 0;

	*len = 0;
	if ((*text = malloc(SCRIPT_FILE_MAX + 2)) == NULL)
		return false;
	while (*len <= SCRIPT_FILE_MAX &&
	       (n = read(fd, *text + *len, SCRIPT_FILE_MAX + 1 - *len)) > 0)
		*len += (size_t)n;
	(*text)[*len] = '\0';
	return n == 0 && *len <= SCRIPT_FILE_MAX;
}

/*
 * The whole file in memory, so that no fd stays open while it runs: the
 * learner's first socket is still fd 3. O_NONBLOCK: opening a FIFO with no
 * writer would otherwise wait forever, before fstat could refuse it.
 */
char *read_whole_file(struct session *s, const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *text = NULL;
	bool ok;
	int err;

	*len = 0;
	if (fd == -1) {
		report_error(s, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		report_error(s, "cannot read %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		report_error(s, "cannot read %s: it is %s; lessons and scripts are read only "
			     "from regular files", path, file_kind(st.st_mode));
		close(fd);
		return NULL;
	}
	ok = st.st_size <= SCRIPT_FILE_MAX && read_bounded(fd, &text, len);
	err = errno;
	close(fd);
	if (!ok) {
		report_error(s, "cannot read %s: %s", path,
			     st.st_size > SCRIPT_FILE_MAX || *len > SCRIPT_FILE_MAX ?
			     "larger than 1 MiB, the limit for a lesson or script file" :
			     text == NULL ? "out of memory" : strerror(err));
		free(text);
		return NULL;
	}
	return text;
}

/* Run a file's lines as a script, inside the running session (lesson NAME in a script). */
bool run_script_file(struct session *s, const char *path)
{
	FILE *outer = s->script;
	unsigned long outer_line = s->lineno;
	size_t len;
	char *text;

	if (s->script_depth >= SCRIPT_DEPTH_MAX) {
		report_error(s, "lesson %s: not run: lessons run inside lessons at most %d deep "
			     "(one that runs itself, or a cycle, would never end)", path,
			     SCRIPT_DEPTH_MAX);
		return false;
	}
	if ((text = read_whole_file(s, path, &len)) == NULL)
		return false;
	s->script = fmemopen(text, len, "r");	/* size 0: an empty script, no line */
	if (s->script != NULL) {
		s->lineno = 0;
		s->script_depth++;
		repl_run(s);
		s->script_depth--;
		fclose(s->script);
	}
	free(text);
	s->script = outer;
	s->lineno = outer_line;
	return true;
}

/*
 * The read stopped for a signal, not at the end: clear stdio's error flag and
 * go on. SIGINT has no SA_RESTART (so that it interrupts a blocking call), and
 * a Ctrl-C while a piped script waits for its next line makes read fail with
 * EINTR, which stdio reports as EOF, as if the input had ended.
 */
static bool read_interrupted(FILE *f)
{
	if (!ferror(f) || errno != EINTR || terminating)
		return false;
	clearerr(f);
	interrupted = 0;
	return true;
}

/*
 * The next line of a script (malloc'd, without its newline), as getline
 * would give it, but never holding more than MAX_LINE + 1 bytes: the rest
 * of a longer line is read and dropped as it streams past, so a 100 MB line
 * costs no memory. *len is the line's whole length: more than MAX_LINE
 * says it was cut. NULL at end of input.
 */
char *read_line_bounded(FILE *f, size_t *len)
{
	char *line = malloc(MAX_LINE + 2);
	size_t n = 0;
	int c;

	if (line == NULL)
		return NULL;
	flockfile(f);
	while ((c = getc_unlocked(f)) != '\n') {
		if (c == EOF && read_interrupted(f))
			continue;
		if (c == EOF)
			break;
		if (n <= MAX_LINE)
			line[n] = (char)c;
		n++;
	}
	funlockfile(f);
	if (c == EOF && n == 0) {
		free(line);
		return NULL;
	}
	line[n <= MAX_LINE ? n : MAX_LINE + 1] = '\0';
	*len = n;
	return line;
}
