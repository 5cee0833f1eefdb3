/*
 * proc_route.c - lines for a child: while `proc` has chosen one, each line
 * (but those about the session itself) is sent to it over its channel, and
 * the parent waits for its answer, so output stays in order.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockrepl.h"

/* ---- lines for a child ------------------------------------------------------ */

/*
 * Wait for kid's answer to the line it was sent (line_runs), or its first,
 * after fork.
 * Ctrl-C at the terminal reaches both processes: the child's call is
 * interrupted, and this wait goes on until the child answers. A SIGINT that
 * reached only the parent (kill -INT) is passed on to the child, once. A
 * signal that ends the session ends the wait; the child then ends with it.
 */
void proc_wait_answer(struct session *s, struct proc *kid, bool line_runs)
{
	char msg[192];
	ssize_t n = -1;
	int status, quit, at = 0;
	bool passed_on = false;

	kid->busy = true;
	while (!terminating) {
		n = recv(kid->channel, msg, sizeof(msg) - 1, 0);
		if (n != -1 || errno != EINTR)
			break;
		if (interrupted && line_runs && !passed_on)
			passed_on = kill(kid->pid, SIGINT) == 0;
	}
	if (terminating)
		return;
	kid->busy = false;
	if (n <= 0) {	/* the child ended (exit, or killed) */
		close(kid->channel);
		kid->channel = -1;
		proc_wait_end(kid);
		return;
	}
	msg[n] = '\0';
	if (sscanf(msg, "%d %d %n", &status, &quit, &at) == 2 && at > 0) {
		snprintf(kid->prompt, sizeof(kid->prompt), "%s", msg + at);
		if (status != 0)
			s->status = status;
		if (quit)
			s->quit = true;
	}
}

/* Send a line to kid and wait until it has run there. */
static enum cmd_status forward(struct session *s, struct proc *kid, const char *line)
{
	char *msg;
	int len;

	if (kid->channel == -1)
		return CMD_OK;
	msg = malloc(strlen(line) + 32);
	if (msg == NULL)
		return CMD_USAGE;
	len = sprintf(msg, "%lu %s", s->lineno, line);
	record_line(s, line);
	fflush(stdout);
	memset(s->wire_flags, 0, sizeof(s->wire_flags));	/* expect wire: the child's call's */
	if (send(kid->channel, msg, (size_t)len, MSG_NOSIGNAL) == len) {
		proc_wait_answer(s, kid, true);
	} else {	/* it ended before (killed from outside) */
		close(kid->channel);
		kid->channel = -1;
		proc_wait_end(kid);
	}
	free(msg);
	wire_drain(s, true, NULL, NULL);	/* what the child's call sent, seen from here */
	if (kid->channel == -1) {	/* it ended: say so under its last line */
		proc_check(proc_say_event, NULL);
		printf("commands go to process %d (the parent) again\n", (int)getpid());
		proc_choose(NULL);
	}
	return CMD_OK;
}

void proc_say_event(const char *line, void *arg)
{
	(void)arg;
	printf("  event: %s\n", line);
}

/*
 * The commands that run in the parent even while a child is chosen: the
 * ones about the session and its input rather than a process (choosing a
 * process, leaving, lessons, the recording, the capture and what it saw).
 */
static const struct {
	const struct cmd_entry *cmd;
	const char *first_arg;	/* only with this first argument, or NULL: any */
} in_parent[] = {
	{ &cmd_proc_entry, NULL }, { &cmd_quit_entry, NULL }, { &cmd_reset_entry, NULL },
	{ &cmd_lesson_entry, NULL }, { &cmd_lessons_entry, NULL }, { &cmd_next_entry, NULL },
	{ &cmd_back_entry, NULL }, { &cmd_again_entry, NULL }, { &cmd_leave_entry, NULL },
	{ &cmd_record_entry, NULL }, { &cmd_requires_entry, NULL }, { &cmd_wire_entry, NULL },
	{ &cmd_ladder_entry, NULL }, { &cmd_expect_entry, "wire" },
};

static bool runs_in_parent(const char *line)
{
	char name[32], arg[16];
	const struct cmd_entry *cmd;
	const char *p = line;

	take_word(&p, name, sizeof(name));
	take_word(&p, arg, sizeof(arg));
	if (*name == '\0' || *name == '#' || (cmd = cmd_lookup_quiet(name)) == NULL)
		return false;
	for (size_t i = 0; i < sizeof(in_parent) / sizeof(in_parent[0]); i++)
		if (in_parent[i].cmd == cmd &&
		    (in_parent[i].first_arg == NULL || strcmp(arg, in_parent[i].first_arg) == 0))
			return true;
	return false;
}

/* A line for the chosen child is sent there: true, *status its outcome. */
bool proc_route_line(struct session *s, char *line, enum cmd_status *status)
{
	struct proc *kid = proc_chosen();

	if (kid == NULL || proc_is_child() || runs_in_parent(line))
		return false;
	*status = forward(s, kid, line);
	return true;
}

/* The chosen child's prompt, for the parent's prompt and echo; false: none chosen. */
bool proc_chosen_prompt(char *out, size_t size)
{
	struct proc *kid = proc_chosen();

	if (kid == NULL || kid->prompt[0] == '\0')
		return false;
	snprintf(out, size, "%s", kid->prompt);
	return true;
}
