/*
 * watch.c - events on the session's sockets, noticed without touching them.
 *
 * A snapshot of what the kernel reports for a socket (accept-queue length,
 * unread bytes, a datagram waiting, end of file, pending error, TCP state)
 * is kept per fd. An event is a change since the snapshot last reported: a
 * connection waiting, data or a datagram arriving, the peer closing, a connect or connection ending (refused,
 * reset: the words of the DISCONNECTED state line), a non-blocking connect
 * finishing. Reading state this way consumes nothing: no accept, no recv, no
 * SO_ERROR.
 */
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockrepl.h"

static void take_snapshot(int fd, struct snapshot *snap)
{
	struct kstate k;

	memset(snap, 0, sizeof(*snap));
	if (!kstate_read(fd, &k))
		return;
	snap->api = k.api;
	snap->tcp_state = k.has_tcp ? k.tcp_state : -1;
	snap->queue = k.api == API_LISTENING ? k.queue_len : 0;
	snap->unread = k.unread;
	snap->eof = k.shutdown > 0 && (k.shutdown & 1);
	if (k.has_tcp && k.bytes_out == 0 && k.unsent == 0)
		snap->unanswered = k.bytes_in;	/* nothing sent, nothing queued to send */
	snap->error = observe_events(fd, 0) & POLLERR;
	if (k.api == API_DISCONNECTED)
		describe_disconnect(&k, false, snap->ended, sizeof(snap->ended));
	snap->readable = observe_events(fd, POLLIN) & POLLIN;
	if (k.type == SOCK_DGRAM && !k.has_peer) {
		snap->dgram = k.dgram_waiting;
		snap->next_dgram = k.next_dgram;
		snap->dgram_mem = k.domain != AF_UNIX && k.has_queues ? k.recv_q : 0;
	}
}

/* The watch record of fd, made on first use; NULL only when memory is out. */
struct watched *watch_find(struct session *s, int fd)
{
	struct watched *grown;

	for (size_t i = 0; i < s->nwatched; i++)
		if (s->watched[i].fd == fd)
			return &s->watched[i];
	grown = realloc(s->watched, (s->nwatched + 1) * sizeof(*grown));
	if (grown == NULL)
		return NULL;
	s->watched = grown;
	memset(&s->watched[s->nwatched], 0, sizeof(s->watched[0]));
	s->watched[s->nwatched].fd = fd;
	s->watched[s->nwatched].seen.tcp_state = -1;
	s->watched[s->nwatched].shown_api = -1;
	return &s->watched[s->nwatched++];
}

/* A TCP state the socket was seen in: the path `diagram` shows. */
void watch_note_state(struct session *s, int fd, int tcp_state)
{
	watch_note_edge(s, fd, tcp_state, VIA_FIGURE);
}

/*
 * The same, with how it got there; a label for the state it is already in
 * labels the edge that led there (an errno reported after the change was seen).
 */
void watch_note_edge(struct session *s, int fd, int tcp_state, enum edge_via via)
{
	struct watched *w = watch_find(s, fd);
	const int max = (int)(sizeof(w->path) / sizeof(w->path[0]));

	if (w == NULL)
		return;
	if (w->npath > 0 && w->path[w->npath - 1] == tcp_state) {
		if (via != VIA_FIGURE && w->via[w->npath - 1] == VIA_FIGURE && w->npath > 1)
			w->via[w->npath - 1] = via;
		return;
	}
	if (w->npath == max) {
		memmove(w->path, w->path + 1, sizeof(w->path) - sizeof(w->path[0]));
		memmove(w->via, w->via + 1, sizeof(w->via) - sizeof(w->via[0]));
		memmove(w->at, w->at + 1, sizeof(w->at) - sizeof(w->at[0]));
		w->npath--;
	}
	w->at[w->npath] = ladder_count();	/* the segment that moved it came before */
	w->path[w->npath] = tcp_state;
	w->via[w->npath++] = via;
}

/* Forget a closed fd, so a new socket on the same number starts afresh. */
void watch_forget(struct session *s, int fd)
{
	for (size_t i = 0; i < s->nwatched; i++)
		if (s->watched[i].fd == fd)
			s->watched[i] = s->watched[--s->nwatched];
}

/* Describe what changed between two snapshots; returns how many events. */
static int describe_events(int fd, const struct snapshot *was, const struct snapshot *now,
			   void (*say)(const char *line, void *arg), void *arg)
{
	char line[256];
	int n = 0;

	if (now->queue > was->queue) {
		snprintf(line, sizeof(line), "fd %d: a connection is waiting in the accept queue "
			 "(%u waiting): accept takes it", fd, now->queue);
		say(line, arg), n++;
	}
	if (was->api == API_CONNECTING && now->api != API_CONNECTING) {
		snprintf(line, sizeof(line), "fd %d: the non-blocking connect %s%s%s", fd,
			 now->api == API_DISCONNECTED ? "failed (" : "finished: the connection is "
			 "established", now->api == API_DISCONNECTED ? now->ended : "",
			 now->api != API_DISCONNECTED ? "" : now->error ? "): the next call, or "
			 "getsockopt SO_ERROR, reports it" : ")");
		say(line, arg), n++;
	} else if (now->api == API_DISCONNECTED && was->api != API_DISCONNECTED) {
		snprintf(line, sizeof(line), "fd %d: %s%s", fd, now->ended, now->error ?
			 ": the next call, or getsockopt SO_ERROR, reports it" : "");
		say(line, arg), n++;
	} else if (now->error && !was->error) {
		snprintf(line, sizeof(line), "fd %d: an error is pending: the next call, or "
			 "getsockopt SO_ERROR, reports it", fd);
		say(line, arg), n++;
	}
	if (now->unread > was->unread) {
		snprintf(line, sizeof(line), "fd %d: %u byte%s arrived (%u unread): recv reads "
			 "them", fd, now->unread - was->unread,
			 now->unread - was->unread == 1 ? "" : "s", now->unread);
		say(line, arg), n++;
	}
	if (now->dgram && (!was->dgram || now->dgram_mem > was->dgram_mem)) {
		snprintf(line, sizeof(line), "fd %d: %s datagram arrived (the next to read holds "
			 "%u byte%s): recvfrom reads it", fd,
			 was->dgram ? "another" : "a", now->next_dgram, now->next_dgram == 1 ? "" : "s");
		say(line, arg), n++;
	}
	if (now->eof && !was->eof && now->tcp_state == TCP_CLOSE_WAIT) {
		char before[96] = "", rest[96] = "0, end of file";

		unsigned long long asked = now->unanswered - 1;	/* its FIN counts 1 in TCP_INFO */

		if (now->unanswered > 1)	/* bytes came in, none went out */
			snprintf(before, sizeof(before), " before you answered: it sent %llu byte%s "
				 "and got none back;", asked, asked == 1 ? "" : "s");
		if (now->unread > 0)
			snprintf(rest, sizeof(rest), "the %u unread byte%s, then 0, end of file",
				 now->unread, now->unread == 1 ? "" : "s");
		snprintf(line, sizeof(line), "fd %d: the peer closed its side (FIN)%s%s recv returns "
			 "%s", fd, before, *before ? "" : ":", rest);
		say(line, arg), n++;
	}
	return n;
}

/*
 * Report what changed on the session's sockets (on fd only, unless fd is
 * -1) since it was last reported; returns how many events were reported.
 */
int watch_check(struct session *s, int only_fd, void (*say)(const char *line, void *arg),
		void *arg)
{
	int events = 0;

	for (size_t i = 0; i < s->nfds; i++) {
		struct watched *w = watch_find(s, s->fds[i]);
		struct snapshot now;

		if (w == NULL)
			continue;
		take_snapshot(s->fds[i], &now);
		if (now.tcp_state >= 0)
			watch_note_state(s, s->fds[i], now.tcp_state);
		if (only_fd != -1 && only_fd != s->fds[i])
			continue;	/* its changes wait until they are reported */
		events += describe_events(s->fds[i], &w->seen, &now, say, arg);
		w->seen = now;
	}
	return events;
}

/* ---- wait [FD] [TIMEOUT_MS] --------------------------------------------- */

static void print_event(const char *line, void *arg)
{
	(void)arg;
	printf("  event: %s\n", line);
}

/* The monotonic clock in ms: the deadline of a wait. */
static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * A script's prompt repeats the state line printed last: after events that
 * changed the current socket, print its state line again, so the prompt
 * below shows what the events said.
 */
static void show_current_if_changed(struct session *s)
{
	struct kstate k;
	int shown;

	if (s->current_fd == -1)
		return;
	shown = session_last_shown(s, s->current_fd);
	kstate_read(s->current_fd, &k);
	if (shown != -1 && shown != (int)k.api) {
		print_state(s->current_fd, &k);
		session_shown(s, s->current_fd, k.api);
	}
}

static enum cmd_status cmd_wait_exec(struct session *s, const struct cmd_args *a)
{
	const char *timeout_text = a->argc == 2 ? a->argv[1] : a->argc == 1 ? a->argv[0] : "1000";
	long timeout, deadline;
	int fd = -1;

	if (a->argc == 2 && !parse_fd(s, a->argv[0], &fd))
		return CMD_USAGE;
	if (!parse_int(s, "timeout", timeout_text, 0, 3600000L, &timeout))
		return CMD_USAGE;
	fflush(stdout);
	deadline = now_ms() + timeout;
	if (!s->wire_counted_for_wait)	/* expect wire: this wait's (and just before it) */
		memset(s->wire_flags, 0, sizeof(s->wire_flags));
	s->wire_counted_for_wait = false;
	for (;;) {
		wire_drain(s, false, NULL, NULL);	/* the segments first: they caused the events */
		if (watch_check(s, fd, print_event, NULL) > 0 || proc_check(print_event, NULL) > 0)
			break;
		if (interrupted || now_ms() >= deadline) {
			printf("  no event within %ld ms%s\n", timeout, interrupted ? " (interrupted)" : "");
			break;
		}
		events_wait(s, false, deadline - now_ms());	/* until a socket changes */
	}
	wire_drain(s, true, NULL, NULL);	/* the wait is one call: its summary */
	show_current_if_changed(s);
	return CMD_OK;
}

const struct cmd_entry cmd_wait_entry = {
	.name = "wait",
	.usage = "[FD] [TIMEOUT_MS]",
	.summary = "wait for an event on the sockets and say what happened",
	.about = "Waits (default 1000 ms) until something happens on a socket (on FD, if\n"
		"given) and says what: a connection waiting, data or a datagram arriving,\n"
		"the peer closing (and how many bytes are still unread; \"before you\n"
		"answered\" when TCP_INFO counts bytes it sent and none sent back: a\n"
		"client that gave up, or one that shut down its sending side and still\n"
		"reads), a connect refused, a connection reset or closed both ways, a\n"
		"non-blocking connect finishing. It sleeps until the kernel wakes it: no\n"
		"polling.\n"
		"What ended a connection is named as its DISCONNECTED state line does.\n"
		"Nothing is accepted or read. At the prompt the same events appear by\n"
		"themselves; scripts use wait to show them. One number is the timeout.\n"
		"With FD, other sockets' events wait for a later wait or the prompt.\n"
		"A child process ending (SIGCHLD) is an event too; waitpid reaps it.",
	.min_args = 0,
	.max_args = 2,
	.exec = cmd_wait_exec,
};
