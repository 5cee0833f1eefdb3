/*
 * record.c - `record FILE`: save what the learner types from now on as a
 * script that replays (sockrepl < FILE, or --replay FILE), so a session can
 * become a lesson. The file is new, mode 0600: record never overwrites a
 * file, and never writes through a symlink, to a FIFO or to a device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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
	/* O_EXCL: a new regular file only, never a FIFO, a device or a symlink's target */
	fd = open(a->argv[0], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 && errno == EEXIST) {
		report_error(s, "record: %s already exists, and record never overwrites: remove it "
			     "or choose another name", a->argv[0]);
		return CMD_USAGE;
	}
	if (fd != -1)
		fd = fd_park(fd);
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
	.about = "Writes every command typed from now on to FILE, so the session replays\n"
		"with sockrepl --replay FILE, or becomes a lesson: add say and expect\n"
		"lines. FILE must be new (it is made mode 0600): an existing file is\n"
		"refused, never overwritten. record stop ends the recording. The file's\n"
		"own fd sits at the top of the fd range, out of the sockets' way.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_record_exec,
};
