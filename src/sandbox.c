/*
 * sandbox.c - --sandbox: the whole session in a network namespace of its own.
 *
 * In its own network namespace the session has only lo: its ports collide
 * with no other program's, nothing it sends can leave the machine, and no
 * TIME-WAIT of an earlier session holds a port. The namespace has no name
 * and no other holder, so it ends when sockrepl does.
 *
 * A process with CAP_SYS_ADMIN (root) makes the network namespace alone: it
 * keeps its credentials, needs no user namespace (so it works where those are
 * turned off), and already holds CAP_NET_RAW and CAP_NET_ADMIN over it. Any
 * other user makes a user namespace with it, which the network namespace then
 * belongs to; unshare gives the process every capability in that user
 * namespace, and sockrepl never execs, so it keeps them: it can bring lo up,
 * capture on it (CAP_NET_RAW) and bind ports below 1024 there, all inside its
 * own namespace. Its uid and gid map to themselves, not to 0: files it
 * creates, ss and `id` show the learner's own ids, and nsenter
 * --preserve-credentials can join it as the same user without a uid 0 inside.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockrepl.h"

/* Write text to a /proc file; errno is kept on failure. */
static bool write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd == -1)
		return false;
	n = write(fd, text, strlen(text));
	err = errno;
	close(fd);
	errno = err;
	return n == (ssize_t)strlen(text);
}

/* Map the caller's uid and gid to themselves in the user namespace just made. */
static bool map_ids(uid_t uid, gid_t gid, const char **failed)
{
	char map[64];

	*failed = "/proc/self/setgroups";
	if (!write_proc(*failed, "deny"))	/* an unprivileged gid_map needs it */
		return false;
	*failed = "/proc/self/uid_map";
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (!write_proc(*failed, map))
		return false;
	*failed = "/proc/self/gid_map";
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return write_proc(*failed, map);
}

/*
 * A new network namespace's lo is down: no address, not even 127.0.0.1,
 * answers. The socket for the ioctl is closed again, so that the learner's
 * first socket is still fd 3.
 */
static bool loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;
	int err;

	if (fd == -1)
		return false;
	ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
	err = errno;
	close(fd);
	errno = err;
	return ok;
}

/*
 * The settings that turn namespaces off: each makes unshare, asked for its
 * kind, fail with its errno when it reads 0 here (the namespace limits are
 * per user namespace: a parent's 0 counts too, but cannot be read here).
 */
static const struct {
	int flags;		/* the kind of namespace it limits ... */
	int err;		/* ... and the errno a 0 in it gives */
	const char *sysctl;	/* as sysctl spells it */
	const char *kind, *on;	/* what it turns off; a value that turns them on */
} switches[] = {
	{ CLONE_NEWUSER, ENOSPC, "user.max_user_namespaces", "user namespaces", "10000" },
	{ CLONE_NEWUSER, EPERM, "kernel.unprivileged_userns_clone", "user namespaces", "1" },
	{ CLONE_NEWNET, ENOSPC, "user.max_net_namespaces", "network namespaces", "10000" },
};

/* A sysctl by its dotted name; false when this kernel does not have it. */
static bool sysctl_zero(const char *name)
{
	char file[64];
	unsigned value;

	snprintf(file, sizeof(file), "%s", name);
	for (char *dot = strchr(file, '.'); dot != NULL; dot = strchr(dot, '.'))
		*dot = '/';
	return sysctl_read(file, &value, 1) && value == 0;
}

/* Why unshare(flags) failed with err here, and the ways out: one sentence. */
static void why_refused(int flags, int err, char *out, size_t size)
{
	for (size_t i = 0; i < sizeof(switches) / sizeof(switches[0]); i++) {
		if (!(switches[i].flags & flags) || switches[i].err != err ||
		    !sysctl_zero(switches[i].sysctl))
			continue;
		snprintf(out, size, "%s are turned off here (%s is 0): %sturn them on "
			 "(sysctl -w %s=%s)", switches[i].kind, switches[i].sysctl,
			 switches[i].flags == CLONE_NEWUSER ?
			 "run sockrepl as root, which needs none, or " : "",
			 switches[i].sysctl, switches[i].on);
		return;
	}
	if (err == ENOSPC)
		snprintf(out, size, "a limit on namespaces is reached (user.max_user_namespaces or "
			 "user.max_net_namespaces, here or in a parent user namespace): end some of "
			 "them, or raise the limit");
	else if (err == EPERM)
		snprintf(out, size, "no sysctl forbids it, so a seccomp filter (as container "
			 "runtimes install), a security module or a chroot does: allow unshare "
			 "where sockrepl runs, or run it without --sandbox");
	else
		snprintf(out, size, "%s: run sockrepl without --sandbox", strerror(err));
}

/*
 * Say, once, where the session is and how another program gets in; at once,
 * even when stdout is a file or a pipe: someone may be waiting to use it.
 */
static void announce(bool own_user_ns)
{
	printf("%ssandbox: this session runs in its own network namespace, with only lo: its "
	       "ports collide with no other program's, nothing reaches the network, and no "
	       "TIME-WAIT of an earlier session holds a port.%s\n", color(COLOR_NOTE),
	       color(COLOR_OFF));
	printf("%ssandbox: to run a program inside it from another terminal: nsenter --target "
	       "%d %s nc -v -v localhost 6789%s\n", color(COLOR_NOTE), (int)getpid(),
	       own_user_ns ? "--user --net --preserve-credentials" : "--net",
	       color(COLOR_OFF));
	fflush(stdout);
}

/* Say what failed and why, on stderr; the session does not start. */
static bool refuse(const char *what, int err, const char *why)
{
	fprintf(stderr, "sockrepl: --sandbox: %s with %s: %s; sockrepl does not start without "
		"the sandbox asked for.\n", what, errno_name(err), why);
	return false;
}

/*
 * Move the whole session into a network namespace of its own. False (said
 * on stderr) when that cannot be done: a learner who asked for the sandbox
 * must never get the host's network without knowing it.
 */
bool sandbox_enter(struct session *s)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	bool own_user_ns = false;
	const char *failed;
	char why[512];

	if (unshare(CLONE_NEWNET) == -1) {
		int err = errno;

		if (err != EPERM) {
			why_refused(CLONE_NEWNET, err, why, sizeof(why));
			return refuse("unshare(CLONE_NEWNET) failed", err, why);
		}
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) == -1) {
			err = errno;
			why_refused(CLONE_NEWUSER | CLONE_NEWNET, err, why, sizeof(why));
			return refuse("unshare(CLONE_NEWNET) failed with EPERM, and "
				      "unshare(CLONE_NEWUSER|CLONE_NEWNET)", err, why);
		}
		own_user_ns = true;
	}
	if (own_user_ns && !map_ids(uid, gid, &failed)) {
		int err = errno;

		snprintf(why, sizeof(why), "writing %s failed", failed);
		return refuse(why, err, strerror(err));
	}
	if (!loopback_up())
		return refuse("bringing lo up (ioctl SIOCSIFFLAGS) failed", errno, strerror(errno));
	s->sandboxed = true;
	announce(own_user_ns);
	return true;
}
