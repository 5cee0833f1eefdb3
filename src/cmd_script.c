/*
 * cmd_script.c - the script language of lessons and tests: say, requires
 * and replay (expect, the checks, is in cmd_expect.c).
 *
 * A lesson is plain REPL input; these commands make it narrate and say what
 * it needs to run.
 */
#include <ctype.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sockrepl.h"

/* ---- say TEXT ----------------------------------------------------------- */

static enum cmd_status cmd_say_exec(struct session *s, const struct cmd_args *a)
{
	(void)s;
	put_wrapped(stdout, "", "", a->rest);	/* escaped, as an error line quoting it is */
	return CMD_OK;
}

const struct cmd_entry cmd_say_entry = {
	.name = "say",
	.usage = "[TEXT]",
	.summary = "print a line of narration (for lessons)",
	.about = "Prints TEXT as it is (an empty line without TEXT), control characters\n"
		"as \\ooo escapes. Lessons use it to narrate each step; in a script the\n"
		"say line itself is not echoed.",
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_say_exec,
	.narrates = true,
};

/* ---- requires sandbox --------------------------------------------------------- */

/*
 * A lesson that needs the sandbox and is not in one stops cleanly, after
 * saying how to start it: a script ends with exit status 1 and runs nothing
 * more; a guided lesson ends and the prompt stays.
 */
static enum cmd_status cmd_requires_exec(struct session *s, const struct cmd_args *a)
{
	char how[sizeof(s->started_as) + 64];

	if (strcmp(a->argv[0], "sandbox") != 0) {
		report_error(s, "requires: '%.40s' is not something a lesson can require "
			     "(usage: requires sandbox)", a->argv[0]);
		return CMD_USAGE;
	}
	if (s->sandboxed)
		return CMD_OK;
	if (s->started_as[0] != '\0')
		snprintf(how, sizeof(how), "start it with sockrepl --sandbox %s", s->started_as);
	else
		snprintf(how, sizeof(how), "start sockrepl with --sandbox");
	if (s->lesson != NULL || s->interactive) {
		printf("%sthis lesson runs in its own network namespace: %s%s\n", color(COLOR_NOTE),
		       how, color(COLOR_OFF));
		lesson_end(s);
		return CMD_OK;
	}
	report_error(s, "this lesson runs in its own network namespace: %s", how);
	s->quit = true;
	return CMD_OK;
}

const struct cmd_entry cmd_requires_entry = {
	.name = "requires",
	.usage = "sandbox",
	.summary = "in a lesson: stop unless the session runs in --sandbox",
	.about = "A lesson's line requires sandbox says that the lesson runs in a network\n"
		"namespace of its own (sockrepl --sandbox). In one, the line does nothing.\n"
		"Outside one, it says how to start the lesson so, and stops it: a script\n"
		"ends there with exit status 1; a guided lesson ends and the prompt stays.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_requires_exec,
	.narrates = true,
};

/* ---- replay LINE ------------------------------------------------------------ */

/*
 * A lesson that plays both sides when replayed (the web lesson's client)
 * leaves that side to the learner when guided: there a real program (curl,
 * a browser) plays it, so the line is shown, not run.
 */
static enum cmd_status cmd_replay_exec(struct session *s, const struct cmd_args *a)
{
	char line[MAX_LINE + 1];
	FILE *recording = s->record;	/* `record` has the replay line: not LINE again */
	enum cmd_status status;

	if (s->lesson == NULL) {
		snprintf(line, sizeof(line), "%s", a->rest);	/* cmd_run_line cuts it up */
		s->record = NULL;
		status = cmd_run_line(s, line);
		if (s->record == NULL)
			s->record = recording;
		else if (recording != NULL)	/* LINE started a recording of its own */
			fclose(recording);
		return status;
	}
	printf("%s  (replayed, the lesson runs: ", color(COLOR_NOTE));
	put_escaped(a->rest, stdout);
	printf(")%s\n", color(COLOR_OFF));
	return CMD_OK;
}

const struct cmd_entry cmd_replay_entry = {
	.name = "replay",
	.usage = "LINE",
	.summary = "in a lesson: run LINE when replayed, leave it to you when guided",
	.about = "A lesson's line replay LINE runs LINE when the lesson is replayed from a\n"
		"file (or typed), so the lesson can play both sides of a connection and\n"
		"check itself; in a guided lesson it only shows LINE, and a real program\n"
		"(curl, a browser) plays that part. Lesson 18 plays its web client so.",
	.min_args = 1,
	.max_args = -1,
	.exec = cmd_replay_exec,
	.narrates = true,
};
