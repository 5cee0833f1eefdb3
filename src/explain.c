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

struct errno_text {
	const char *call;
	int err;
	const char *meaning;
	const char *try;
};

static const struct errno_text errno_texts[] = {
#define X(call, err, meaning, try) { #call, err, meaning, try },
#include "errnos.def"
#undef X
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static const struct errno_text *find_text(const char *call, int err)
{
	if (strcmp(call, "ppoll") == 0)
		call = "poll";	/* glibc's poll() where there is no poll syscall (cmd_query.c) */
	for (size_t i = 0; i < COUNT(errno_texts); i++)
		if (errno_texts[i].err == err && strcmp(errno_texts[i].call, call) == 0)
			return &errno_texts[i];
	return NULL;
}

/* ---- the explanation --------------------------------------------------- */

/* Print what `err` means for this call, its cause here, and what to try. */
void explain_failure(struct session *s, const struct call_ctx *c, int err)
{
	const struct errno_text *text = find_text(c->call, err);

	if (text != NULL)
		report_note("%s: %s", errno_name(err), text->meaning);
	else
		report_note("%s: %s. %s(2) does not list this error; see its man page.",
			    errno_name(err), strerror(err), c->call);
	explain_cause(s, c, err);
	if (text != NULL && text->try[0] != '\0')
		report_note("try: %s", text->try);
}

/* For `help CALL`: the errnos the call can return, as a wrapped list. */
void explain_errnos_of(const char *call)
{
	size_t column = 0;

	for (size_t i = 0; i < COUNT(errno_texts); i++) {
		const char *name;

		if (strcmp(errno_texts[i].call, call) != 0)
			continue;
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

/* `explain ERRNO`: what it means for each call that can return it, and what to try. */
bool explain_errno(int err)
{
	bool any = false;

	printf("%s (%d): %s\n", errno_name(err), err, strerror(err));
	for (size_t i = 0; i < COUNT(errno_texts); i++) {
		if (errno_texts[i].err != err)
			continue;
		printf("  from %s: %s\n", errno_texts[i].call, errno_texts[i].meaning);
		if (errno_texts[i].try[0] != '\0')
			printf("    try: %s\n", errno_texts[i].try);
		any = true;
	}
	if (!any)
		printf("  None of the calls sockrepl makes is documented to return it.\n");
	return any;
}
