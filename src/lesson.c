/*
 * lesson.c - lessons: finding them, listing them, and stepping through one.
 *
 * A guided lesson shows its narration, then puts its next command on the
 * prompt, already typed: Enter runs it, or the learner edits it or types
 * something else. The lesson's expect lines become hints instead of errors.
 * next (skip), back, again and leave move around. Outside a terminal, a
 * lesson simply runs as a script.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockrepl.h"

struct lesson {
	char name[64];
	char **lines;
	size_t nlines;
	size_t pos;		/* the next line to show or offer */
	size_t current;		/* the line of the step on offer */
	size_t last_run;	/* the line of the step last run, for `again` */
	bool moved;		/* a navigation command chose the next step */
};

static void free_lines(struct lesson *l);

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

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_lessons(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return len > 4 && strcmp(d->d_name + len - 4, ".txt") == 0;
}

/* The title in a lesson's first line: "# Lesson 01: Creating a socket". */
static void lesson_title(const char *path, char *title, size_t size)
{
	FILE *f = fopen(path, "r");
	char line[256] = "";
	const char *colon;

	snprintf(title, size, "(no title)");
	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) && (colon = strchr(line, ':')) != NULL) {
		snprintf(title, size, "%s", colon + 2);
		title[strcspn(title, "\n")] = '\0';
	}
	fclose(f);
}

/* Each lesson's name (file name without .txt), for `lessons` and completion. */
static int each_lesson(void (*fn)(const char *dir, const char *name, void *arg), void *arg)
{
	struct dirent **list;
	int n = scandir(lessons_dir(), &list, only_lessons, by_name);

	for (int i = 0; i < n; i++) {
		char name[256];

		snprintf(name, sizeof(name), "%.*s", (int)strlen(list[i]->d_name) - 4, list[i]->d_name);
		fn(lessons_dir(), name, arg);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return n;
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

static bool find_lesson(struct session *s, const char *want, char *path, size_t size)
{
	struct match m = { .want = want };

	if (strchr(want, '/') != NULL) {
		snprintf(path, size, "%s", want);
		return true;
	}
	each_lesson(match_name, &m);
	if (m.count == 1) {
		snprintf(path, size, "%s", m.path);
		return true;
	}
	report_error(s, "lesson '%.40s': %s (lessons lists them)", want,
		     m.count ? "more than one lesson starts so" : "no such lesson");
	return false;
}

/* ---- reading a script file -------------------------------------------------- */

/*
 * The whole file in memory, so that no fd stays open while it runs: the
 * learner's first socket is still fd 3.
 */
char *read_whole_file(struct session *s, const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (f == NULL) {
		report_error(s, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (*len + 1 >= cap) {
			char *grown = realloc(text, cap = cap ? 2 * cap : 65536);

			if (grown == NULL) {
				free(text);
				fclose(f);
				report_error(s, "out of memory reading %s", path);
				return NULL;
			}
			text = grown;
		}
		n = fread(text + *len, 1, cap - *len - 1, f);
		*len += n;
	} while (n > 0);
	fclose(f);
	text[*len] = '\0';
	return text;
}

/* Run a file's lines as a script, inside the running session (lesson NAME in a script). */
bool run_script_file(struct session *s, const char *path)
{
	FILE *outer = s->script;
	unsigned long outer_line = s->lineno;
	size_t len;
	char *text = read_whole_file(s, path, &len);

	if (text == NULL)
		return false;
	s->script = fmemopen(text, len, "r");	/* size 0: an empty script, no line */
	if (s->script != NULL) {
		s->lineno = 0;
		repl_run(s);
		fclose(s->script);
	}
	free(text);
	s->script = outer;
	s->lineno = outer_line;
	return true;
}

/* ---- stepping through a lesson ------------------------------------------------ */

static bool is_step(const char *line)
{
	const char *p = line + strspn(line, " \t");

	return *p != '\0' && *p != '#' && strncmp(p, "say", 3) != 0 &&
	       strncmp(p, "expect", 6) != 0;
}

static bool is_expect(const char *line)
{
	return strncmp(line + strspn(line, " \t"), "expect", 6) == 0;
}

/* Run a lesson line; cmd_run_line cuts its argument up, and the lesson keeps its own. */
static void run_copy(struct session *s, const char *line)
{
	char *copy = strdup(line);

	if (copy != NULL)
		cmd_run_line(s, copy);
	free(copy);
}

/* Step number (1-based) of line index i, and how many steps there are. */
static void step_numbers(const struct lesson *l, size_t i, int *step, int *steps)
{
	*step = *steps = 0;
	for (size_t j = 0; j < l->nlines; j++) {
		if (!is_step(l->lines[j]))
			continue;
		++*steps;
		if (j <= i)
			*step = *steps;
	}
}

/* "step 3/9" for the prompt, while a lesson is on. */
void lesson_progress(const struct session *s, char *out, size_t size)
{
	int step, steps;

	*out = '\0';
	if (s->lesson == NULL)
		return;
	step_numbers(s->lesson, s->lesson->current, &step, &steps);
	snprintf(out, size, " step %d/%d", step, steps);
}

static void free_lesson(struct session *s)
{
	if (s->lesson == NULL)
		return;
	free_lines(s->lesson);
	free(s->lesson);
	s->lesson = NULL;
	s->friendly = false;
}

/* Split a lesson's text (cut up in place) into lines the lesson owns. */
static bool lesson_from_text(char *text, struct lesson *l)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char **grown = realloc(l->lines, (l->nlines + 1) * sizeof(*grown));
		char *copy = strdup(line);

		if (grown != NULL)
			l->lines = grown;
		if (grown == NULL || copy == NULL) {
			free(copy);
			return false;
		}
		l->lines[l->nlines++] = copy;
	}
	return true;
}

static void free_lines(struct lesson *l)
{
	for (size_t i = 0; i < l->nlines; i++)
		free(l->lines[i]);
	free(l->lines);
	l->lines = NULL;
	l->nlines = 0;
}

/*
 * For the fuzzer: read a lesson from memory as `lesson` would, and count its
 * steps. Returns the number of steps, or -1 when out of memory.
 */
int lesson_count_steps(const char *text, size_t len)
{
	struct lesson l = { .nlines = 0 };
	char *copy = malloc(len + 1);
	int step, steps = -1;

	if (copy == NULL)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (lesson_from_text(copy, &l))
		step_numbers(&l, l.nlines, &step, &steps);
	free_lines(&l);
	free(copy);
	return steps;
}

static bool load_lesson(struct session *s, const char *path, struct lesson *l)
{
	size_t len;
	char *text = read_whole_file(s, path, &len);
	bool ok;

	if (text == NULL)
		return false;
	ok = lesson_from_text(text, l);
	if (!ok)
		free_lines(l);
	free(text);
	return ok;
}

/*
 * Show narration up to the next step and return that step's command, to be
 * typed at the prompt; NULL when the lesson is over (it is then closed).
 */
const char *lesson_next_step(struct session *s)
{
	struct lesson *l = s->lesson;

	while (l != NULL && l->pos < l->nlines) {
		char *line = l->lines[l->pos];

		if (is_step(line)) {
			l->current = l->pos;
			l->moved = false;
			return line + strspn(line, " \t");
		}
		l->pos++;
		if (!is_expect(line))	/* narration; an expect here belongs to a skipped step */
			run_copy(s, line);
	}
	if (l != NULL) {
		printf("%s-- end of lesson %s. Type lessons for the others. --%s\n",
		       color(COLOR_NOTE), l->name, color(COLOR_OFF));
		free_lesson(s);
	}
	return NULL;
}

/* After the learner ran a line at a step: move past it and check its expects, kindly. */
void lesson_after_line(struct session *s)
{
	struct lesson *l = s->lesson;

	if (l == NULL || l->moved)
		return;
	l->last_run = l->current;
	l->pos = l->current + 1;
	while (l->pos < l->nlines && is_expect(l->lines[l->pos]))
		run_copy(s, l->lines[l->pos++]);
}

/* Start lesson NAME: guided at a terminal, else run as a script. */
bool lesson_start(struct session *s, const char *name)
{
	char path[PATH_MAX];
	struct lesson *l;

	if (!find_lesson(s, name, path, sizeof(path)))
		return false;
	if (!s->interactive)
		return run_script_file(s, path);
	l = calloc(1, sizeof(*l));
	if (l == NULL || !load_lesson(s, path, l)) {
		free(l);
		return false;
	}
	free_lesson(s);
	snprintf(l->name, sizeof(l->name), "%.*s", (int)(sizeof(l->name) - 1),
		 strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	s->lesson = l;
	s->friendly = true;
	printf("%sGuided lesson %s: each step is typed for you; Enter runs it, or edit it.\n"
	       "next (or skip) passes a step, back and again go back, leave ends the lesson.%s\n",
	       color(COLOR_NOTE), l->name, color(COLOR_OFF));
	return true;
}

/* ---- lessons, lesson NAME, next, back, again, leave ------------------------ */

static void print_lesson(const char *dir, const char *name, void *arg)
{
	char path[PATH_MAX], title[128];

	(void)arg;
	snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
	lesson_title(path, title, sizeof(title));
	printf("  %-28s %s\n", name, title);
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

/* The lesson, or a message that there is none. */
static struct lesson *in_lesson(struct session *s, const char *cmd)
{
	if (s->lesson == NULL)
		report_error(s, "%s: no lesson is running (lesson NAME starts one)", cmd);
	return s->lesson;
}

static enum cmd_status cmd_next_exec(struct session *s, const struct cmd_args *a)
{
	struct lesson *l = in_lesson(s, "next");

	(void)a;
	if (l == NULL)
		return CMD_USAGE;
	l->pos = l->current + 1;
	while (l->pos < l->nlines && is_expect(l->lines[l->pos]))
		l->pos++;
	l->moved = true;
	return CMD_OK;
}

static enum cmd_status cmd_back_exec(struct session *s, const struct cmd_args *a)
{
	struct lesson *l = in_lesson(s, "back");
	size_t i;

	(void)a;
	if (l == NULL)
		return CMD_USAGE;
	for (i = l->current; i > 0 && !is_step(l->lines[i - 1]); i--)
		;
	l->pos = i > 0 ? i - 1 : l->current;	/* the step before this one */
	l->moved = true;
	return CMD_OK;
}

static enum cmd_status cmd_again_exec(struct session *s, const struct cmd_args *a)
{
	struct lesson *l = in_lesson(s, "again");

	(void)a;
	if (l == NULL)
		return CMD_USAGE;
	l->pos = l->last_run;
	l->moved = true;
	return CMD_OK;
}

static enum cmd_status cmd_leave_exec(struct session *s, const struct cmd_args *a)
{
	(void)a;
	if (in_lesson(s, "leave") == NULL)
		return CMD_USAGE;
	printf("left lesson %s; the sockets stay open.\n", s->lesson->name);
	free_lesson(s);
	return CMD_OK;
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
		"edit it, or type something else. A check that fails gives a hint. next\n"
		"(skip) passes a step, back goes to the one before, again repeats the last\n"
		"one, leave ends the lesson. Outside a terminal it runs as a script.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_lesson_exec,
};

const struct cmd_entry cmd_next_entry = {
	.name = "next",
	.alias = "skip",
	.usage = "",
	.summary = "in a lesson: pass this step without running it",
	.about = "In a guided lesson, goes on to the next step without running this one.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_next_exec,
};

const struct cmd_entry cmd_back_entry = {
	.name = "back",
	.usage = "",
	.summary = "in a lesson: go back one step",
	.about = "In a guided lesson, offers the step before this one again.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_back_exec,
};

const struct cmd_entry cmd_again_entry = {
	.name = "again",
	.usage = "",
	.summary = "in a lesson: offer the step just run once more",
	.about = "In a guided lesson, types the step that was run last at the prompt again.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_again_exec,
};

const struct cmd_entry cmd_leave_entry = {
	.name = "leave",
	.usage = "",
	.summary = "leave the lesson (the sockets stay)",
	.about = "Ends the guided lesson; the session and its sockets go on.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_leave_exec,
};
