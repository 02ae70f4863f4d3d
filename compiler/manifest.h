/* manifest.h — what infrac keeps in the target repository: .infrac/manifest.
 *
 * A text file, one fact per line, written sorted:
 *
 *     program platform          the program's PATHs, relative to the target
 *     env dev                   --env filters the build was made with
 *     stdlib stdlib             --stdlib, relative to the target
 *     file infra/x/main.tf      a file infrac generated and owns
 *     root-file .github/workflows/plan.yml
 *                               one at the root of the git work tree that
 *                               holds the target, when the target is a
 *                               subdirectory (GitHub reads workflows only
 *                               there); held in `paths` as "/.github/..."
 *                               (writer.h), and only under .github/
 *
 * It holds no hashes and nothing about the machine that wrote it, so two
 * branches that change different resources change different lines and git
 * merges them (the .gitattributes block also gives it `merge=union`). A
 * merge that conflicts anyway is read with both sides' lines: owning a path
 * only lets infrac replace a file it produces there or remove one it can
 * prove it wrote (repo.c), so the union is safe, and the next build writes
 * the file clean. Nothing in it is trusted to name a path: every `file`
 * line is checked like any output path and ignored, with a warning, when it
 * could not be one.
 *
 * Repositories built before this format have .infrac/manifest.json (with
 * hashes); it is read for its program and its paths only, and a build
 * replaces it.
 */
#ifndef INFRAC_MANIFEST_H
#define INFRAC_MANIFEST_H

#include <stdbool.h>
#include "arena.h"
#include "diag.h"

#define REPO_MANIFEST ".infrac/manifest"
#define REPO_GITIGNORE ".infrac/.gitignore"     /* keeps .infrac/local out of commits */
#define REPO_OLD_MANIFEST ".infrac/manifest.json"
#define REPO_OLD_JOURNAL ".infrac/journal.json"
#define REPO_OLD_STAGING ".infrac/staging"

typedef struct repo_manifest {
    ptrvec sources;         /* const char*, relative to the target directory */
    ptrvec envs;            /* the build's --env filters, if any */
    ptrvec stdlibs;         /* the build's --stdlib (relative to the target); two after a merge of two changes */
    const char *stdlib;     /* stdlibs' only item, else NULL */
    ptrvec paths;           /* owned files, sorted, each once */
    strmap owned;           /* path -> non-NULL */
    bool conflicted;        /* it held merge conflict markers */
    bool old_format;        /* read from .infrac/manifest.json */
} repo_manifest;

void repo_manifest_init(repo_manifest *m, arena *a);
/* Parses the manifest's text (NULL: absent, an empty manifest). Lines that
 * cannot be trusted are dropped with a warning; -1 only when it is not a
 * manifest at all. */
int repo_manifest_parse(repo_manifest *m, arena *a, const char *text, size_t len, diag_ctx *d);
/* The same from the old .infrac/manifest.json (its hashes are not read). */
int repo_manifest_parse_old(repo_manifest *m, arena *a, const char *text, size_t len, diag_ctx *d);
void repo_manifest_own(repo_manifest *m, arena *a, const char *path);
/* For a target that is the root of its work tree (or in none): its files
 * at the root are its own files, named as such (the manifest of a target
 * that was a subdirectory, read where it is not). */
void repo_manifest_unroot(repo_manifest *m, arena *a);
/* The text a build writes: the same bytes for the same program and files. */
const char *repo_manifest_text(arena *a, const repo_manifest *m);
/* Do the two say the same (program, options, files), whatever their order? */
bool repo_manifest_same(const repo_manifest *x, const repo_manifest *y);

/* The .gitattributes text with infrac's block set to the given paths (and
 * the manifest), every other line as it was. A stray or damaged marker is
 * a user line; conflict markers inside the block are dropped with it.
 * Files at the root are not listed: a .gitattributes applies below its own
 * directory, and the root's is the user's and other targets' (their line
 * ends are compared normalised all the same). */
const char *repo_gitattributes(arena *a, const char *old, const ptrvec *paths);
/* infrac's block as it stands in a .gitattributes text, else NULL. */
const char *repo_gitattributes_block(arena *a, const char *text);

#endif
