/*
 * report.c - the REPL's own messages, kept apart from what calls print.
 *
 * A call's line, explanation and state go to stdout: they are the lesson.
 * A usage error or a failed expectation goes to stderr, after stdout is
 * flushed, so a transcript of both streams stays in order.
 */
#include <stdio.h>

#include "sockrepl.h"

/*
 * A line that went wrong: the learner typed something that cannot become a
 * call (nothing changed), or an `expect` did not hold. Either makes the exit
 * status 1.
 */
void report_error(struct session *s, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (s->interactive)
		fputs("error: ", stderr);
	else
		fprintf(stderr, "line %lu: ", s->lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	s->status = 1;
}

/* An indented remark under a call line: an explanation or a kernel fact. */
void report_note(const char *fmt, ...)
{
	va_list ap;

	fputs("  ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}
