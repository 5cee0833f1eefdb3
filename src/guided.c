/*
 * guided.c - stepping through a lesson at a terminal.
 *
 * A guided lesson shows its narration, then puts its next command on the
 * prompt, already typed: Enter runs it, or the learner edits it. Another
 * command (ss, sockets, an extra socket) runs as ever and leaves the step
 * on offer. The step's expect lines become hints instead of errors, checked
 * only when the step ran. next (skip), back, again and leave move around.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockrepl.h"

struct lesson {
	char name[64];
	char **lines;
	size_t nlines;
	size_t pos;		/* the next line to show or offer */
	size_t current;		/* the line of the step on offer */
	size_t last_run;	/* the line of the step last run, for `again` */
	bool moved;		/* a navigation command chose the next step */
	uint64_t open_before;	/* the session's fds (below 64, as bits) before a line ran */
	uint64_t closed_by_learner;	/* fds a line that was no step closed */
	uint64_t said;		/* fds whose divergence was said already */
};

static void free_lines(struct lesson *l);

/* ---- stepping through a lesson ------------------------------------------------ */

static bool is_step(const char *line)
{
	const char *p = line + strspn(line, " \t");

	return *p != '\0' && *p != '#' && strncmp(p, "say", 3) != 0 &&
	       strncmp(p, "expect", 6) != 0 && strncmp(p, "requires", 8) != 0 &&
	       strncmp(p, "replay", 6) != 0;
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
	s->started_as[0] = '\0';
}

/* End the guided lesson without a word: `requires` has said why. */
void lesson_end(struct session *s)
{
	free_lesson(s);
}

/* The number of the line at `line` in text that strtok_r is cutting up. */
static size_t line_number(const char *text, const char *line)
{
	size_t n = 1;

	for (const char *p = text; p < line; p++)
		n += *p == '\n' || *p == '\0';	/* strtok_r put a NUL for each newline it passed */
	return n;
}

/*
 * Split a lesson's text (cut up in place) into lines the lesson owns. A
 * line over MAX_LINE is left out, as a script's is, and said (s and path
 * are NULL for the fuzzer).
 */
static bool lesson_from_text(struct session *s, const char *path, char *text, struct lesson *l)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char **grown, *copy;

		if (strlen(line) > MAX_LINE) {
			if (s != NULL)
				report_error(s, "lesson %s, line %zu: line too long (%zu bytes; the limit "
					     "is %d): ignored", path, line_number(text, line),
					     strlen(line), MAX_LINE);
			continue;
		}
		grown = realloc(l->lines, (l->nlines + 1) * sizeof(*grown));
		copy = strdup(line);
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
	if (lesson_from_text(NULL, NULL, copy, &l))
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
	ok = lesson_from_text(s, path, text, l);
	if (!ok)
		free_lines(l);
	free(text);
	return ok;
}

/* The session's open fds below 64, as bits. */
static uint64_t open_fds(const struct session *s)
{
	uint64_t bits = 0;

	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i] >= 0 && s->fds[i] < 64)
			bits |= UINT64_C(1) << s->fds[i];
	return bits;
}

/*
 * The fd a step names that the learner closed (by a line that was no step:
 * close, reset), or -1: its first argument, or an @FD anywhere.
 */
static int closed_fd_in_step(const struct lesson *l, const char *step)
{
	char word[64];
	const char *p = step;

	take_word(&p, word, sizeof(word));	/* the command */
	for (int n = 0; take_word(&p, word, sizeof(word)); n++) {
		const char *number = word[0] == '@' ? word + 1 : n == 0 ? word : NULL;
		long fd;

		if (number == NULL || !looks_like_int(number))
			continue;
		fd = strtol(number, NULL, 10);
		if (fd >= 0 && fd < 64 && (l->closed_by_learner >> fd & 1))
			return (int)fd;
	}
	return -1;
}

/*
 * When the world diverged (the learner closed a socket the next step uses),
 * say so once, plainly, instead of letting hints that no longer apply
 * follow.
 */
static void say_if_diverged(struct lesson *l, const char *step)
{
	int fd = closed_fd_in_step(l, step);
	char text[512];

	if (fd < 0 || (l->said >> fd & 1))
		return;
	l->said |= UINT64_C(1) << fd;
	snprintf(text, sizeof(text), "You closed fd %d outside the lesson's steps, and this step "
		 "uses it (%.80s): from here on, what the lesson says assumes fd %d is still its "
		 "socket. back goes to an earlier step to make it again, next skips this one, "
		 "leave ends the lesson.", fd, step, fd);
	fputs(color(COLOR_NOTE), stdout);
	put_wrapped(stdout, "", "", text);
	fputs(color(COLOR_OFF), stdout);
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
			say_if_diverged(l, line + strspn(line, " \t"));
			return line + strspn(line, " \t");
		}
		l->pos++;
		if (!is_expect(line))	/* narration; an expect here belongs to a skipped step */
			run_copy(s, line);
		l = s->lesson;	/* requires may have ended it */
	}
	if (l != NULL) {
		printf("%s-- end of lesson %s. Type lessons for the others. --%s\n",
		       color(COLOR_NOTE), l->name, color(COLOR_OFF));
		free_lesson(s);
	}
	return NULL;
}

/*
 * Whether a line typed at a step is that step, perhaps edited (another port,
 * another fd): it runs the step's command. Anything else (ss, sockets, help,
 * an extra socket) is the learner looking around: it runs, and the step
 * waits at the next prompt. Called before the line runs: it notes the open
 * fds, so that lesson_after_line sees which ones the learner closed.
 */
bool lesson_is_step(struct session *s, const char *line)
{
	struct lesson *l = s->lesson;
	const struct cmd_entry *typed = cmd_of_line(line);

	if (l == NULL)
		return false;
	l->open_before = open_fds(s);	/* to see what the line closes */
	return typed != NULL && l->current < l->nlines &&
	       typed == cmd_of_line(l->lines[l->current]);
}

/*
 * After the learner ran a line at a step: when it was the step, move past it
 * and check its expects, kindly; else offer the same step again.
 */
void lesson_after_line(struct session *s, bool was_step)
{
	struct lesson *l = s->lesson;
	uint64_t now;

	if (l == NULL)
		return;
	/*
	 * The learner's own close or reset: a socket made later takes the lowest
	 * free fd, so that number stays wrong for the lesson even when reused.
	 */
	now = open_fds(s);
	if (!was_step)
		l->closed_by_learner |= l->open_before & ~now;
	if (l->moved || !was_step)
		return;
	l->last_run = l->current;
	l->pos = l->current + 1;
	while (l->pos < l->nlines && is_expect(l->lines[l->pos]))
		run_copy(s, l->lines[l->pos++]);
}

/* Step through the lesson in the file at path, at the terminal. */
bool guided_start(struct session *s, const char *path)
{
	struct lesson *l = calloc(1, sizeof(*l));

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

/* ---- next, back, again, leave ---------------------------------------------- */

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
