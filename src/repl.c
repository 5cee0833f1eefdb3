/*
 * repl.c - the read-run loop: typed lines, a script's, or a guided lesson's
 * (whose next step is typed at the prompt), all through cmd_run_line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockrepl.h"

/*
 * What a peer sent while a script sat between lines shows before the next
 * line, not under the next call as if that call caused it (at a terminal
 * the prompt shows it as it comes). It is shown, not counted: expect wire
 * checks what the last call (or wait) caused. Before a wait it counts as
 * the wait's: what came just before the wait began is what it waited for
 * (a delayed ACK may come while a slow run is still between the lines).
 */
static void drain_between_lines(struct session *s, const char *line)
{
	unsigned char caused[sizeof(s->wire_flags)];

	if (cmd_of_line(line) == &cmd_wait_entry) {
		memset(s->wire_flags, 0, sizeof(s->wire_flags));
		wire_drain(s, true, NULL, NULL);
		s->wire_counted_for_wait = true;
		return;
	}
	s->wire_counted_for_wait = false;	/* a wait line that did not parse left it set */
	memcpy(caused, s->wire_flags, sizeof(caused));
	wire_drain(s, true, NULL, NULL);
	memcpy(s->wire_flags, caused, sizeof(caused));
	proc_check(proc_say_event, NULL);	/* a child that ended meanwhile */
}

/*
 * Read and run lines until quit or end of input: typed ones, a script's, or
 * a guided lesson's (whose next step is typed at the prompt).
 */
void repl_run(struct session *s)
{
	char prompt[128], *line;
	size_t len;

	while (!s->quit && !terminating) {
		const char *pretyped = s->lesson ? lesson_next_step(s) : NULL;
		bool at_step;

		prompt[0] = '\0';
		if (s->interactive)	/* a script's prompt is printed by echo_line */
			session_prompt(s, prompt, sizeof(prompt));
		line = input_read(s, prompt, pretyped, &len);
		if (line == NULL) {
			if (s->interactive)
				putchar('\n');	/* Ctrl-D: end the prompt's line */
			break;
		}
		if (!s->interactive)
			drain_between_lines(s, line);
		s->lineno++;
		at_step = s->lesson != NULL && lesson_is_step(s, line);
		if (len > MAX_LINE)
			report_error(s, "line too long (%zu bytes; the limit is %d): ignored",
				     len, MAX_LINE);
		else if (strlen(line) < len)
			report_error(s, "the line holds a NUL byte (at byte %zu): ignored; "
				     "write \\0 to send one", strlen(line) + 1);
		else
			cmd_run_line(s, line);
		free(line);
		if (s->lesson)
			lesson_after_line(s, at_step);
		challenge_after_line(s);
		interrupted = 0;
		if (s->live_output)
			fflush(stdout);
	}
}

