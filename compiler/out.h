/* out.h — the set of files a compilation produces, held in memory.
 *
 * Backends add files (path relative to the target root, contents); nothing
 * touches the disk until the whole compilation has succeeded, so an error in
 * any stage leaves the target tree exactly as it was. The writer (out_write)
 * then replaces the tree atomically, file by file, with temp-file + rename.
 */
#ifndef INFRAC_OUT_H
#define INFRAC_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include "arena.h"
#include "diag.h"

typedef struct out_file {
    const char *path;       /* relative, '/'-separated, no "..", e.g. "infra/terraform/modules/x/main.tf" */
    const char *data;
    size_t len;
    const char *comment;    /* line-comment prefix of its syntax ("#", "//"), NULL for JSON */
} out_file;

typedef struct out_set {
    arena *a;
    ptrvec files;           /* out_file*, sorted by path by out_sort() */
    strmap by_path;         /* path -> out_file* */
} out_set;

void out_init(out_set *o, arena *a);
/* Adds a file; the data is copied into the arena. A second file at the same
 * path is a compiler bug and aborts. */
out_file *out_add(out_set *o, const char *path, const char *data, size_t len, const char *comment);
void out_sort(out_set *o);
/* Is path one of env's own files (its Terraform root module, Kustomize
 * overlay or Bicep parameters), which no other environment's output holds? */
bool out_env_file(const char *path, const char *env);
/* Moves every file of from into o, without copying: from's arena must live
 * as long as o is used (for sets printed in parallel, then joined). */
void out_take(out_set *o, const out_set *from);
const out_file *out_find(const out_set *o, const char *path);

/* NULL when name can be one component of a generated file's path (stack,
 * namespace, environment and resource names become directories and file
 * names), else why it cannot: the middle reports that at the name's line,
 * before any path is made from it. Letters, digits, '_', '-' and '.', not
 * first, at most 100 bytes: a name that is one path segment on every file
 * system and in every tool, with nothing a shell or YAML would read. */
const char *out_name_problem(arena *a, const char *name);



/* Writes every file under dir with plain (non-atomic) writes, creating
 * directories. For tests and tools only; `infrac build` uses the writer. */
int out_write_plain(const out_set *o, const char *dir);
#endif
