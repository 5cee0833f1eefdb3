/*
 * session.c - the sockets this session opened, and the last call's outcome.
 *
 * Only which fds belong to the session is remembered here; everything about
 * them (bound? listening? TCP state?) is asked of the kernel when needed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sockrepl.h"

void session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->current_fd = -1;
	s->shown_fd = -1;
}

bool session_add(struct session *s, int fd)
{
	if (s->nfds == s->capfds) {
		size_t cap = s->capfds ? 2 * s->capfds : 16;
		int *grown = realloc(s->fds, cap * sizeof(*grown));

		if (grown == NULL)
			return false;
		s->fds = grown;
		s->capfds = cap;
	}
	s->fds[s->nfds++] = fd;
	s->current_fd = fd;
	kstate_forget(fd);	/* a new socket on this number */
	for (size_t i = 0; i < s->nformers; i++)	/* the number means the new socket now */
		if (s->formers[i].fd == fd)
			s->formers[i] = s->formers[--s->nformers];
	return true;
}

/* Before closing fd: keep its address, for @FD after the close. */
void session_remember_address(struct session *s, int fd)
{
	struct former f = { .fd = fd, .len = sizeof(f.addr) };
	struct former *grown;

	if (getsockname(fd, (struct sockaddr *)&f.addr, &f.len) == -1)
		return;
	for (size_t i = 0; i < s->nformers; i++) {
		if (s->formers[i].fd == fd) {
			s->formers[i] = f;
			return;
		}
	}
	grown = realloc(s->formers, (s->nformers + 1) * sizeof(*grown));
	if (grown == NULL)
		return;		/* only @FD of a closed fd is lost */
	s->formers = grown;
	s->formers[s->nformers++] = f;
}

/* The address fd had when this session closed it. */
bool session_former_address(const struct session *s, int fd, struct sockaddr_storage *addr,
			    socklen_t *len)
{
	for (size_t i = 0; i < s->nformers; i++) {
		if (s->formers[i].fd == fd) {
			*addr = s->formers[i].addr;
			*len = s->formers[i].len;
			return true;
		}
	}
	return false;
}

bool session_has(const struct session *s, int fd)
{
	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i] == fd)
			return true;
	return false;
}

void session_remove(struct session *s, int fd)
{
	for (size_t i = 0; i < s->nfds; i++) {
		if (s->fds[i] == fd) {
			memmove(&s->fds[i], &s->fds[i + 1],
				(s->nfds - i - 1) * sizeof(*s->fds));
			s->nfds--;
			break;
		}
	}
	if (s->current_fd == fd)
		s->current_fd = s->nfds ? s->fds[s->nfds - 1] : -1;
	watch_forget(s, fd);
	kstate_forget(fd);
	wire_forget(fd);
}

/* Close what is still open, newest first, each close printed (reset, exit). */
void session_close_sockets(struct session *s)
{
	s->closing_all = true;
	while (s->nfds > 0)
		close_fd(s, s->fds[s->nfds - 1]);
	s->closing_all = false;
	events_end();	/* the wait's epoll set, made again at the next wait: no fd stays */
}

/* At exit: close the sockets, and free what the session kept about them. */
void session_close_all(struct session *s)
{
	session_close_sockets(s);
	free(s->fds);
	s->fds = NULL;
	s->capfds = 0;
	free(s->resets);
	s->resets = NULL;
	s->nresets = 0;
	free(s->formers);
	s->formers = NULL;
	s->nformers = 0;
	free(s->watched);
	s->watched = NULL;
	s->nwatched = 0;
}

/* The newest socket for which fits() holds, or -1. */
int session_find_fd(const struct session *s, bool (*fits)(int fd))
{
	for (size_t i = s->nfds; i-- > 0;)
		if (fits(s->fds[i]))
			return s->fds[i];
	return -1;
}

/*
 * The fd a command means when the learner leaves it out: the newest socket
 * for which the call makes sense, else the newest socket (so the kernel can
 * say why the call makes no sense), else -1.
 */
int session_pick_fd(const struct session *s, bool (*fits)(int fd))
{
	int fd = fits != NULL ? session_find_fd(s, fits) : -1;

	if (fd == -1 && s->nfds > 0)
		fd = s->fds[s->nfds - 1];
	return fd;
}

/* A state line showed fd in API state api: the prompt repeats it, and it is not news. */
void session_shown(struct session *s, int fd, int api)
{
	struct watched *w = watch_find(s, fd);

	s->shown_fd = fd;
	s->shown_api = api;
	if (w != NULL)
		w->shown_api = api;
}

/* The API state fd's last state line showed, or -1. */
int session_last_shown(struct session *s, int fd)
{
	struct watched *w = watch_find(s, fd);

	return w != NULL ? w->shown_api : -1;
}

void session_record(struct session *s, const char *call, int fd, long ret, int err)
{
	snprintf(s->last.call, sizeof(s->last.call), "%s", call);
	s->last.fd = fd;
	s->last.ret = ret;
	s->last.err = ret == -1 ? err : 0;
	s->have_last = true;
	if (ret == -1 && s->errexit) {
		s->status = 1;
		s->quit = true;
	}
}

/*
 * "sockrepl [3 LISTENING]> ", "sockrepl> " with no socket; a lesson adds
 * "step 3/9"; after fork, which process: "sockrepl [child 1234] [5 CONNECTED]> ".
 */
void session_prompt(const struct session *s, char *out, size_t size)
{
	char progress[32], tag[32];
	struct kstate k;

	lesson_progress(s, progress, sizeof(progress));
	if (proc_chosen_prompt(out, size)) {	/* a child runs the commands: its prompt */
		size_t len = strlen(out);

		if (len >= 2 && strcmp(out + len - 2, "> ") == 0 && *progress)
			snprintf(out + len - 2, size - (len - 2), "%s> ", progress);
		return;
	}
	proc_prompt_tag(tag, sizeof(tag));
	if (s->current_fd == -1) {
		snprintf(out, size, "sockrepl%s%s> ", tag, progress);
		return;
	}
	/*
	 * A script's echo prompt repeats the state line printed just above it,
	 * read from the kernel a moment before; at a terminal, where time passes
	 * at the prompt, it is read afresh.
	 */
	if (!s->interactive && s->shown_fd == s->current_fd) {
		k.api = s->shown_api;
	} else {
		kstate_read(s->current_fd, &k);
	}
	snprintf(out, size, "sockrepl%s [%d %s]%s> ", tag, s->current_fd, api_state_name(k.api),
		 progress);
}

/* Script mode: the prompt and the line, as if typed. */
void echo_line(const struct session *s, const char *line)
{
	char prompt[128];

	session_prompt(s, prompt, sizeof(prompt));
	fputs(prompt, stdout);
	put_escaped(line, stdout);	/* a script's line is not the learner's keyboard */
	putchar('\n');
}

/* At exit: what the session still holds besides sockets. */
void session_end(struct session *s)
{
	challenge_end(s, false);	/* main ends it before the sockets close; this frees it */
	if (s->record != NULL)
		fclose(s->record);
	s->record = NULL;
	if (s->script != NULL && s->script != stdin)
		fclose(s->script);
	s->script = NULL;
	free(s->script_text);
	s->script_text = NULL;
}

/*
 * Move an fd sockrepl keeps for itself (a recording, the history file, a
 * socket file's directory) out of the learner's way: to the highest free
 * number below the fd limit (at most 1023), so sockets keep the numbers
 * they get in a replay without it. Returns the fd to use (fd itself if
 * nothing is free).
 */
int fd_park(int fd)
{
	struct rlimit lim;
	int top, high = -1;

	if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur < 16)
		return fd;
	top = (int)(lim.rlim_cur > 1024 ? 1024 : lim.rlim_cur) - 1;
	for (int at = top; at > top - 64 && at > fd && high == -1; at--)
		high = fcntl(fd, F_DUPFD_CLOEXEC, at);
	if (high == -1)
		return fd;
	close(fd);
	return high;
}
