/*
 * holders.c - after fork, which processes of the session hold a socket, and
 * by which fd: read from /proc/PID/fd, as ss -p and lsof do.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockrepl.h"

/* ---- who holds a socket ------------------------------------------------------ */

/* The fds in dir (a /proc/PID/fd) whose link reads want, in order; how many. */
static size_t fds_with_link(const char *dir, const char *want, int *fds, size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (d != NULL && n < max && (e = readdir(d)) != NULL) {
		char path[320], link[64];
		ssize_t got;

		snprintf(path, sizeof(path), "%s/%.200s", dir, e->d_name);
		got = readlink(path, link, sizeof(link) - 1);
		if (got > 0 && (link[got] = '\0', strcmp(link, want) == 0))
			fds[n++] = atoi(e->d_name);
	}
	if (d != NULL)
		closedir(d);
	for (size_t i = 1; i < n; i++)	/* readdir's order is the kernel's: sort, few */
		for (size_t j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];

			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	return n;
}

/*
 * The session's processes: the first one and its children; none while the
 * session is one process. A child asks /proc for its parent's children.
 */
static size_t session_pids(pid_t *out, size_t max)
{
	char path[64];
	size_t n = 0;
	FILE *f;
	long pid;

	if (!proc_is_child()) {
		size_t nkids;
		const struct proc *kids = proc_table(&nkids);

		if (nkids > 0)
			out[n++] = getpid();
		for (size_t i = 0; i < nkids && n < max; i++)
			if (!kids[i].ended)
				out[n++] = kids[i].pid;
		return n;
	}
	out[n++] = getppid();	/* the parent: a child dies with it (PR_SET_PDEATHSIG) */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)out[0], (int)out[0]);
	if ((f = fopen(path, "r")) == NULL)
		return n;
	while (n < max && fscanf(f, "%ld", &pid) == 1)
		out[n++] = (pid_t)pid;
	fclose(f);
	return n;
}

/*
 * Which of the session's processes hold the socket with this inode, and by
 * which fd: "pid 1200 fd 5, pid 1234 fd 5". False while the session is one
 * process (then the fd alone says it).
 */
bool proc_holders(unsigned long inode, pid_t except, char *out, size_t size)
{
	pid_t pids[PROC_MAX + 1];
	size_t n = session_pids(pids, PROC_MAX + 1), len = 0;
	char want[32];

	*out = '\0';
	if (n < 2)
		return false;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	for (size_t i = 0; i < n; i++) {
		char path[64];
		int fds[16];
		size_t nfds;

		if (pids[i] == except)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)pids[i]);
		nfds = fds_with_link(path, want, fds, 16);
		for (size_t j = 0; j < nfds && len + 32 < size; j++)
			len += (size_t)snprintf(out + len, size - len, "%spid %d fd %d",
						len ? ", " : "", (int)pids[i], fds[j]);
	}
	return true;
}

/* The inode of the socket fd refers to, or 0. */
unsigned long socket_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) ? (unsigned long)st.st_ino : 0;
}
