/*
 * fuzz_parse.c - libFuzzer harness for the command parser: one input line
 * becomes a command and its arguments, whose addresses, numbers and TEXT are
 * parsed as the commands would parse them. No command runs, so no system call
 * is made on a socket; sockrepl's messages go to /dev/null.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/sockrepl.h"
#include "quiet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session s;
	struct cmd_args args;
	struct sockaddr_storage addr;
	enum cmd_status status;
	char *line = malloc(size + 1), *words[MAX_ARGS], *text;
	const struct cmd_entry *cmd;
	socklen_t len;
	size_t textlen;
	long n;

	quiet();
	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	session_init(&s);
	s.echo = true;
	cmd = cmd_parse_line(&s, line, &args, words, &status);
	for (int i = 0; cmd != NULL && i < args.argc; i++) {
		/* Every argument through every parser, addresses in both families. */
		if (args.argv[i][0] != '@') {	/* @FD would ask the kernel about a real fd */
			parse_endpoint(&s, AF_INET, 1, &args.argv[i], &addr, &len);
			parse_endpoint(&s, AF_INET6, 1, &args.argv[i], &addr, &len);
			if (i + 1 < args.argc && args.argv[i + 1][0] != '@')
				parse_endpoint(&s, AF_INET, 2, &args.argv[i], &addr, &len);
		}
		parse_int(&s, "number", args.argv[i], -1, 65535, &n);
		errno_from_name(args.argv[i]);
	}
	if (cmd != NULL && parse_text(&s, args.rest, &text, &textlen))
		free(text);
	free(line);
	return 0;
}
