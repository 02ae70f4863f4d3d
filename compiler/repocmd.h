/* repocmd.h — the commands that work on a target repository: build, check
 * and hook install. main.c parses the command line into repocmd_opts and
 * calls one of these; each returns the exit status (0 ok, 1 policy
 * violations or drift, 2 errors in the input or the invocation).
 *
 * Where things are found, without git when possible:
 *   - the target: -o, else (without PATH) the nearest directory upward
 *     holding a manifest, else the root of the git work tree holding the
 *     first PATH (or the current directory), found by looking for .git;
 *   - the program: PATH, else what the manifest recorded;
 *   - names of sources, in headers and SARIF: relative to the root of the
 *     work tree that holds them (else to the target), however they were
 *     typed and from wherever infrac ran.
 *   - where a target's .github/ files go: to the root of the work tree
 *     holding it, when it is a subdirectory that git does not ignore.
 * libgit2 is loaded only for --staged when the record does not settle it,
 * --commit, --diff, hook install, a build that meets an owned file it
 * cannot otherwise tell from a hand edit (or a dropped one that says it is
 * generated), and a build or compiling check of a subdirectory target with
 * workflows (is it ignored?).
 */
#ifndef INFRAC_REPOCMD_H
#define INFRAC_REPOCMD_H

#include <stdbool.h>
#include "report.h"

typedef struct repocmd_opts {
    const char *out_dir;        /* -o */
    const char *stdlib_dir;     /* --stdlib */
    const char *message;        /* -m, for --commit */
    report_format format;
    char **envs;                /* --env filters */
    int nenvs;
    char **paths;               /* PATHs as typed */
    int npaths;
    bool verbose, force, commit, staged, diff;
    bool quiet;                 /* -q: no list of drifted files in text */
    bool dry_run;               /* build: compile, check and print, write nothing */
} repocmd_opts;

int repocmd_build(const repocmd_opts *o);
int repocmd_check(const repocmd_opts *o);
/* repo: a path in the repository, NULL for the current directory. */
int repocmd_hook_install(const char *repo);

#endif
