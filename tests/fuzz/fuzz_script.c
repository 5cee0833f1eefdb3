/*
 * fuzz_script.c - libFuzzer harness for the script and lesson reader: a
 * whole file's bytes are split into lines and steps as `lesson` and
 * --replay read them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../src/sockrepl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	quiet();
	lesson_count_steps((const char *)data, size);
	return 0;
}
