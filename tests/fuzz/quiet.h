/* quiet.h - shared by the fuzz harnesses. */
#ifndef FUZZ_QUIET_H
#define FUZZ_QUIET_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

/*
 * sockrepl's own messages go to /dev/null, through a large buffer (cheap:
 * one write per 64 KiB, or per flush); fd 2 stays open, so the sanitizers'
 * and libFuzzer's reports are still seen. The /dev/null fd sits high (fd
 * 900 and up), out of the sockets' way: the first socket is fd 3, as in
 * sockrepl itself.
 */
static void quiet(void)
{
	static bool done;
	FILE *null;
	int fd, high;

	if (done || (fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		return;
	high = fcntl(fd, F_DUPFD_CLOEXEC, 900);
	if (high != -1) {
		close(fd);
		fd = high;
	}
	if ((null = fdopen(fd, "w")) == NULL) {
		close(fd);
		return;
	}
	setvbuf(null, NULL, _IOFBF, 1 << 16);
	stdout = null;
	stderr = null;
	done = true;
}

#endif
