/*
 * cmd_kernel.c - `ss` (alias `kernel`): the kernel's own table of the sockets
 * that matter to this session, read with NETLINK_SOCK_DIAG as ss(8) does.
 *
 * "Matter" means: on a port this session has bound, connected to, or been
 * connected from. So the table also shows what no fd of ours holds: the
 * TIME-WAIT left by a close, the peer side of a connection, a netcat client
 * in another terminal.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sockrepl.h"

struct ss_table {
	const struct session *s;
	int rows;
};

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

static void print_row(const struct diag_sock *d, void *arg)
{
	struct ss_table *t = arg;
	char local[64], peer[64], owner[64];
	const char *state = tcp_state_name(d->state);

	if (!port_matters(t->s, port_number(&d->local)) && !port_matters(t->s, port_number(&d->peer)))
		return;
	if (d->protocol == IPPROTO_UDP)
		state = d->state == TCP_ESTABLISHED ? "ESTABLISHED" : "UNCONN";
	format_endpoint(local, sizeof(local), (const struct sockaddr *)&d->local);
	format_peer(d, peer, sizeof(peer));
	owner_of(t->s, d->inode, owner, sizeof(owner));
	if (t->rows++ == 0)
		printf("%-5s %-12s %6s %6s  %-22s %-22s %s\n", "Netid", "State", "Recv-Q",
		       "Send-Q", "Local", "Peer", "Process");
	printf("%-5s %-12s %6u %6u  %-22s %-22s %s\n", d->protocol == IPPROTO_TCP ? "tcp" : "udp",
	       state, d->rqueue, d->wqueue, local, peer, owner);
}

static enum cmd_status cmd_ss_exec(struct session *s, const struct cmd_args *a)
{
	static const int families[] = { AF_INET, AF_INET6 }, protocols[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct ss_table t = { .s = s };

	(void)a;
	for (size_t f = 0; f < 2; f++)
		for (size_t p = 0; p < 2; p++)
			if (!diag_each(families[f], protocols[p], print_row, &t)) {
				report_error(s, "ss: the kernel's socket table (NETLINK_SOCK_DIAG) "
					     "could not be read");
				return CMD_USAGE;
			}
	if (t.rows == 0) {
		printf("the kernel has no TCP or UDP socket on a port this session used%s\n",
		       s->nports ? "" : " (it has used none yet)");
		return CMD_OK;
	}
	printf("Recv-Q/Send-Q: on a LISTEN row, connections waiting for accept / the backlog;\n"
	       "on a connection, bytes received but not read yet / bytes the peer has not\n"
	       "acknowledged (sent, or held back by Nagle or a full window; a FIN counts 1).\n"
	       "TIME-WAIT rows belong to no process: the side that closed first keeps them\n"
	       "for 60 s, so late packets of the old connection find no new one.\n");
	return CMD_OK;
}

const struct cmd_entry cmd_ss_entry = {
	.name = "ss",
	.alias = "kernel",
	.usage = "",
	.summary = "the kernel's view of the ports this session used (kernel)",
	.about = "Lists, like ss -tuan, every TCP and UDP socket the kernel has on a port\n"
		"this session bound, connected to or was connected from, read with\n"
		"NETLINK_SOCK_DIAG. That includes what no fd of ours holds: TIME-WAIT after\n"
		"a close, the other end of a connection, another process's client. Process\n"
		"names the owner: one of our fds, another program, or the kernel alone.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_ss_exec,
};
