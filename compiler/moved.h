/* moved.h — Terraform moved blocks, from what the repository held (moved.c).
 *
 * Renaming a resource, moving it to another stack, or a kind's lowering that
 * names a block differently changes its Terraform address, and `apply`
 * would destroy the old object and create a new one. The previous build's
 * Terraform tells the old addresses: its files are read as data (the
 * manifest's paths, through a reader), never trusted to name a path of the
 * new output. In each environment's root module, an address that is gone
 * and one that is new, of the same type and with the same body, are one
 * resource: a `moved` block in the root's moved.tf says so. Moved blocks of
 * the previous moved.tf stay while what they move to still exists, since
 * environments are applied one after another.
 *
 * Both trees are infrac's own Terraform, in `terraform fmt` layout: a
 * top-level block starts in column 0 and ends with the `}` in column 0.
 */
#ifndef INFRAC_MOVED_H
#define INFRAC_MOVED_H

#include "out.h"

/* Reads a previous file; NULL when absent. */
typedef char *(*moved_read_fn)(void *ctx, arena *a, const char *path, size_t *len);

/* Adds (or completes) moved.tf in the root modules of out, from the files
 * at old_paths (const char*) as read. header starts every file it adds. */
void moved_add(out_set *out, const ptrvec *old_paths, moved_read_fn read, void *ctx, const char *header);

#endif
