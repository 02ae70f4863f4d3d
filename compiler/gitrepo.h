/* gitrepo.h — everything infrac asks of git, through libgit2: which
 * repository holds a path (as git finds it, GIT_DIR and GIT_INDEX_FILE
 * included, so a hook during a partial commit reads the index being
 * committed), what its index holds, committing generated files, and where
 * its hooks run (core.hooksPath, the common directory of linked worktrees).
 * Opening one loads libgit2 (gitapi.h): callers do it only when git is
 * really needed. */
#ifndef INFRAC_GITREPO_H
#define INFRAC_GITREPO_H

#include <stdbool.h>
#include "repo.h"

typedef struct gitrepo gitrepo;

/* Opens the repository that holds path (a file or directory); NULL, with
 * *why saying so, if there is none or it has no work tree (bare). */
gitrepo *gitrepo_open(const char *path, const char **why);
void gitrepo_close(gitrepo *g);
const char *gitrepo_workdir(const gitrepo *g);      /* absolute, no trailing slash */
/* The index file the repository reads (GIT_INDEX_FILE, else its own). */
const char *gitrepo_index_path(gitrepo *g, arena *a);

/* Reads files of dir (inside the work tree) as the index has them; files
 * at the root (writer.h) from the work tree's root. */
repo_reader gitrepo_index_reader(gitrepo *g, const char *dir, arena *a);
/* For repo_build: does the index hold exactly data at path (relative to
 * the work tree, line ends as git stores them: REPO_GIT_SAME), or is path
 * in a merge conflict (REPO_GIT_CONFLICT)? Else REPO_GIT_NO. */
int gitrepo_holds(gitrepo *g, const char *path, const char *data, size_t len, arena *a);

/* Would git ignore path (relative to the work tree; a directory ends with
 * '/'), as `git check-ignore --no-index` says? 1 yes, 0 no, -1 unknown. */
int gitrepo_ignores(gitrepo *g, const char *path);

/* Writes every .infra file of the index under root, at its repository path. */
int gitrepo_materialize_sources(gitrepo *g, const char *root, diag_ctx *d);

/* Paths (relative to the work tree) that are staged but are not in `ours`. */
int gitrepo_foreign_staged(gitrepo *g, const strmap *ours, ptrvec *out, arena *a);

/* Stages exactly `paths` (added, changed or removed in the work tree) and
 * commits them with the repository's configured identity; no commit when
 * that changes nothing. */
int gitrepo_commit(gitrepo *g, const ptrvec *paths, const char *message, diag_ctx *d);

/* Writes a pre-commit hook running `infrac check --staged` where git runs
 * hooks: core.hooksPath when set, else the hooks of the common directory.
 * target: the subdirectory of the work tree it checks (`-o target`), NULL
 * for the root; the targets an earlier install named are kept. */
int gitrepo_install_hook(gitrepo *g, const char *infrac_path, const char *target, diag_ctx *d);

#endif
