/* fmt.h — `infrac fmt`: the one canonical layout of .infra source.
 *
 * The layout keeps what the writer chose where the language allows a choice
 * (a block or a list written on one line stays on one line; blank lines
 * between items stay, at most one) and decides everything else: two-space
 * indentation, one item per line, single spaces around operators, the `=`
 * of consecutive attributes and the `:` of consecutive attribute
 * declarations aligned as terraform fmt aligns `=`, trailing comments of
 * consecutive lines aligned, no redundant parentheses, strings escaped one
 * way. Comments are kept (the lexer records them). Formatting is checked
 * before it is trusted: the result must parse to the same program, with the
 * same comments, or nothing is written.
 */
#ifndef INFRAC_FMT_H
#define INFRAC_FMT_H

#include <stdbool.h>

#include "ast.h"

/* The canonical text of a parsed file, or NULL (reported through d) when
 * the result would not parse to the same program. */
const char *fmt_file(arena *a, diag_ctx *d, const ast_file *f);

typedef struct fmt_opts {
    char **paths;               /* files, directories (searched for .infra), or "-" */
    int npaths;
    bool check;                 /* change nothing; list what is not formatted */
    bool diff;                  /* print a diff of each change */
    bool quiet;
} fmt_opts;

/* 0 all formatted (or rewritten), 1 --check found unformatted files, 2 an
 * error (a file that does not parse is reported and left alone). */
int fmt_run(const fmt_opts *o);

#endif
