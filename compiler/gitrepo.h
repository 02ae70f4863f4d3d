/* gitrepo.h — everything infrac asks of git, through libgit2: where the
 * repository is, what its index holds, committing generated files, and the
 * pre-commit hook. */
#ifndef INFRAC_GITREPO_H
#define INFRAC_GITREPO_H

#include <stdbool.h>
#include "repo.h"

typedef struct gitrepo gitrepo;

/* Opens the repository that holds path (a file or directory); NULL if none. */
gitrepo *gitrepo_open(const char *path);
void gitrepo_close(gitrepo *g);
const char *gitrepo_workdir(const gitrepo *g);      /* absolute, no trailing slash */

/* Reads files of dir (inside the work tree) as the index has them. */
repo_reader gitrepo_index_reader(gitrepo *g, const char *dir, arena *a);

/* Writes every .infra file of the index under root, at its repository path. */
int gitrepo_materialize_sources(gitrepo *g, const char *root, diag_ctx *d);

/* Paths (relative to the work tree) that are staged but are not in `ours`. */
int gitrepo_foreign_staged(gitrepo *g, const strmap *ours, ptrvec *out, arena *a);

/* Stages exactly `paths` (added, changed or removed in the work tree) and
 * commits them with the repository's configured identity; no commit when
 * that changes nothing. */
int gitrepo_commit(gitrepo *g, const ptrvec *paths, const char *message, diag_ctx *d);

/* Writes a pre-commit hook running `infrac check --staged`. */
int gitrepo_install_hook(gitrepo *g, const char *infrac_path, diag_ctx *d);

#endif
