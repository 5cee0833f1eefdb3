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
#include <sys/wait.h>

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
 * Bytes that are a few long runs of one byte each, as send's TEXT repeats
 * them: "x"*3096 + "y"*1000, so that a recv of thousands of bytes filled by
 * "x"*N reads as one short line. False, with nothing written, for other data.
 */
bool sb_runs(struct strbuf *sb, const void *data, size_t len)
{
	enum { MAX_RUNS = 4, MIN_RUN = 16 };
	const unsigned char *p = data;
	size_t start[MAX_RUNS + 1], count = 0;

	for (size_t i = 0; i < len; i++) {
		if (i > 0 && p[i] == p[i - 1])
			continue;
		if (count == MAX_RUNS)
			return false;
		start[count++] = i;
	}
	start[count] = len;
	for (size_t k = 0; k < count; k++)
		if (start[k + 1] - start[k] < MIN_RUN)
			return false;
	for (size_t k = 0; k < count; k++) {
		sb_quoted(sb, &p[start[k]], 1, 1);
		sb_printf(sb, "*%zu%s", start[k + 1] - start[k], k + 1 < count ? " + " : "");
	}
	return count > 0;
}

/*
 * Text that did not come from the learner's keyboard (a peer's path, a
 * process name, a script's line, a message quoting any of them) as a
 * terminal may show it: printable ASCII and well-formed UTF-8 as they are;
 * control bytes, DEL, the C1 controls U+0080..U+009F (U+009B is a CSI, as
 * ESC [ is) and bytes that are not UTF-8 as \ooo, as strace writes them.
 * So no escape sequence reaches the terminal, and a line stays one line.
 */
/* The length of the UTF-8 character at p (at most `left` bytes), 0 if not a safe one. */
static size_t utf8_safe_length(const unsigned char *p, size_t left)
{
	static const struct {	/* lead bytes, the range of the second byte, the length */
		unsigned char lead_lo, lead_hi, second_lo, second_hi, len;
	} forms[] = {
		{ 0xc2, 0xc2, 0xa0, 0xbf, 2 },	/* C2 80..C2 9F are the C1 controls */
		{ 0xc3, 0xdf, 0x80, 0xbf, 2 },
		{ 0xe0, 0xe0, 0xa0, 0xbf, 3 },	/* no overlong forms */
		{ 0xe1, 0xec, 0x80, 0xbf, 3 },
		{ 0xed, 0xed, 0x80, 0x9f, 3 },	/* no UTF-16 surrogates */
		{ 0xee, 0xef, 0x80, 0xbf, 3 },
		{ 0xf0, 0xf0, 0x90, 0xbf, 4 },
		{ 0xf1, 0xf3, 0x80, 0xbf, 4 },
		{ 0xf4, 0xf4, 0x80, 0x8f, 4 },	/* nothing above U+10FFFF */
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (p[0] < forms[i].lead_lo || p[0] > forms[i].lead_hi)
			continue;
		if (left < forms[i].len || p[1] < forms[i].second_lo || p[1] > forms[i].second_hi)
			return 0;
		for (size_t k = 2; k < forms[i].len; k++)
			if ((p[k] & 0xc0) != 0x80)
				return 0;
		return forms[i].len;
	}
	return 0;
}

/*
 * One character of outside text, as above, into out (NUL-terminated);
 * returns how many bytes of text it took.
 */
size_t escape_char(const char *text, size_t left, char out[8])
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = *p >= 0x80 ? utf8_safe_length(p, left) : *p >= 0x20 && *p < 0x7f;

	if (n == 0) {
		snprintf(out, 8, "\\%03o", *p);
		return 1;
	}
	memcpy(out, text, n);
	out[n] = '\0';
	return n;
}

/* How many bytes from text on print as they are (escape_char copies them). */
static size_t plain_run(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, n;

	while (i < len) {
		n = p[i] >= 0x80 ? utf8_safe_length(p + i, len - i) : p[i] >= 0x20 && p[i] < 0x7f;
		if (n == 0)
			break;
		i += n;
	}
	return i;
}

/*
 * Outside text of len bytes, escaped as escape_char says; plain runs go out
 * whole, as a note is mostly plain and is printed after every call.
 */
void sb_escaped(struct strbuf *sb, const char *text, size_t len)
{
	char one[8];

	for (size_t i = 0, run; i < len; i += run) {
		run = plain_run(text + i, len - i);
		if (run > 0) {
			sb_printf(sb, "%.*s", (int)run, text + i);
		} else {
			run = escape_char(text + i, len - i, one);
			sb_printf(sb, "%s", one);
		}
	}
}

/* The same, straight to a stream: a say line, a script's echo, a message. */
void put_escaped(const char *text, FILE *out)
{
	char one[8];

	for (size_t len = strlen(text), i = 0, run; i < len; i += run) {
		run = plain_run(text + i, len - i);
		if (run > 0) {
			fwrite(text + i, 1, run, out);
		} else {
			run = escape_char(text + i, len - i, one);
			fputs(one, out);
		}
	}
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

	sb_init(&sb);
	if (un->sun_path[0] != '\0') {	/* another process's path may hold anything */
		sb_escaped(&sb, un->sun_path, strnlen(un->sun_path, sizeof(un->sun_path)));
		snprintf(out, size, "%s", sb.text);
		return;
	}
	while (n > 1 && un->sun_path[n - 1] == '\0')
		n--;
	if (n == 1) {
		snprintf(out, size, "(unnamed)");
		return;
	}
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

/*
 * A wait status as strace decodes it: [{WIFEXITED(s) && WEXITSTATUS(s) == 0}],
 * [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}] (&& WCOREDUMP(s) with a core).
 */
void sb_wait_status(struct strbuf *sb, int status)
{
	if (WIFEXITED(status))
		sb_printf(sb, "[{WIFEXITED(s) && WEXITSTATUS(s) == %d}]", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		sb_printf(sb, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIG%s%s}]",
			  sigabbrev_np(WTERMSIG(status)), WCOREDUMP(status) ? " && WCOREDUMP(s)" : "");
	else if (WIFSTOPPED(status))
		sb_printf(sb, "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIG%s}]",
			  sigabbrev_np(WSTOPSIG(status)));
	else
		sb_printf(sb, "[{WIFCONTINUED(s)}]");
}
