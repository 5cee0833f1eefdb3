/*
 * cmd_session.c - commands about the session itself: sockets, help, quit.
 */
#include <stdio.h>
#include <unistd.h>

#include "sockrepl.h"

/* ---- sockets (ls) ------------------------------------------------------- */

/* After fork: the other processes of the session that hold the same socket. */
static void print_other_holders(int fd)
{
	char holders[256];

	if (proc_holders(socket_inode(fd), getpid(), holders, sizeof(holders)))
		printf("     also held by: %s\n", *holders ? holders : "no other process");
}

static void print_socket_row(int fd)
{
	struct kstate k;
	char local[ENDPOINT_SIZE] = "-", peer[ENDPOINT_SIZE] = "-", queue[32] = "-";

	if (!kstate_read(fd, &k) && is_epoll_fd(fd)) {
		struct strbuf sb;

		sb_init(&sb);
		epoll_interest(fd, &sb);
		printf("%-4d %-5s %-12s watching %s\n", fd, "epoll", "-", sb.text);
		return;
	}
	if (!kstate_read(fd, &k)) {
		printf("%-4d %-5s %-12s\n", fd, "?", api_state_name(k.api));
		return;
	}
	if ((k.has_local && !k.port_released) || k.api == API_CONNECTING)
		format_endpoint(local, sizeof(local), (struct sockaddr *)&k.local);
	if (k.has_peer || k.has_dest)	/* SYN-SENT: the destination, from sock_diag */
		format_endpoint(peer, sizeof(peer), (struct sockaddr *)&k.peer);
	if (k.api == API_LISTENING)
		snprintf(queue, sizeof(queue), "%u waiting (up to %u)", k.queue_len,
			 k.queue_max + 1);
	printf("%-4d %-5s %-12s %-22s %-22s %-12s %s\n", fd, proto_name(&k),
	       api_state_name(k.api), local, peer,
	       k.has_tcp ? tcp_state_name(k.tcp_state) : "-", queue);
	print_other_holders(fd);
}

static enum cmd_status cmd_sockets_exec(struct session *s, const struct cmd_args *a)
{
	(void)a;
	if (s->nfds == 0) {
		printf("no sockets yet: create one with socket\n");
		return CMD_OK;
	}
	printf("%-4s %-5s %-12s %-22s %-22s %-12s %s\n", "FD", "PROTO", "STATE", "LOCAL",
	       "PEER", "TCP", "QUEUE");
	for (size_t i = 0; i < s->nfds; i++)
		print_socket_row(s->fds[i]);
	return CMD_OK;
}

const struct cmd_entry cmd_sockets_entry = {
	.name = "sockets",
	.alias = "ls",
	.usage = "",
	.summary = "list this session's sockets, read from the kernel (ls)",
	.about = "One row per socket of this session: its fd, protocol, API state, local\n"
		"and peer address, TCP state (from TCP_INFO) and, for a listener, its\n"
		"accept queue: how many connections wait, and how many may (backlog + 1).\n"
		"Every column is read from the kernel. After fork, a line under each row\n"
		"names the session's other processes that hold the same socket\n"
		"(/proc/PID/fd). The API states, and how each is read:\n"
		"  CREATED       no local address yet (getsockname: port 0, no path)\n"
		"  BOUND         has a local address it holds (getsockname), no peer\n"
		"  LISTENING     accepts connections (TCP_INFO: LISTEN; SO_ACCEPTCONN)\n"
		"  CONNECTING    a TCP handshake is under way (TCP_INFO: SYN-SENT)\n"
		"  CONNECTED     has a peer (getpeername answers)\n"
		"  HALF-CLOSED   connected, one direction shut: by shutdown or by the\n"
		"                peer's FIN (sock_diag's shutdown bits)\n"
		"  DISCONNECTED  a TCP socket back in CLOSED after its connect failed or\n"
		"                its connection ended (TCP_INFO: CLOSED, with segments\n"
		"                sent or a port sock_diag no longer lists as held). Why\n"
		"                (refused, reset, closed) is what this session saw; a\n"
		"                pending error (poll: POLLERR) is shown, not read.\n"
		"                On Linux a failed connect may be tried again on the\n"
		"                same socket; after a non-blocking one the first retry\n"
		"                reports the error (ECONNABORTED once SO_ERROR was\n"
		"                read) and listen gives EINVAL; after a blocking one\n"
		"                listen works, on a new port (0.0.0.0 if never bound).\n"
		"                After a connection ended: connect EISCONN, listen EINVAL.\n"
		"  CLOSED        the fd is not open (EBADF)",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_sockets_exec,
};

/* ---- help [COMMAND] ------------------------------------------------------ */

static enum cmd_status cmd_help_exec(struct session *s, const struct cmd_args *a)
{
	if (a->argc == 0) {
		cmd_print_list();
		return CMD_OK;
	}
	return cmd_print_help(s, a->argv[0]) ? CMD_OK : CMD_USAGE;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "list commands, or explain one",
	.about = "Without an argument, lists every command. With one, shows its usage, what\n"
		"its system call does, the errors it can return and its man page.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_help_exec,
};

/* ---- explain ERRNO --------------------------------------------------------- */

static enum cmd_status cmd_explain_exec(struct session *s, const struct cmd_args *a)
{
	int err = errno_from_name(a->argv[0]);

	if (err == 0) {
		report_error(s, "explain: '%.40s' is not an errno name (such as ECONNREFUSED)",
			     a->argv[0]);
		return CMD_USAGE;
	}
	explain_errno(err);
	return CMD_OK;
}

const struct cmd_entry cmd_explain_entry = {
	.name = "explain",
	.usage = "ERRNO",
	.summary = "what an errno means, for each call that returns it",
	.about = "Explains an errno name (ECONNREFUSED, EADDRINUSE, any case): for each\n"
		"call that can return it, what it means there and what to try.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_explain_exec,
};

/* ---- reset ------------------------------------------------------------------ */

static enum cmd_status cmd_reset_exec(struct session *s, const struct cmd_args *a)
{
	(void)a;
	proc_end_all(s);
	session_close_sockets(s);
	unix_paths_cleanup(s);	/* as at exit: a lesson run again can bind its paths */
	s->have_last = false;
	printf("the session starts afresh: no sockets are open\n");
	challenge_restart(s);
	return CMD_OK;
}

const struct cmd_entry cmd_reset_entry = {
	.name = "reset",
	.usage = "",
	.summary = "end the children, close every socket and start afresh",
	.about = "Ends and reaps every child process (each wait4 printed), closes every\n"
		"socket of the session, each close printed, and removes\n"
		"the socket files its binds made, as at exit, and forgets the last\n"
		"call's result; the session goes on.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_reset_exec,
};

/* ---- quit (exit) ---------------------------------------------------------- */

static enum cmd_status cmd_quit_exec(struct session *s, const struct cmd_args *a)
{
	(void)a;
	s->quit = true;
	return CMD_OK;
}

const struct cmd_entry cmd_quit_entry = {
	.name = "quit",
	.usage = "",
	.summary = "close every socket and leave (also end of input)",
	.about = "Ends and reaps every child process (each wait4 printed), closes every\n"
		"socket still open, each close printed, and ends the session. It always\n"
		"runs in the parent, whichever process proc chose.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_quit_exec,
};
