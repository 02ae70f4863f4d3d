/* out_json.h — JSON documents from IR values, through jansson (a Bicep
 * stack's params.<env>.json, a declared file's `json`).
 *
 * Only what the compiler knows can be written: a reference to another
 * block, an expression in a target's syntax, a call or a value that differs
 * per environment has no JSON spelling, and the caller reports it.
 */
#ifndef INFRAC_OUT_JSON_H
#define INFRAC_OUT_JSON_H

#include <jansson.h>

#include "ir.h"

/* The value as JSON (maps keep the order they were written in). A part it
 * cannot hold becomes null, and *bad is set to the first such part (left as
 * it was when nothing is wrong). Never NULL. */
json_t *out_json_value(const ir_value *v, const ir_value **bad);

/* The document's text, indented by two, with a final newline, in the arena;
 * takes the reference to doc. */
const char *out_json_text(arena *a, json_t *doc);

#endif
