/* unit_compile.h — whole compilations for unit tests: a stdlib and a
 * program of the test's own, written to a temporary directory, compiled in
 * memory, the directory removed (unit_compile.c). */
#ifndef INFRAC_UNIT_COMPILE_H
#define INFRAC_UNIT_COMPILE_H

#include "compile.h"

typedef struct unit_run {
    compilation c;
    int rc;
    const char *diags;          /* the diagnostics as "line:col: message" lines */
} unit_run;

/* Compiles project (a.infra) and source (b.infra) with stdlib (k.infra) as
 * the stdlib (NULL: the embedded one). Free with compile_free(&r.c). */
unit_run unit_compile(const char *stdlib, const char *project, const char *source);

/* The diagnostics as "line:col: message" lines, for exact assertions. */
const char *unit_diag_lines(arena *a, const diag_ctx *d);

/* The text of the output file whose path ends with suffix, or "". */
const char *unit_file_text(const unit_run *r, const char *suffix);

#endif
