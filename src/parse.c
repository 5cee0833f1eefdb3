/*
 * parse.c - turn typed arguments into call arguments, with bounds and reasons.
 *
 * Only what cannot be expressed as a call is refused here (a port of 70000,
 * an address that does not parse). Anything the kernel can judge - a closed
 * fd, a wrong family, a port in use - is passed on for the kernel to judge.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "sockrepl.h"

/* An fd, a port and a backlog are all plain decimal integers. */
bool looks_like_int(const char *text)
{
	if (*text == '-')
		text++;
	if (*text == '\0')
		return false;
	for (; *text; text++)
		if (*text < '0' || *text > '9')
			return false;
	return true;
}

/* Parse a decimal integer in [min, max]; name `what` in the error. */
bool parse_int(struct session *s, const char *what, const char *text,
	       long min, long max, long *out)
{
	char *end;
	long value;

	if (!looks_like_int(text)) {
		report_error(s, "%s '%s': not a decimal number", what, text);
		return false;
	}
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno == ERANGE || value < min || value > max) {
		report_error(s, "%s %s: must be %ld to %ld", what, text, min, max);
		return false;
	}
	*out = value;
	return true;
}

/* Any int is a legal fd argument: the kernel answers EBADF for the bad ones. */
bool parse_fd(struct session *s, const char *text, int *fd)
{
	long value;

	if (!parse_int(s, "fd", text, INT_MIN, INT_MAX, &value))
		return false;
	*fd = (int)value;
	return true;
}

/*
 * The timeout word of poll and select: Nms, timeout=N, or forever (-1). A
 * bare number is always an fd, so no fd can be taken for a timeout. 1: a
 * timeout, in *ms; 0: word is no timeout; -1: a timeout with a bad number
 * (said).
 */
int take_timeout_word(struct session *s, const char *word, long *ms)
{
	size_t len = strlen(word);
	char number[32];

	if (strcmp(word, "forever") == 0) {
		*ms = -1;
		return 1;
	}
	if (strncmp(word, "timeout=", 8) == 0)
		snprintf(number, sizeof(number), "%.31s", word + 8);
	else if (len > 2 && strcmp(word + len - 2, "ms") == 0)
		snprintf(number, sizeof(number), "%.*s", len - 2 < 31 ? (int)(len - 2) : 31, word);
	else
		return 0;
	return parse_int(s, "timeout", number, INT_MIN, INT_MAX, ms) ? 1 : -1;
}

/*
 * A last bare number after an fd (poll 3 4) was once the timeout, and could
 * as well be one more fd: the line is refused, with both readings, so that
 * nobody waits 4 ms who meant fd 4. FD_SUFFIX asks about an fd (":in").
 */
bool refuse_bare_timeout(struct session *s, const char *call, const struct cmd_args *a,
			 const char *fd_suffix)
{
	const char *last = a->argc >= 2 ? a->argv[a->argc - 1] : NULL;
	char before[256] = "";

	if (last == NULL || !looks_like_int(last))
		return false;
	for (int i = 0; i < a->argc - 1; i++)
		snprintf(before + strlen(before), sizeof(before) - strlen(before), "%.40s ",
			 a->argv[i]);
	report_error(s, "%s %s%.20s: is %.20s an fd or a timeout? %s %s%.20sms waits up to %.20s ms; "
		     "%s %s%.20s%s asks about fd %.20s too", call, before, last, last, call, before,
		     last, last, call, before, last, fd_suffix, last);
	return true;
}

/*
 * A socket bound to 0.0.0.0 or :: is reached at this machine's loopback
 * address; @FD uses that, so it always works as a destination.
 */
static void wildcard_to_loopback(struct sockaddr_storage *addr)
{
	struct sockaddr_in *in = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;

	if (addr->ss_family == AF_INET && in->sin_addr.s_addr == htonl(INADDR_ANY))
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (addr->ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
		in6->sin6_addr = in6addr_loopback;
}

/*
 * `@FD`: the local address of socket FD, so scripts need no fixed port. For
 * an fd this session closed, the address it had (so a lesson can bind where
 * a closed server was); a new socket on that fd number replaces it.
 */
static bool parse_at_fd(struct session *s, const char *text,
			struct sockaddr_storage *addr, socklen_t *len)
{
	int fd;

	if (!parse_fd(s, text + 1, &fd))
		return false;
	memset(addr, 0, sizeof(*addr));	/* an abstract name ends where the zeros start */
	*len = sizeof(*addr);
	if (getsockname(fd, (struct sockaddr *)addr, len) == -1 &&
	    !(errno == EBADF && session_former_address(s, fd, addr, len))) {
		report_error(s, "%s: fd %d has no local address (%s)", text, fd,
			     strerror(errno));
		return false;
	}
	if (addr->ss_family == AF_UNIX && *len <= sizeof(sa_family_t)) {
		report_error(s, "%s: fd %d has no path yet; bind it first", text, fd);
		return false;
	}
	if (addr->ss_family == AF_UNIX)
		return true;
	if (addr->ss_family != AF_INET && addr->ss_family != AF_INET6) {
		report_error(s, "%s: fd %d is not an IPv4 or IPv6 socket", text, fd);
		return false;
	}
	if ((addr->ss_family == AF_INET && ((struct sockaddr_in *)addr)->sin_port == 0) ||
	    (addr->ss_family == AF_INET6 && ((struct sockaddr_in6 *)addr)->sin6_port == 0)) {
		report_error(s, "%s: fd %d is not bound to a port yet; bind it first", text, fd);
		return false;
	}
	wildcard_to_loopback(addr);
	return true;
}

/* The longest address text: an IPv6 address with a %scope is well below it. */
#define MAX_ADDRESS_TEXT 64

/* Fill in the address part: a numeric address, `localhost` or `any`. */
static bool parse_host(struct session *s, int family, const char *host,
		       struct sockaddr_storage *addr, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;
	char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	char *scope;

	memset(addr, 0, sizeof(*addr));
	if (strcmp(host, "localhost") == 0)
		host = family == AF_INET6 ? "::1" : "127.0.0.1";
	else if (strcmp(host, "any") == 0)
		host = family == AF_INET6 ? "::" : "0.0.0.0";

	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		*len = sizeof(*in);
		return true;
	}
	if (strlen(host) >= sizeof(text))
		goto bad;
	strcpy(text, host);
	scope = strchr(text, '%');	/* fe80::1%lo: link-local needs an interface */
	if (scope != NULL)
		*scope++ = '\0';
	if (inet_pton(AF_INET6, text, &in6->sin6_addr) != 1)
		goto bad;
	in6->sin6_family = AF_INET6;
	*len = sizeof(*in6);
	if (scope != NULL) {
		in6->sin6_scope_id = if_nametoindex(scope);
		if (in6->sin6_scope_id == 0 && looks_like_int(scope) && *scope != '-')
			in6->sin6_scope_id = (uint32_t)strtoul(scope, NULL, 10);
		if (in6->sin6_scope_id == 0) {
			report_error(s, "address '%s': no interface called '%s'", host, scope);
			return false;
		}
	}
	return true;
bad:
	report_error(s, "address '%.80s%s' doesn't parse: expected IPv4 like 127.0.0.1, "
		     "IPv6 like ::1, localhost or any", host, strlen(host) > 80 ? "..." : "");
	return false;
}

/* PORT: a number, or @FD for the port socket FD is bound to. */
static bool set_port(struct session *s, const char *text,
		     struct sockaddr_storage *addr)
{
	struct sockaddr_storage other;
	socklen_t len;
	long port;

	if (text[0] == '@') {
		if (!parse_at_fd(s, text, &other, &len))
			return false;
		port = ntohs(other.ss_family == AF_INET ? ((struct sockaddr_in *)&other)->sin_port :
			     ((struct sockaddr_in6 *)&other)->sin6_port);
	} else if (!parse_int(s, "port", text, 0, 65535, &port)) {
		return false;
	}
	if (addr->ss_family == AF_INET)
		((struct sockaddr_in *)addr)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)addr)->sin6_port = htons((uint16_t)port);
	return true;
}

/* Split ADDR:PORT or [V6ADDR]:PORT, then parse both halves. */
static bool parse_host_port(struct session *s, int family, const char *text,
			    struct sockaddr_storage *addr, socklen_t *len)
{
	char host[256];
	const char *colon;
	size_t hostlen;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':') {
			report_error(s, "address '%.80s': write an IPv6 address and port as [::1]:6789", text);
			return false;
		}
		hostlen = (size_t)(close - text - 1);
		colon = close + 1;
		text++;
	} else {
		colon = strchr(text, ':');
		if (colon == NULL) {
			report_error(s, "address '%.80s' has no port: write ADDR PORT or ADDR:PORT", text);
			return false;
		}
		if (strchr(colon + 1, ':') != NULL) {
			report_error(s, "address '%.80s': write an IPv6 address and port as [::1]:6789, "
				     "or as two words: ::1 6789", text);
			return false;
		}
		hostlen = (size_t)(colon - text);
	}
	if (hostlen > MAX_ADDRESS_TEXT) {
		report_error(s, "address is %zu characters long; no address is that long", hostlen);
		return false;
	}
	memcpy(host, text, hostlen);
	host[hostlen] = '\0';
	return parse_host(s, family, host, addr, len) &&
	       set_port(s, colon + 1, addr);
}

/* ---- Unix addresses: a path, @"NAME" (abstract), "" (autobind) ----------- */

#define ABSTRACT_FORM "write an abstract Unix name as @\"NAME\", with C escapes and no blanks (\\x20 for a blank)"

/*
 * `@"NAME"`: an abstract Unix address (Linux only), written as strace prints
 * it: sun_path holds a NUL and then NAME, and no file is made. The length
 * passed is offsetof(sun_path) + 1 + strlen(NAME), as C code computes it;
 * the kernel takes every byte of that length as the name.
 */
static bool parse_abstract(struct session *s, const char *text, struct sockaddr_storage *addr,
			   socklen_t *len)
{
	struct sockaddr_un *un = (struct sockaddr_un *)addr;
	const char *close = closing_quote(text + 1);
	char name[4 * sizeof(un->sun_path)];
	long n;

	if (close == NULL || close[1] != '\0') {
		report_error(s, "'%.40s': " ABSTRACT_FORM, text);
		return false;
	}
	if ((size_t)(close - text - 2) >= sizeof(name)) {
		report_error(s, "abstract name '%.20s...' is too long: sun_path holds a NUL and "
			     "at most %zu bytes", text, sizeof(un->sun_path) - 1);
		return false;
	}
	n = unescape(s, text + 2, close, name);
	if (n < 0)
		return false;
	if ((size_t)n >= sizeof(un->sun_path)) {
		report_error(s, "abstract name is %ld bytes: sun_path holds a NUL and at most %zu",
			     n, sizeof(un->sun_path) - 1);
		return false;
	}
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path + 1, name, (size_t)n);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	return true;
}

/*
 * `""`: a Unix address with no path at all, only sun_family, so the length
 * is sizeof(sa_family_t). bind with it autobinds: the kernel picks an unused
 * abstract name of five hex digits (getsockname shows it).
 */
static bool parse_no_path(struct sockaddr_storage *addr, socklen_t *len)
{
	memset(addr, 0, sizeof(struct sockaddr_un));
	addr->ss_family = AF_UNIX;
	*len = sizeof(sa_family_t);
	return true;
}

/*
 * An endpoint as typed: ADDR PORT (two words), ADDR:PORT, [V6]:PORT, @FD;
 * for Unix sockets a PATH, @"NAME" (abstract) or "" (autobind). `family`
 * (the socket's) decides what localhost, any and a path mean.
 */
bool parse_endpoint(struct session *s, int family, int argc, char **argv,
		    struct sockaddr_storage *addr, socklen_t *len)
{
	if (argv[0][0] == '@' && argv[0][1] == '"' && argc == 1)
		return parse_abstract(s, argv[0], addr, len);
	if (argv[0][0] == '@' && argv[0][1] == '"') {
		report_error(s, "'%.40s %.20s': " ABSTRACT_FORM, argv[0], argv[1]);
		return false;
	}
	if (argc == 1 && argv[0][0] == '@' && !looks_like_int(argv[0] + 1)) {
		report_error(s, "'%.40s': write @FD for the address of socket FD, or @\"NAME\" "
			     "for an abstract Unix name", argv[0]);
		return false;
	}
	if (argc == 1 && argv[0][0] == '@')
		return parse_at_fd(s, argv[0], addr, len);
	if (family == AF_UNIX && argc == 1 && strcmp(argv[0], "\"\"") == 0)
		return parse_no_path(addr, len);
	if (family == AF_UNIX && argc == 1)
		return unix_path_resolve(s, argv[0], addr, len);
	if (family == AF_UNIX) {
		report_error(s, "a Unix socket's address is one path, not '%.40s %.40s'", argv[0],
			     argv[1]);
		return false;
	}
	if (argc == 1)
		return parse_host_port(s, family, argv[0], addr, len);
	if (strlen(argv[0]) > MAX_ADDRESS_TEXT) {
		report_error(s, "address is %zu characters long; no address is that long",
			     strlen(argv[0]));
		return false;
	}
	return parse_host(s, family, argv[0], addr, len) &&
	       set_port(s, argv[1], addr);
}

/* EADDRINUSE -> 98; also the aliases strace never prints (EWOULDBLOCK). */
int errno_from_name(const char *name)
{
	static const struct {
		const char *name;
		int err;
	} aliases[] = { { "EWOULDBLOCK", EWOULDBLOCK }, { "EDEADLOCK", EDEADLOCK },
			{ "ENOTSUP", ENOTSUP } };

	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(name, aliases[i].name) == 0)
			return aliases[i].err;
	for (int err = 1; err < 4096; err++) {
		const char *known = strerrorname_np(err);

		if (known != NULL && strcasecmp(name, known) == 0)
			return err;
	}
	return 0;
}
