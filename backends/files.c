/* files.c — the plain files a program or a kind declares (the `file` kind,
 * stdlib/files.infra): each at its path under the files' root, as its
 * content says (or its `json` value, through jansson, keys in the order
 * written), executable when asked. The generated-file header is added
 * afterwards in the comment syntax the block names, or the one its file
 * name's ending has in the block's table of them (none for JSON). */
#include "backends.h"
#include "out_json.h"

#include <string.h>

static const char *text_of(const ir_block *b, const char *key)
{
    const ir_entry *e = ir_block_get(b, key);
    return e && e->value && e->value->kind == IR_STRING ? e->value->text : NULL;
}

/* The comment prefix of the file's syntax: `comment` when given ("" for
 * none), else the longest ending of its name in the `comments` table. */
static const char *comment_of(const ir_block *b, const char *path)
{
    const ir_entry *own = ir_block_get(b, "comment");
    if (own && own->value && own->value->kind == IR_STRING)
        return *own->value->text ? own->value->text : NULL;
    const ir_entry *table = ir_block_get(b, "comments");
    const ir_value *t = table ? table->value : NULL;
    const char *best = NULL;
    size_t best_len = 0, n = strlen(path);
    for (size_t i = 0; t && t->kind == IR_OBJECT && i < t->keys.len; i++) {
        const char *end = t->keys.items[i];
        const ir_value *v = t->items.items[i];
        size_t k = strlen(end);
        if (k <= n && k > best_len && strcmp(path + n - k, end) == 0 && v->kind == IR_STRING) {
            best = *v->text ? v->text : NULL;
            best_len = k;
        }
    }
    return best;
}

/* The file's `json` value as a JSON document, or NULL after saying which
 * part of it JSON cannot hold: anything not known when the compiler runs. */
static const char *json_content(out_set *o, diag_ctx *d, const ir_entry *e, const char *path)
{
    const ir_value *bad = NULL;
    const char *text = out_json_text(o->a, out_json_value(e->value, &bad));
    if (!bad)
        return text;
    diag_error(d, bad->loc, "file %s: its json cannot hold this value (%s); a file's json holds "
               "only values known when the compiler runs", path,
               bad->kind == IR_STRING ? "a string that is not UTF-8" : "known only at deployment");
    return NULL;
}

static void file_out(const ir_program *p, out_set *o, diag_ctx *d, strmap *seen, const ir_block *b)
{
    const char *path = text_of(b, "path"), *content = text_of(b, "content");
    const ir_entry *json = ir_block_get(b, "json");
    if (json && json->value && json->value->kind != IR_NULL && path) {
        content = json_content(o, d, json, path);
        if (!content)
            return;
    }
    if (!path || !content) {
        diag_error(d, b->loc, "a file needs its path and its content as plain strings");
        return;
    }
    const char *full = target_path(o->a, ir_root(p, TARGET_FILES), path);
    if (strmap_has(seen, full)) {
        diag_error(d, b->loc, "two files are declared at %s", full);
        return;
    }
    strmap_put(seen, full, (void *)b);
    const ir_entry *x = ir_block_get(b, "executable");
    out_file *f = out_add(o, full, content, strlen(content), comment_of(b, path));
    f->executable = x && x->value && x->value->kind == IR_BOOL && x->value->boolean;
}

void files_emit(const ir_program *p, out_set *o, diag_ctx *d)
{
    strmap seen;
    strmap_init(&seen, o->a);
    for (size_t i = 0; i < p->stacks.len; i++) {
        const ir_stack *s = p->stacks.items[i];
        for (size_t j = 0; s->target == TARGET_FILES && j < s->blocks.len; j++)
            if (((const ir_block *)s->blocks.items[j])->kind == IRB_FILE)
                file_out(p, o, d, &seen, s->blocks.items[j]);
    }
}
