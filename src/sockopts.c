/*
 * sockopts.c - the socket options sockrepl knows, and their values.
 *
 * The options are a table: the name a learner types (with or without its
 * SO_/TCP_/IPV6_ prefix, any case), the level and option number, the names
 * strace prints, and what kind of value it takes. Here too: a value parsed
 * from what was typed, and printed as strace prints it. The commands and
 * their notes are in cmd_sockopt.c.
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

static const struct sockopt sockopts[] = {
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
	{ "TCP_QUICKACK", IPPROTO_TCP, TCP_QUICKACK, "SOL_TCP", "TCP_QUICKACK", OPT_BOOL,
	  "on: acknowledge what arrives at once; off: delay ACKs (40 ms at least) hoping to "
	  "send them along with data. Linux switches by itself too (a delayed ACK's timer "
	  "running out turns it back on), so neither lasts", false, 0, 0 },
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

#define NSOCKOPTS (sizeof(sockopts) / sizeof(sockopts[0]))

socklen_t sockopt_value_size(enum opt_kind kind)
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
const struct sockopt *sockopt_find(struct session *s, const char *typed)
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
bool sockopt_parse_value(struct session *s, const struct sockopt *o, int argc, char **argv,
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
void sb_sockopt_value(struct strbuf *sb, const struct sockopt *o, const union opt_value *v,
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
