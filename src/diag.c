/*
 * diag.c - the kernel's own socket table, read with NETLINK_SOCK_DIAG as ss(8)
 * does. It shows what no fd of ours holds (TIME-WAIT after a close, the peer
 * side of a connection, another process's socket) and details no getsockopt
 * gives without side effects (a connection's shutdown state, Recv-Q and Send-Q
 * exactly as ss counts them, where a SYN-SENT socket is connecting to).
 */
#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
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

/* What to do with each socket in an answer: parse it, then pass it on. */
struct diag_reader {
	void (*parse)(const struct nlmsghdr *h, int protocol, struct diag_sock *d);
	int protocol;
	void (*fn)(const struct diag_sock *d, void *arg);
	void *arg;
};

/*
 * Send one request (a netlink header and `size` bytes of request after it)
 * and hand every socket in the answer to the reader. With `dump` the kernel
 * lists every socket the request selects; without it, only the one it names.
 */
static bool netlink_query(struct nlmsghdr *rq, size_t size, bool dump, const struct diag_reader *r)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	long buf[8192 / sizeof(long)];
	bool done = false, ok = true;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd == -1)
		return false;
	rq->nlmsg_len = (unsigned)size;
	rq->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	rq->nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0);
	if (sendto(fd, rq, size, 0, (struct sockaddr *)&kernel, sizeof(kernel)) == -1)
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
			r->parse(h, r->protocol, &d);
			r->fn(&d, r->arg);
			if (!dump)
				done = true;
		}
	}
	close(fd);
	return ok;
}

/* An inet_diag request: every socket it selects (dump), or the one it names. */
static bool diag_query(struct diag_request *rq, bool dump,
		       void (*fn)(const struct diag_sock *d, void *arg), void *arg)
{
	const struct diag_reader r = { parse_message, rq->req.sdiag_protocol, fn, arg };

	return netlink_query(&rq->nlh, sizeof(*rq), dump, &r);
}

/* Every TCP or UDP socket of `family` on this machine in one of `states` (bits 1 << TCP_*). */
static bool diag_dump(int family, int protocol, unsigned states,
		      void (*fn)(const struct diag_sock *d, void *arg), void *arg)
{
	struct diag_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.req.sdiag_family = (unsigned char)family;
	rq.req.sdiag_protocol = (unsigned char)protocol;
	rq.req.idiag_states = states;
	return diag_query(&rq, true, fn, arg);
}

/* Every TCP or UDP socket of `family` on this machine, in every state. */
bool diag_each(int family, int protocol, void (*fn)(const struct diag_sock *d, void *arg),
	       void *arg)
{
	return diag_dump(family, protocol, ~0U, fn, arg);
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

struct inode_search {
	unsigned inode;
	struct diag_sock *out;
	bool found;
};

static void keep_if_inode(const struct diag_sock *d, void *arg)
{
	struct inode_search *want = arg;

	if (d->inode == want->inode && !want->found) {
		*want->out = *d;
		want->found = true;
	}
}

/*
 * The kernel's entry for the TCP or UDP socket with this inode, among those
 * in `states`. A socket in SYN-SENT or an unconnected UDP socket has no peer
 * getpeername could name, so it cannot be looked up by its addresses.
 */
bool diag_find(int family, int protocol, unsigned states, unsigned inode, struct diag_sock *out)
{
	struct inode_search want = { inode, out, false };

	return diag_dump(family, protocol, states, keep_if_inode, &want) && want.found;
}

/* ---- Unix sockets (unix_diag, as ss -x reads them) -------------------------- */

struct unix_request {
	struct nlmsghdr nlh;
	struct unix_diag_req req;
};

static void parse_unix(const struct nlmsghdr *h, int protocol, struct diag_sock *d)
{
	const struct unix_diag_msg *msg = NLMSG_DATA(h);
	int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*msg)));

	struct sockaddr_un *un = (struct sockaddr_un *)&d->local;

	(void)protocol;
	memset(d, 0, sizeof(*d));
	d->family = un->sun_family = AF_UNIX;
	d->type = msg->udiag_type;
	d->state = msg->udiag_state;
	d->inode = msg->udiag_ino;
	d->shutdown = -1;
	for (struct rtattr *a = (struct rtattr *)(msg + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == UNIX_DIAG_SHUTDOWN) {
			d->shutdown = *(unsigned char *)RTA_DATA(a);
		} else if (a->rta_type == UNIX_DIAG_NAME) {
			size_t n = RTA_PAYLOAD(a) < sizeof(un->sun_path) ? RTA_PAYLOAD(a) :
				   sizeof(un->sun_path) - 1;

			memcpy(un->sun_path, RTA_DATA(a), n);
		} else if (a->rta_type == UNIX_DIAG_PEER) {
			d->peer_inode = *(unsigned *)RTA_DATA(a);
		} else if (a->rta_type == UNIX_DIAG_RQLEN) {
			const struct unix_diag_rqlen *q = RTA_DATA(a);

			d->rqueue = q->udiag_rqueue;
			d->wqueue = q->udiag_wqueue;
		}
	}
}

/* Every Unix socket on this machine, with its name and its peer's inode (ss -xa). */
bool diag_unix_each(void (*fn)(const struct diag_sock *d, void *arg), void *arg)
{
	struct unix_request rq;
	const struct diag_reader r = { parse_unix, 0, fn, arg };

	memset(&rq, 0, sizeof(rq));
	rq.req.sdiag_family = AF_UNIX;
	rq.req.udiag_states = ~0U;
	rq.req.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN;
	return netlink_query(&rq.nlh, sizeof(rq), true, &r);
}

/*
 * The kernel's entry for the Unix socket with this inode: what ss -x shows
 * as Recv-Q and Send-Q (for a listener, its accept queue and backlog) and
 * the shutdown bits (ss -xe's arrows).
 */
bool diag_unix(unsigned inode, struct diag_sock *out)
{
	struct unix_request rq;
	const struct diag_reader r = { parse_unix, 0, copy_one, out };

	memset(&rq, 0, sizeof(rq));
	rq.req.sdiag_family = AF_UNIX;
	rq.req.udiag_states = ~0U;
	rq.req.udiag_ino = inode;
	rq.req.udiag_show = UDIAG_SHOW_RQLEN;
	rq.req.udiag_cookie[0] = rq.req.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
	out->family = -1;
	return netlink_query(&rq.nlh, sizeof(rq), false, &r) && out->family != -1;
}

/*
 * Which process holds the socket with this inode, as "nc (pid 1234)": the
 * /proc/PID/fd links that ss -p reads too. False when none can be seen.
 */
bool inode_owner(unsigned inode, char *out, size_t size)
{
	char want[32], path[64], link[64], comm[32] = "?";
	struct strbuf shown;
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
			if (fgets(comm, sizeof(comm), f) && strchr(comm, '\n') != NULL)
				*strrchr(comm, '\n') = '\0';	/* the file's own end of line */
			fclose(f);
		}
		sb_init(&shown);	/* a process names itself: it may hold escapes */
		sb_escaped(&shown, comm, strlen(comm));
		snprintf(out, size, "%s (pid %s)", shown.text, proc->d_name);
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
