/*
 * report.c - the REPL's own messages, kept apart from what calls print.
 *
 * A call's line, explanation and state go to stdout: they are the lesson.
 * A usage error or a failed expectation goes to stderr, after stdout is
 * flushed, so a transcript of both streams stays in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sockrepl.h"

/* ---- wrapping ---------------------------------------------------------------- */

static int wrap_width = 80;	/* columns for notes and narration; 0: never wrap */

/*
 * Notes and narration wrap at the terminal's width, or COLUMNS when it is
 * set (COLUMNS=0 or a width too small to wrap in: never wrap), or 80 in a
 * script, so a transcript is the same wherever it is made. Call lines,
 * state lines and wire lines never wrap: they must match strace, ss and
 * tcpdump line for line.
 */
void report_width_init(void)
{
	const char *columns = getenv("COLUMNS");
	struct winsize ws;

	if (columns != NULL && *columns != '\0') {
		char *end;
		long n = strtol(columns, &end, 10);

		if (*end == '\0' && n >= 0) {
			wrap_width = n < 20 || n > 100000 ? 0 : (int)n;
			return;
		}
	}
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		wrap_width = ws.ws_col;
}

/* Columns a UTF-8 text takes: its characters, not its bytes. */
static int columns_of(const char *text, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)text[i] & 0xC0) != 0x80;
	return n;
}

/*
 * Messages quote what the learner typed or what a file or a peer said; they
 * are written through put_escaped (format.c), so a message is always one
 * clean line and no escape sequence in it reaches the terminal.
 */
static void put_escaped_n(const char *text, size_t len, FILE *out)
{
	char *copy = strndup(text, len);

	if (copy != NULL)
		put_escaped(copy, out);
	free(copy);
}

/*
 * text after `first`, on as many lines as the width needs, broken between
 * words (a word longer than a line stays whole), each further line after
 * `rest`; then a newline.
 */
void put_wrapped(FILE *out, const char *first, const char *rest, const char *text)
{
	int indent = columns_of(rest, strlen(rest)), column = columns_of(first, strlen(first));
	bool line_empty = true;	/* nothing of text on this line yet */

	fputs(first, out);
	for (const char *p = text; *p != '\0'; line_empty = false) {
		size_t blanks = strspn(p, " "), word = strcspn(p + blanks, " ");
		int width = columns_of(p + blanks, word);

		if (wrap_width > 0 && !line_empty && word > 0 &&
		    column + (int)blanks + width > wrap_width) {
			fprintf(out, "\n%s", rest);	/* the blanks at a break go */
			column = indent;
		} else {
			put_escaped_n(p, blanks, out);
			column += (int)blanks;
		}
		p += blanks;
		put_escaped_n(p, word, out);
		column += width;
		p += word;
	}
	fputc('\n', out);
}

/* printf into a string, through put_wrapped. */
static void put_vwrapped(FILE *out, const char *first, const char *rest, const char *fmt,
			 va_list ap)
{
	char text[2048], *big = NULL;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	if (n >= (int)sizeof(text) && (big = malloc((size_t)n + 1)) != NULL)
		vsnprintf(big, (size_t)n + 1, fmt, again);
	va_end(again);
	put_wrapped(out, first, rest, n < 0 ? "" : big != NULL ? big : text);
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
		char text[1024];

		vsnprintf(text, sizeof(text), fmt, ap);
		printf("%s", color(COLOR_NOTE));
		if (hint != NULL)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), " - %s", hint);
		put_wrapped(stdout, "  hint: ", "    ", text);
		printf("%s", color(COLOR_OFF));
	}
	va_end(ap);
}

static struct strbuf *captured;	/* where notes go instead of stdout, or NULL */

/*
 * Collect the notes that follow in sb (unescaped, one per line) instead of
 * printing them, until report_capture(NULL): explain.c weighs a cause's
 * notes before it shows one of them.
 */
void report_capture(struct strbuf *sb)
{
	captured = sb;
}

/*
 * An indented remark under a call line: an explanation or a kernel fact.
 * It may quote a peer's address or a file's path, so it is escaped too.
 */
void report_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (captured != NULL) {
		char text[1024];

		vsnprintf(text, sizeof(text), fmt, ap);
		sb_printf(captured, "%s\n", text);
	} else {
		put_vwrapped(stdout, "  ", "    ", fmt, ap);
	}
	va_end(ap);
}
