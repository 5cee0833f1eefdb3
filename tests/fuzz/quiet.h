/* quiet.h - shared by the fuzz harnesses. */
#ifndef FUZZ_QUIET_H
#define FUZZ_QUIET_H

#include <stdbool.h>
#include <stdio.h>

/*
 * sockrepl's own messages go to /dev/null; fd 2 stays open, so the
 * sanitizers' and libFuzzer's reports are still seen.
 */
static void quiet(void)
{
	static bool done;
	FILE *null;

	if (done || (null = fopen("/dev/null", "w")) == NULL)
		return;
	stdout = null;
	stderr = null;
	done = true;
}

#endif
