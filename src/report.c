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
 * Messages quote what the learner typed, which may hold control characters
 * or bytes that are not UTF-8; those are written as \ooo escapes, as strace
 * would, so a message is always one clean line.
 */
/* Does a well-formed UTF-8 sequence start at p (its continuation bytes included)? */
static bool utf8_char_ok(const unsigned char *p)
{
	int more = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;

	if (more < 0 || (*p & 0x80) == 0)
		return false;
	for (int i = 1; i <= more; i++)
		if ((p[i] & 0xc0) != 0x80)
			return false;
	return true;
}

static void put_escaped(const char *text, FILE *out)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p >= 0x80 && utf8_char_ok(p)) {	/* the whole character, as it is */
			do
				fputc(*p, out);
			while ((p[1] & 0xc0) == 0x80 && ++p);
		} else if (*p < 0x20 || *p >= 0x7f) {
			fprintf(out, "\\%03o", *p);
		} else {
			fputc(*p, out);
		}
	}
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

	va_start(ap, fmt);
	if (!s->friendly) {
		report_verror(s, fmt, ap);
	} else {
		printf("%s  hint: ", color(COLOR_NOTE));
		vprintf(fmt, ap);
		printf("%s%s%s\n", hint ? " - " : "", hint ? hint : "", color(COLOR_OFF));
	}
	va_end(ap);
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
