/*
 * tap.c - --tap: every expect and every challenge's goal as a TAP test point
 * ("ok 3 - line 12: expect state LISTENING"), with the plan at the end, so
 * lessons and challenges plug into prove, Bats or any CI grader.
 *
 * TAP goes to standard output and the transcript to standard error (as a
 * TAP producer's diagnostics do); TAP's stream is moved to a high fd first,
 * so the learner's first socket is still fd 3.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "sockrepl.h"

static FILE *tap;
static unsigned points;

bool tap_start(void)
{
	int fd = fd_out_of_the_way(dup(STDOUT_FILENO));

	if (fd == -1 || (tap = fdopen(fd, "w")) == NULL) {
		perror("sockrepl: --tap");
		if (fd != -1)
			close(fd);
		return false;
	}
	fflush(stdout);
	dup2(STDERR_FILENO, STDOUT_FILENO);
	return true;
}

/* One test point; '#' in the description is escaped, as TAP wants. */
void tap_point(bool ok, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (tap == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(tap, "%sok %u - ", ok ? "" : "not ", ++points);
	for (const char *p = text; *p; p++) {
		if (*p == '#' || *p == '\\')
			fputc('\\', tap);
		fputc((unsigned char)*p < ' ' ? ' ' : *p, tap);
	}
	fputc('\n', tap);
	fflush(tap);
}

/* The plan, after the points (TAP allows it at the end). */
void tap_end(void)
{
	if (tap == NULL)
		return;
	fprintf(tap, "1..%u\n", points);
	fclose(tap);
	tap = NULL;
}
