/* diag.h — the one path every diagnostic takes.
 *
 * Each compilation owns a diag_ctx. Passes report through diag_error/warning/
 * note with a source location; nothing prints directly. The driver renders them
 * at the end (gcc style with the source line and a caret; colour only on a
 * terminal and never with NO_COLOR) so that output order and format are the
 * same whichever pass found the problem.
 */
#ifndef INFRAC_DIAG_H
#define INFRAC_DIAG_H

#include <stdbool.h>
#include <stdio.h>
#include "arena.h"

/* A source file known to the compilation; diagnostics quote lines from it. */
typedef struct src_file {
    const char *path;       /* as given, or "<stdlib>/name.infra" */
    const char *text;       /* NUL-terminated contents */
    size_t len;
    bool stdlib;            /* loaded as the stdlib (built in or --stdlib DIR): set by
                               the loader, never guessed from the path */
} src_file;

/* A position in a source file: 1-based line and column (columns count bytes). */
typedef struct src_loc {
    const src_file *file;
    int line, col;
    int end_line, end_col;  /* end of the construct, for the caret's underline */
} src_loc;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_severity;

/* What a report says about a policy rule (SARIF rule metadata, help). */
typedef struct diag_rule {
    const char *id, *title, *rationale, *fix, *checkov, *trivy;
    const char *pack;           /* "baseline", "strict", "core" */
    const char *level;          /* declared severity: "error", "warning" or "info" */
} diag_rule;

typedef struct diag {
    diag_severity severity;
    src_loc loc;            /* loc.file may be NULL for invocation errors */
    const char *id;         /* rule id for policy findings, else NULL */
    const char *message;
    const diag_rule *rule;  /* a policy finding's rule, else NULL */
    const char *suppressed; /* a suppressed finding: the reason given, else NULL */
} diag;

typedef struct diag_ctx {
    arena *a;
    ptrvec items;           /* diag* in the order reported */
    int errors, warnings;   /* errors: in the input or invocation (exit 2) */
    int violations;         /* error-severity policy findings not suppressed (exit 1) */
    int max_errors;         /* stop reporting (and tell so) past this many; 0 = no limit */
    strmap seen;            /* what was reported, to drop exact repeats */
    const char *env;        /* the environment being compiled: messages read its name
                               where ENV_MARK stands (envname.h) */
} diag_ctx;

void diag_init(diag_ctx *d, arena *a);
void diag_error(diag_ctx *d, src_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warning(diag_ctx *d, src_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_note(diag_ctx *d, src_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A policy finding of rule id: counted as a violation (not an input error)
 * when its severity is error and it is not suppressed. */
void diag_finding(diag_ctx *d, diag_severity sev, src_loc loc, const diag_rule *rule, const char *msg,
                  const char *suppressed);

/* Reports into d, in order, what was reported into from (a context of
 * work done apart, in parallel): as if it had been reported into d. Only
 * errors, warnings and notes: findings are reported by the policy stage. */
void diag_append(diag_ctx *d, const diag_ctx *from);

/* " (did you mean 'x'?)": the candidate nearest to word by edits (a letter
 * added, dropped, changed, or two swapped), when it is near enough to be
 * what was meant; "" otherwise. cands holds const char*; NULLs are skipped. */
const char *diag_did_you_mean(arena *a, const char *word, const ptrvec *cands);

/* Print every diagnostic in text form. colour: use ANSI colour. */
void diag_print(const diag_ctx *d, FILE *out, int colour);

/* How the driver wants text diagnostics: colour -1 (auto: a terminal, NO_COLOR
 * unset or empty, TERM not "dumb"), 0 (never) or 1 (always); quiet: errors
 * only, no warnings, notes or suppressed findings. Process-wide, set once. */
void diag_set_style(int colour, int quiet);

/* Should diagnostics printed to this stream be coloured? */
int diag_want_colour(FILE *out);

#endif
