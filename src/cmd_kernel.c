/*
 * cmd_kernel.c - `ss` (alias `kernel`): the kernel's own table of the sockets
 * that matter to this session, read with NETLINK_SOCK_DIAG as ss(8) does.
 *
 * "Matter" means: on a port this session has bound, connected to, or been
 * connected from; for Unix sockets, one of ours, its peer, or one on a path
 * this session bound. So the table also shows what no fd of ours holds: the
 * TIME-WAIT left by a close, the peer side of a connection, a netcat client
 * in another terminal.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "sockrepl.h"

static unsigned port_number(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* Remember a port as one that matters to the session (for `ss`). */
void session_note_port(struct session *s, const struct sockaddr *sa)
{
	unsigned port = port_number((const struct sockaddr_storage *)sa);

	if (port == 0 || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return;
	for (size_t i = 0; i < s->nports; i++)
		if (s->ports[i] == port)
			return;
	if (s->nports < sizeof(s->ports) / sizeof(s->ports[0]))
		s->ports[s->nports++] = port;
}

static bool port_matters(const struct session *s, unsigned port)
{
	for (size_t i = 0; i < s->nports; i++)
		if (s->ports[i] == port)
			return true;
	return false;
}

/* The row's owner: one of our fds (by inode), another process, or no one. */
static void owner_of(const struct session *s, unsigned inode, char *out, size_t size)
{
	struct stat st;

	if (inode == 0) {
		snprintf(out, size, "- (kernel only)");
		return;
	}
	if (proc_holders(inode, 0, out, size)) {	/* after fork: every process of ours */
		if (*out != '\0')
			return;
	}
	for (size_t i = 0; i < s->nfds; i++) {
		if (fstat(s->fds[i], &st) == 0 && st.st_ino == inode) {
			snprintf(out, size, "sockrepl fd %d", s->fds[i]);
			return;
		}
	}
	if (!inode_owner(inode, out, size))
		snprintf(out, size, "? (another user's process)");
}

/* Like ss: a peer of "*" for a port that is not connected. */
static void format_peer(const struct diag_sock *d, char *out, size_t size)
{
	if (port_number(&d->peer) != 0)
		format_endpoint(out, size, (const struct sockaddr *)&d->peer);
	else
		snprintf(out, size, "%s:*", d->family == AF_INET6 ? "[::]" : "0.0.0.0");
}

/* The kinds of row, each with what its Recv-Q and Send-Q count. */
enum row_kind { ROW_TCP, ROW_UDP, ROW_UNIX, ROW_KINDS };

static const char *const queue_meanings[ROW_KINDS] = {
	[ROW_TCP] = "Recv-Q/Send-Q: on a LISTEN row, connections waiting for accept / the backlog;\n"
		"on a connection, bytes received but not read yet / bytes written but not yet\n"
		"acknowledged; a SYN or FIN counts one in either (it takes a sequence number).\n"
		"TIME-WAIT rows belong to no process: the side that closed first keeps them for\n"
		"60 s, so late packets of the old connection find no new one. Nor do the rows\n"
		"of a connection closed while its FIN exchange goes on (FIN-WAIT, LAST-ACK).",
	[ROW_UDP] = "udp: Recv-Q/Send-Q are the kernel memory the datagrams take, not bytes.",
	[ROW_UNIX] = "u_str, u_dgr: on a LISTEN row, connections waiting for accept / the backlog;\n"
		"otherwise bytes not read yet (u_dgr: the next datagram's size only) / the\n"
		"kernel memory of what the peer has not read. After the path comes the\n"
		"socket's inode, and Peer is the peer's inode (0: none), as ss -x shows them.",
};

struct ss_table {
	const struct session *s;
	int rows;
	bool shown[ROW_KINDS];
};

static void print_line(struct ss_table *t, enum row_kind kind, const char *netid,
		       const char *state, const struct diag_sock *d, const char *local,
		       const char *peer)
{
	char owner[64];

	owner_of(t->s, d->inode, owner, sizeof(owner));
	if (t->rows++ == 0)
		printf("%-5s %-12s %6s %6s  %-22s %-22s %s\n", "Netid", "State", "Recv-Q",
		       "Send-Q", "Local", "Peer", "Process");
	printf("%-5s %-12s %6u %6u  %-22s %-22s %s\n", netid, state, d->rqueue, d->wqueue,
	       local, peer, owner);
	t->shown[kind] = true;
}

static void print_row(const struct diag_sock *d, void *arg)
{
	struct ss_table *t = arg;
	char local[ENDPOINT_SIZE], peer[ENDPOINT_SIZE];
	const char *state = tcp_state_name(d->state);

	if (!port_matters(t->s, port_number(&d->local)) && !port_matters(t->s, port_number(&d->peer)))
		return;
	if (d->protocol == IPPROTO_UDP)
		state = d->state == TCP_ESTABLISHED ? "ESTABLISHED" : "UNCONN";
	format_endpoint(local, sizeof(local), (const struct sockaddr *)&d->local);
	format_peer(d, peer, sizeof(peer));
	print_line(t, d->protocol == IPPROTO_TCP ? ROW_TCP : ROW_UDP,
		   d->protocol == IPPROTO_TCP ? "tcp" : "udp", state, d, local, peer);
}

/* A Unix socket matters when it or its peer is one of our fds, or it has a path we bound. */
static bool unix_matters(const struct session *s, const struct diag_sock *d)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)&d->local;
	struct stat st;

	for (size_t i = 0; i < s->nfds; i++)
		if (fstat(s->fds[i], &st) == 0 &&
		    (st.st_ino == d->inode || (d->peer_inode && st.st_ino == d->peer_inode)))
			return true;
	for (size_t i = 0; un->sun_path[0] && i < s->npaths; i++)
		if (strcmp(s->paths[i].path, un->sun_path) == 0)
			return true;
	return false;
}

/* As ss -x: "u_str LISTEN 2 1  /tmp/x.sock 46942  * 0". */
static void print_unix_row(const struct diag_sock *d, void *arg)
{
	struct ss_table *t = arg;
	char name[ENDPOINT_SIZE], local[ENDPOINT_SIZE + 16], peer[32];
	const char *netid = d->type == SOCK_STREAM ? "u_str" :
			    d->type == SOCK_DGRAM ? "u_dgr" : "u_seq";
	const char *path = ((const struct sockaddr_un *)&d->local)->sun_path;

	if (!unix_matters(t->s, d))
		return;
	if (path[0])
		format_endpoint(name, sizeof(name), (const struct sockaddr *)&d->local);
	else if (path[1])	/* an abstract name: ss writes its leading NUL as @ */
		snprintf(name, sizeof(name), "@%.*s", (int)sizeof(name) - 2, path + 1);
	else
		snprintf(name, sizeof(name), "*");
	snprintf(local, sizeof(local), "%s %u", name, d->inode);
	snprintf(peer, sizeof(peer), "* %u", d->peer_inode);
	print_line(t, ROW_UNIX, netid, d->state == TCP_CLOSE ? "UNCONN" : tcp_state_name(d->state),
		   d, local, peer);
}

static enum cmd_status cmd_ss_exec(struct session *s, const struct cmd_args *a)
{
	static const int families[] = { AF_INET, AF_INET6 }, protocols[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct ss_table t = { .s = s };
	bool ok = true;

	(void)a;
	for (size_t f = 0; f < 2; f++)
		for (size_t p = 0; p < 2; p++)
			ok = ok && diag_each(families[f], protocols[p], print_row, &t);
	if (!ok || !diag_unix_each(print_unix_row, &t)) {
		report_error(s, "ss: the kernel's socket table (NETLINK_SOCK_DIAG) could not be read");
		return CMD_USAGE;
	}
	if (t.rows == 0) {
		printf("the kernel has no socket on a port or Unix path this session used%s\n",
		       s->nports || s->nfds ? "" : " (it has used none yet)");
		return CMD_OK;
	}
	for (int k = 0; k < ROW_KINDS; k++)
		if (t.shown[k])
			printf("%s\n", queue_meanings[k]);
	return CMD_OK;
}

const struct cmd_entry cmd_ss_entry = {
	.name = "ss",
	.alias = "kernel",
	.usage = "",
	.summary = "the kernel's view of this session's ports and Unix sockets (kernel)",
	.about = "Lists, like ss -tuan, every TCP and UDP socket the kernel has on a port\n"
		"this session bound, connected to or was connected from, and, like ss -xa,\n"
		"every Unix socket that is ours, is connected to ours or has a path we bound;\n"
		"read with NETLINK_SOCK_DIAG. That includes what no fd of ours holds: TIME-WAIT\n"
		"after a close, the other end of a connection, another process's client.\n"
		"Process names the owner: one of our fds, another program, or the kernel alone;\n"
		"after fork, every process of the session holding it (pid 1200 fd 5, ...).",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_ss_exec,
};
