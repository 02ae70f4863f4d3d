/* repo.h — living in the target repository.
 *
 * infrac owns the files listed in .infrac/manifest (manifest.h). A build
 *   - checks every output path before it creates anything;
 *   - takes the target's lock (local.h): one writer at a time; and in a git
 *     work tree, the work tree's, for the files at its root;
 *   - finishes or discards a journal an earlier run left (journal.h);
 *   - replaces a file it owns only when that loses nothing: the file holds
 *     what infrac wrote or verified on this machine (local.h), or exactly
 *     what git's index has for it, or it is in a merge conflict; anything
 *     else is a hand edit, kept unless forced;
 *   - removes a file it no longer produces only when that loses nothing and
 *     the file is infrac's: it holds what infrac wrote here, or it carries
 *     infrac's generated-file header and git's index holds exactly it (a
 *     Bicep parameter file, which is JSON and has no header, when its
 *     main.bicep goes in the same build); never on the manifest's word
 *     alone, else refuses;
 *   - never touches a file it does not own;
 *   - with a target in a subdirectory of a git work tree, writes its
 *     .github/ files at the work tree's root, where GitHub reads workflows
 *     (paths "/.github/...", writer.h);
 *   - keeps a delimited block of .gitattributes (linguist-generated, eol=lf)
 *     and .infrac/.gitignore;
 *   - writes all or nothing, durably (journal.h).
 * A check compares what the program produces with the work tree (or the
 * index): nothing stored decides that a file is up to date, except the
 * machine-local record of files unchanged since infrac last compared them.
 */
#ifndef INFRAC_REPO_H
#define INFRAC_REPO_H

#include <stdbool.h>
#include <stdio.h>
#include "local.h"
#include "manifest.h"
#include "out.h"

/* Reads a file's bytes, from the work tree or from the git index: NULL
 * when absent (or not a regular file). A work-tree reader notes what it
 * read (identity) in `seen`, when given. */
typedef struct repo_reader {
    char *(*read)(void *ctx, arena *a, const char *rel, size_t *len);
    void *ctx;
    local_record *seen;
} repo_reader;

/* root: the work tree's root when the target is a subdirectory of it, else NULL. */
repo_reader repo_worktree_reader(const char *dir, const char *root, arena *a);
/* The same, noting what it reads in seen (allocated in a). */
repo_reader repo_worktree_recorder(const char *dir, const char *root, arena *a, local_record *seen);

/* Reads the manifest through rd: .infrac/manifest, else an old
 * .infrac/manifest.json, else an empty one. -1 after reporting. Its files
 * at the root keep their mark: for a target with no root apart from it,
 * repo_manifest_unroot makes them the target's own. */
int repo_read_manifest(repo_reader rd, arena *a, repo_manifest *m, diag_ctx *d);

/* Asked by a build about a file it would replace or remove: does git's
 * index hold exactly data at path (REPO_GIT_SAME), is path in a merge
 * conflict (REPO_GIT_CONFLICT), or neither (REPO_GIT_NO)? */
enum { REPO_GIT_NO, REPO_GIT_SAME, REPO_GIT_CONFLICT };
typedef int (*repo_git_holds)(void *ctx, const char *path, const char *data, size_t len);

typedef struct repo_build_opts {
    const char *dir;            /* target directory */
    const char *root;           /* the work tree's root when dir is a subdirectory of it, else NULL */
    const char *worktree;       /* the work tree holding dir (locked while writing), NULL if none */
    const repo_manifest *program;   /* sources, envs, stdlib to record (its paths are not read) */
    bool force;                 /* overwrite hand edits */
    const char *key;            /* the program's identity, for the local record */
    const ptrvec *inputs;       /* local_entry* of the program's files and directories, as read */
    repo_git_holds git_holds;   /* NULL: not in a git work tree */
    void *git_ctx;
} repo_build_opts;

/* Writes the output set into the target as described above. 0, or -1
 * after reporting (and then nothing changed). */
int repo_build(const repo_build_opts *ro, const out_set *o, diag_ctx *d);

typedef enum {
    DRIFT_STALE, DRIFT_MISSING, DRIFT_EDITED, DRIFT_ORPHAN, DRIFT_UNOWNED, DRIFT_CONFLICT, DRIFT_UNSTAGED,
    DRIFT_KINDS
} repo_drift_kind;

typedef struct repo_check_opts {
    const out_set *out;         /* what the program produces */
    const repo_manifest *want;  /* the manifest a build would write */
    const repo_manifest *have;  /* the one the reader sees (NULL: none) */
    repo_reader rd;             /* the work tree, or the index */
    repo_reader *worktree;      /* --staged: the work tree, to tell unstaged files */
    const local_record *proof;  /* what infrac wrote on this machine, to tell hand edits */
    FILE *diff_out;             /* unified diffs go here, when given */
    const char *root_prefix;    /* how diffs name files at the root: the root seen from the target ("../") */
} repo_check_opts;

/* Compares; appends a report_drift (report.h) per drifted file. */
void repo_check(const repo_check_opts *co, ptrvec *drift, arena *a);

/* A unified diff of old -> new under path's name (through libgit2). */
void repo_print_diff(FILE *out, const char *path, const char *old, size_t oldlen, const char *new_, size_t newlen);

/* The manifest a build of this program writes: its options and o's paths. */
void repo_manifest_for(repo_manifest *m, arena *a, const repo_manifest *program, const out_set *o);

/* For a target in a subdirectory of a git work tree: names o's .github/
 * files as files at the root ("/.github/..."), which is where they go. */
void repo_place_at_root(out_set *o);
/* A path of the target's as text shows it: relative to the target, files at
 * the root through root_prefix (the root seen from the target, "../"). */
const char *repo_display(arena *a, const char *path, const char *root_prefix);

/* Equal, or equal once CRLF line ends are read as LF (core.autocrlf). */
bool repo_same_text(const char *x, size_t xlen, const char *y, size_t ylen);

/* path as seen from base (both may be relative to the current directory). */
const char *repo_relpath(arena *a, const char *path, const char *base);
/* The root of the git work tree that holds path (a file or directory, which
 * need not exist yet), found by looking for .git upward: NULL if none. */
const char *repo_find_root(arena *a, const char *path);

#endif
