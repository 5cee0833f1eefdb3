/*
 * cmd_sockopt.c - socket options: setsockopt and getsockopt.
 *
 * The options are a table: the name a learner types (with or without its
 * SO_/TCP_/IPV6_ prefix, any case), the level and option number, the names
 * strace prints, and what kind of value it takes.
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

enum opt_kind {
	OPT_BOOL,		/* on|off, an int 0 or 1 */
	OPT_INT,		/* a number, passed as typed */
	OPT_LINGER,		/* on SECONDS | off: struct linger */
	OPT_TIMEVAL,		/* SECONDS (decimals allowed): struct timeval */
	OPT_ERRNO,		/* read only: an errno */
};

static const struct sockopt {
	const char *name;	/* as in <sys/socket.h> */
	int level, optname;
	const char *level_name, *strace_name;	/* as strace prints them */
	enum opt_kind kind;
	const char *about;
	bool read_only;		/* setsockopt gives ENOPROTOOPT */
	long min, max;		/* the values Linux takes (EINVAL outside), when min < max */
} sockopts[] = {
	{ "SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, "SOL_SOCKET", "SO_REUSEADDR", OPT_BOOL,
	  "bind may reuse a port whose old connections are still in TIME-WAIT", false, 0, 0 },
	{ "SO_REUSEPORT", SOL_SOCKET, SO_REUSEPORT, "SOL_SOCKET", "SO_REUSEPORT", OPT_BOOL,
	  "several sockets of the same user (all with this option) may bind the same "
	  "address and port; the kernel spreads new connections across them", false, 0, 0 },
	{ "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, "SOL_SOCKET", "SO_KEEPALIVE", OPT_BOOL,
	  "probe an idle connection now and then, to notice a peer that vanished (TCP_KEEPIDLE, "
	  "TCP_KEEPINTVL and TCP_KEEPCNT say when, how often and how many times)", false, 0, 0 },
	{ "SO_BROADCAST", SOL_SOCKET, SO_BROADCAST, "SOL_SOCKET", "SO_BROADCAST", OPT_BOOL,
	  "a UDP socket may send to a broadcast address (without it: EACCES)", false, 0, 0 },
	{ "SO_LINGER", SOL_SOCKET, SO_LINGER, "SOL_SOCKET", "SO_LINGER", OPT_LINGER,
	  "what close does with unsent data; on 0 makes close reset the connection (RST)", false, 0, 0 },
	{ "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, "SOL_SOCKET", "SO_RCVBUF", OPT_INT,
	  "receive buffer size in bytes, the kernel's bookkeeping included", false, 0, 0 },
	{ "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, "SOL_SOCKET", "SO_SNDBUF", OPT_INT,
	  "send buffer size in bytes, the kernel's bookkeeping included", false, 0, 0 },
	{ "SO_RCVTIMEO", SOL_SOCKET, SO_RCVTIMEO, "SOL_SOCKET", "SO_RCVTIMEO_OLD", OPT_TIMEVAL,
	  "a blocking receive gives up with EAGAIN after this long (0: wait forever)", false, 0, 0 },
	{ "SO_SNDTIMEO", SOL_SOCKET, SO_SNDTIMEO, "SOL_SOCKET", "SO_SNDTIMEO_OLD", OPT_TIMEVAL,
	  "a blocking send gives up with EAGAIN after this long (0: wait forever)", false, 0, 0 },
	{ "SO_RCVLOWAT", SOL_SOCKET, SO_RCVLOWAT, "SOL_SOCKET", "SO_RCVLOWAT", OPT_INT,
	  "recv and poll's POLLIN wait until at least this many bytes are queued (default 1; "
	  "Linux keeps 0 as 1)", false, 0, 0 },
	{ "SO_ERROR", SOL_SOCKET, SO_ERROR, "SOL_SOCKET", "SO_ERROR", OPT_ERRNO,
	  "the pending error, e.g. why a non-blocking connect failed; reading clears it",
	  true, 0, 0 },
	{ "SO_TYPE", SOL_SOCKET, SO_TYPE, "SOL_SOCKET", "SO_TYPE", OPT_INT,
	  "the socket type: 1 SOCK_STREAM, 2 SOCK_DGRAM", true, 0, 0 },
	{ "SO_ACCEPTCONN", SOL_SOCKET, SO_ACCEPTCONN, "SOL_SOCKET", "SO_ACCEPTCONN", OPT_BOOL,
	  "1 when the socket is listening", true, 0, 0 },
	{ "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, "SOL_TCP", "TCP_NODELAY", OPT_BOOL,
	  "send small writes at once instead of waiting to coalesce them (Nagle)", false, 0, 0 },
	{ "TCP_CORK", IPPROTO_TCP, TCP_CORK, "SOL_TCP", "TCP_CORK", OPT_BOOL,
	  "hold back segments that are not full; turning it off sends what is held "
	  "(Linux sends it anyway after 200 ms)", false, 0, 0 },
	{ "TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT, "SOL_TCP", "TCP_USER_TIMEOUT",
	  OPT_INT, "milliseconds sent data may stay unacknowledged before the kernel drops the "
	  "connection with ETIMEDOUT (0: the system's default retries)", false,
	  0, 2147483647 },
	{ "TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, "SOL_TCP", "TCP_KEEPIDLE", OPT_INT,
	  "seconds of silence before the first keepalive probe, when SO_KEEPALIVE is on "
	  "(default net.ipv4.tcp_keepalive_time)", false, 1, 32767 },
	{ "TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, "SOL_TCP", "TCP_KEEPINTVL", OPT_INT,
	  "seconds between unanswered keepalive probes (default "
	  "net.ipv4.tcp_keepalive_intvl)", false, 1, 32767 },
	{ "TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, "SOL_TCP", "TCP_KEEPCNT", OPT_INT,
	  "unanswered keepalive probes before the kernel drops the connection (default "
	  "net.ipv4.tcp_keepalive_probes)", false, 1, 127 },
	{ "IPV6_V6ONLY", IPPROTO_IPV6, IPV6_V6ONLY, "SOL_IPV6", "IPV6_V6ONLY", OPT_BOOL,
	  "an IPv6 socket takes IPv6 only, not IPv4 through ::ffff: mapped addresses", false, 0, 0 },
};

#define NSOCKOPTS (sizeof(sockopts) / sizeof(sockopts[0]))

/* The value, whatever its kind; `size` is what setsockopt/getsockopt pass. */
union opt_value {
	int i;
	struct linger linger;
	struct timeval tv;
};

/* An option and its value, for the notes under a call line. */
struct opt_call {
	const struct sockopt *o;
	union opt_value v;
	const char *rounded;	/* SECONDS as typed, when a timeval could not hold it exactly */
};

static socklen_t value_size(enum opt_kind kind)
{
	return kind == OPT_LINGER ? sizeof(struct linger) :
	       kind == OPT_TIMEVAL ? sizeof(struct timeval) : sizeof(int);
}

/* Every option's full name, for completion. */
void sockopt_add_names(void (*add)(const char *name))
{
	for (size_t i = 0; i < NSOCKOPTS; i++)
		add(sockopts[i].name);
}

/* SO_REUSEADDR, so_reuseaddr, reuseaddr: the option's name, its prefix optional. */
static const struct sockopt *find_sockopt(struct session *s, const char *typed)
{
	for (size_t i = 0; i < NSOCKOPTS; i++) {
		const char *bare = strchr(sockopts[i].name, '_') + 1;

		if (strcasecmp(typed, sockopts[i].name) == 0 || strcasecmp(typed, bare) == 0)
			return &sockopts[i];
	}
	report_error(s, "unknown socket option '%.40s' (help setsockopt lists them)", typed);
	return NULL;
}

/*
 * SECONDS as a struct timeval, to the nearest microsecond (0.9999999 is
 * 1.000000: a tv_usec of 1000000 would be EDOM); a time above 0 that rounds
 * to 0 becomes 1 us, since 0 means wait forever. True if it was rounded.
 */
static bool to_timeval(double secs, struct timeval *tv)
{
	double us = secs * 1e6;
	long long whole = (long long)(us + 0.5);
	double off = (double)whole - us, slack = 1e-6 + us * 1e-15;	/* a double's own error */
	bool rounded = off > slack || off < -slack;

	if (whole == 0 && secs > 0) {
		whole = 1;
		rounded = true;
	}
	tv->tv_sec = (time_t)(whole / 1000000);
	tv->tv_usec = (suseconds_t)(whole % 1000000);
	return rounded;
}

/* Parse VALUE words for the option's kind; *rounded: a time was rounded to a timeval. */
static bool parse_value(struct session *s, const struct sockopt *o, int argc, char **argv,
			union opt_value *v, bool *rounded)
{
	bool on = argc > 0 && (strcasecmp(argv[0], "on") == 0 || strcmp(argv[0], "1") == 0);
	bool off = argc > 0 && (strcasecmp(argv[0], "off") == 0 || strcmp(argv[0], "0") == 0);
	long n = 0;
	char *end;
	double secs;

	memset(v, 0, sizeof(*v));
	*rounded = false;
	switch (o->kind) {
	case OPT_BOOL:
		if (argc == 1 && (on || off)) {
			v->i = on;
			return true;
		}
		report_error(s, "%s takes on or off", o->name);
		return false;
	case OPT_INT:
	case OPT_ERRNO:		/* read only: the kernel says so (ENOPROTOOPT) */
		if (argc == 1 && parse_int(s, o->name, argv[0], -2147483648L, 2147483647L, &n)) {
			v->i = (int)n;
			return true;
		}
		if (argc != 1)
			report_error(s, "%s takes one number", o->name);
		return false;
	case OPT_LINGER:
		if ((argc == 1 && off) ||
		    (argc == 2 && (on || off) &&
		     parse_int(s, "linger seconds", argv[1], 0, 2147483647L, &n))) {
			v->linger.l_onoff = on;
			v->linger.l_linger = (int)n;
			return true;
		}
		if (argc < 1 || argc > 2 || !(on || off))
			report_error(s, "SO_LINGER takes on SECONDS, or off");
		else if (argc == 1)
			report_error(s, "SO_LINGER on needs SECONDS (on 0 makes close send a reset)");
		return false;
	case OPT_TIMEVAL:
		secs = argc == 1 ? strtod(argv[0], &end) : -1;
		if (argc == 1 && *end == '\0' && end != argv[0] && secs >= 0 && secs < 1e9) {
			*rounded = to_timeval(secs, &v->tv);
			return true;
		}
		report_error(s, "%s takes SECONDS, such as 2 or 0.5 (0: wait forever)", o->name);
		return false;
	}
	return false;
}

/*
 * The value as strace prints it: [1], {l_onoff=1, l_linger=0}, "\2\0...";
 * `decoded`: the kernel wrote it (getsockopt), which strace decodes further.
 */
static void sb_value(struct strbuf *sb, const struct sockopt *o, const union opt_value *v,
		     bool decoded)
{
	switch (o->kind) {
	case OPT_LINGER:
		sb_printf(sb, "{l_onoff=%d, l_linger=%d}", v->linger.l_onoff, v->linger.l_linger);
		break;
	case OPT_TIMEVAL:	/* this strace shows SO_*TIMEO_OLD's struct as raw bytes */
		sb_quoted(sb, &v->tv, sizeof(v->tv), sizeof(v->tv));
		break;
	case OPT_ERRNO:		/* strace names the errno only in what getsockopt returns */
		if (decoded && v->i > 0 && strerrorname_np(v->i) != NULL)
			sb_printf(sb, "[%s]", errno_name(v->i));
		else
			sb_printf(sb, "[%d]", v->i);
		break;
	default:
		sb_printf(sb, "[%d]", v->i);
	}
}

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
	socklen_t len = value_size(oc->o->kind);

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
	oc.o = find_sockopt(s, a->argv[fd_typed]);
	if (oc.o == NULL ||
	    !resolve_fd(s, fd_typed ? a->argv[0] : NULL, NULL, "setsockopt", &c.fd) ||
	    !parse_value(s, oc.o, a->argc - fd_typed - 1, a->argv + fd_typed + 1, &oc.v,
			 &rounded))
		return CMD_USAGE;
	oc.rounded = rounded ? a->argv[a->argc - 1] : NULL;
	ret = setsockopt(c.fd, oc.o->level, oc.o->optname, &oc.v, value_size(oc.o->kind));
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, %s, %s, ", c.fd, oc.o->level_name, oc.o->strace_name);
	sb_value(&args, oc.o, &oc.v, false);
	sb_printf(&args, ", %u", (unsigned)value_size(oc.o->kind));
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
		"  TCP_USER_TIMEOUT (ms) TCP_KEEPIDLE TCP_KEEPINTVL (s) TCP_KEEPCNT\n"
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

	oc.o = find_sockopt(s, a->argv[a->argc - 1]);
	if (oc.o == NULL ||
	    !resolve_fd(s, a->argc == 2 ? a->argv[0] : NULL, NULL, "getsockopt", &c.fd))
		return CMD_USAGE;
	memset(&oc.v, 0, sizeof(oc.v));
	size = len = value_size(oc.o->kind);
	ret = getsockopt(c.fd, oc.o->level, oc.o->optname, &oc.v, &len);
	err = errno;
	sb_init(&args);
	sb_printf(&args, "%d, %s, %s, ", c.fd, oc.o->level_name, oc.o->strace_name);
	if (ret == 0)
		sb_value(&args, oc.o, &oc.v, true);
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
