/*
 * fuzz_script.c - libFuzzer harness for the script and lesson reader: a
 * whole file's bytes are split into lines and steps as `lesson` and
 * --replay read them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../src/sockrepl.h"
#include "quiet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	quiet();
	lesson_count_steps((const char *)data, size);
	return 0;
}
