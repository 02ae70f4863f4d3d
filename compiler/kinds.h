/* kinds.h — `infrac kinds` and `infrac describe KIND`: the kinds a program
 * can use (the stdlib's and its own), read from sema's result, so the help
 * cannot drift from what the compiler checks. docs/KINDS.md is the
 * Markdown form (tools/kinds-doc). */
#ifndef INFRAC_KINDS_H
#define INFRAC_KINDS_H

#include <stdio.h>

typedef enum { KINDS_LIST, KINDS_DESCRIBE, KINDS_MARKDOWN } kinds_mode;

typedef struct kinds_opts {
    kinds_mode mode;
    const char *kind;           /* KINDS_DESCRIBE */
    const char *stdlib_dir;     /* NULL: the built-in stdlib */
    char **paths;               /* a program whose own kinds are added */
    int npaths;
} kinds_opts;

/* 0, or 2 for an unknown kind or a program that does not load. */
int kinds_run(const kinds_opts *o, FILE *out);

#endif
