/* out_yaml.c — see out_yaml.h. */
#include "out_yaml.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

typedef struct yw {
    yaml_emitter_t em;
    strbuf *sb;
    const out_yaml_opts *o;
    diag_ctx *d;
    int failed;
    ptrvec comments;        /* "uses" values with a trailing comment: value, comment pairs */
} yw;

static int yw_write(void *data, unsigned char *buf, size_t size)
{
    sb_putn(((yw *)data)->sb, (const char *)buf, size);
    return 1;
}

static void yw_emit(yw *w, yaml_event_t *ev)
{
    if (!w->failed && !yaml_emitter_emit(&w->em, ev)) {
        diag_error(w->d, (src_loc){0}, "internal error: YAML emitter: %s",
                   w->em.problem ? w->em.problem : "unknown");
        w->failed = 1;
    }
}

/* Would a YAML 1.1 or 1.2 reader take this plain scalar for something other
 * than a string? */
static bool looks_typed(const char *s)
{
    static const char *words[] = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"};
    if (!*s)
        return true;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(s, words[i]) == 0)
            return true;
    if (s[0] == '.' && (strcasecmp(s, ".inf") == 0 || strcasecmp(s, ".nan") == 0))
        return true;
    const char *p = s + (*s == '+' || *s == '-');
    if (!isdigit((unsigned char)*p) && *p != '.')
        return false;
    for (; *p; p++)
        if (!isxdigit((unsigned char)*p) && !strchr("._:+-xXoO", *p))
            return false;
    return true;
}

static void yw_scalar(yw *w, const char *text, bool is_string, bool plain_ok)
{
    yaml_event_t ev;
    yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;
    if (is_string && strchr(text, '\n'))
        style = YAML_LITERAL_SCALAR_STYLE;
    else if (is_string && !plain_ok && looks_typed(text))
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 1, style);
    yw_emit(w, &ev);
}

static void yw_key(yw *w, const char *key)
{
    yw_scalar(w, key, true, w->o->workflow && strcmp(key, "on") == 0);
}

static void yw_value(yw *w, const ir_value *v);

static void yw_mapping_start(yw *w)
{
    yaml_event_t ev;
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    yw_emit(w, &ev);
}

static void yw_mapping_end(yw *w)
{
    yaml_event_t ev;
    yaml_mapping_end_event_initialize(&ev);
    yw_emit(w, &ev);
}

static void yw_sequence(yw *w, const ir_value *v)
{
    yaml_event_t ev;
    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                         v->items.len ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE);
    yw_emit(w, &ev);
    for (size_t i = 0; i < v->items.len; i++)
        yw_value(w, v->items.items[i]);
    yaml_sequence_end_event_initialize(&ev);
    yw_emit(w, &ev);
}

static void yw_object(yw *w, const ir_value *v)
{
    yaml_event_t ev;
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                        v->items.len ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE);
    yw_emit(w, &ev);
    for (size_t i = 0; i < v->items.len; i++) {
        yw_key(w, v->keys.items[i]);
        yw_value(w, v->items.items[i]);
    }
    yw_mapping_end(w);
}

static json_t *ir_to_json(const ir_value *v, int env, int *ok);
static _Thread_local arena *json_arena;   /* where ir_to_json's scalar texts live: the caller's */

static const char *json_text(arena *a, const ir_value *v, int env, int *ok)
{
    json_arena = a;
    json_t *j = ir_to_json(v, env, ok);
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    json_decref(j);
    const char *out = s ? arena_strdup(a, s) : "";
    free(s);
    return out;
}

static json_t *ir_to_json(const ir_value *v, int env, int *ok)
{
    switch (v->kind) {
    case IR_NULL: return json_null();
    case IR_BOOL: return json_boolean(v->boolean);
    case IR_NUMBER: {
        json_t *n = json_loads(v->text, JSON_DECODE_ANY, NULL);
        return n ? n : json_string(v->text);
    }
    case IR_PARAM: return ir_to_json(v->param->values[env], env, ok);
    case IR_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->items.len; i++)
            json_array_append_new(a, ir_to_json(v->items.items[i], env, ok));
        return a;
    }
    case IR_OBJECT: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->items.len; i++)
            json_object_set_new(o, v->keys.items[i], ir_to_json(v->items.items[i], env, ok));
        return o;
    }
    default: {
        const char *t = out_yaml_scalar_text(json_arena, v, env);
        json_t *s = t ? json_string(t) : NULL;
        if (!s)
            *ok = 0;
        return s ? s : json_null();
    }
    }
}

const char *out_yaml_scalar_text(arena *a, const ir_value *v, int env)
{
    switch (v->kind) {
    case IR_NULL: return "null";
    case IR_BOOL: return v->boolean ? "true" : "false";
    case IR_NUMBER: case IR_STRING: case IR_RAW: return v->text;
    case IR_PARAM:
        return v->param->values ? out_yaml_scalar_text(a, v->param->values[env], env) : NULL;
    case IR_INTERP: {
        strbuf sb;
        sb_init(&sb, a);
        for (size_t i = 0; i < v->items.len; i++) {
            const char *t = out_yaml_scalar_text(a, v->items.items[i], env);
            if (!t)
                return NULL;
            sb_puts(&sb, t);
        }
        return sb.data;
    }
    case IR_JSON: {
        int ok = 1;
        const char *t = json_text(a, v->items.items[0], env, &ok);
        return ok ? t : NULL;
    }
    default: return NULL;
    }
}

/* `uses: owner/repo@<sha> # v1.2.3`: the comment is cut off here and put back
 * after the line libyaml writes, since libyaml has no comment events. */
static const char *split_comment(yw *w, const ir_value *v)
{
    const char *hash = v->kind == IR_STRING ? strstr(v->text, " # ") : NULL;
    if (!hash)
        return NULL;
    const char *val = arena_strndup(w->sb->a, v->text, (size_t)(hash - v->text));
    vec_push(w->sb->a, &w->comments, (void *)val);
    vec_push(w->sb->a, &w->comments, (void *)(hash + 3));
    return val;
}

static void yw_value(yw *w, const ir_value *v)
{
    switch (v->kind) {
    case IR_LIST: yw_sequence(w, v); return;
    case IR_OBJECT: yw_object(w, v); return;
    case IR_PARAM:
        if (v->param->values) {
            yw_value(w, v->param->values[w->o->env]);
            return;
        }
        break;
    case IR_NULL: case IR_BOOL: case IR_NUMBER:
        yw_scalar(w, out_yaml_scalar_text(w->sb->a, v, w->o->env), false, true);
        return;
    default: {
        const char *cut = w->o->workflow ? split_comment(w, v) : NULL;
        const char *t = cut ? cut : out_yaml_scalar_text(w->sb->a, v, w->o->env);
        if (t) {
            yw_scalar(w, t, true, false);
            return;
        }
    }
    }
    diag_error(w->d, v->loc, "this value cannot be written into YAML (a reference to a cloud resource "
               "or a secret has no value before deployment)");
    w->failed = 1;
    yw_scalar(w, "", true, false);
}

static void yw_block(yw *w, const ir_block *b)
{
    yw_mapping_start(w);
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        bool seen = false;      /* repeated nested blocks were written with the first */
        for (size_t j = 0; j < i && !seen; j++)
            seen = ((const ir_entry *)b->entries.items[j])->block && e->block &&
                   strcmp(((const ir_entry *)b->entries.items[j])->key, e->key) == 0;
        if (seen)
            continue;
        yw_key(w, e->key);
        if (!e->block) {
            yw_value(w, e->value);
            continue;
        }
        size_t count = 0;
        for (size_t j = i; j < b->entries.len; j++) {
            const ir_entry *o = b->entries.items[j];
            count += o->block && strcmp(o->key, e->key) == 0;
        }
        if (count == 1) {
            yw_block(w, e->block);
            continue;
        }
        yaml_event_t ev;
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
        yw_emit(w, &ev);
        for (size_t j = i; j < b->entries.len; j++) {
            const ir_entry *o = b->entries.items[j];
            if (o->block && strcmp(o->key, e->key) == 0)
                yw_block(w, o->block);
        }
        yaml_sequence_end_event_initialize(&ev);
        yw_emit(w, &ev);
    }
    yw_mapping_end(w);
}

/* Puts the cut-off comments back: ` # v1.2.3` after the first line that
 * ends with ` value`. */
static void restore_comments(yw *w, size_t from)
{
    for (size_t i = 0; i + 1 < w->comments.len; i += 2) {
        const char *val = w->comments.items[i], *comment = w->comments.items[i + 1];
        size_t vl = strlen(val);
        for (char *line = w->sb->data + from; line && *line;) {
            char *nl = strchr(line, '\n');
            size_t len = nl ? (size_t)(nl - line) : strlen(line);
            if (len > vl && line[len - vl - 1] == ' ' && strncmp(line + len - vl, val, vl) == 0) {
                strbuf out;
                sb_init(&out, w->sb->a);
                sb_putn(&out, w->sb->data, (size_t)(line - w->sb->data) + len);
                sb_printf(&out, "  # %s", comment);     /* two spaces: yamllint's `comments` rule */
                sb_puts(&out, line + len);
                *w->sb = out;
                break;
            }
            line = nl ? nl + 1 : NULL;
        }
    }
}

static size_t indent_of(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && line[i] == ' ')
        i++;
    return i;
}

/* libyaml writes a sequence inside a mapping without indenting it
 * (`key:` then `- item` at the key's column), which yamllint's defaults and
 * prettier both reject. Every line of such a sequence (its items and all
 * they hold) moves two columns right. Lines of a block scalar (`run: |`)
 * only move with their parent: they never start a sequence. */
static void indent_sequences(strbuf *sb, size_t from)
{
    strbuf out;
    sb_init(&out, sb->a);
    sb_putn(&out, sb->data, from);
    size_t seq_cols[64], nseq = 0, shift = 0, key_col = (size_t)-1, scalar_col = (size_t)-1;
    for (const char *line = sb->data + from; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line), col = indent_of(line, len);
        bool blank = col == len, item = !blank && len >= col + 2 && line[col] == '-' && line[col + 1] == ' ';
        if (scalar_col != (size_t)-1 && (blank || col > scalar_col)) {
            /* inside a block scalar: moved with its parent, nothing else */
        } else {
            scalar_col = (size_t)-1;
            while (nseq && !blank && (col < seq_cols[nseq - 1] || (col == seq_cols[nseq - 1] && !item))) {
                nseq--;
                shift -= 2;
            }
            if (item && col == key_col && nseq < 64) {
                seq_cols[nseq++] = col;
                shift += 2;
            }
            key_col = !blank && line[len - 1] == ':' ? col + (item ? 2 : 0) : (size_t)-1;
            if (!blank && len >= 2 && (line[len - 1] == '|' || line[len - 2] == '|'))
                scalar_col = col;
        }
        if (!blank)
            for (size_t i = 0; i < shift; i++)
                sb_putc(&out, ' ');
        sb_putn(&out, line, len);
        if (nl)
            sb_putc(&out, '\n');
        line = nl ? nl + 1 : line + len;
    }
    *sb = out;
}

static int yw_document(strbuf *sb, const out_yaml_opts *o, diag_ctx *d, const ir_block *b, const ir_value *v)
{
    yw w = {.sb = sb, .o = o, .d = d};
    size_t from = sb->len;
    yaml_emitter_initialize(&w.em);
    yaml_emitter_set_output(&w.em, yw_write, &w);
    yaml_emitter_set_indent(&w.em, 2);
    yaml_emitter_set_width(&w.em, 4096);
    yaml_emitter_set_unicode(&w.em, 1);
    yaml_event_t ev;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    yw_emit(&w, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);     /* `---`: yamllint's document-start */
    yw_emit(&w, &ev);
    if (b)
        yw_block(&w, b);
    else
        yw_value(&w, v);
    yaml_document_end_event_initialize(&ev, 1);
    yw_emit(&w, &ev);
    yaml_stream_end_event_initialize(&ev);
    yw_emit(&w, &ev);
    yaml_emitter_flush(&w.em);
    yaml_emitter_delete(&w.em);
    restore_comments(&w, from);
    indent_sequences(sb, from);
    return w.failed ? -1 : 0;
}

int out_yaml_block(strbuf *sb, const ir_block *b, const out_yaml_opts *o, diag_ctx *d)
{
    return yw_document(sb, o, d, b, NULL);
}

int out_yaml_value(strbuf *sb, const ir_value *v, const out_yaml_opts *o, diag_ctx *d)
{
    return yw_document(sb, o, d, NULL, v);
}
