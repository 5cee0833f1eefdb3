/*
 * text.c - TEXT arguments: "quoted", with C escapes (\n, \x41, \0), repeated
 * ("ab"*3), as send and friends take them; and words split off a line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockrepl.h"

#define MAX_TEXT (16L << 20)	/* a bound on "..."*N, so a typo cannot eat memory */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One escape after a backslash at *p; advances *p. Returns -1 if invalid. */
static int unescape_one(struct session *s, const char **p)
{
	static const char simple[] = "n\nr\rt\tv\vf\fa\ab\be\033\\\\\"\"''";
	const char *c = *p, *hit;
	int value = 0, digits = 0;

	if (*c == '\0') {
		report_error(s, "TEXT ends with a lone backslash; write \\\\ for a backslash");
		return -1;
	}
	hit = strchr(simple, *c);
	if (hit != NULL && (hit - simple) % 2 == 0) {
		*p = c + 1;
		return (unsigned char)hit[1];
	}
	if (*c == 'x') {
		for (c++; digits < 2 && hex_value(*c) >= 0; c++, digits++)
			value = value * 16 + hex_value(*c);
		if (digits == 0) {
			report_error(s, "TEXT: \\x needs one or two hex digits (\\x00 to \\xff)");
			return -1;
		}
	} else if (*c >= '0' && *c <= '7') {
		for (; digits < 3 && *c >= '0' && *c <= '7'; c++, digits++)
			value = value * 8 + (*c - '0');
		if (value > 255) {
			report_error(s, "TEXT: octal escape above \\377");
			return -1;
		}
	} else {
		report_error(s, "TEXT: unknown escape \\%c (known: \\n \\r \\t \\0 \\\\ \\\" \\xHH ...)", *c);
		return -1;
	}
	*p = c;
	return value;
}

/* Unescape [start, end) into out (which has room); returns the length or -1. */
long unescape(struct session *s, const char *start, const char *end, char *out)
{
	long n = 0;

	for (const char *p = start; p < end;) {
		int c = (unsigned char)*p++;

		if (c == '\\' && (c = unescape_one(s, &p)) < 0)
			return -1;
		out[n++] = (char)c;
	}
	return n;
}

/* The closing quote of a "..." text, skipping escaped quotes; NULL if none. */
const char *closing_quote(const char *p)
{
	for (p++; *p; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			return p;
	}
	return NULL;
}

/*
 * Where one TEXT ends among several on a line (sendmmsg's): after a "quoted
 * text" and its *N, or at the blank after a plain word. An unclosed quote
 * ends at a blank too, and parse_text then says what is wrong.
 */
const char *text_end(const char *p)
{
	const char *close = *p == '"' ? closing_quote(p) : NULL;

	if (close != NULL)
		p = close + 1;
	return p + strcspn(p, " \t");
}

/*
 * TEXT as typed: plain text, or "quoted text" (to keep leading blanks or a
 * leading number), optionally repeated with "..."*N; C escapes in both.
 * Sets *out (malloc'd) and *len; false after a usage error.
 */
bool parse_text(struct session *s, const char *text, char **out, size_t *len)
{
	const char *start = text, *end = text + strlen(text), *close;
	long n, repeat = 1;

	if (*text == '"') {
		close = closing_quote(text);
		if (close == NULL) {
			report_error(s, "TEXT: the opening \" has no closing \"");
			return false;
		}
		if (close[1] == '*') {
			if (!parse_int(s, "repeat count", close + 2, 1, MAX_TEXT, &repeat))
				return false;
		} else if (close[1] != '\0') {
			report_error(s, "TEXT: only *N may follow the closing quote, not '%.20s'",
				     close + 1);
			return false;
		}
		start = text + 1;
		end = close;
	}
	*out = malloc((size_t)(end - start) + 1);
	if (*out == NULL) {
		report_error(s, "out of memory for TEXT");
		return false;
	}
	n = unescape(s, start, end, *out);
	if (n >= 0 && n * repeat > MAX_TEXT) {
		report_error(s, "TEXT: %ld bytes is more than the limit of %ld", n * repeat, MAX_TEXT);
		n = -1;
	}
	if (n > 0 && repeat > 1) {
		char *grown = realloc(*out, (size_t)(n * repeat) + 1);

		if (grown == NULL) {
			report_error(s, "out of memory for TEXT");
			n = -1;
		} else {
			*out = grown;
			for (long i = 1; i < repeat; i++)
				memcpy(grown + i * n, grown, (size_t)n);
		}
	}
	if (n < 0) {
		free(*out);
		return false;
	}
	*len = (size_t)(n * repeat);
	return true;
}

/* The next blank-separated word of *p, copied into word; NULL at the end. */
const char *take_word(const char **p, char *word, size_t size)
{
	const char *start = *p + strspn(*p, " \t");
	size_t len = strcspn(start, " \t");

	if (len == 0)
		return NULL;
	snprintf(word, size, "%.*s", (int)len, start);
	*p = start + len + strspn(start + len, " \t");
	return word;
}
