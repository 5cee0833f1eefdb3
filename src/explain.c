/*
 * explain.c - an errno in plain words: what it means for this call, why it
 * happened in this session (where the session can know), and what to try.
 *
 * The words live in errnos.def; the session-specific causes are small
 * functions below, one per errno, chosen from a table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sockrepl.h"

/* What backs an explanation on this kernel (see errnos.def). */
enum errno_backing { SEEN, NOT_HERE, NOT_LINUX, TODO };

struct errno_text {
	const char *call;
	int err;
	enum errno_backing how;
	const char *meaning;
	const char *try;
};

static const struct errno_text errno_texts[] = {
#define X(call, err, how, meaning, try) { #call, err, how, meaning, try },
#include "errnos.def"
#undef X
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/*
 * Where an architecture lacks a system call (arm64, riscv64), glibc makes a
 * newer one with the same errors: poll is ppoll (cmd_query.c), select is
 * pselect6 (cmd_select.c) and epoll_wait is epoll_pwait (cmd_epoll.c).
 */
static const char *const same_errors[][2] = {
	{ "ppoll", "poll" }, { "pselect6", "select" }, { "epoll_pwait", "epoll_wait" },
};

/* The call whose errnos.def rows hold this call's errors. */
const char *errors_of(const char *call)
{
	for (size_t i = 0; i < COUNT(same_errors); i++)
		if (strcmp(call, same_errors[i][0]) == 0)
			return same_errors[i][1];
	return call;
}

static const struct errno_text *find_text(const char *call, int err)
{
	call = errors_of(call);
	for (size_t i = 0; i < COUNT(errno_texts); i++)
		if (errno_texts[i].err == err && strcmp(errno_texts[i].call, call) == 0)
			return &errno_texts[i];
	return NULL;
}

/* ---- the explanation --------------------------------------------------- */

/*
 * Each row is explained in full once per session (an explanation is read
 * once; a lesson that meets EINPROGRESS three times should not print it
 * three times). These say whether it was, and mark it.
 */
_Static_assert(COUNT(errno_texts) <= 64 * COUNT(((struct session *)0)->explained),
	       "session.explained has a bit for every errnos.def row");

static bool explained_before(struct session *s, const struct errno_text *text)
{
	size_t row = (size_t)(text - errno_texts);
	uint64_t bit = UINT64_C(1) << (row % 64);
	bool before = s->explained[row / 64] & bit;

	s->explained[row / 64] |= bit;
	return before;
}

/* The first line of `lines` that starts with `prefix`, after it, up to its end. */
static int find_line(const char *lines, const char *prefix, const char **start)
{
	for (const char *p = lines; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, prefix, strlen(prefix)) == 0) {
			*start = p + strlen(prefix);
			return (int)strcspn(*start, "\n");
		}
	}
	return -1;
}

/* The length of text's first clause: up to its first "; " or ". ", or all of it. */
static int first_clause(const char *text)
{
	const char *end = text;

	while (*end != '\0' && !((end[0] == ';' || end[0] == '.') && end[1] == ' '))
		end++;
	return (int)(end - text);
}

/*
 * The same errno from the same call again: one line with the key cause, the
 * one this session found ("here: ..."), or else the meaning's first clause.
 */
static void explain_again(struct session *s, const struct call_ctx *c, int err,
			  const struct errno_text *text)
{
	struct strbuf causes;
	const char *cause = text->meaning;
	int len;

	sb_init(&causes);
	report_capture(&causes);
	explain_cause(s, c, err);
	report_capture(NULL);
	len = find_line(causes.text, "here: ", &cause);
	if (len < 0)
		len = first_clause(cause);
	report_note("%s again: %.*s (explain %s for more)", errno_name(err), len, cause,
		    errno_name(err));
}

/* Print what `err` means for this call, its cause here, and what to try. */
void explain_failure(struct session *s, const struct call_ctx *c, int err)
{
	const struct errno_text *text = find_text(c->call, err);

	if (text != NULL && explained_before(s, text) && !s->verbose) {
		explain_again(s, c, err, text);
		return;
	}
	if (text != NULL)
		report_note("%s: %s", errno_name(err), text->meaning);
	else
		report_note("%s: %s. %s(2) does not list this error; see its man page.",
			    errno_name(err), strerror(err), c->call);
	if (!explain_cause(s, c, err) && text != NULL && text->try[0] != '\0')
		report_note("try: %s", text->try);
}

/* The errnos of `call` backed by `how`, as a wrapped list under a heading. */
static void list_errnos(const char *call, enum errno_backing how, const char *heading)
{
	size_t column = 0;

	for (size_t i = 0; i < COUNT(errno_texts); i++) {
		const char *name;

		if (errno_texts[i].how != how || strcmp(errno_texts[i].call, call) != 0)
			continue;
		if (column == 0)
			printf("%s\n", heading);
		name = errno_name(errno_texts[i].err);
		if (column == 0 || column + strlen(name) + 1 > 76) {
			printf("%s  ", column ? "\n" : "");
			column = 2;
		} else {
			putchar(' ');
			column++;
		}
		fputs(name, stdout);
		column += strlen(name);
	}
	if (column)
		putchar('\n');
}

/*
 * For `help CALL`: the errnos the call can return, grouped by what backs
 * them: made to happen on this kernel by the errno atlas, possible on Linux
 * but out of a session's reach, or listed by the man page but not Linux's.
 */
void explain_errnos_of(const char *call)
{
	printf("%s can fail with:\n", call);
	list_errnos(call, SEEN, " reproduced on this kernel (make check's errno atlas makes each happen):");
	list_errnos(call, TODO, " not yet checked on this kernel:");
	list_errnos(call, NOT_HERE, " possible on Linux, but no session can cause it:");
	list_errnos(call, NOT_LINUX, " listed by the man page, but Linux does not return it here:");
}

/* `explain ERRNO`: what it means for each call that can return it, and what to try. */
bool explain_errno(int err)
{
	bool any = false;

	printf("%s (%d): %s\n", errno_name(err), err, strerror(err));
	for (size_t i = 0; i < COUNT(errno_texts); i++) {
		if (errno_texts[i].err != err)
			continue;
		char from[64];

		snprintf(from, sizeof(from), "  from %s: ", errno_texts[i].call);
		put_wrapped(stdout, from, "    ", errno_texts[i].meaning);
		if (errno_texts[i].try[0] != '\0')
			put_wrapped(stdout, "    try: ", "      ", errno_texts[i].try);
		any = true;
	}
	if (!any)
		printf("  None of the calls sockrepl makes is documented to return it.\n");
	return any;
}
