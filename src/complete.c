/*
 * complete.c - Tab completion: command names; fds of the session, shown with
 * their state; socket option names; errno names after `explain`; lesson
 * names; file paths for `record`.
 *
 * Readline calls back without a context argument, so the session is kept in
 * one static pointer, set once at start-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <readline/readline.h>

#include "sockrepl.h"

static struct session *session;
static bool completing_fds;	/* the matches are fds: show each with its state */

/* Candidate words for the current completion, NULL-terminated. */
static char *candidates[512];
static size_t ncandidates;

static void add_candidate(const char *word)
{
	if (ncandidates < sizeof(candidates) / sizeof(candidates[0]) - 1)
		candidates[ncandidates++] = strdup(word);
}

static void clear_candidates(void)
{
	for (size_t i = 0; i < ncandidates; i++)
		free(candidates[i]);
	ncandidates = 0;
}

static char *next_candidate(const char *text, int state)
{
	static size_t index;

	if (state == 0)
		index = 0;
	while (index < ncandidates) {
		const char *word = candidates[index++];

		if (word != NULL && strncasecmp(word, text, strlen(text)) == 0)
			return strdup(word);
	}
	return NULL;
}

static void add_fds(void)
{
	char number[16];

	for (size_t i = 0; i < session->nfds; i++) {
		snprintf(number, sizeof(number), "%d", session->fds[i]);
		add_candidate(number);
	}
	completing_fds = true;
}

static void add_errno_names(void)
{
	for (int err = 1; err < 134; err++)
		if (strerrorname_np(err) != NULL)
			add_candidate(strerrorname_np(err));
}

/* What may follow the words typed so far. */
static void gather(const char *command, int words_before)
{
	if (words_before == 0) {
		cmd_add_names(add_candidate);
	} else if (strcmp(command, "help") == 0) {
		cmd_add_names(add_candidate);
	} else if (strcmp(command, "explain") == 0) {
		add_errno_names();
	} else if (strcmp(command, "setsockopt") == 0 || strcmp(command, "getsockopt") == 0) {
		sockopt_add_names(add_candidate);
		if (words_before == 1)
			add_fds();
	} else if (strcmp(command, "lesson") == 0) {
		lessons_add_names(add_candidate);
	} else if (strcmp(command, "challenge") == 0) {
		challenges_add_names(add_candidate);
	} else {
		add_fds();
	}
}

static char **complete(const char *text, int start, int end)
{
	char before[256], *words[8], *save = NULL;
	int nwords = 0;
	const struct cmd_entry *cmd;

	(void)end;
	clear_candidates();
	completing_fds = false;
	snprintf(before, sizeof(before), "%.*s", start, rl_line_buffer);
	for (char *w = strtok_r(before, " \t", &save); w && nwords < 8; w = strtok_r(NULL, " \t", &save))
		words[nwords++] = w;
	cmd = nwords ? cmd_lookup_quiet(words[0]) : NULL;
	if (cmd != NULL && strcmp(cmd->name, "record") == 0) {
		rl_attempted_completion_over = 0;	/* Readline's own file names */
		return NULL;
	}
	rl_attempted_completion_over = 1;
	if (nwords > 0 && cmd == NULL)
		return NULL;
	gather(cmd ? cmd->name : "", nwords);
	return rl_completion_matches(text, next_candidate);
}

/* fds are listed with what each one is: "3  LISTENING on 127.0.0.1:6789". */
static void display_matches(char **matches, int n, int longest)
{
	if (!completing_fds) {
		rl_display_match_list(matches, n, longest);
		rl_forced_update_display();
		return;
	}
	putchar('\n');
	for (int i = 1; i <= n; i++)
		print_state_line(atoi(matches[i]));
	rl_forced_update_display();
}

void completion_init(struct session *s)
{
	session = s;
	rl_attempted_completion_function = complete;
	rl_completion_display_matches_hook = display_matches;
}
