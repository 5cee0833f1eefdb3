/*
 * challenge.c - challenges: a goal stated in words, which the learner must
 * work out how to reach, checked against the kernel after every command.
 *
 * A challenge file (lessons/challenges/NAME.txt, or a path) is plain text,
 * one keyword a line: its first line "# Challenge: TITLE", then goal TEXT,
 * check PREDICATE (goal.c; all must hold at once), hint1, hint2, hint3 TEXT
 * (graded; without hint3 the last level is the solution's commands), learnt
 * TEXT and solution COMMAND lines; lines of one keyword join, and # starts
 * a comment.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockrepl.h"

#define MAX_CHECKS 8
#define MAX_HINTS 3
#define MAX_SOLUTION 32

struct challenge {
	char name[64], title[128];
	char *text;		/* the file, cut into lines in place */
	char goal[1024], learnt[1024];	/* goal and learnt lines, joined */
	char hints[MAX_HINTS][512];	/* hint1, hint2, hint3 lines, each level joined */
	const char *checks[MAX_CHECKS], *solution[MAX_SOLUTION];
	int nchecks, nhints, nsolution;	/* nhints: the highest level given */
	int hints_shown;
	unsigned long commands;	/* lines that made a system call */
	unsigned long calls_seen;	/* log.calls_made when the last line ended */
	struct goal_log log;
};

/* ---- reading a challenge file ------------------------------------------------ */

static void join(char *to, size_t size, const char *text)
{
	size_t len = strlen(to);

	snprintf(to + len, size - len, "%s%s", len ? " " : "", text);
}

/* hintN TEXT: level N, lines of one level joined. Returns the highest level so far. */
static int take_hint(struct challenge *c, int level, const char *text)
{
	join(c->hints[level - 1], sizeof(c->hints[0]), text);
	return level > c->nhints ? level : c->nhints;
}

/* One line of the file; false (reported, with its number) if it is wrong. */
static bool take_line(struct session *s, struct challenge *c, const char *path,
		      unsigned lineno, char *line)
{
	char *rest = line + strcspn(line, " \t");
	const char *why = NULL;

	if (*rest != '\0')
		*rest++ = '\0';
	rest += strspn(rest, " \t");
	if (strcmp(line, "goal") == 0)
		join(c->goal, sizeof(c->goal), rest);
	else if (strcmp(line, "learnt") == 0)
		join(c->learnt, sizeof(c->learnt), rest);
	else if (strcmp(line, "check") == 0 && c->nchecks == MAX_CHECKS)
		why = "more than 8 checks";
	else if (strcmp(line, "check") == 0 && (why = goal_check_error(rest)) == NULL)
		c->checks[c->nchecks++] = rest;
	else if (strncmp(line, "hint", 4) == 0 && line[4] >= '1' && line[4] <= '3' && !line[5])
		c->nhints = take_hint(c, line[4] - '0', rest);
	else if (strcmp(line, "solution") == 0 && c->nsolution == MAX_SOLUTION)
		why = "a solution of more than 32 commands";
	else if (strcmp(line, "solution") == 0)
		c->solution[c->nsolution++] = rest;
	else if (strcmp(line, "check") != 0)
		why = "a line starts with goal, check, hint1, hint2, hint3, learnt, solution or #";
	if (why != NULL)
		report_error(s, "challenge %s, line %u: %s", path, lineno, why);
	return why == NULL;
}

static bool parse_challenge(struct session *s, struct challenge *c, const char *path)
{
	unsigned lineno = 0;
	char *next;

	for (char *line = c->text; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		line += strspn(line, " \t");
		if (*line == '\0' || *line == '#')
			continue;
		if (!take_line(s, c, path, lineno, line))
			return false;
	}
	if (c->goal[0] == '\0' || c->nchecks == 0) {
		report_error(s, "challenge %s: it needs a goal line and at least one check line",
			     path);
		return false;
	}
	return true;
}

static struct challenge *load_challenge(struct session *s, const char *name)
{
	char path[PATH_MAX];
	struct challenge *c;
	size_t len;

	if (!find_text_file(s, "challenges", "challenge", name, path, sizeof(path)))
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->text = read_whole_file(s, path, &len)) == NULL) {
		free(c);
		return NULL;
	}
	lesson_title(path, c->title, sizeof(c->title));
	snprintf(c->name, sizeof(c->name), "%s", strrchr(name, '/') ? strrchr(name, '/') + 1 :
		 name);
	if (strlen(c->name) > 4 && strcmp(c->name + strlen(c->name) - 4, ".txt") == 0)
		c->name[strlen(c->name) - 4] = '\0';	/* ./mine.txt is challenge mine */
	if (!parse_challenge(s, c, path)) {
		free(c->text);
		free(c);
		return NULL;
	}
	return c;
}

static void free_challenge(struct challenge *c)
{
	goal_log_clear(&c->log);
	free(c->text);
	free(c);
}

/* ---- starting, checking, ending --------------------------------------------- */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fputs(color(COLOR_NOTE), stdout);
	put_wrapped(stdout, "", "  ", text);	/* narration: wrapped as say's is */
	fputs(color(COLOR_OFF), stdout);
}

/* End the running challenge: reached, or left (given up, or the input ended). */
void challenge_end(struct session *s, bool reached)
{
	struct challenge *c = s->challenge;

	if (c == NULL)
		return;
	tap_point(reached, "challenge %s: %s", c->name, c->title);
	if (reached)
		s->challenge_reached = true;
	else
		say("challenge %s ended without reaching its goal.", c->name);
	free_challenge(c);
	s->challenge = NULL;
}

bool challenge_start(struct session *s, const char *name)
{
	struct challenge *c = load_challenge(s, name);

	if (c == NULL)
		return false;
	challenge_end(s, false);
	s->challenge = c;
	say("challenge %s: %s", c->name, c->title);
	say("goal: %s", c->goal);
	say("(checked after every command; hint gives a hint, leave gives up%s)",
	    s->nfds ? "; your open sockets count too: reset closes them" : "");
	return true;
}

/* The solution's commands on one line: "socket; bind 127.0.0.1 0; listen". */
static void solution_list(const struct challenge *c, char *out, size_t size)
{
	*out = '\0';
	for (int i = 0; i < c->nsolution; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? "; " : "",
			 c->solution[i]);
}

/*
 * After every line: count it if it made a call, and check the goal, once a
 * call was made (a peer may change a state between calls; sockets that
 * were open before the challenge count, but not before a first call).
 */
void challenge_after_line(struct session *s)
{
	struct challenge *c = s->challenge;

	if (c == NULL || c->log.calls_made == 0)
		return;
	if (c->log.calls_made != c->calls_seen)
		c->commands++;
	c->calls_seen = c->log.calls_made;
	for (int i = 0; i < c->nchecks; i++)
		if (!goal_holds(s, &c->log, c->checks[i]))
			return;
	say("goal reached: %s", c->goal);
	if (c->learnt[0] != '\0')
		say("learnt: %s", c->learnt);
	say("you used %lu command%s (counting those that made a system call).", c->commands,
	    c->commands == 1 ? "" : "s");
	if (c->nsolution > 0) {
		char list[2048];

		solution_list(c, list, sizeof(list));
		say("shortest known solution (%d command%s): %s", c->nsolution,
		    c->nsolution == 1 ? "" : "s", list);
	}
	challenge_end(s, true);
}

void challenge_note_call(struct session *s, const struct strbuf *args, const struct call_ctx *c,
			 long ret, int err)
{
	if (s->challenge != NULL)
		goal_note_call(s, &s->challenge->log, args, c, ret, err);
}

/* reset: the sockets are closed; the challenge starts over, its hints kept. */
void challenge_restart(struct session *s)
{
	struct challenge *c = s->challenge;

	if (c == NULL)
		return;
	goal_log_clear(&c->log);
	c->commands = c->calls_seen = 0;
	say("challenge %s starts over: %s", c->name, c->goal);
}

/* ---- challenges, challenge NAME, hint, leave ------------------------------------ */

static void print_challenge(const char *dir, const char *name, void *arg)
{
	char path[PATH_MAX], title[128];

	(void)arg;
	snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
	lesson_title(path, title, sizeof(title));
	printf("  %-28s ", name);
	put_escaped(title, stdout);
	putchar('\n');
}

static enum cmd_status cmd_challenges_exec(struct session *s, const struct cmd_args *a)
{
	(void)a;
	if (each_text_file("challenges", print_challenge, NULL) <= 0) {
		report_error(s, "no challenges found");
		return CMD_USAGE;
	}
	printf("Type challenge NAME to take one; hint gives a hint.\n");
	return CMD_OK;
}

static enum cmd_status cmd_challenge_exec(struct session *s, const struct cmd_args *a)
{
	return challenge_start(s, a->argv[0]) ? CMD_OK : CMD_USAGE;
}

static enum cmd_status cmd_hint_exec(struct session *s, const struct cmd_args *a)
{
	struct challenge *c = s->challenge;
	int levels, level;

	(void)a;
	if (c == NULL) {
		report_error(s, "hint: no challenge is running (challenges lists them)");
		return CMD_USAGE;
	}
	levels = c->nhints < MAX_HINTS && c->nsolution > 0 ? c->nhints + 1 : c->nhints;
	if (levels == 0) {
		say("this challenge has no hints.");
		return CMD_OK;
	}
	level = c->hints_shown < levels ? ++c->hints_shown : levels;
	if (level <= c->nhints) {
		say("hint %d/%d: %s", level, levels, c->hints[level - 1]);
	} else {
		char list[2048];

		solution_list(c, list, sizeof(list));
		say("hint %d/%d: the commands: %s", level, levels, list);
	}
	return CMD_OK;
}

/* leave ends the challenge if one runs, else the lesson (guided.c's leave). */
static enum cmd_status cmd_leave_any_exec(struct session *s, const struct cmd_args *a)
{
	if (s->challenge == NULL)
		return cmd_leave_entry.exec(s, a);
	challenge_end(s, false);
	return CMD_OK;
}

const struct cmd_entry cmd_challenges_entry = {
	.name = "challenges",
	.usage = "",
	.summary = "list the challenges: goals to reach, checked by the kernel",
	.about = "Lists the challenges with their titles (lessons/challenges/). Each states\n"
		"a goal, such as a client stuck in SYN-SENT while its listener is open,\n"
		"and leaves it to you to work out the calls that reach it.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_challenges_exec,
};

const struct cmd_entry cmd_challenge_entry = {
	.name = "challenge",
	.usage = "NAME",
	.summary = "take a challenge: reach its goal, checked after every command",
	.about = "States the goal of challenge NAME (or of the file NAME, if it holds a /:\n"
		"challenge ./mine.txt). After every command that makes a system call, the\n"
		"goal is checked against the kernel and against what the calls returned.\n"
		"hint gives a hint (three levels, the last one the commands). Reaching the\n"
		"goal says what it taught, how many commands you used and the shortest\n"
		"known solution, and ends the challenge; so does leave, without reaching\n"
		"it. reset closes every socket and starts the challenge over. Sockets\n"
		"open when it starts count too.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_challenge_exec,
};

const struct cmd_entry cmd_hint_entry = {
	.name = "hint",
	.usage = "",
	.summary = "in a challenge: the next hint (the last one gives the commands)",
	.about = "Gives the running challenge's next hint: the first says where to look,\n"
		"the second how, the third the commands. Once all are shown, hint repeats\n"
		"the last one.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_hint_exec,
};

const struct cmd_entry cmd_leave_any_entry = {
	.name = "leave",
	.usage = "",
	.summary = "leave the challenge, or else the lesson (the sockets stay)",
	.about = "Ends the running challenge without reaching its goal; with no challenge\n"
		"running, ends the guided lesson. The sockets stay open either way.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_leave_any_exec,
};
