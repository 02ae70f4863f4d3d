/* writer.h — atomic, confined writes of generated files. */
#ifndef INFRAC_WRITER_H
#define INFRAC_WRITER_H

#include <stdbool.h>
#include "out.h"

/* Writes dir/rel atomically (temp file + rename). rel must be relative with no
 * "." or ".." components; symlinks on the way are refused. */
int writer_put(const char *dir, const char *rel, const char *data, size_t len, diag_ctx *d);
int writer_write_set(const out_set *o, const char *dir, diag_ctx *d);

bool writer_path_is_safe(const char *rel);
int writer_make_target_dir(const char *dir, diag_ctx *d);   /* mkdir -p */
/* Creates dir/rel's parent directories, refusing symlinks on the way. */
int writer_prepare_dirs(const char *dir, const char *rel, diag_ctx *d);
/* Checks, creating nothing, that every existing parent directory of dir/rel
 * is a real directory: removing or renaming there stays inside dir. */
int writer_check_dirs(const char *dir, const char *rel, diag_ctx *d);
/* rmdir, forgetting that the directory was checked: a later write there
 * creates it again. */
int writer_rmdir(const char *path);
#define WRITER_STAGING ".infrac/staging"

/* Writes data to a temporary file in dir's staging directory, for dir/rel; returns its path relative
 * to dir, or NULL after reporting. */
/* Removes a scratch directory and everything in it (symlinks not followed). */
int writer_remove_tree(const char *dir);
const char *writer_stage(const char *dir, const char *rel, const char *data, size_t len, diag_ctx *d);

#endif
