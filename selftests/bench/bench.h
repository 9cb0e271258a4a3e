/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata benchmarks - what the benchmark programs share
 */
#ifndef _STRATA_BENCH_H
#define _STRATA_BENCH_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * A comma-separated list of names (--only a,b) into @want, one flag per
 * entry of @names; false for a name not in @names (or no memory).
 */
static inline bool parse_list(const char *arg, const char *const *names,
			      int nr, bool *want)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	bool ok = copy != NULL;
	int i;

	memset(want, 0, nr * sizeof(*want));
	for (tok = ok ? strtok_r(copy, ",", &save) : NULL; tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < nr && strcmp(tok, names[i]); i++)
			;
		if (i == nr) {
			ok = false;
			break;
		}
		want[i] = true;
	}
	free(copy);
	return ok;
}

#endif /* _STRATA_BENCH_H */
