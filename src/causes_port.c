/*
 * causes_port.c - who holds an address, for the setup calls' failures: a
 * socket of this session, another process (named as ss -p names it), a
 * TIME-WAIT, a connection closed here that is still finishing, a used-up
 * ephemeral port range, a Unix socket's file; and why nothing answers there.
 * Everything is read from the kernel: sock_diag, /proc/net/unix, /proc/sys. Each cause prints "here: ..." and, where the errno's general
 * advice would not fit it, its own "try: ..." (cause_try).
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "sockrepl.h"

/* ---- what the kernel's table holds on a TCP port --------------------------- */

struct port_census {
	unsigned port;
	int timewait;			/* connections in TIME-WAIT on the port */
	unsigned inode;			/* a socket on the port that a process holds */
	unsigned listener;		/* a listening one, first */
	bool closing;			/* a connection no fd holds, still finishing */
	struct diag_sock orphan;	/* ... the first such */
};

/* A connection whose fd was closed while its FIN exchange goes on: no inode. */
static bool is_orphan(const struct diag_sock *d)
{
	return d->inode == 0 && (d->state == TCP_FIN_WAIT1 || d->state == TCP_FIN_WAIT2 ||
				 d->state == TCP_CLOSING || d->state == TCP_LAST_ACK);
}

static void count_port(const struct diag_sock *d, void *arg)
{
	struct port_census *pc = arg;

	if (port_of((const struct sockaddr *)&d->local) != pc->port)
		return;
	if (d->state == TCP_TIME_WAIT) {
		pc->timewait++;
	} else if (is_orphan(d)) {
		if (!pc->closing)
			pc->orphan = *d;
		pc->closing = true;
	} else if (d->inode != 0) {
		if (pc->inode == 0)
			pc->inode = d->inode;
		if (d->state == TCP_LISTEN && pc->listener == 0)
			pc->listener = d->inode;
	}
}

static void census(unsigned port, struct port_census *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->port = port;
	diag_each(AF_INET, IPPROTO_TCP, count_port, pc);
	diag_each(AF_INET6, IPPROTO_TCP, count_port, pc);
}

static bool reuseaddr_on(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, &len) == 0 && on;
}

/* Did this session close a socket that had this local address? */
static bool closed_here(const struct session *s, const struct sockaddr_storage *local)
{
	for (size_t i = 0; i < s->nformers; i++)
		if (same_place(&s->formers[i].addr, (const struct sockaddr *)local))
			return true;
	return false;
}

/* Whether only TIME-WAIT entries hold a TCP port: no socket a process holds, none closing. */
bool port_held_by_time_wait(unsigned port)
{
	struct port_census pc;

	census(port, &pc);
	return pc.timewait > 0 && pc.inode == 0 && !pc.closing;
}

/* ---- EADDRINUSE ------------------------------------------------------------ */

/* Port 0 (bind) or no port (listen, connect): the kernel found no free one. */
void cause_no_free_port(const char *asked)
{
	unsigned range[2];

	if (sysctl_read("net/ipv4/ip_local_port_range", range, 2))
		report_note("here: %s asks the kernel for a free port, and none is left in "
			    "net.ipv4.ip_local_port_range (%u-%u): sockets hold them all.",
			    asked, range[0], range[1]);
	cause_try("close sockets that hold ports of that range (ss lists them), then try "
		  "again.");
}

static void why_timewait(int fd, const struct port_census *pc)
{
	report_note("here: %d connection%s on port %u %s in TIME-WAIT (ss shows %s): the side "
		    "that closes first keeps it 60 s (fixed in Linux; RFC 793 says twice the "
		    "maximum segment lifetime), to answer a retransmitted FIN with the last ACK "
		    "again and so that late segments find no new connection.", pc->timewait,
		    pc->timewait == 1 ? "" : "s", pc->port, pc->timewait == 1 ? "is" : "are",
		    pc->timewait == 1 ? "it" : "them");
	if (reuseaddr_on(fd))
		report_note("here: SO_REUSEADDR is on here, but Linux also wants it on the socket "
			    "whose connection is in TIME-WAIT: set it on a server before every bind.");
	cause_try("wait about 60 s, or set SO_REUSEADDR on both sockets (the old one before "
		  "its bind, this one now), or bind to port 0.");
}

static void why_closing(const struct session *s, const struct port_census *pc)
{
	char local[128], peer[128];
	unsigned fin_timeout = 60;
	/* Send-Q counts the FIN too */
	unsigned unsent = pc->orphan.wqueue > 1 ? pc->orphan.wqueue - 1 : 0;

	sysctl_read("net/ipv4/tcp_fin_timeout", &fin_timeout, 1);
	format_endpoint(local, sizeof(local), (const struct sockaddr *)&pc->orphan.local);
	format_endpoint(peer, sizeof(peer), (const struct sockaddr *)&pc->orphan.peer);
	report_note("here: a connection %s closed is still finishing: %s -> %s is in %s and no "
		    "fd holds it (ss shows it as kernel only).", closed_here(s, &pc->orphan.local) ?
		    "this session" : "its process", local, peer, tcp_state_name(pc->orphan.state));
	if (pc->orphan.state == TCP_FIN_WAIT2)
		report_note("here: it keeps port %u until the peer closes its end too (then a "
			    "TIME-WAIT keeps it 60 s more) or net.ipv4.tcp_fin_timeout (%u s) runs "
			    "out.", pc->port, fin_timeout);
	else if (unsent > 0)
		report_note("here: it keeps port %u at least until the peer acknowledges its FIN, "
			    "which waits behind %u bytes the peer has not taken.", pc->port, unsent);
	else
		report_note("here: it keeps port %u at least until the peer acknowledges its FIN.",
			    pc->port);
	/* LAST-ACK and CLOSING last only while unsent data holds the FIN back */
	if (unsent > 0 || pc->orphan.state == TCP_FIN_WAIT1 || pc->orphan.state == TCP_FIN_WAIT2)
		cause_try("%s, or set SO_REUSEADDR on both sockets (the old one before its bind, "
			  "this one now), or bind to port 0.", unsent > 0 ? "let the peer read, so "
			  "that the FIN behind the unsent data gets acknowledged" :
			  "let the peer close its end");
}

/* A Unix path in use: by a socket of some process, or by a file. */
static void why_path_in_use(const char *path)
{
	char owner[64] = "another process";
	struct stat st;
	unsigned inode;
	bool listening;

	if (unix_path_socket(path, &inode, &listening)) {
		inode_owner(inode, owner, sizeof(owner));
		report_note("here: a socket of %s is bound to %s%s.", owner, path,
			    listening ? " and listens on it" : "");
		cause_try("bind another path: that one belongs to a live socket.");
	} else if (stat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		report_note("here: %s is a file, not a socket's: bind creates the socket file "
			    "and never replaces an existing file.", path);
		cause_try("bind another path.");
	} else {
		report_note("here: the socket file %s is left from a socket that was closed: no "
			    "socket is bound to it, but the file stays until someone unlinks it.",
			    path);
		cause_try("unlink %s, then bind again (servers unlink their path before bind), "
			  "or bind another name.", path);
	}
}

/* listen: another socket listens on the port, or an unbound socket found no port. */
static void why_listen_in_use(struct session *s, const struct call_ctx *c)
{
	struct port_census pc;
	struct kstate k, other;
	char where[128], owner[64];

	if (!kstate_read(c->fd, &k))
		return;
	if (!k.has_local || port_of((struct sockaddr *)&k.local) == 0) {
		cause_no_free_port("listen on an unbound socket");
		return;
	}
	format_endpoint(where, sizeof(where), (struct sockaddr *)&k.local);
	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i] != c->fd && kstate_read(s->fds[i], &other) &&
		    other.api == API_LISTENING &&
		    same_place(&other.local, (struct sockaddr *)&k.local)) {
			report_note("here: fd %d of this session already listens on %s. "
				    "SO_REUSEADDR lets two sockets bind one port, not listen on it; "
				    "SO_REUSEPORT on both (set by the same user) lets them, and the "
				    "kernel then spreads new connections between them.",
				    s->fds[i], where);
			return;
		}
	census(port_of((struct sockaddr *)&k.local), &pc);
	if (pc.listener != 0 && inode_owner(pc.listener, owner, sizeof(owner)))
		report_note("here: %s already listens on port %u.", owner, pc.port);
}

/* bind or listen: EADDRINUSE, with the holder named. */
void cause_addr_in_use(struct session *s, const struct call_ctx *c)
{
	struct port_census pc;
	struct kstate k;
	char where[128], owner[64];
	int holder;

	if (c->addr == NULL) {
		why_listen_in_use(s, c);
		return;
	}
	holder = session_fd_at(s, c->addr, c->fd, &k);
	format_endpoint(where, sizeof(where), holder != -1 ? (struct sockaddr *)&k.local : c->addr);
	if (holder != -1) {
		report_note("here: fd %d of this session holds %s (%s).", holder, where,
			    api_state_name(k.api));
		if (c->addr->sa_family == AF_UNIX)
			cause_try("bind another path; or close fd %d, unlink %s, and bind "
				  "again (the file stays after close).", holder, where);
		return;
	}
	if (c->addr->sa_family == AF_UNIX) {
		why_path_in_use(((const struct sockaddr_un *)c->addr)->sun_path);
		return;
	}
	if (port_of(c->addr) == 0) {
		cause_no_free_port("port 0");
		return;
	}
	census(port_of(c->addr), &pc);
	if (pc.inode != 0 && inode_owner(pc.inode, owner, sizeof(owner)))
		report_note("here: %s holds port %u.", owner, pc.port);
	else if (pc.closing)
		why_closing(s, &pc);
	else if (pc.timewait > 0)
		why_timewait(c->fd, &pc);
	else
		report_note("here: a socket of another process holds port %u.", pc.port);
}

/* ---- connect: ECONNREFUSED ------------------------------------------------------ */

/*
 * An abstract name (sun_path starting with NUL) has no file: /proc/net/unix
 * lists it as @name, and an unused one is refused, where a missing file
 * gives ENOENT.
 */
static void why_abstract_refused(const struct sockaddr_un *un)
{
	char listed[sizeof(un->sun_path) + 1], shown[ENDPOINT_SIZE];
	unsigned inode;
	bool listening;

	snprintf(listed, sizeof(listed), "@%.*s", (int)sizeof(un->sun_path) - 1, un->sun_path + 1);
	format_endpoint(shown, sizeof(shown), (const struct sockaddr *)un);
	if (unix_path_socket(listed, &inode, &listening))
		report_note("here: a socket holds the abstract name %s, but it does not listen.",
			    shown);
	else
		report_note("here: no socket holds the abstract name %s (an abstract name has no "
			    "file, so an unused one is refused, not ENOENT).", shown);
	cause_try("a server must bind the name and listen first.");
}

static void why_path_refused(const struct sockaddr_un *un)
{
	const char *path = un->sun_path;
	struct stat st;
	unsigned inode;
	bool listening;

	if (path[0] == '\0') {
		why_abstract_refused(un);
		return;
	}
	if (unix_path_socket(path, &inode, &listening))
		report_note("here: a socket is bound to %s, but it does not listen.", path);
	else if (stat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		report_note("here: %s is a file, not a socket's.", path);
	else
		report_note("here: the socket file %s is left from a socket that was closed: "
			    "the file stays, but no socket is bound to it.", path);
	cause_try("check the path: a server must bind it and listen (and unlink a left-over "
		  "file before its bind).");
}

void cause_refused(struct session *s, const struct call_ctx *c)
{
	struct port_census pc;
	struct kstate k;
	char where[128];
	int holder;

	if (c->addr == NULL)
		return;
	format_endpoint(where, sizeof(where), c->addr);
	holder = session_fd_at(s, c->addr, c->fd, &k);
	if (holder != -1 && k.api != API_LISTENING) {
		report_note("here: fd %d of this session is bound to %s but is %s, not "
			    "listening: call listen %d.", holder, where, api_state_name(k.api), holder);
		return;
	}
	if (c->addr->sa_family == AF_UNIX) {
		why_path_refused((const struct sockaddr_un *)c->addr);
		return;
	}
	census(port_of(c->addr), &pc);
	report_note("here: nothing listens on %s%s.", where, pc.timewait ?
		    "; only a closed connection in TIME-WAIT is left on that port, and TIME-WAIT "
		    "answers no new connection" : "");
}
