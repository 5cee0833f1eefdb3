/*
 * input.c - one line at a time: GNU Readline at a terminal, getline from a
 * pipe or file. Everything after this goes through cmd_run_line, so typed
 * lines, piped scripts and lessons run the same way.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "sockrepl.h"

/* Ctrl-C at the prompt: drop the line being typed and start afresh, as bash does. */
static int on_readline_signal(void)
{
	if (interrupted) {
		interrupted = 0;
		rl_replace_line("", 0);
		rl_point = 0;
		fputc('\n', rl_outstream ? rl_outstream : stdout);
		rl_on_new_line();
		rl_redisplay();
	}
	return 0;
}

void input_init(struct session *s)
{
	if (!s->interactive)
		return;
	rl_readline_name = "sockrepl";
	rl_signal_event_hook = on_readline_signal;
	using_history();
}

/* The next line (malloc'd; the caller frees it), or NULL at end of input. */
char *input_read(struct session *s, const char *prompt)
{
	char *line = NULL;
	size_t size = 0;

	if (s->interactive) {
		line = readline(prompt);
		if (line != NULL && *line != '\0')
			add_history(line);
		return line;
	}
	if (getline(&line, &size, stdin) == -1) {
		free(line);
		return NULL;
	}
	return line;
}

void input_done(void)
{
	clear_history();
}
