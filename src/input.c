/*
 * input.c - one line at a time: GNU Readline at a terminal, a bounded reader from a
 * pipe or file. Everything after this goes through cmd_run_line, so typed
 * lines, piped scripts and lessons run the same way.
 *
 * At a terminal Readline runs in callback mode: the one wait of events.c
 * sleeps on stdin and on every socket of the session, and whenever a socket
 * wakes it watch.c looks at what changed. A notice
 * ("a connection is waiting") is printed above the prompt, and the line being
 * typed is redrawn intact below it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "sockrepl.h"

static char *completed_line;	/* set by on_line: the line Readline finished */
static bool line_done;

static void on_line(char *line)
{
	completed_line = line;
	line_done = true;
	rl_callback_handler_remove();
}

/* Print one notice above the prompt, then redraw the prompt and the typed line. */
static void notice_above_prompt(const char *line, void *arg)
{
	(void)arg;
	rl_clear_visible_line();
	printf("%s[event] %s%s\n", color(COLOR_EVENT), line, color(COLOR_OFF));
	fflush(stdout);
	rl_on_new_line();
	rl_redisplay();
}

/* A captured segment (wire on), above the prompt as under a call. */
static void wire_above_prompt(const char *line, void *arg)
{
	(void)arg;
	rl_clear_visible_line();
	printf("  %s\n", line);
	fflush(stdout);
	rl_on_new_line();
	rl_redisplay();
}

/* Ctrl-C at the prompt: drop the line being typed and start afresh, as bash does. */
static void drop_typed_line(void)
{
	rl_replace_line("", 0);
	rl_point = 0;
	fputs("^C\n", stdout);
	rl_on_new_line();
	rl_redisplay();
}

static char *read_interactive(struct session *s, const char *prompt, const char *pretyped)
{
	line_done = false;
	completed_line = NULL;
	rl_callback_handler_install(prompt, on_line);
	if (pretyped != NULL) {
		rl_insert_text(pretyped);
		rl_redisplay();
	}
	while (!line_done && !terminating) {
		unsigned woke = events_wait(s, true, -1);

		if (interrupted && !terminating) {
			interrupted = 0;
			drop_typed_line();
		} else if (woke & WAKE_INPUT) {
			rl_callback_read_char();
		}
		if (!line_done && (woke & WAKE_WIRE))
			wire_drain(s, false, wire_above_prompt, NULL);
		if (!line_done && (woke & WAKE_SOCKETS || woke == 0))	/* 0: a tick */
			watch_check(s, -1, notice_above_prompt, NULL);
		if (!line_done && (woke & WAKE_CHILD))	/* SIGCHLD: a child ended */
			proc_check(notice_above_prompt, NULL);
	}
	if (line_done)	/* the segments since the prompt came, summed up before the line runs */
		wire_drain(s, true, NULL, NULL);
	if (terminating)
		rl_callback_handler_remove();
	if (completed_line != NULL && *completed_line != '\0')
		history_remember(completed_line);
	return completed_line;
}

void input_init(struct session *s)
{
	if (!s->interactive)
		return;
	rl_readline_name = "sockrepl";	/* for $if sockrepl in ~/.inputrc */
	rl_catch_signals = 0;		/* sockrepl's SIGINT handler decides */
	completion_init(s);
	history_load();
}

/*
 * The next line (malloc'd; the caller frees it) and its length in bytes,
 * which tells a NUL byte inside it; NULL at end of input. pretyped: text
 * already on the line when the prompt appears (guided lessons).
 */
char *input_read(struct session *s, const char *prompt, const char *pretyped, size_t *len)
{
	char *line;

	if (s->interactive) {
		line = read_interactive(s, prompt, pretyped);
		*len = line ? strlen(line) : 0;
		return line;
	}
	return read_line_bounded(s->script, len);	/* a longer line is cut, *len > MAX_LINE */
}

void input_done(struct session *s)
{
	if (s->interactive) {
		rl_callback_handler_remove();
		history_save();
	}
}
