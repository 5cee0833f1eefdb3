/*
 * cmd_expect.c - expect: the checks that make a lesson or a test script
 * check itself, against the last call's result and the kernel's state.
 *
 * A failed expectation prints one line (line number, what was expected,
 * what was seen) and makes the exit status 1; the script goes on. In a
 * guided lesson it is a hint instead.
 */
#include <ctype.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sockrepl.h"

/* ---- expect ... ------------------------------------------------------------ */

/* TCP state names compare ignoring case, and '_' matches '-' (SYN_SENT). */
static bool same_state_name(const char *typed, const char *name)
{
	for (; *typed && *name; typed++, name++) {
		char t = *typed == '_' ? '-' : (char)toupper((unsigned char)*typed);

		if (t != *name)
			return false;
	}
	return *typed == *name;
}

int find_api_state(const char *typed)
{
	for (int st = API_CREATED; st <= API_CLOSED; st++)
		if (strcasecmp(typed, api_state_name(st)) == 0)
			return st;
	return -1;
}

int find_tcp_state(const char *typed)
{
	for (int st = TCP_ESTABLISHED; st <= TCP_CLOSING; st++)
		if (same_state_name(typed, tcp_state_name(st)))
			return st;
	return -1;
}

/* What a learner probably skipped, when a socket is in one state and not another. */
static const struct {
	enum api_state have, want;
	const char *hint;
} state_hints[] = {
	{ API_CREATED, API_BOUND, "did you call bind?" },
	{ API_CREATED, API_LISTENING, "did you call bind and listen?" },
	{ API_BOUND, API_LISTENING, "did you call listen?" },
	{ API_CREATED, API_CONNECTED, "did you call connect?" },
	{ API_BOUND, API_CONNECTED, "did you call connect?" },
	{ API_LISTENING, API_CONNECTED, "a listener never connects: the connection is the fd accept returned" },
	{ API_CONNECTING, API_CONNECTED, "the handshake has not finished: wait, or poll FD:out" },
	{ API_HALF_CLOSED, API_CONNECTED, "one direction is shut: by shutdown, or by the peer's FIN" },
	{ API_DISCONNECTED, API_CONNECTED, "its connect failed or its connection ended: the state line says why" },
	{ API_DISCONNECTED, API_BOUND, "its connect failed or its connection ended, and the kernel released its port" },
	{ API_DISCONNECTED, API_LISTENING, "a socket that connected, or tried to, does not listen: use a new socket" },
	{ API_DISCONNECTED, API_HALF_CLOSED, "the connection is over, not half-closed: the state line says why" },
	{ API_CLOSED, API_LISTENING, "that fd is closed; sockets lists the open ones" },
	{ API_CLOSED, API_CONNECTED, "that fd is closed; sockets lists the open ones" },
};

static const char *state_hint(enum api_state have, long want)
{
	for (size_t i = 0; i < sizeof(state_hints) / sizeof(state_hints[0]); i++)
		if (state_hints[i].have == have && (long)state_hints[i].want == want)
			return state_hints[i].hint;
	return NULL;
}

/* expect ok / expect ERRNO: the last system call's outcome. */
static enum cmd_status expect_result(struct session *s, const char *word)
{
	int want = strcasecmp(word, "ok") == 0 ? 0 : errno_from_name(word);
	const struct call_result *last = &s->last;

	if (want == 0 && strcasecmp(word, "ok") != 0) {
		report_error(s, "expect: '%.40s' is neither ok, an errno name (EADDRINUSE), "
			     "state, tcp, queue nor wire", word);
		return CMD_USAGE;
	}
	if (!s->have_last) {
		report_expectation(s, NULL, "expected %s, but no call has been made yet", word);
		return CMD_OK;
	}
	if (last->err == want)
		return CMD_OK;
	if (last->err == 0)
		report_expectation(s, "again offers the step once more",
				   "expected %s, but %s on fd %d succeeded (returned %ld)",
				   errno_name(want), last->call, last->fd, last->ret);
	else
		report_expectation(s, "explain shows what the error means",
				   "expected %s, but %s on fd %d failed with %s",
				   want ? errno_name(want) : "ok", last->call, last->fd,
				   errno_name(last->err));
	return CMD_OK;
}

/* expect state|tcp|queue [FD] VALUE: what the kernel says now. */
static enum cmd_status expect_kernel(struct session *s, const struct cmd_args *a)
{
	const char *what = a->argv[0], *value = a->argv[a->argc - 1];
	struct kstate k;
	long want = -1;
	int fd;

	if (a->argc < 2 || a->argc > 3) {
		report_error(s, "expect %s: %s (usage: expect %s [FD] VALUE)", what,
			     a->argc < 2 ? "missing value" : "too many arguments", what);
		return CMD_USAGE;
	}
	if (strcasecmp(what, "state") == 0 && (want = find_api_state(value)) == -1) {
		report_error(s, "expect state: '%.40s' is not a state: use CREATED, BOUND, "
			     "LISTENING, CONNECTING, CONNECTED, HALF-CLOSED, DISCONNECTED or CLOSED",
			     value);
		return CMD_USAGE;
	}
	if (strcasecmp(what, "tcp") == 0 && (want = find_tcp_state(value)) == -1) {
		report_error(s, "expect tcp: '%.40s' is not a TCP state: use an RFC 793 name "
			     "such as LISTEN, SYN-SENT, ESTABLISHED or TIME-WAIT", value);
		return CMD_USAGE;
	}
	if (strcasecmp(what, "queue") == 0 &&
	    !parse_int(s, "queue length", value, 0, 1L << 30, &want))
		return CMD_USAGE;
	if (a->argc == 3) {
		if (!parse_fd(s, a->argv[1], &fd))
			return CMD_USAGE;
	} else if ((fd = s->current_fd) == -1) {
		report_error(s, "expect %s: no socket yet; name the fd", what);
		return CMD_USAGE;
	}

	kstate_read(fd, &k);
	if (strcasecmp(what, "state") == 0) {
		if (k.api != want && s->friendly)
			report_expectation(s, state_hint(k.api, want), "fd %d is %s, not %s", fd,
					   api_state_name(k.api), api_state_name(want));
		else if (k.api != want)
			report_expectation(s, NULL, "expected fd %d to be %s, but it is %s", fd,
					   api_state_name(want), api_state_name(k.api));
	} else if (strcasecmp(what, "tcp") == 0) {
		if (!k.has_tcp)
			report_expectation(s, NULL, "expected fd %d in TCP %s, but it has no TCP "
					   "state (%s)", fd, tcp_state_name(want), k.is_socket ?
					   proto_name(&k) : api_state_name(k.api));
		else if (k.tcp_state != want)
			report_expectation(s, "diagram shows where it is", "expected fd %d in TCP "
					   "%s, but it is in %s", fd, tcp_state_name(want),
					   tcp_state_name(k.tcp_state));
	} else if (k.api != API_LISTENING) {
		report_expectation(s, state_hint(k.api, API_LISTENING), "expected %ld "
				   "connection(s) in fd %d's accept queue, but fd %d is %s, not "
				   "listening", want, fd, fd, api_state_name(k.api));
	} else if (k.queue_len != want) {
		report_expectation(s, NULL, "expected %ld connection(s) in fd %d's accept queue, "
				   "but it has %u waiting (backlog %u: up to %u may wait)", want, fd,
				   k.queue_len, k.queue_max, k.queue_max + 1);
	}
	return CMD_OK;
}

/* The flags of the segments shown under the last call or wait, as "[S], [S.]". */
static void flags_shown(const struct session *s, char *out, size_t size)
{
	size_t len = 0;

	*out = '\0';
	for (unsigned f = 0; f < 256 && len + 20 < size; f++) {
		char letters[16];

		if (!(s->wire_flags[f / 8] & (1u << f % 8)))
			continue;
		wire_flag_letters(f, letters);
		len += (size_t)snprintf(out + len, size - len, "%s[%s]", len ? ", " : "", letters);
	}
}

/* FLAGS as typed, [S.] or S., upper case, in want; false if it cannot be flags. */
static bool typed_flags(const char *typed, char *want, size_t size)
{
	if (strlen(typed) > 8)
		return false;
	snprintf(want, size, "%.*s", (int)strcspn(typed + (*typed == '['), "]"),
		 typed + (*typed == '['));
	for (char *c = want; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	return *want != '\0';
}

/*
 * expect wire order FLAGS FLAGS...: the TCP segments since the last call
 * began (under it, between the lines after it, under a wait) had these
 * flags in this order, others may come between. It holds however slowly the
 * lines ran: the kernel's order, not where a segment happened to be shown.
 */
static enum cmd_status expect_wire_order(struct session *s, const struct cmd_args *a)
{
	char want[16], letters[16], seen[400] = "", wanted[200] = "";
	size_t next = 0;
	int i = 2;

	for (size_t k = 0; k < s->wire_order_len && i < a->argc; k++) {
		wire_flag_letters(s->wire_order[k], letters);
		snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s[%s]",
			 *seen ? " " : "", letters);
		if (!typed_flags(a->argv[i], want, sizeof(want)))
			break;
		if (strcmp(letters, want) == 0)
			i++;
		next = k + 1;
	}
	for (size_t k = next; k < s->wire_order_len; k++) {	/* the rest, for the message */
		wire_flag_letters(s->wire_order[k], letters);
		snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), " [%s]", letters);
	}
	for (int j = 2; j < a->argc; j++) {
		if (!typed_flags(a->argv[j], want, sizeof(want))) {
			report_error(s, "expect wire order: '%.20s' is not FLAGS as tcpdump writes "
				     "them (S, S., ., P., F., R.)", a->argv[j]);
			return CMD_USAGE;
		}
	}
	if (i == a->argc)
		return CMD_OK;
	for (int j = 2; j < a->argc; j++)
		snprintf(wanted + strlen(wanted), sizeof(wanted) - strlen(wanted), "%s[%s]",
			 j > 2 ? " " : "", a->argv[j] + (a->argv[j][0] == '['));
	report_expectation(s, NULL, "expected segments with flags %s in this order since the "
			   "last call, but they came as %s", wanted, *seen ? seen : "none");
	return CMD_OK;
}

/*
 * expect wire [no] FLAGS: among the TCP segments shown under the last call
 * (or wait), one has (no: none has) exactly these flags, in tcpdump's
 * letters: S, S., ., P., F., R, R. ... expect wire none: no segment at all.
 */
static enum cmd_status expect_wire(struct session *s, const struct cmd_args *a)
{
	bool no = a->argc == 3 && strcasecmp(a->argv[1], "no") == 0, seen = false, any;
	const char *typed = a->argv[a->argc - 1];
	char want[16] = "", letters[16], what[48], shown[400];

	if (a->argc >= 3 && strcasecmp(a->argv[1], "order") == 0)
		return expect_wire_order(s, a);
	if (a->argc == 2 || no)	/* [S.] is S. */
		snprintf(want, sizeof(want), "%.*s", (int)strcspn(typed + (*typed == '['), "]"),
			 typed + (*typed == '['));
	if (a->argc < 2 || a->argc > 3 || (a->argc == 3 && !no) || strlen(typed) > 8 ||
	    *want == '\0' || (no && strcasecmp(want, "none") == 0)) {
		report_error(s, "expect wire: write expect wire FLAGS, expect wire no FLAGS, "
			     "expect wire none or expect wire order FLAGS FLAGS..., FLAGS as tcpdump "
			     "writes them (S, S., ., P., F., R.)");
		return CMD_USAGE;
	}
	for (char *c = want; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	any = strcmp(want, "NONE") == 0;	/* expect wire none: no segment at all */
	for (unsigned f = 0; f < 256; f++) {
		wire_flag_letters(f, letters);
		if (any || strcmp(letters, want) == 0)
			seen = seen || (s->wire_flags[f / 8] & (1u << f % 8));
	}
	if (any)
		snprintf(what, sizeof(what), "no segment");
	else
		snprintf(what, sizeof(what), "%s segment with flags [%s]", no ? "no" : "a", want);
	if (!wire_capturing()) {
		report_expectation(s, "wire on starts it (as root, or in sockrepl --sandbox)",
				   "expected %s, but nothing is captured", what);
		return CMD_OK;
	}
	if (seen == !(no || any))
		return CMD_OK;
	flags_shown(s, shown, sizeof(shown));
	report_expectation(s, NULL, "expected %s under the last call or wait, but it showed %s",
			   what, *shown ? shown : "none");
	return CMD_OK;
}

static enum cmd_status expect_any(struct session *s, const struct cmd_args *a)
{
	const char *what = a->argv[0];

	if (strcasecmp(what, "wire") == 0)
		return expect_wire(s, a);
	if (strcasecmp(what, "state") == 0 || strcasecmp(what, "tcp") == 0 ||
	    strcasecmp(what, "queue") == 0)
		return expect_kernel(s, a);
	if (a->argc > 1) {
		report_error(s, "expect %s: too many arguments (usage: expect ok|ERRNO)", what);
		return CMD_USAGE;
	}
	return expect_result(s, what);
}

/*
 * Every expect is a TAP test point under --tap: ok unless it failed or did
 * not parse. In a script its line is not echoed (a transcript is not a
 * quarter empty prompts): a check that holds prints nothing, or one compact
 * mark with --verbose; one that fails says which line and what was seen.
 */
static enum cmd_status cmd_expect_exec(struct session *s, const struct cmd_args *a)
{
	unsigned long failures = s->expect_failures;
	enum cmd_status status = expect_any(s, a);
	char line[256] = "expect";
	bool passed;

	for (int i = 0; i < a->argc; i++)	/* the words, as split_words cut them */
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s", a->argv[i]);
	passed = status != CMD_USAGE && s->expect_failures == failures;
	tap_point(passed, "line %lu: %s", s->lineno, line);
	if (passed && s->echo && s->verbose)	/* else a check that holds says nothing */
		printf("%s\u2713 %s%s\n", color(COLOR_NOTE), line, color(COLOR_OFF));
	return status;
}

const struct cmd_entry cmd_expect_entry = {
	.name = "expect",
	.usage = "ok|ERRNO|state|tcp|queue|wire [FD|no|order] [VALUE...]",
	.summary = "check the last call's result or a socket's state",
	.about = "expect ok and expect ERRNO (e.g. expect EADDRINUSE) check the last system\n"
		"call's result. expect state [FD] STATE checks the API state (CREATED,\n"
		"BOUND, LISTENING, CONNECTING, CONNECTED, HALF-CLOSED, DISCONNECTED, CLOSED:\n"
		"help sockets says what each means); expect tcp [FD] STATE the\n"
		"kernel's TCP state (LISTEN, SYN-SENT, ESTABLISHED, ...); expect queue [FD] N\n"
		"the number of connections waiting in a listener's accept queue. FD defaults\n"
		"to the current socket. expect wire FLAGS (wire on first) checks that a TCP\n"
		"segment with exactly these flags, in tcpdump's letters (S, S., ., P., F.,\n"
		"R, R.), was shown under the last call or wait (with what was shown just\n"
		"before the wait); expect wire no FLAGS that none was; expect wire none\n"
		"that no TCP segment was; expect wire order FLAGS FLAGS... that segments\n"
		"with these flags came in this order since the last call (under it,\n"
		"between lines, under a wait). A failed expectation names the line, what\n"
		"was expected and what was seen, and makes the exit status 1.",
	.min_args = 1,
	.max_args = 12,
	.exec = cmd_expect_exec,
	.narrates = true,
};
