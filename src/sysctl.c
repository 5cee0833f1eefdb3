/*
 * sysctl.c - the kernel's tunables, read from /proc/sys, so that what the
 * explanations say about timers, limits and ranges is this kernel's value.
 */
#include <stdio.h>

#include "sockrepl.h"

/*
 * Read `n` numbers from /proc/sys/NAME (e.g. "net/ipv4/ip_local_port_range").
 * False when the file is missing (an older kernel) or does not hold them.
 */
bool sysctl_read(const char *name, unsigned *values, int n)
{
	char path[128];
	FILE *f;
	int got = 0;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	while (got < n && fscanf(f, "%u", &values[got]) == 1)
		got++;
	fclose(f);
	return got == n;
}
