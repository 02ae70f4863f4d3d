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
    struct parse_open {         /* each of them, innermost last: reported when never closed */
        char ch;                /* '(' '[' '{', or '$' for ${ */
        src_loc loc;
        int indent;             /* the indentation of its line */
    } opens[PARSE_MAX_NESTING + 1];
    src_loc misplaced;          /* the first '{' closed by a '}' indented for another line */
    src_loc misplaced_close;
    int at_eof;                 /* the scanner returned the end of the file */
    int eof_explained;          /* ... after saying what is not closed: the parser's own
                                   "unexpected end of file" would only repeat it */
    int too_deep;               /* reported once */
    int interp_braces[PARSE_MAX_NESTING]; /* per open ${: braces opened inside it */
    int interp_top;
    src_loc str_start;          /* where the string being scanned began */
} parse_state;

src_loc parse_loc(const parse_state *ps, int line, int col, int end_line, int end_col);

#endif
