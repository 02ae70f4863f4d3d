/* compile.h — the whole pipeline as one call, in memory: load, check,
 * evaluate per environment, lower, factor, print. Nothing touches the disk
 * except reading sources; the driver decides what to write. */
#ifndef INFRAC_COMPILE_H
#define INFRAC_COMPILE_H

#include "diag.h"
#include "ir.h"
#include "out.h"

typedef struct compile_opts {
    const char *stdlib_dir;     /* NULL: the embedded stdlib */
    char **paths;
    int npaths;
    char **only_envs;           /* --env filters; NULL/0 = all */
    int nonly_envs;
    const char *source_desc;    /* how generated headers name the sources; NULL: the paths */
    const char *target_dir;     /* where the target lies in the repository whose workflows
                                   build it ("deploy"); NULL: at its root (repo_path()) */
} compile_opts;

typedef struct compilation {
    arena *a;
    diag_ctx d;
    out_set out;
    ir_program *ir;
    ptrvec inputs;              /* src_file* the program was read from (the stdlib only
                                   when given with --stdlib) */
    ptrvec declared_envs;       /* const char*: every environment, whatever --env compiled */
} compilation;

/* Returns 0 when the output set is complete, 2 when the input has errors
 * (the output set is then empty). */
int compile_run(compilation *c, const compile_opts *o);
void compile_free(compilation *c);

/* The generated-file header every file with comments starts with, in the
 * syntax of comment ("#"): for files added after compile_run. source NULL:
 * the program's. */
const char *compile_header(const compilation *c, const char *comment, const char *source);

#endif
