/*
 * record.c - `record FILE`: save what the learner types from now on as a
 * script that replays (sockrepl < FILE, or --replay FILE), so a session can
 * become a lesson. The file is created mode 0600 and never through a symlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sockrepl.h"

static void stop_recording(struct session *s)
{
	if (s->record == NULL)
		return;
	fclose(s->record);
	s->record = NULL;
}

/* A line that ran: into the recording, if one is on. */
void record_line(struct session *s, const char *line)
{
	if (s->record != NULL && (fprintf(s->record, "%s\n", line) < 0 || fflush(s->record))) {
		fprintf(stderr, "sockrepl: record: cannot write (%s); recording stopped\n",
			strerror(errno));
		stop_recording(s);
	}
}

/*
 * Move the recording's fd out of the learner's way (to the top of the fd
 * range), so sockets keep the numbers they get in a replay without it.
 */
static int out_of_the_way(int fd)
{
	struct rlimit lim;
	int high;

	if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur < 16)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, (int)((lim.rlim_cur > 1024 ? 1024 : lim.rlim_cur) - 1));
	if (high == -1)
		return fd;
	close(fd);
	return high;
}

static enum cmd_status cmd_record_exec(struct session *s, const struct cmd_args *a)
{
	int fd;

	if (strcmp(a->argv[0], "stop") == 0) {
		if (s->record == NULL) {
			report_error(s, "record: nothing is being recorded");
			return CMD_USAGE;
		}
		stop_recording(s);
		printf("recording stopped\n");
		return CMD_OK;
	}
	stop_recording(s);
	fd = open(a->argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd != -1)
		fd = out_of_the_way(fd);
	if (fd == -1 || (s->record = fdopen(fd, "w")) == NULL) {
		report_error(s, "record: cannot write %s: %s", a->argv[0], strerror(errno));
		if (fd != -1)
			close(fd);
		return CMD_USAGE;
	}
	fprintf(s->record, "# recorded by sockrepl; replay with: sockrepl --replay %s\n", a->argv[0]);
	printf("recording to %s (record stop ends it)\n", a->argv[0]);
	return CMD_OK;
}

const struct cmd_entry cmd_record_entry = {
	.name = "record",
	.usage = "FILE|stop",
	.summary = "save the lines typed from now on as a replayable script",
	.about = "Writes every command typed from now on to FILE (mode 0600), so the\n"
		"session replays with sockrepl --replay FILE, or becomes a lesson: add\n"
		"say and expect lines. record stop ends the recording. The file's own fd\n"
		"sits at the top of the fd range, out of the sockets' way.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_record_exec,
};
