/*
 * input.c - one line at a time: GNU Readline at a terminal, getline from a
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
		if (!line_done && (woke & WAKE_SOCKETS || woke == 0))	/* 0: a tick */
			watch_check(s, -1, notice_above_prompt, NULL);
	}
	if (terminating)
		rl_callback_handler_remove();
	if (completed_line != NULL && *completed_line != '\0')
		history_remember(completed_line);
	return completed_line;
}

/* The read stopped for a signal, not at the end: clear stdio's error flag and go on. */
static bool read_interrupted(FILE *f)
{
	if (!ferror(f) || errno != EINTR || terminating)
		return false;
	clearerr(f);
	interrupted = 0;
	return true;
}

/*
 * getline that goes on when a signal interrupts the read: SIGINT has no
 * SA_RESTART (so that it interrupts a blocking call), and a Ctrl-C while a
 * piped script waits for its next line made read fail with EINTR, which
 * getline reports as -1, as if the input had ended. A piece of the line
 * read before the signal is kept and joined to the rest.
 */
static ssize_t read_script_line(FILE *f, char **line, size_t *size)
{
	char *piece = NULL, *joined;
	size_t piece_size = 0;
	ssize_t n, more;

	do
		n = getline(line, size, f);
	while (n == -1 && read_interrupted(f));
	while (n > 0 && (*line)[n - 1] != '\n' && read_interrupted(f)) {
		do
			more = getline(&piece, &piece_size, f);
		while (more == -1 && read_interrupted(f));
		if (more == -1 || (joined = realloc(*line, (size_t)(n + more) + 1)) == NULL)
			break;
		memcpy(joined + n, piece, (size_t)more + 1);
		*line = joined;
		*size = (size_t)(n + more) + 1;
		n += more;
	}
	free(piece);
	return n;
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
	char *line = NULL;
	size_t size = 0;
	ssize_t n;

	if (s->interactive) {
		line = read_interactive(s, prompt, pretyped);
		*len = line ? strlen(line) : 0;
		return line;
	}
	n = read_script_line(s->script, &line, &size);
	if (n == -1) {
		free(line);
		return NULL;
	}
	*len = (size_t)n - (n > 0 && line[n - 1] == '\n');
	return line;
}

void input_done(struct session *s)
{
	if (s->interactive) {
		rl_callback_handler_remove();
		history_save();
	}
}
