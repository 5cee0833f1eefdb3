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

/* Print what `err` means for this call, its cause here, and what to try. */
void explain_failure(struct session *s, const struct call_ctx *c, int err)
{
	const struct errno_text *text = find_text(c->call, err);

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
		printf("  from %s: %s\n", errno_texts[i].call, errno_texts[i].meaning);
		if (errno_texts[i].try[0] != '\0')
			printf("    try: %s\n", errno_texts[i].try);
		any = true;
	}
	if (!any)
		printf("  None of the calls sockrepl makes is documented to return it.\n");
	return any;
}
