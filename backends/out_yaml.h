/* out_yaml.h — YAML documents from IR values, through libyaml's emitter.
 *
 * libyaml decides the syntax; this layer decides only scalar styles, because
 * libyaml does not know which plain scalars another reader would take for a
 * bool or a number under YAML 1.1 (`on`, `yes`, `1.10`): those strings are
 * double-quoted. Multi-line strings use the literal block style.
 */
#ifndef INFRAC_OUT_YAML_H
#define INFRAC_OUT_YAML_H

#include "ir.h"

typedef struct out_yaml_opts {
    int env;                /* which environment's value an IR_PARAM stands for */
    bool workflow;          /* GitHub Actions: the key `on` stays plain */
} out_yaml_opts;

/* Appends one YAML document holding the block's entries as a mapping (nested
 * blocks become mappings; repeated ones a sequence). Returns 0, or -1 after
 * reporting what could not be printed. */
int out_yaml_block(strbuf *sb, const ir_block *b, const out_yaml_opts *o, diag_ctx *d);

/* Appends one YAML document holding the value. */
int out_yaml_value(strbuf *sb, const ir_value *v, const out_yaml_opts *o, diag_ctx *d);

/* The value's scalar text for env (params resolved, interpolations joined),
 * or NULL if it is not a scalar. */
const char *out_yaml_scalar_text(arena *a, const ir_value *v, int env);

#endif
