/* writer.h — atomic, confined writes of generated files. */
#ifndef INFRAC_WRITER_H
#define INFRAC_WRITER_H

#include "out.h"

/* Writes dir/rel atomically (temp file + rename). rel must be relative with no
 * "." or ".." components; symlinks on the way are refused. */
int writer_put(const char *dir, const char *rel, const char *data, size_t len, diag_ctx *d);
int writer_write_set(const out_set *o, const char *dir, diag_ctx *d);

#endif
