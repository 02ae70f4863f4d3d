/* stdlib_files.h — the stdlib, parsed when the compiler was built
 * (tools/stdlib_ast.c writes these trees as C data): no run parses it. */
#ifndef INFRAC_STDLIB_FILES_H
#define INFRAC_STDLIB_FILES_H

#include "ast.h"

extern ast_file *const stdlib_ast[];  /* ends with NULL */

#endif
