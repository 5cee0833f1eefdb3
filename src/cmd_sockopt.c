/*
 * cmd_sockopt.c - socket options: setsockopt and getsockopt, and the notes
 * that say what the kernel made of a value (the options are in sockopts.c).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "sockrepl.h"

/* An option and its value, for the notes under a call line. */
struct opt_call {
	const struct sockopt *o;
	union opt_value v;
	const char *rounded;	/* SECONDS as typed, when a timeval could not hold it exactly */
};

/* A line under a successful call saying what the value means. */
static void note_value(const struct call_ctx *c)
{
	const struct opt_call *oc = c->extra;
	const struct sockopt *o = oc->o;
	const union opt_value *v = &oc->v;

	if (o->kind == OPT_TIMEVAL)
		report_note("%s = %ld.%06ld s%s", o->name, (long)v->tv.tv_sec, (long)v->tv.tv_usec,
			    v->tv.tv_sec || v->tv.tv_usec ? "" : " (wait forever)");
	else if (o->kind == OPT_ERRNO && v->i != 0)
		report_note("%s = %s (%s); reading it cleared it.", o->name, errno_name(v->i),
			    strerror(v->i));
	else if (o->kind == OPT_ERRNO)
		report_note("%s = 0: no error is pending.", o->name);
	else if (o->kind == OPT_LINGER)
		report_note("%s: %s", o->name, !v->linger.l_onoff ? "off: close returns at once, "
			    "the kernel sends what is left and then FIN" : v->linger.l_linger == 0 ?
			    "on 0: close discards unsent data and resets the connection (RST)" :
			    "on: close waits (up to the timeout) until the data is sent");
}

/* ---- setsockopt [FD] NAME VALUE ------------------------------------------ */

/* A number from /proc/sys (net.core.rmem_max, ...), or -1. */
static long read_sysctl(const char *path)
{
	FILE *f = fopen(path, "r");
	long value = -1;

	if (f != NULL) {
		if (fscanf(f, "%ld", &value) != 1)
			value = -1;
		fclose(f);
	}
	return value;
}

/*
 * After SO_RCVBUF or SO_SNDBUF: what the kernel made of the value. It takes
 * the value (as unsigned) up to net.core.rmem_max or wmem_max, doubles it for
 * its bookkeeping, and raises it to a floor of its own; setting a TCP
 * socket's buffer also ends the kernel's autotuning of it.
 */
static void note_buffer(const struct call_ctx *c, const struct opt_call *oc, int now)
{
	bool rcv = oc->o->optname == SO_RCVBUF;
	const char *sysctl = rcv ? "net.core.rmem_max" : "net.core.wmem_max";
	long max = read_sysctl(rcv ? "/proc/sys/net/core/rmem_max" : "/proc/sys/net/core/wmem_max");
	unsigned long asked = (unsigned)oc->v.i;
	long kept = max >= 0 && asked > (unsigned long)max ? max : (long)asked;

	if (max >= 0 && asked > (unsigned long)max)
		report_note("the kernel took %lu%s as %ld, the cap %s, then doubled it: "
			    "%s = %d.", asked, oc->v.i < 0 ? " (the number read as unsigned)" : "",
			    max, sysctl, oc->o->name, now);
	else if (now == 2 * kept)
		report_note("the kernel doubled %ld for its bookkeeping: %s = %d (the cap, %s, "
			    "is %ld).", kept, oc->o->name, now, sysctl, max);
	else
		report_note("the kernel doubled %ld to %ld and raised that to its floor: %s = %d, "
			    "the least it allows.", kept, 2 * kept, oc->o->name, now);
	if (socket_type(c->fd) == SOCK_STREAM && socket_family(c->fd) != AF_UNIX)
		report_note("setting it turned off TCP's autotuning of this buffer (%s) for "
			    "fd %d: it stays %d.", rcv ? "net.ipv4.tcp_rmem" : "net.ipv4.tcp_wmem",
			    c->fd, now);
}

/* After setsockopt: the meaning, and what the kernel really keeps (buffers double). */
static void note_set(const struct call_ctx *c)
{
	const struct opt_call *oc = c->extra;
	union opt_value now;
	socklen_t len = sockopt_value_size(oc->o->kind);

	note_value(c);
	if (oc->rounded != NULL)
		report_note("%s s is finer than a struct timeval's microseconds: sockrepl passed "
			    "the nearest%s, %ld.%06ld s.", oc->rounded,
			    oc->v.tv.tv_sec == 0 && oc->v.tv.tv_usec == 1 ?
			    " above 0 (0 would mean wait forever)" : "",
			    (long)oc->v.tv.tv_sec, (long)oc->v.tv.tv_usec);
	if (oc->o->kind != OPT_INT ||
	    getsockopt(c->fd, oc->o->level, oc->o->optname, &now, &len) == -1)
		return;
	if (oc->o->optname == SO_RCVBUF || oc->o->optname == SO_SNDBUF)
		note_buffer(c, oc, now.i);
	else if (now.i != oc->v.i)
		report_note("the kernel now reports %s = %d, not %d: %s.", oc->o->name, now.i,
			    oc->v.i, oc->o->about);
}

/* The protocol an option's level belongs to, in words. */
static const char *level_owner(int level)
{
	return level == IPPROTO_TCP ? "TCP sockets" : level == IPPROTO_IPV6 ?
	       "IPv6 (inet6) sockets" : "every socket";
}

/* Why setsockopt or getsockopt failed: a read-only option, a bound socket, a foreign level. */
void sockopt_explain(const struct call_ctx *c)
{
	const struct opt_call *oc = c->extra;
	struct kstate k;

	if (oc == NULL || !kstate_read(c->fd, &k))
		return;
	if (oc->o->read_only && strcmp(c->call, "setsockopt") == 0)
		report_note("here: %s can only be read (getsockopt %s).", oc->o->name,
			    oc->o->name);
	else if (oc->o->optname == IPV6_V6ONLY && k.domain == AF_INET6 && k.has_local)
		report_note("here: fd %d is already bound; IPV6_V6ONLY is settled at bind.", c->fd);
	else if (oc->o->min < oc->o->max && strcmp(c->call, "setsockopt") == 0 &&
		 (oc->v.i < oc->o->min || oc->v.i > oc->o->max) && k.has_tcp)
		report_note("here: Linux takes %s from %ld to %ld; %d is outside that.",
			    oc->o->name, oc->o->min, oc->o->max, oc->v.i);
	else if (oc->o->level != SOL_SOCKET)
		report_note("here: %s is a %s option, for %s; fd %d is a %s socket.", oc->o->name,
			    oc->o->level_name, level_owner(oc->o->level), c->fd, proto_name(&k));
}

/* After getsockopt: the value in words, and what the option is for. */
static void note_get(const struct call_ctx *c)
{
	const struct opt_call *oc = c->extra;

	note_value(c);
	if (oc->o->kind == OPT_BOOL || oc->o->kind == OPT_INT)
		report_note("%s: %s.", oc->o->name, oc->o->about);
}

static enum cmd_status cmd_setsockopt_exec(struct session *s, const struct cmd_args *a)
{
	struct opt_call oc;
	struct call_ctx c = { .call = "setsockopt", .on_success = note_set, .extra = &oc };
	bool fd_typed = looks_like_int(a->argv[0]);
	struct strbuf args;
	bool rounded;
	int ret, err;

	if (fd_typed && a->argc < 3) {
		report_error(s, "setsockopt: missing VALUE (usage: setsockopt %s)",
			     cmd_setsockopt_entry.usage);
		return CMD_USAGE;
	}
	oc.o = sockopt_find(s, a->argv[fd_typed]);
	if (oc.o == NULL ||
	    !resolve_fd(s, fd_typed ? a->argv[0] : NULL, NULL, "setsockopt", &c.fd) ||
	    !sockopt_parse_value(s, oc.o, a->argc - fd_typed - 1, a->argv + fd_typed + 1, &oc.v,
			 &rounded))
		return CMD_USAGE;
	oc.rounded = rounded ? a->argv[a->argc - 1] : NULL;
	ret = setsockopt(c.fd, oc.o->level, oc.o->optname, &oc.v, sockopt_value_size(oc.o->kind));
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, %s, %s, ", c.fd, oc.o->level_name, oc.o->strace_name);
	sb_sockopt_value(&args, oc.o, &oc.v, false);
	sb_printf(&args, ", %u", (unsigned)sockopt_value_size(oc.o->kind));
	return finish_call(s, &args, &c, ret, err);
}

const struct cmd_entry cmd_setsockopt_entry = {
	.name = "setsockopt",
	.usage = "[FD] NAME VALUE",
	.summary = "set a socket option (help setsockopt lists them)",
	.syscall = "setsockopt",
	.about = "Sets an option. NAME with or without its prefix, any case (reuseaddr,\n"
		"SO_REUSEADDR). VALUE: on|off, a number, SECONDS for the timeouts (0.5),\n"
		"on SECONDS|off for linger. Options:\n"
		"  SO_REUSEADDR SO_REUSEPORT SO_KEEPALIVE SO_BROADCAST SO_LINGER SO_RCVBUF\n"
		"  SO_SNDBUF SO_RCVTIMEO SO_SNDTIMEO SO_RCVLOWAT TCP_NODELAY TCP_CORK\n"
		"  TCP_QUICKACK TCP_USER_TIMEOUT (ms) TCP_KEEPIDLE TCP_KEEPINTVL (s)\n"
		"  TCP_KEEPCNT"
		"  IPV6_V6ONLY, and to read only: SO_ERROR SO_TYPE SO_ACCEPTCONN.\n"
		"  Without FD: the current socket.\n"
		"SO_RCVBUF and SO_SNDBUF: the kernel caps the value at net.core.rmem_max\n"
		"(wmem_max), doubles it for its bookkeeping, raises it to a floor (2304 and\n"
		"4608 bytes here), and on TCP stops autotuning that buffer; the note after\n"
		"the call shows the numbers, read back from the kernel.\n"
		"SO_RCVTIMEO and SO_SNDTIMEO: SECONDS go to the nearest microsecond (a\n"
		"struct timeval); a time above 0 never becomes 0, which means wait forever.",
	.min_args = 2,
	.max_args = 4,
	.exec = cmd_setsockopt_exec,
};

/* ---- getsockopt [FD] NAME ---------------------------------------------------- */

static enum cmd_status cmd_getsockopt_exec(struct session *s, const struct cmd_args *a)
{
	struct opt_call oc;
	struct call_ctx c = { .call = "getsockopt", .on_success = note_get, .extra = &oc };
	socklen_t size, len;
	struct strbuf args;
	int ret, err;

	oc.o = sockopt_find(s, a->argv[a->argc - 1]);
	if (oc.o == NULL ||
	    !resolve_fd(s, a->argc == 2 ? a->argv[0] : NULL, NULL, "getsockopt", &c.fd))
		return CMD_USAGE;
	memset(&oc.v, 0, sizeof(oc.v));
	size = len = sockopt_value_size(oc.o->kind);
	ret = getsockopt(c.fd, oc.o->level, oc.o->optname, &oc.v, &len);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, %s, %s, ", c.fd, oc.o->level_name, oc.o->strace_name);
	if (ret == 0)
		sb_sockopt_value(&args, oc.o, &oc.v, true);
	else
		sb_printf(&args, "%p", (void *)&oc.v);
	sb_socklen(&args, size, len, ret == 0);
	return finish_call(s, &args, &c, ret, err);
}

const struct cmd_entry cmd_getsockopt_entry = {
	.name = "getsockopt",
	.usage = "[FD] NAME",
	.summary = "read a socket option",
	.syscall = "getsockopt",
	.about = "Reads an option's current value, as the kernel keeps it. NAME as for\n"
		"setsockopt. Reading SO_ERROR also clears the pending error. Without FD:\n"
		"the current socket.",
	.min_args = 1,
	.max_args = 2,
	.exec = cmd_getsockopt_exec,
};
