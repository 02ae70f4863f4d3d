/* explain.h — `infrac explain RULE | --list | --markdown`. */
#ifndef INFRAC_EXPLAIN_H
#define INFRAC_EXPLAIN_H

#include <stdio.h>

/* Prints one rule's rationale, fix, ids and targets; or every rule, a line
 * each (--list) or as a Markdown table (--markdown). 0, or 2 for an unknown
 * rule. stdlib_dir NULL: the built-in stdlib. */
int explain_run(const char *what, const char *stdlib_dir, FILE *out);

#endif
