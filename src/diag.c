/*
 * diag.c - the kernel's own socket table, read with NETLINK_SOCK_DIAG as ss(8)
 * does. It shows what no fd of ours holds (TIME-WAIT after a close, the peer
 * side of a connection, another process's socket) and details no getsockopt
 * gives without side effects (a connection's shutdown state).
 */
#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sockrepl.h"

struct diag_request {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 req;
};

/* inet_diag's address fields as a sockaddr. */
static void to_sockaddr(int family, const __be32 *addr, __be16 port,
			struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = port;
		memcpy(&in->sin_addr, addr, 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = port;
		memcpy(&in6->sin6_addr, addr, 16);
	}
}

static void parse_message(const struct nlmsghdr *h, int protocol, struct diag_sock *d)
{
	const struct inet_diag_msg *msg = NLMSG_DATA(h);
	int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*msg)));

	memset(d, 0, sizeof(*d));
	d->family = msg->idiag_family;
	d->protocol = protocol;
	d->state = msg->idiag_state;
	d->rqueue = msg->idiag_rqueue;
	d->wqueue = msg->idiag_wqueue;
	d->inode = msg->idiag_inode;
	d->uid = msg->idiag_uid;
	d->shutdown = -1;	/* TIME-WAIT and request sockets have no such attribute */
	to_sockaddr(d->family, msg->id.idiag_src, msg->id.idiag_sport, &d->local);
	to_sockaddr(d->family, msg->id.idiag_dst, msg->id.idiag_dport, &d->peer);
	for (struct rtattr *a = (struct rtattr *)(msg + 1); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == INET_DIAG_SHUTDOWN)
			d->shutdown = *(unsigned char *)RTA_DATA(a);
}

/*
 * Send one request and call fn for every socket in the answer. With `dump`
 * the kernel lists every socket of the family and protocol; without it,
 * only the one whose addresses are in req.id.
 */
static bool diag_query(struct diag_request *rq, bool dump,
		       void (*fn)(const struct diag_sock *d, void *arg), void *arg)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	long buf[8192 / sizeof(long)];
	bool done = false, ok = true;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd == -1)
		return false;
	rq->nlh.nlmsg_len = sizeof(*rq);
	rq->nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	rq->nlh.nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0);
	if (sendto(fd, rq, sizeof(*rq), 0, (struct sockaddr *)&kernel, sizeof(kernel)) == -1)
		done = true, ok = false;
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n <= 0) {
			ok = false;
			break;
		}
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			struct diag_sock d;

			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				ok = h->nlmsg_type == NLMSG_DONE;
				done = true;
				break;
			}
			parse_message(h, rq->req.sdiag_protocol, &d);
			fn(&d, arg);
			if (!dump)
				done = true;
		}
	}
	close(fd);
	return ok;
}

/* Every TCP or UDP socket of `family` on this machine, in every state. */
bool diag_each(int family, int protocol, void (*fn)(const struct diag_sock *d, void *arg),
	       void *arg)
{
	struct diag_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.req.sdiag_family = (unsigned char)family;
	rq.req.sdiag_protocol = (unsigned char)protocol;
	rq.req.idiag_states = ~0U;
	return diag_query(&rq, true, fn, arg);
}

static void copy_one(const struct diag_sock *d, void *arg)
{
	*(struct diag_sock *)arg = *d;
}

/* The kernel's entry for a connected socket, found by its two addresses. */
bool diag_lookup(const struct kstate *k, struct diag_sock *out)
{
	struct diag_request rq;
	const struct sockaddr_storage *ends[2] = { &k->local, &k->peer };
	__be32 *addrs[2];
	__be16 *ports[2];

	memset(&rq, 0, sizeof(rq));
	rq.req.sdiag_family = (unsigned char)k->domain;
	rq.req.sdiag_protocol = (unsigned char)k->protocol;
	rq.req.idiag_states = ~0U;
	rq.req.id.idiag_cookie[0] = rq.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	addrs[0] = rq.req.id.idiag_src, addrs[1] = rq.req.id.idiag_dst;
	ports[0] = &rq.req.id.idiag_sport, ports[1] = &rq.req.id.idiag_dport;
	for (int i = 0; i < 2; i++) {
		if (k->domain == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)ends[i];

			memcpy(addrs[i], &in->sin_addr, 4);
			*ports[i] = in->sin_port;
		} else {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ends[i];

			memcpy(addrs[i], &in6->sin6_addr, 16);
			*ports[i] = in6->sin6_port;
		}
	}
	out->family = -1;
	return diag_query(&rq, false, copy_one, out) && out->family != -1;
}

/*
 * Which process holds the socket with this inode, as "nc (pid 1234)": the
 * /proc/PID/fd links that ss -p reads too. False when none can be seen.
 */
bool inode_owner(unsigned inode, char *out, size_t size)
{
	char want[32], path[64], link[64], comm[32] = "?";
	struct dirent *proc, *fd;
	DIR *procs = opendir("/proc"), *fds;
	bool found = false;
	FILE *f;

	snprintf(want, sizeof(want), "socket:[%u]", inode);
	while (procs != NULL && !found && (proc = readdir(procs)) != NULL) {
		if (proc->d_name[0] < '1' || proc->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/fd", proc->d_name);
		if ((fds = opendir(path)) == NULL)
			continue;
		while (!found && (fd = readdir(fds)) != NULL) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%.16s/fd/%.16s", proc->d_name, fd->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			found = n > 0 && (link[n] = '\0', strcmp(link, want) == 0);
		}
		closedir(fds);
		if (!found)
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/comm", proc->d_name);
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		snprintf(out, size, "%s (pid %s)", comm, proc->d_name);
	}
	if (procs != NULL)
		closedir(procs);
	return found;
}

/*
 * Whether the kernel still holds a port for the TCP socket with this inode
 * while it is in CLOSE (bound, not listening or connected): Linux 6.8 and
 * later list such sockets in the pseudo-state TCP_BOUND_INACTIVE (13). A
 * failed connect or a reset gives back a port the socket did not bind
 * explicitly, though getsockname still shows it. 1: held, 0: given back,
 * -1: this kernel cannot tell.
 */
#define DIAG_BOUND_INACTIVE 13

struct port_search {
	unsigned long inode;
	bool found;
};

static void match_inode(const struct diag_sock *d, void *arg)
{
	struct port_search *ps = arg;

	if (d->inode == ps->inode)
		ps->found = true;
}

int diag_holds_port(int family, unsigned long inode)
{
	static int supported = -1;
	struct port_search ps = { .inode = inode };
	struct diag_request rq;
	struct utsname u;
	int major, minor;

	if (supported == -1)
		supported = uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
			    (major > 6 || (major == 6 && minor >= 8));
	if (!supported)
		return -1;
	memset(&rq, 0, sizeof(rq));
	rq.req.sdiag_family = (unsigned char)family;
	rq.req.sdiag_protocol = IPPROTO_TCP;
	rq.req.idiag_states = 1U << DIAG_BOUND_INACTIVE;
	if (!diag_query(&rq, true, match_inode, &ps))
		return -1;
	return ps.found;
}
