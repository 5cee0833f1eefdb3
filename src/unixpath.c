/*
 * unixpath.c - Unix socket paths: where relative ones live, and cleaning up.
 *
 * A relative path goes into a private directory (mkdtemp, mode 0700) made on
 * first use, so lessons can say `bind server.sock` without littering the
 * current directory. Every socket file the session creates with bind is
 * removed at exit, with the private directory: no file is left behind. Only
 * those files are removed: each is found again through its directory's fd
 * and its device and inode, never by its path alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Close a directory fd unless another remembered socket file still uses it. */
static void release_dir(struct session *s, int dir)
{
	for (size_t i = 0; i < s->npaths; i++)
		if (s->paths[i].dir == dir)
			return;
	if (dir != -1)
		close(dir);
}

/*
 * The directory of a socket file bind just made, opened now (O_PATH) and
 * parked out of the learner's fd range; one fd per directory, shared.
 */
static int open_dir_of(struct session *s, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat want, have;
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else	/* up to the last slash, or "/" itself */
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &want) == -1) {
		close(fd);
		return -1;
	}
	for (size_t i = 0; i < s->npaths; i++)
		if (fstat(s->paths[i].dir, &have) == 0 && have.st_dev == want.st_dev &&
		    have.st_ino == want.st_ino) {
			close(fd);
			return s->paths[i].dir;
		}
	return fd_park(fd);
}

/*
 * bind created a socket file: remember which file (device and inode) in
 * which directory (opened now), so that exit removes that file and nothing
 * else - not a file swapped in at its path, nor one reached through a
 * directory symlink changed since.
 */
void unix_path_created(struct session *s, const struct sockaddr *sa)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
	struct made_path made = { .dir = -1 }, *grown;
	struct stat st;

	if (sa->sa_family != AF_UNIX || un->sun_path[0] == '\0')
		return;
	if ((made.path = strdup(un->sun_path)) != NULL) {
		made.name = strrchr(made.path, '/') ? strrchr(made.path, '/') + 1 : made.path;
		made.dir = open_dir_of(s, made.path);
	}
	if (made.dir == -1 || fstatat(made.dir, made.name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISSOCK(st.st_mode) ||
	    (grown = realloc(s->paths, (s->npaths + 1) * sizeof(*grown))) == NULL) {
		fprintf(stderr, "sockrepl: %s: cannot keep track of it (%s); it will not be removed "
			"at exit\n", un->sun_path, strerror(errno));
		release_dir(s, made.dir);
		free(made.path);
		return;
	}
	made.dev = st.st_dev;
	made.ino = st.st_ino;
	s->paths = grown;
	s->paths[s->npaths++] = made;
}

/* At exit: remove the socket files this session made, if still theirs, then the directory. */
void unix_paths_cleanup(struct session *s)
{
	while (s->npaths > 0) {
		struct made_path *p = &s->paths[--s->npaths];
		struct stat st;

		if (fstatat(p->dir, p->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_dev == p->dev && st.st_ino == p->ino && S_ISSOCK(st.st_mode))
			unlinkat(p->dir, p->name, 0);
		release_dir(s, p->dir);
		free(p->path);
	}
	free(s->paths);
	s->paths = NULL;
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
		/*
		 * A connection waiting in a listener's queue is listed too, with
		 * the listener's path and inode 0 (not yet a file): skip it.
		 */
		if (sscanf(line, "%*s %*x %*x %x %*x %*x %u %n", &flags, &ino, &at) == 2 && at > 0 &&
		    ino != 0 && strcmp(line + at, path) == 0) {
			*inode = ino;
			*listening = (flags & 0x10000) != 0;
			found = true;
		}
	}
	fclose(f);
	return found;
}
