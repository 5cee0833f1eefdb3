/*
 * lesson.c - lessons: finding them (by name, number or path), listing them,
 * and starting one: guided at a terminal (guided.c), else as a script
 * (scriptfile.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockrepl.h"

/* ---- finding lessons ------------------------------------------------------- */

/*
 * The source tree's lessons/ next to the binary, else the installed ones in
 * ../share/sockrepl/lessons beside bin/: both found from where the binary
 * is, so any PREFIX works without rebuilding.
 */
static const char *lessons_dir(void)
{
	static const char *const places[] = { "lessons", "../share/sockrepl/lessons" };
	static char dir[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;

	if (n <= 0)
		return "lessons";
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		snprintf(dir, sizeof(dir), "%.*s/%s", PATH_MAX - 64, exe, places[i]);
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return dir;
	}
	return "lessons";
}

/*
 * A FILE written "@lessons/NAME" is NAME in the lessons directory found
 * above, so a lesson's own files (the web lesson's page) are found wherever
 * sockrepl runs from and however it was installed. Any other path is
 * returned as it is.
 */
const char *lessons_path(const char *path, char *out, size_t size)
{
	static const char prefix[] = "@lessons/";

	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
		return path;
	snprintf(out, size, "%s/%s", lessons_dir(), path + sizeof(prefix) - 1);
	return out;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_lessons(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return len > 4 && strcmp(d->d_name + len - 4, ".txt") == 0;
}

/*
 * The title in a lesson's first line: "# Lesson 01: Creating a socket".
 * Only a regular file's: a FIFO in the directory would block `lessons`.
 */
void lesson_title(const char *path, char *title, size_t size)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	FILE *f = NULL;
	char line[256] = "";
	const char *colon;
	struct stat st;

	snprintf(title, size, "(no title)");
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (f = fdopen(fd, "r")) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	if (fgets(line, sizeof(line), f) && (colon = strchr(line, ':')) != NULL) {
		snprintf(title, size, "%s", colon + 1 + strspn(colon + 1, " "));	/* in line */
		title[strcspn(title, "\n")] = '\0';
	}
	fclose(f);
}

/*
 * Each text file's name (without .txt) in the lessons directory, or in its
 * subdirectory sub (challenges), for listings and completion.
 */
int each_text_file(const char *sub, void (*fn)(const char *dir, const char *name, void *arg),
		   void *arg)
{
	struct dirent **list;
	char dir[PATH_MAX];
	int n;

	snprintf(dir, sizeof(dir), "%s%s%s", lessons_dir(), sub ? "/" : "", sub ? sub : "");
	n = scandir(dir, &list, only_lessons, by_name);
	for (int i = 0; i < n; i++) {
		char name[256];

		snprintf(name, sizeof(name), "%.*s", (int)strlen(list[i]->d_name) - 4, list[i]->d_name);
		fn(dir, name, arg);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return n;
}

static int each_lesson(void (*fn)(const char *dir, const char *name, void *arg), void *arg)
{
	return each_text_file(NULL, fn, arg);
}

/* A function pointer cannot travel as void *, so it travels inside a struct. */
struct name_sink {
	void (*add)(const char *name);
};

static void add_name(const char *dir, const char *name, void *arg)
{
	(void)dir;
	((struct name_sink *)arg)->add(name);
}

void lessons_add_names(void (*add)(const char *name))
{
	struct name_sink sink = { add };

	each_lesson(add_name, &sink);
}

void challenges_add_names(void (*add)(const char *name))
{
	struct name_sink sink = { add };

	each_text_file("challenges", add_name, &sink);
}

/* NAME as typed: a path, or a lesson name or its unique start ("02", "02-back"). */
struct match {
	const char *want;
	char path[PATH_MAX];
	int count;
};

static void match_name(const char *dir, const char *name, void *arg)
{
	struct match *m = arg;
	const char *dash = strchr(name, '-');

	if (strncmp(name, m->want, strlen(m->want)) == 0 ||
	    (dash && strncmp(dash + 1, m->want, strlen(m->want)) == 0)) {
		snprintf(m->path, sizeof(m->path), "%s/%s.txt", dir, name);
		m->count++;
	}
}

/* A lesson (sub NULL) or challenge (sub "challenges") by name, or a path. */
bool find_text_file(struct session *s, const char *sub, const char *kind, const char *want,
		    char *path, size_t size)
{
	struct match m = { .want = want };

	if (strchr(want, '/') != NULL) {
		snprintf(path, size, "%s", want);
		return true;
	}
	each_text_file(sub, match_name, &m);
	if (m.count == 1) {
		snprintf(path, size, "%s", m.path);
		return true;
	}
	report_error(s, "%s '%.40s': %s %s%s (%ss lists them)", kind, want,
		     m.count ? "more than one" : "no such", kind, m.count ? " starts so" : "", kind);
	return false;
}

/*
 * Start lesson NAME: guided at a terminal, else run as a script. While it
 * runs, started_as says how to start it again (for `requires`); a guided
 * lesson clears it when it ends.
 */
bool lesson_start(struct session *s, const char *name)
{
	char path[PATH_MAX], outer[sizeof(s->started_as)];
	bool ok;

	if (!find_text_file(s, NULL, "lesson", name, path, sizeof(path)))
		return false;
	if (s->interactive) {
		ok = guided_start(s, path);	/* which ends the lesson before it */
		if (ok)
			snprintf(s->started_as, sizeof(s->started_as), "--lesson %s", name);
		return ok;
	}
	memcpy(outer, s->started_as, sizeof(outer));
	snprintf(s->started_as, sizeof(s->started_as), "--lesson %s", name);
	ok = run_script_file(s, path);
	memcpy(s->started_as, outer, sizeof(outer));
	return ok;
}

/* ---- lessons, lesson NAME ------------------------------------------------------ */

static void print_lesson(const char *dir, const char *name, void *arg)
{
	char path[PATH_MAX], title[128];
	struct strbuf shown;	/* a file's name and first line: escaped, as outside text */

	(void)arg;
	snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
	lesson_title(path, title, sizeof(title));
	sb_init(&shown);
	sb_escaped(&shown, name, strlen(name));
	printf("  %-28s ", shown.text);
	put_escaped(title, stdout);
	putchar('\n');
}

static enum cmd_status cmd_lessons_exec(struct session *s, const struct cmd_args *a)
{
	(void)a;
	if (each_lesson(print_lesson, NULL) <= 0) {
		report_error(s, "no lessons found in %s", lessons_dir());
		return CMD_USAGE;
	}
	printf("Type lesson NAME (or its number) to step through one.\n");
	return CMD_OK;
}

static enum cmd_status cmd_lesson_exec(struct session *s, const struct cmd_args *a)
{
	return lesson_start(s, a->argv[0]) ? CMD_OK : CMD_USAGE;
}

const struct cmd_entry cmd_lessons_entry = {
	.name = "lessons",
	.usage = "",
	.summary = "list the lessons",
	.about = "Lists the lessons with their titles: the source tree's lessons/ when\n"
		"sockrepl runs from there, else the installed ones.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_lessons_exec,
};

const struct cmd_entry cmd_lesson_entry = {
	.name = "lesson",
	.usage = "NAME",
	.summary = "step through a lesson, each command typed for you",
	.about = "Starts a guided lesson (NAME, or its number: lesson 02). Narration is\n"
		"shown, then the next command is typed at the prompt: Enter runs it, or\n"
		"edit it. Another command (ss, sockets) runs and leaves the step on offer.\n"
		"A check that fails after the step gives a hint. next (skip) passes a\n"
		"step, back goes to the one before, again repeats the last one, leave\n"
		"ends the lesson. Outside a terminal it runs as a script.\n"
		"A NAME with a / in it is the path of a lesson file of your own\n"
		"(lesson ./mine.txt): a regular file of at most 1 MiB.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_lesson_exec,
};
