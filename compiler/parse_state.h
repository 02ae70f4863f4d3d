/* parse_state.h — state shared by the flex scanner and the bison parser of
 * one file (the scanner's "extra" data). */
#ifndef INFRAC_PARSE_STATE_H
#define INFRAC_PARSE_STATE_H

#include "ast.h"

#define PARSE_MAX_NESTING 200   /* brackets and interpolations; deeper input is rejected */

typedef struct parse_state {
    arena *a;
    diag_ctx *d;
    const src_file *src;
    ast_file *out;
    int line, col;              /* position of the next character */
    size_t off;                 /* its byte offset */
    size_t tok_off;             /* byte offset of the token just matched */
    src_loc comment_start;      /* where the block comment being scanned began */
    size_t comment_off;
    int nesting;                /* open ( [ { and ${ */
    int too_deep;               /* reported once */
    int interp_braces[PARSE_MAX_NESTING]; /* per open ${: braces opened inside it */
    int interp_top;
    src_loc str_start;          /* where the string being scanned began */
} parse_state;

src_loc parse_loc(const parse_state *ps, int line, int col, int end_line, int end_col);

#endif
