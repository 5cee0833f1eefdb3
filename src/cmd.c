/*
 * cmd.c - the command table, its lookup, and running one input line.
 *
 * Every command is one row (struct cmd_entry) defined in the file of its
 * concern; help, usage errors and arity checks all read the same row.
 */
#include <stdio.h>
#include <string.h>

#include "sockrepl.h"


/* In the order `help` lists them: the chapter's order, then the tools. */
static const struct cmd_entry *const commands[] = {
	&cmd_socket_entry, &cmd_bind_entry, &cmd_listen_entry, &cmd_accept_entry,
	&cmd_connect_entry, &cmd_send_entry, &cmd_recv_entry, &cmd_sendto_entry,
	&cmd_recvfrom_entry, &cmd_sendmmsg_entry, &cmd_sendfile_entry, &cmd_shutdown_entry, &cmd_setsockopt_entry,
	&cmd_getsockopt_entry,
	&cmd_getsockname_entry, &cmd_getpeername_entry, &cmd_poll_entry, &cmd_select_entry,
	&cmd_epoll_create_entry, &cmd_epoll_ctl_entry, &cmd_epoll_wait_entry, &cmd_socketpair_entry,
	&cmd_nonblock_entry, &cmd_close_entry, &cmd_unlink_entry, &cmd_fork_entry,
	&cmd_waitpid_entry,
	&cmd_sockets_entry, &cmd_ss_entry, &cmd_proc_entry, &cmd_wait_entry, &cmd_diagram_entry, &cmd_wire_entry,
	&cmd_ladder_entry,
	&cmd_explain_entry, &cmd_say_entry, &cmd_expect_entry, &cmd_requires_entry,
	&cmd_replay_entry,
	&cmd_lessons_entry,
	&cmd_lesson_entry, &cmd_next_entry, &cmd_back_entry, &cmd_again_entry,
	&cmd_challenges_entry, &cmd_challenge_entry, &cmd_hint_entry, &cmd_leave_any_entry,
	&cmd_record_entry, &cmd_reset_entry, &cmd_help_entry,
	&cmd_quit_entry, &cmd_exit_entry,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Edit distance with transpositions, for "did you mean". */
static size_t typo_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[16][16];

	if (la >= 16 || lb >= 16)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

static void report_unknown(struct session *s, const char *name)
{
	const struct cmd_entry *closest = NULL;
	size_t best = strlen(name) <= 3 ? 2 : 3;	/* suggest only near misses */

	for (size_t i = 0; i < NCOMMANDS; i++) {
		size_t d = typo_distance(name, commands[i]->name);

		if (d < best) {
			best = d;
			closest = commands[i];
		}
	}
	if (closest != NULL)
		report_error(s, "unknown command '%.40s': did you mean '%s'?", name, closest->name);
	else
		report_error(s, "unknown command '%.40s' (help lists the commands)", name);
}

/*
 * Exact name, then alias, then a unique prefix (as tmux does). Returns NULL
 * and the number of prefix matches (0: unknown, 2 or more: ambiguous).
 */
static const struct cmd_entry *cmd_lookup(const char *name, size_t *matches)
{
	const struct cmd_entry *found = NULL;
	size_t len = strlen(name);

	*matches = 0;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i]->name) == 0 ||
		    (commands[i]->alias && strcmp(name, commands[i]->alias) == 0))
			return commands[i];
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strncmp(name, commands[i]->name, len) == 0) {
			found = commands[i];
			++*matches;
		}
	}
	return *matches == 1 ? found : NULL;
}

static void report_ambiguous(struct session *s, const char *name)
{
	char candidates[256] = "";
	size_t len = strlen(name);

	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strncmp(name, commands[i]->name, len) != 0)
			continue;
		if (candidates[0] != '\0')
			strncat(candidates, ", ", sizeof(candidates) - strlen(candidates) - 1);
		strncat(candidates, commands[i]->name, sizeof(candidates) - strlen(candidates) - 1);
	}
	report_error(s, "ambiguous command '%s': could be %s", name, candidates);
}

/* Look a command up; say what is wrong when there is no single match. */
const struct cmd_entry *cmd_find(struct session *s, const char *name)
{
	size_t matches;
	const struct cmd_entry *cmd = cmd_lookup(name, &matches);

	if (cmd == NULL && matches > 1)
		report_ambiguous(s, name);
	else if (cmd == NULL)
		report_unknown(s, name);
	return cmd;
}

/* The command `name` means, or NULL; no message (for completion). */
const struct cmd_entry *cmd_lookup_quiet(const char *name)
{
	size_t matches;

	return cmd_lookup(name, &matches);
}

/* The command a line starts with, through the table (aliases too); NULL if none. */
const struct cmd_entry *cmd_of_line(const char *line)
{
	char word[32];

	return take_word(&line, word, sizeof(word)) ? cmd_lookup_quiet(word) : NULL;
}

/* Every command name and alias, for completion. */
void cmd_add_names(void (*add)(const char *name))
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		add(commands[i]->name);
		if (commands[i]->alias)
			add(commands[i]->alias);
	}
}

/* `help`: one line per command; a long synopsis puts its summary below. */
void cmd_print_list(void)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char synopsis[128];

		snprintf(synopsis, sizeof(synopsis), "%s%s%s", commands[i]->name,
			 *commands[i]->usage ? " " : "", commands[i]->usage);
		if (strlen(synopsis) > 32)
			printf("  %s\n  %-32s %s\n", synopsis, "", commands[i]->summary);
		else
			printf("  %-32s %s\n", synopsis, commands[i]->summary);
	}
	printf("Type help NAME for one command: its syscall, errors and man page.\n");
}

/* `help NAME`: usage, what it does, its errnos and man page. */
bool cmd_print_help(struct session *s, const char *name)
{
	const struct cmd_entry *cmd = cmd_find(s, name);

	if (cmd == NULL)
		return false;
	printf("usage: %s%s%s\n", cmd->name, *cmd->usage ? " " : "", cmd->usage);
	if (cmd->alias)
		printf("alias: %s\n", cmd->alias);
	printf("%s\n", cmd->about);
	if (cmd->syscall != NULL) {
		explain_errnos_of(cmd->syscall);
		if (cmd->also_syscall != NULL)
			explain_errnos_of(cmd->also_syscall);
		printf("read: man 2 %s%s%s\n", cmd->syscall, cmd->also_syscall ? ", man 2 " : "",
		       cmd->also_syscall ? cmd->also_syscall : "");
	}
	return true;
}

/* Split on blanks; count every word, keep the first MAX_ARGS. */
static int split_words(char *text, char **words)
{
	int n = 0;

	for (char *word = strtok(text, " \t"); word; word = strtok(NULL, " \t")) {
		if (n < MAX_ARGS)
			words[n] = word;
		n++;
	}
	return n;
}

static char *skip_blanks(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Check the argument count against the table, so no handler has to. */
static bool arity_ok(struct session *s, const struct cmd_entry *cmd, int nargs)
{
	if (nargs >= cmd->min_args && (cmd->max_args < 0 || nargs <= cmd->max_args))
		return true;
	report_error(s, "%s: %s arguments (usage: %s%s%s)", cmd->name,
		     nargs < cmd->min_args ? "missing" : "too many", cmd->name,
		     *cmd->usage ? " " : "", cmd->usage);
	return false;
}

/*
 * Cut the line's end: its newline, and a carriage return before it (a
 * script saved with CRLF line ends runs as well). A carriage return left
 * inside the line is refused by cmd_parse_line, never taken as an end:
 * `send hello<CR>world` would otherwise send "hello" and drop the rest.
 */
static void end_line(char *line)
{
	size_t n = strcspn(line, "\n");

	line[n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[n - 1] = '\0';
}

/*
 * Turn one line into a command and its arguments, without running it: NULL
 * for a comment or a blank line (*status CMD_OK) or a line that does not
 * parse (*status CMD_USAGE, reported). The line is cut up in place. In a
 * script the line is echoed after the prompt first, so the output reads as
 * a transcript; narration (say) is not, since its output is the line.
 */
const struct cmd_entry *cmd_parse_line(struct session *s, char *line, struct cmd_args *args,
				       char **words, enum cmd_status *status)
{
	const struct cmd_entry *cmd;
	char *start, *after, name[32];
	size_t matches;
	int nargs;

	*status = CMD_OK;
	end_line(line);
	start = skip_blanks(line);
	if (*start == '\0' || *start == '#')
		return NULL;
	after = start + strcspn(start, " \t");
	snprintf(name, sizeof(name), "%.*s", (int)(after - start), start);
	cmd = cmd_lookup(name, &matches);
	if (s->echo && (cmd == NULL || !cmd->narrates))
		echo_line(s, line);
	*status = CMD_USAGE;
	if (strchr(line, '\r') != NULL) {
		report_error(s, "the line holds a carriage return (at byte %zu): ignored; write \\r "
			     "to send one", (size_t)(strchr(line, '\r') - line) + 1);
		return NULL;
	}
	if (cmd == NULL)
		return cmd_find(s, name);
	if (cmd != &cmd_record_entry)
		record_line(s, line);
	args->rest = skip_blanks(after);
	if (cmd->max_args < 0) {	/* takes the line's text as it is */
		nargs = *args->rest != '\0';
		args->argc = 0;
	} else {
		nargs = split_words(after, words);
		args->argc = nargs < MAX_ARGS ? nargs : MAX_ARGS;
	}
	args->argv = words;
	if (!arity_ok(s, cmd, nargs))
		return NULL;
	*status = CMD_OK;
	return cmd;
}

/*
 * Run one line of input: a comment, a blank, or a command and its arguments,
 * here or, while `proc` has chosen a child, in that child (procs.c).
 */
enum cmd_status cmd_run_line(struct session *s, char *line)
{
	char *words[MAX_ARGS];
	struct cmd_args args;
	enum cmd_status status;
	const struct cmd_entry *cmd;

	if (proc_route_line(s, line, &status))
		return status;
	cmd = cmd_parse_line(s, line, &args, words, &status);
	return cmd != NULL ? cmd->exec(s, &args) : status;
}
