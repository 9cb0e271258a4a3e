// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - logging: one line per message on standard error, prefixed
 * "stratad: ", with the journal's <N> priority when stderr is the journal
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "stratad.h"

static bool verbose;
static bool journal;

void log_init(bool v)
{
	verbose = v;
	/* systemd sets JOURNAL_STREAM when stderr is connected to it. */
	journal = getenv("JOURNAL_STREAM") != NULL;
}

bool log_verbose(void)
{
	return verbose;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (level == LOG_LVL_DEBUG && !verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (journal)
		fprintf(stderr, "<%d>stratad: %s\n", level, text);
	else
		fprintf(stderr, "stratad: %s%s\n",
			level == LOG_LVL_WARN ? "warning: " : "", text);
}
