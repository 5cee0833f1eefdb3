/*
 * report.c - the REPL's own messages, kept apart from what calls print.
 *
 * A call's line, explanation and state go to stdout: they are the lesson.
 * A usage error or a failed expectation goes to stderr, after stdout is
 * flushed, so a transcript of both streams stays in order.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sockrepl.h"

/*
 * Messages quote what the learner typed or what a file or a peer said; they
 * are written through put_escaped (format.c), so a message is always one
 * clean line and no escape sequence in it reaches the terminal.
 */
/* printf to out, through put_escaped. */
static void put_vformatted(FILE *out, const char *fmt, va_list ap)
{
	char text[2048], *big = NULL;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	if (n >= (int)sizeof(text) && (big = malloc((size_t)n + 1)) != NULL)
		vsnprintf(big, (size_t)n + 1, fmt, again);
	va_end(again);
	if (n > 0)
		put_escaped(big != NULL ? big : text, out);
	free(big);
}

static void report_verror(struct session *s, const char *fmt, va_list ap)
{
	char message[1024];

	vsnprintf(message, sizeof(message), fmt, ap);
	fflush(stdout);
	fputs(color(COLOR_ERROR), stderr);
	if (s->interactive)
		fputs("error: ", stderr);
	else
		fprintf(stderr, "line %lu: ", s->lineno);
	put_escaped(message, stderr);
	fprintf(stderr, "%s\n", color(COLOR_OFF));
	s->status = 1;
}

/*
 * A line that went wrong: the learner typed something that cannot become a
 * call (nothing changed), or an `expect` did not hold. Either makes the exit
 * status 1.
 */
void report_error(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_verror(s, fmt, ap);
	va_end(ap);
}

/*
 * An `expect` that did not hold. In a guided lesson it is a hint for the
 * learner (with a suggestion, when there is one), not a failure.
 */
void report_expectation(struct session *s, const char *hint, const char *fmt, ...)
{
	va_list ap;

	s->expect_failures++;
	va_start(ap, fmt);
	if (!s->friendly) {
		report_verror(s, fmt, ap);
	} else {
		printf("%s  hint: ", color(COLOR_NOTE));
		put_vformatted(stdout, fmt, ap);
		printf("%s%s%s\n", hint ? " - " : "", hint ? hint : "", color(COLOR_OFF));
	}
	va_end(ap);
}

/*
 * An indented remark under a call line: an explanation or a kernel fact.
 * It may quote a peer's address or a file's path, so it is escaped too.
 */
void report_note(const char *fmt, ...)
{
	va_list ap;

	fputs("  ", stdout);
	va_start(ap, fmt);
	put_vformatted(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}
