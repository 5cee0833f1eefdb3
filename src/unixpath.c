/*
 * unixpath.c - Unix socket paths: where relative ones live, and cleaning up.
 *
 * A relative path goes into a private directory (mkdtemp, mode 0700) made on
 * first use, so lessons can say `bind server.sock` without littering the
 * current directory. Every socket file the session creates with bind is
 * removed at exit, with the private directory: no file is left behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockrepl.h"

/* The private directory, made on first use; NULL (reported) on failure. */
static const char *private_dir(struct session *s)
{
	char tmpl[] = "/tmp/sockrepl.XXXXXX";
	const char *base = getenv("TMPDIR");
	char path[256];

	if (s->unix_dir != NULL)
		return s->unix_dir;
	if (base == NULL || *base == '\0' || strlen(base) > 128)
		base = "/tmp";
	snprintf(path, sizeof(path), "%s/%s", base, tmpl + 5);
	if (mkdtemp(path) == NULL || (s->unix_dir = strdup(path)) == NULL) {
		report_error(s, "cannot make a private directory for Unix sockets in %s: %s",
			     base, strerror(errno));
		return NULL;
	}
	return s->unix_dir;
}

/* A typed path as a sockaddr_un: relative paths inside the private directory. */
bool unix_path_resolve(struct session *s, const char *typed, struct sockaddr_storage *addr,
		       socklen_t *len)
{
	struct sockaddr_un *un = (struct sockaddr_un *)addr;
	const char *dir;
	int n;

	if (typed[0] == '@' && typed[1] == '"') {
		report_error(s, "%.40s is an abstract name: there is no file; the name goes away "
			     "when the last socket bound to it closes", typed);
		return false;
	}
	dir = typed[0] == '/' ? "" : private_dir(s);
	if (dir == NULL)
		return false;
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	n = snprintf(un->sun_path, sizeof(un->sun_path), "%s%s%s", dir, *dir ? "/" : "", typed);
	if (n < 0 || (size_t)n >= sizeof(un->sun_path)) {
		report_error(s, "path '%.40s...' would be %d bytes; sun_path holds at most %zu",
			     typed, n, sizeof(un->sun_path) - 1);
		return false;
	}
	/* As C code usually writes it: the path and its terminating NUL. */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
	return true;
}

/* bind created a socket file: remember it, to remove it at exit. */
void unix_path_created(struct session *s, const struct sockaddr *sa)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
	char **grown, *copy;

	if (sa->sa_family != AF_UNIX || un->sun_path[0] == '\0')
		return;
	grown = realloc(s->paths, (s->npaths + 1) * sizeof(*grown));
	copy = strdup(un->sun_path);
	if (grown == NULL || copy == NULL) {
		free(copy);
		if (grown != NULL)
			s->paths = grown;
		fprintf(stderr, "sockrepl: out of memory: %s will not be removed at exit\n",
			un->sun_path);
		return;
	}
	s->paths = grown;
	s->paths[s->npaths++] = copy;
}

/* At exit: remove the socket files this session made, then the directory. */
void unix_paths_cleanup(struct session *s)
{
	for (size_t i = 0; i < s->npaths; i++) {
		unlink(s->paths[i]);
		free(s->paths[i]);
	}
	free(s->paths);
	s->paths = NULL;
	s->npaths = 0;
	if (s->unix_dir != NULL) {
		rmdir(s->unix_dir);
		free(s->unix_dir);
		s->unix_dir = NULL;
	}
}

/*
 * The socket bound to `path`, from the kernel's list of Unix sockets
 * (/proc/net/unix, as ss -x reads it): its inode, and whether it listens
 * (the __SO_ACCEPTCON flag). False when no socket is bound there: the file
 * is left over, or is not a socket's.
 */
bool unix_path_socket(const char *path, unsigned *inode, bool *listening)
{
	FILE *f = fopen("/proc/net/unix", "r");
	char line[512];
	bool found = false;

	if (f == NULL)
		return false;
	while (path[0] != '\0' && !found && fgets(line, sizeof(line), f) != NULL) {
		unsigned flags, ino;
		int at = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%*s %*x %*x %x %*x %*x %u %n", &flags, &ino, &at) == 2 && at > 0 &&
		    strcmp(line + at, path) == 0) {
			*inode = ino;
			*listening = (flags & 0x10000) != 0;
			found = true;
		}
	}
	fclose(f);
	return found;
}
