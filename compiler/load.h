/* load.h — reading the program's files: the stdlib (embedded, or a
 * directory given with --stdlib), the PATHs on the command line (files, or
 * directories of .infra files), and every file they import, each once. */
#ifndef INFRAC_LOAD_H
#define INFRAC_LOAD_H

#include <stdbool.h>

#include "ast.h"

#define LOAD_MAX_FILE (16 * 1024 * 1024)   /* bytes; larger sources are refused */

/* Parses everything into files (ast_file*), stdlib first. Reports unreadable
 * files and bad imports through d. */
void load_program(arena *a, diag_ctx *d, const char *stdlib_dir, char **paths, int npaths, ptrvec *files);

/* Is the source UTF-8 with no NUL byte? Reports where it is not. */
bool load_check_text(diag_ctx *d, const src_file *src);

/* `-` and /dev/stdin name standard input wherever a program is read. */
bool load_is_stdin(const char *path);
char *load_read_stdin(arena *a, size_t *len);

/* Reads a whole file into the arena, NUL-terminated. NULL (errno set) on failure. */
char *load_read_file(arena *a, const char *path, size_t *len);

#endif
