/* github.c — the GitHub Actions printer: one workflow file per workflow
 * block, its entries the workflow's top-level keys, written with libyaml. */
#include "backends.h"

#include "out_yaml.h"

void gha_emit(const ir_program *p, out_set *o, diag_ctx *d)
{
    for (size_t i = 0; i < p->stacks.len; i++) {
        const ir_stack *s = p->stacks.items[i];
        if (s->target != TARGET_GITHUB)
            continue;
        for (size_t j = 0; j < s->blocks.len; j++) {
            const ir_block *b = s->blocks.items[j];
            strbuf sb;
            sb_init(&sb, o->a);
            out_yaml_opts yo = {.workflow = true};
            if (out_yaml_block(&sb, b, &yo, d) == 0)
                out_add(o, arena_printf(o->a, "%s/workflows/%s.yml", target_table[TARGET_GITHUB].root, b->name), sb.data, sb.len, "#");
        }
    }
}
