/*
 * causes_data.c - why a call that moves or asks about data (send, recv,
 * shutdown, socket options, names, poll, socketpair, unlink) failed in this
 * session, where the session can know: the SO_LINGER 0 close that reset a
 * connection, the shutdown that stopped sending, the broadcast address. One
 * small function per cause, chosen from a table by call and errno; each
 * prints "here: ..." lines, or nothing. tests/atlas-*.bats makes each happen.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/fs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockrepl.h"

/* After recvfrom: name the sender when it is a socket of this session. */
void note_sender(struct session *s, const struct sockaddr *from)
{
	struct kstate k;
	char where[128];
	int fd = session_fd_at(s, from, -1, &k);

	format_endpoint(where, sizeof(where), from);
	if (fd != -1)
		report_note("from %s: that is fd %d of this session.", where, fd);
	else
		report_note("from %s.", where);
}

static const char *family_words(int family)
{
	return family == AF_INET ? "an IPv4 (AF_INET)" : family == AF_INET6 ?
	       "an IPv6 (AF_INET6)" : family == AF_UNIX ? "a Unix (AF_UNIX)" : "another";
}

static bool is_call(const struct call_ctx *c, const char *call)
{
	return strcmp(c->call, call) == 0;
}

static bool is_send(const struct call_ctx *c)
{
	return is_call(c, "sendto") || is_call(c, "sendmmsg");
}

/* ---- send and recv ---------------------------------------------------------- */

static void why_refused(struct session *s, const struct call_ctx *c)
{
	struct kstate k;
	char where[128];

	(void)s;
	if (kstate_read(c->fd, &k) && k.has_peer && k.type == SOCK_DGRAM) {
		format_endpoint(where, sizeof(where), (struct sockaddr *)&k.peer);
		report_note("here: an earlier datagram from fd %d to %s found nobody "
			    "there; the kernel keeps that ICMP error for the next call.",
			    c->fd, where);
	}
}

/* EPIPE: a listener, a TCP socket with no connection, or a shut-down side. */
static void why_broken_pipe(struct session *s, const struct call_ctx *c)
{
	struct kstate k;
	char why[128];

	(void)s;
	if (!kstate_read(c->fd, &k))
		return;
	if (k.has_tcp && k.tcp_state == TCP_LISTEN)
		report_note("here: fd %d is listening: a listener has no connection to send on. "
			    "Linux says EPIPE here, where POSIX says ENOTCONN.", c->fd);
	else if (k.api == API_DISCONNECTED) {
		describe_disconnect(&k, false, why, sizeof(why));
		report_note("here: fd %d's connection is over (%s).", c->fd, why);
	} else if (k.has_tcp && k.tcp_state == TCP_CLOSE)
		report_note("here: fd %d has no connection (TCP CLOSED): it never connected. "
			    "Linux says EPIPE here, where POSIX says ENOTCONN.", c->fd);
	else if (k.shutdown > 0 && (k.shutdown & 2))
		report_note("here: fd %d was shut down for writing (shutdown wr).", c->fd);
	report_note("here: sockrepl ignores SIGPIPE and survived; most programs would have "
		    "been killed here.");
}

static void why_reset(struct session *s, const struct call_ctx *c)
{
	struct kstate k;
	char where[128];

	if (!kstate_read(c->fd, &k) || !k.has_local)
		return;
	for (size_t i = 0; i < s->nresets; i++) {
		if (same_place(&s->resets[i].peer, (struct sockaddr *)&k.local)) {
			format_endpoint(where, sizeof(where), (struct sockaddr *)&s->resets[i].local);
			report_note("here: the peer, %s, was fd %d of this session, closed with "
				    "SO_LINGER on 0: that close sends RST instead of FIN.", where,
				    s->resets[i].fd);
			return;
		}
	}
}

static void why_not_connected(struct session *s, const struct call_ctx *c)
{
	struct kstate k;

	(void)s;
	if (kstate_read(c->fd, &k))
		report_note("here: fd %d is %s.", c->fd, api_state_name(k.api));
}

/* EMSGSIZE: the datagram's size against what this socket carries in one piece. */
static void why_too_big(struct session *s, const struct call_ctx *c)
{
	int sndbuf = 0;
	socklen_t len = sizeof(sndbuf);

	(void)s;
	switch (socket_family(c->fd)) {
	case AF_INET:
		report_note("here: the datagram was %ld bytes; UDP over IPv4 carries at most "
			    "65507 (65535 less 20 bytes of IP header and 8 of UDP header).", c->arg);
		break;
	case AF_INET6:
		report_note("here: the datagram was %ld bytes; UDP over IPv6 carries at most "
			    "65527 (65535 less 8 bytes of UDP header).", c->arg);
		break;
	case AF_UNIX:
		if (getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) == 0)
			report_note("here: the datagram was %ld bytes; fd %d's SO_SNDBUF is %d, so "
				    "it takes at most %d.", c->arg, c->fd, sndbuf, sndbuf - 32);
		break;
	}
}

/* EAGAIN: non-blocking, or a timeout (SO_SNDTIMEO, SO_RCVTIMEO) ran out. */
static void why_would_block(struct session *s, const struct call_ctx *c)
{
	bool sending = is_send(c);
	int flags = fcntl(c->fd, F_GETFL);
	struct timeval tv = { 0, 0 };
	socklen_t len = sizeof(tv);

	(void)s;
	if (c->msg_flags & MSG_DONTWAIT)
		report_note("here: the call passed MSG_DONTWAIT, which makes this one call "
			    "non-blocking (fd %d itself is %s), and %s.", c->fd,
			    flags != -1 && (flags & O_NONBLOCK) ? "non-blocking too" : "blocking",
			    sending ? "the send buffer is full" : "nothing is waiting to be read");
	else if (flags != -1 && (flags & O_NONBLOCK))
		report_note("here: fd %d is non-blocking and %s.", c->fd, sending ?
			    "its send buffer is full" : "nothing is waiting to be read");
	else if (getsockopt(c->fd, SOL_SOCKET, sending ? SO_SNDTIMEO : SO_RCVTIMEO, &tv,
			    &len) == 0 && (tv.tv_sec || tv.tv_usec))
		report_note("here: fd %d's %s (%ld.%06ld s) ran out while the call waited.",
			    c->fd, sending ? "SO_SNDTIMEO" : "SO_RCVTIMEO", (long)tv.tv_sec,
			    (long)tv.tv_usec);
}

/* EINVAL and EAFNOSUPPORT from sendto, EINVAL from recv: the socket's kind. */
static void why_wrong_kind(struct session *s, const struct call_ctx *c)
{
	struct kstate k;

	(void)s;
	if (!kstate_read(c->fd, &k))
		return;
	if (c->addr != NULL && c->addr->sa_family != k.domain)
		report_note("here: the address is %s one, and fd %d is %s socket.",
			    family_words(c->addr->sa_family), c->fd, family_words(k.domain));
	else if (c->addr == NULL && k.domain == AF_UNIX && k.type == SOCK_STREAM)
		report_note("here: fd %d is a Unix stream socket, %s: not connected.", c->fd,
			    api_state_name(k.api));
}

/* EISCONN and EOPNOTSUPP from sendto with an address: a Unix stream socket. */
static void why_stream_address(struct session *s, const struct call_ctx *c)
{
	struct kstate k;

	(void)s;
	if (kstate_read(c->fd, &k) && k.domain == AF_UNIX && k.type == SOCK_STREAM)
		report_note("here: fd %d is a Unix stream socket, %s, and sendto gave it an "
			    "address.", c->fd, api_state_name(k.api));
}

/* EACCES from sendto: a broadcast address without SO_BROADCAST, or a Unix path. */
static void why_send_forbidden(struct session *s, const struct call_ctx *c)
{
	int broadcast = 0;
	socklen_t len = sizeof(broadcast);
	char where[128];

	(void)s;
	if (c->addr == NULL)
		return;
	format_endpoint(where, sizeof(where), c->addr);
	if (c->addr->sa_family == AF_UNIX &&
	    access(((const struct sockaddr_un *)c->addr)->sun_path, W_OK) == -1)
		report_note("here: this process (uid %u) may not write to the socket file %s.",
			    (unsigned)geteuid(), where);
	else if (c->addr->sa_family == AF_INET &&
		 getsockopt(c->fd, SOL_SOCKET, SO_BROADCAST, &broadcast, &len) == 0 && !broadcast &&
		 inet_ntop(AF_INET, &((const struct sockaddr_in *)c->addr)->sin_addr, where,
			   sizeof(where)) != NULL)
		report_note("here: the kernel routes %s as a broadcast address (ip route show "
			    "table local lists it), and fd %d has SO_BROADCAST off.", where, c->fd);
}

/* ---- socket options, fd limits -------------------------------------------------- */

static void why_option(struct session *s, const struct call_ctx *c)
{
	(void)s;
	sockopt_explain(c);
}

/* EMFILE from socketpair, EINVAL from poll: RLIMIT_NOFILE. */
static void why_fd_limit(struct session *s, const struct call_ctx *c)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim) == -1)
		return;
	if (is_call(c, "poll"))
		report_note("here: poll was given %ld fds, and RLIMIT_NOFILE is %llu.", c->arg,
			    (unsigned long long)lim.rlim_cur);
	else
		cause_fd_limit(s, ", and a pair needs two more");
}

/* ---- unlink ----------------------------------------------------------------- */

/* The directory that holds the path given to unlink, in dir (at least PATH_MAX). */
static const char *unlink_dir(const struct call_ctx *c, char *dir, size_t size)
{
	snprintf(dir, size, "%s", ((const struct sockaddr_un *)c->addr)->sun_path);
	return dirname(dir);
}

static void why_unlink_denied(struct session *s, const struct call_ctx *c)
{
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *dir = unlink_dir(c, buf, sizeof(buf));

	(void)s;
	if (access(dir, X_OK) == -1)
		report_note("here: this process (uid %u) may not reach %s: a directory on the "
			    "way denies it search (x) permission.", (unsigned)geteuid(), dir);
	else if (access(dir, W_OK) == -1)
		report_note("here: this process (uid %u) may not write to the directory %s.",
			    (unsigned)geteuid(), dir);
}

/* EPERM: a sticky directory owned by someone else, or an immutable file. */
static void why_unlink_forbidden(struct session *s, const struct call_ctx *c)
{
	const char *path = ((const struct sockaddr_un *)c->addr)->sun_path;
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *dir = unlink_dir(c, buf, sizeof(buf));
	struct stat ds, fs;
	int flags = 0, fd;

	(void)s;
	if (stat(dir, &ds) == 0 && lstat(path, &fs) == 0 && (ds.st_mode & S_ISVTX) &&
	    ds.st_uid != geteuid() && fs.st_uid != geteuid()) {
		report_note("here: %s is sticky (+t); it belongs to uid %u and the file to uid %u, "
			    "and this process is uid %u.", dir, (unsigned)ds.st_uid,
			    (unsigned)fs.st_uid, (unsigned)geteuid());
		return;
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
	if (fd != -1 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE_FL))
		report_note("here: %s is immutable (lsattr shows i).", path);
	if (fd != -1)
		close(fd);
}

/* ---- the table ------------------------------------------------------------- */

static const struct {
	const char *call;	/* NULL: any data call */
	int err;
	void (*why)(struct session *s, const struct call_ctx *c);
} data_causes[] = {
	{ NULL, ECONNREFUSED, why_refused },
	{ "sendto", EPIPE, why_broken_pipe },
	{ "sendmmsg", EPIPE, why_broken_pipe },
	{ NULL, ECONNRESET, why_reset },
	{ NULL, ENOTCONN, why_not_connected },
	{ "sendto", EMSGSIZE, why_too_big },
	{ "sendmmsg", EMSGSIZE, why_too_big },
	{ NULL, EAGAIN, why_would_block },
	{ NULL, EINTR, why_interrupted },
	{ "sendto", EINVAL, why_wrong_kind },
	{ "sendto", EAFNOSUPPORT, why_wrong_kind },
	{ "recvfrom", EINVAL, why_wrong_kind },
	{ "sendto", EISCONN, why_stream_address },
	{ "sendto", EOPNOTSUPP, why_stream_address },
	{ "sendto", EACCES, why_send_forbidden },
	{ "setsockopt", ENOPROTOOPT, why_option },
	{ "setsockopt", EOPNOTSUPP, why_option },
	{ "setsockopt", EINVAL, why_option },
	{ "getsockopt", ENOPROTOOPT, why_option },
	{ "getsockopt", EOPNOTSUPP, why_option },
	{ "socketpair", EMFILE, why_fd_limit },
	{ "poll", EINVAL, why_fd_limit },
	{ "unlink", EACCES, why_unlink_denied },
	{ "unlink", EPERM, why_unlink_forbidden },
};

void explain_data_cause(struct session *s, const struct call_ctx *c, int err)
{
	for (size_t i = 0; i < sizeof(data_causes) / sizeof(data_causes[0]); i++) {
		if (data_causes[i].call != NULL && !is_call(c, data_causes[i].call))
			continue;
		if (data_causes[i].err == err) {
			data_causes[i].why(s, c);
			return;
		}
	}
}
