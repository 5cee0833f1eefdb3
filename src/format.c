/*
 * format.c - every call line and every address is formatted here.
 *
 * Call lines follow strace(1) exactly (minus its column padding), so what a
 * learner sees here is what they will see when they strace their own code.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "sockrepl.h"

void sb_init(struct strbuf *sb)
{
	sb->len = 0;
	sb->text[0] = '\0';
}

/* Append; a line too long for the buffer is cut short, never overrun. */
void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	size_t room = sizeof(sb->text) - sb->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sb->text + sb->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->len += (size_t)n < room ? (size_t)n : room - 1;
}

/*
 * Bytes as strace quotes them: "Hello\n", octal for the rest (\0, \377),
 * three octal digits when an octal digit follows; at most `max` bytes, then
 * "..." after the closing quote, as strace -s does.
 */
void sb_quoted(struct strbuf *sb, const void *data, size_t len, size_t max)
{
	static const char named[] = "\"\"\\\\\ff\nn\rr\tt\vv";
	const unsigned char *p = data;
	size_t shown = len < max ? len : max;

	sb_printf(sb, "\"");
	for (size_t i = 0; i < shown; i++) {
		const char *name = p[i] ? memchr(named, p[i], sizeof(named) - 1) : NULL;
		bool octal_next = i + 1 < shown && p[i + 1] >= '0' && p[i + 1] <= '7';

		if (name != NULL && (name - named) % 2 == 0)
			sb_printf(sb, "\\%c", name[1]);
		else if (p[i] >= ' ' && p[i] <= 0x7e)
			sb_printf(sb, "%c", p[i]);
		else if (octal_next)
			sb_printf(sb, "\\%03o", p[i]);
		else
			sb_printf(sb, "\\%o", p[i]);
	}
	sb_printf(sb, "\"%s", len > max ? "..." : "");
}

/*
 * sun_path as strace prints it: "/path" up to its NUL, or @"name" for an
 * abstract address (a leading NUL), where every byte of the length is the
 * name, NULs included.
 */
static void sb_unix_path(struct strbuf *sb, const struct sockaddr_un *un, socklen_t len)
{
	size_t room = (len < sizeof(*un) ? len : sizeof(*un)) - sizeof(sa_family_t);

	if (un->sun_path[0] != '\0') {
		sb_quoted(sb, un->sun_path, strnlen(un->sun_path, room), sizeof(un->sun_path));
	} else {
		sb_printf(sb, "@");
		sb_quoted(sb, un->sun_path + 1, room - 1, sizeof(un->sun_path));
	}
}

/* A sockaddr as strace decodes it: {sa_family=AF_INET, sin_port=htons(80), ...}. */
void sb_sockaddr(struct strbuf *sb, const struct sockaddr *sa, socklen_t len)
{
	char text[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
		sb_printf(sb, "{sa_family=AF_INET, sin_port=htons(%u), sin_addr=inet_addr(\"%s\")}",
			  ntohs(in->sin_port), text);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
		sb_printf(sb, "{sa_family=AF_INET6, sin6_port=htons(%u), sin6_flowinfo=htonl(%u), "
			  "inet_pton(AF_INET6, \"%s\", &sin6_addr), ",
			  ntohs(in6->sin6_port), ntohl(in6->sin6_flowinfo), text);
		/* strace names the interface only where the scope is one (link-local) */
		if ((IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) ||
		     IN6_IS_ADDR_MC_LINKLOCAL(&in6->sin6_addr)) &&
		    if_indextoname(in6->sin6_scope_id, ifname))
			sb_printf(sb, "sin6_scope_id=if_nametoindex(\"%s\")}", ifname);
		else
			sb_printf(sb, "sin6_scope_id=%u}", in6->sin6_scope_id);
	} else if (sa->sa_family == AF_UNIX) {
		sb_printf(sb, "{sa_family=AF_UNIX");
		if (len > sizeof(sa_family_t)) {
			sb_printf(sb, ", sun_path=");
			sb_unix_path(sb, (const struct sockaddr_un *)sa, len);
		}
		sb_printf(sb, "}");
	} else {
		sb_printf(sb, "{sa_family=%u}", sa->sa_family);
	}
}

/*
 * A value-result length as strace shows it: [16] when the kernel left it as
 * passed (or the call failed), [128 => 16] when it changed it.
 */
void sb_socklen(struct strbuf *sb, socklen_t passed, socklen_t returned, bool ok)
{
	if (ok && returned != passed)
		sb_printf(sb, ", [%u => %u]", (unsigned)passed, (unsigned)returned);
	else
		sb_printf(sb, ", [%u]", (unsigned)passed);
}

/*
 * A Unix address for state lines and tables: its path; @"name" for an
 * abstract one, as strace prints it and as bind and connect take it; or
 * (unnamed). Without the address length, the name is taken to end at its
 * last non-NUL byte (the kernel's autobind names, five hex digits, do).
 */
static void format_unix_endpoint(char *out, size_t size, const struct sockaddr_un *un)
{
	struct strbuf sb;
	size_t n = sizeof(un->sun_path);

	if (un->sun_path[0] != '\0') {
		snprintf(out, size, "%.*s", (int)sizeof(un->sun_path), un->sun_path);
		return;
	}
	while (n > 1 && un->sun_path[n - 1] == '\0')
		n--;
	if (n == 1) {
		snprintf(out, size, "(unnamed)");
		return;
	}
	sb_init(&sb);
	sb_printf(&sb, "@");
	sb_quoted(&sb, un->sun_path + 1, n - 1, sizeof(un->sun_path));
	snprintf(out, size, "%s", sb.text);
}

/* An address the way ss(8) shows it: 127.0.0.1:6789, [::1]:6789; Unix ones as above. */
void format_endpoint(char *out, size_t size, const struct sockaddr *sa)
{
	char text[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
		snprintf(out, size, "%s:%u", text, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
		snprintf(out, size, "[%s]:%u", text, ntohs(in6->sin6_port));
	} else if (sa->sa_family == AF_UNIX) {
		format_unix_endpoint(out, size, (const struct sockaddr_un *)sa);
	} else {
		snprintf(out, size, "-");
	}
}

/* EADDRINUSE for 98; strace prints the same names. */
const char *errno_name(int err)
{
	const char *name = strerrorname_np(err);

	return name != NULL ? name : "E???";
}

/*
 * Print `call(args) = ret` or `call(args) = -1 ENAME (message)` and record
 * the outcome for `expect`. A call a signal interrupted shows what strace
 * shows, the kernel's `= ? ERESTARTSYS (...)`, and a note says what the
 * program got (-1 EINTR) and why.
 */
void print_call(struct session *s, const struct strbuf *args, const struct call_ctx *c,
		long ret, int err)
{
	const char *call = c->call;
	char restart_text[96];
	const char *restart = ret == -1 && err == EINTR ?
			      interrupted_return(c, restart_text, sizeof(restart_text)) : NULL;

	if (ret == -1 && err == EINTR && s->interactive)
		putchar('\n');	/* the terminal echoed ^C on the waiting line */
	if (restart != NULL)
		printf("%s%s(%s) = %s? %s%s\n", color(COLOR_CALL), call, args->text,
		       color(COLOR_ERROR), restart, color(COLOR_OFF));
	else if (ret == -1)
		printf("%s%s(%s) = %s-1 %s (%s)%s\n", color(COLOR_CALL), call, args->text,
		       color(COLOR_ERROR), errno_name(err), strerror(err), color(COLOR_OFF));
	else
		printf("%s%s(%s) = %ld%s%s%s\n", color(COLOR_CALL), call, args->text, ret,
		       c->result ? " " : "", c->result ? c->result : "", color(COLOR_OFF));
	if (ret == -1 && err == EINTR)
		note_interruption(c);
	session_record(s, call, c->fd, ret, err);
}
