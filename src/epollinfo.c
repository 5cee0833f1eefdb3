/*
 * epollinfo.c - what an epoll instance watches, read from the kernel: the
 * tfd lines of /proc/self/fdinfo/N (one per fd on its interest list).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockrepl.h"

/* fd is an epoll instance: its /proc/self/fd link names the eventpoll inode. */
bool is_epoll_fd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventpoll]") == 0;
}

/*
 * The interest list: "3 EPOLLIN|EPOLLERR|EPOLLHUP|EPOLLET, 4 EPOLLOUT|...",
 * or "empty". The kernel adds EPOLLERR and EPOLLHUP to every entry itself,
 * and fdinfo shows the events as the kernel keeps them.
 */
#define MAX_SHOWN 64	/* entries shown; the rest are counted */

struct interest_entry {
	unsigned fd, events;
};

/* fdinfo lists the entries in the kernel's tree order (by file address): sort by fd. */
static int by_fd(const void *a, const void *b)
{
	const struct interest_entry *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

bool epoll_interest(int fd, struct strbuf *sb)
{
	char path[64], line[256];
	struct interest_entry w[MAX_SHOWN];
	size_t n = 0, more = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (n < MAX_SHOWN && sscanf(line, "tfd: %u events: %x", &w[n].fd, &w[n].events) == 2)
			n++;
		else if (strncmp(line, "tfd:", 4) == 0)
			more++;
	fclose(f);
	qsort(w, n, sizeof(w[0]), by_fd);
	for (size_t i = 0; i < n; i++) {
		sb_printf(sb, "%s%u ", i ? ", " : "", w[i].fd);
		sb_epoll_bits(sb, w[i].events);
	}
	if (more)
		sb_printf(sb, " and %zu more", more);
	if (n == 0)
		sb_printf(sb, "empty");
	return true;
}

/*
 * How many fds are on fd's interest list (its tfd lines), or -1 when that
 * cannot be read (at the fd limit, say): epoll_wait reports at most one
 * event for each.
 */
long epoll_interest_count(int fd)
{
	char path[64], line[256];
	long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strncmp(line, "tfd:", 4) == 0;
	fclose(f);
	return n;
}

/* The state line of an epoll fd: `fd 5: epoll · watching 3 EPOLLIN|..., 4 ...`. */
void print_epoll_state(int fd)
{
	struct strbuf sb;

	sb_init(&sb);
	epoll_interest(fd, &sb);
	printf("fd %d: epoll · watching %s\n", fd, sb.text);
}
