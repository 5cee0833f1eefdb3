/*
 * color.c - colour for a terminal: the call line, errors, states, events.
 * Off when stdout is not a terminal, when NO_COLOR is set (no-color.org), or
 * with --no-color, so transcripts and tests see plain text.
 */
#include <stdlib.h>
#include <unistd.h>

#include "sockrepl.h"

static bool enabled;

void color_init(bool refused)
{
	const char *no_color = getenv("NO_COLOR");

	enabled = !refused && isatty(STDOUT_FILENO) && (no_color == NULL || *no_color == '\0');
}

/* The escape sequence for a role, or "" when colour is off. */
const char *color(enum color_role role)
{
	static const char *const codes[] = {
		[COLOR_OFF] = "\033[0m", [COLOR_CALL] = "\033[1m",
		[COLOR_ERROR] = "\033[31m", [COLOR_STATE] = "\033[32m",
		[COLOR_EVENT] = "\033[35m", [COLOR_NOTE] = "\033[36m",
	};

	return enabled ? codes[role] : "";
}
