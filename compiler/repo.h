/* repo.h — living in the target repository.
 *
 * infrac owns exactly the files it generated, listed with their SHA-256 in
 * .infrac/manifest.json (with the program's sources, relative to the target,
 * so `infrac check` needs no arguments). A build
 *   - refuses to overwrite a file it does not own, or one edited by hand since
 *     it was generated (unless forced), and says how to resolve it;
 *   - removes files it owned that the program no longer produces;
 *   - keeps a delimited block of .gitattributes marking its files
 *     linguist-generated, leaving every other line alone;
 *   - writes all or nothing: every new file is staged beside its target first,
 *     then a journal is committed, then the renames and removals run. A run
 *     interrupted after the journal is finished by the next run of infrac, so
 *     once infrac has run again the tree is all old or all new.
 */
#ifndef INFRAC_REPO_H
#define INFRAC_REPO_H

#include <stdbool.h>
#include <stdio.h>
#include "out.h"

#define REPO_MANIFEST ".infrac/manifest.json"
#define REPO_JOURNAL ".infrac/journal.json"

typedef struct repo_manifest {
    ptrvec sources;         /* const char*, relative to the target directory */
    strmap files;           /* path -> sha256 hex */
    ptrvec paths;           /* the keys, sorted */
    ptrvec envs;            /* const char*: the build's --env filters, if any */
    const char *stdlib;     /* the build's --stdlib, relative to the target; NULL: built in */
    const char *source_desc;    /* how the headers name the program */
    const char *compiler;   /* build id of the infrac that wrote it */
    strmap inputs;          /* program file (relative to the target) -> sha256 hex */
    ptrvec input_paths;
} repo_manifest;

/* Reads a file's bytes, from the work tree or from the git index. NULL when
 * absent. new_infra tells whether the directory reldir directly holds a
 * .infra file (as the loader would read it) whose path is not in known. */
typedef struct repo_reader {
    char *(*read)(void *ctx, arena *a, const char *rel, size_t *len);
    void *ctx;
    bool (*new_infra)(void *ctx, arena *a, const char *reldir, const strmap *known);
} repo_reader;

repo_reader repo_worktree_reader(const char *dir);

/* Parses a manifest's text; an absent manifest (NULL text) is an empty one. */
int repo_manifest_parse(repo_manifest *m, arena *a, const char *text, size_t len, diag_ctx *d);

typedef struct repo_build_opts {
    const char *dir;        /* target directory */
    char **sources;         /* the PATHs as given, recorded relative to dir */
    int nsources;
    char **envs;            /* --env filters, recorded so that build and check */
    int nenvs;              /*   without PATH compile what was built */
    const char *stdlib_dir; /* --stdlib, likewise; NULL: the built-in stdlib */
    const char *source_desc;    /* how the headers name the program, likewise */
    bool force;             /* overwrite hand edits */
    const ptrvec *inputs;   /* src_file* the program was read from, recorded for check */
} repo_build_opts;

/* Finishes a write interrupted after its journal was committed. */
int repo_recover(const char *dir, diag_ctx *d);

/* Writes the output set into the target as described above. 0, or -1 after
 * reporting (and then nothing changed). */
int repo_build(const repo_build_opts *ro, const out_set *o, diag_ctx *d);

typedef enum { DRIFT_STALE, DRIFT_MISSING, DRIFT_EDITED, DRIFT_ORPHAN, DRIFT_UNOWNED } repo_drift_kind;

/* Compares the output set with what the reader sees under the manifest m;
 * appends a report_drift (report.h) per drifted file to drift, and with
 * diff_out set writes a unified diff of each there. */
void repo_check(const out_set *o, const repo_manifest *m, repo_reader rd, FILE *diff_out, ptrvec *drift, arena *a);

/* A unified diff of old -> new under path's name (through libgit2). */
void repo_print_diff(FILE *out, const char *path, const char *old, size_t oldlen, const char *new_, size_t newlen);

/* True when the target, as the reader sees it (work tree or index), is
 * certainly up to date without compiling: the manifest was written by this
 * build of infrac from inputs that are still byte for byte the same (and no
 * .infra file was added to a source directory), and every generated file
 * still has its recorded hash. False means "compile and compare", not
 * "drifted". */
bool repo_check_fast(const repo_manifest *m, repo_reader rd, arena *a);

/* The .gitattributes text with infrac's block set to the given paths. */
const char *repo_gitattributes(arena *a, const char *old, const ptrvec *paths);

/* path as seen from base (both may be relative to the current directory). */
const char *repo_relpath(arena *a, const char *path, const char *base);

#endif
