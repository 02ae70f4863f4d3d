/* moved.c — moved blocks from the previous build's Terraform; see moved.h. */
#include "moved.h"

#include <string.h>

/* One directory of Terraform files: a module, or a root module. */
typedef struct tf_dir {
    const char *path;
    strmap bodies;          /* "type.name" of each resource -> its body's text */
    ptrvec addrs;           /* those addresses, in file order */
    ptrvec calls;           /* module calls: name, then the called directory, in pairs */
    ptrvec moves;           /* moved blocks: from, then to, in pairs */
    bool called;            /* another directory calls it: not a root */
} tf_dir;

typedef struct tf_tree {
    arena *a;
    strmap dirs;            /* path -> tf_dir* */
    ptrvec order;           /* tf_dir*, in order of first file */
} tf_tree;

static void tree_init(tf_tree *t, arena *a)
{
    t->a = a;
    strmap_init(&t->dirs, a);
    t->order = (ptrvec){0};
}

static tf_dir *dir_of(tf_tree *t, const char *path)
{
    tf_dir *d = strmap_get(&t->dirs, path);
    if (!d) {
        d = arena_alloc(t->a, sizeof *d);
        d->path = arena_strdup(t->a, path);
        strmap_init(&d->bodies, t->a);
        strmap_put(&t->dirs, d->path, d);
        vec_push(t->a, &t->order, d);
    }
    return d;
}

/* The n-th "quoted" word of line (no escapes: infrac's names need none). */
static const char *quoted(arena *a, const char *line, const char *end, int n)
{
    for (const char *c = line; c < end; c++) {
        if (*c != '"')
            continue;
        const char *close = memchr(c + 1, '"', (size_t)(end - c - 1));
        if (!close)
            return NULL;
        if (n-- == 0)
            return arena_strndup(a, c + 1, (size_t)(close - c - 1));
        c = close;
    }
    return NULL;
}

/* The value of `  key = value` (spaces around `=` as fmt aligns them). */
static const char *attr_value(arena *a, const char *line, const char *end, const char *key)
{
    size_t k = strlen(key);
    if (end - line < (long)(k + 3) || strncmp(line, "  ", 2) != 0 || strncmp(line + 2, key, k) != 0)
        return NULL;
    const char *c = line + 2 + k;
    while (c < end && *c == ' ')
        c++;
    if (c >= end || *c != '=')
        return NULL;
    for (c++; c < end && *c == ' '; c++)
        ;
    return arena_strndup(a, c, (size_t)(end - c));
}

/* dir/rel, with ./ and ../ taken away; NULL when it leaves the tree. */
static const char *join(arena *a, const char *dir, const char *rel)
{
    strbuf sb;
    sb_init(&sb, a);
    sb_puts(&sb, dir);
    for (const char *seg = rel; *seg;) {
        const char *slash = strchr(seg, '/');
        size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
        if (n == 2 && strncmp(seg, "..", 2) == 0) {
            char *up = strrchr(sb.data, '/');
            if (!sb.len)
                return NULL;
            sb.len = up ? (size_t)(up - sb.data) : 0;
            sb.data[sb.len] = '\0';
        } else if (n && !(n == 1 && *seg == '.')) {
            if (sb.len)
                sb_putc(&sb, '/');
            sb_putn(&sb, seg, n);
        }
        seg += n + (slash ? 1 : 0);
    }
    return sb.data;
}

typedef enum { B_NONE, B_RESOURCE, B_MODULE, B_MOVED, B_OTHER } block_kind;

static block_kind header_kind(const char *line)
{
    if (strncmp(line, "resource \"", 10) == 0)
        return B_RESOURCE;
    if (strncmp(line, "module \"", 8) == 0)
        return B_MODULE;
    return strncmp(line, "moved {", 7) == 0 ? B_MOVED : B_OTHER;
}

static void add_resource(tf_tree *t, tf_dir *d, const char *name, const char *body)
{
    if (name && !strmap_has(&d->bodies, name)) {
        strmap_put(&d->bodies, name, (void *)body);
        vec_push(t->a, &d->addrs, (void *)name);
    }
}

/* A module call's local source, as a directory of the tree. */
static void add_call(tf_tree *t, tf_dir *d, const char *name, const char *line, const char *eol)
{
    const char *src = attr_value(t->a, line, eol, "source");
    const char *target = src && src[0] == '"' ? quoted(t->a, src, src + strlen(src), 0) : NULL;
    if (name && target && (strncmp(target, "./", 2) == 0 || strncmp(target, "../", 3) == 0)) {
        target = join(t->a, d->path, target);
        if (target) {
            vec_push(t->a, &d->calls, (void *)name);
            vec_push(t->a, &d->calls, (void *)target);
        }
    }
}

/* The top-level blocks of one file that matter here: resources (with their
 * bodies), module calls with a local source, moved blocks. */
static void read_file(tf_tree *t, const char *path, const char *data, size_t len)
{
    const char *slash = strrchr(path, '/');
    tf_dir *d = dir_of(t, slash ? arena_strndup(t->a, path, (size_t)(slash - path)) : "");
    const char *end = data + len, *name = NULL, *body = NULL, *from = NULL, *to = NULL;
    block_kind kind = B_NONE;
    for (const char *line = data; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *eol = nl ? nl : end, *next = nl ? nl + 1 : end;
        if (kind == B_NONE && eol > line && line[0] != ' ' && line[0] != '#' && line[0] != '}') {
            kind = header_kind(line);
            name = kind == B_RESOURCE ? arena_printf(t->a, "%s.%s", quoted(t->a, line, eol, 0), quoted(t->a, line, eol, 1))
                 : kind == B_MODULE ? quoted(t->a, line, eol, 0) : NULL;
            body = next;
            from = to = NULL;
            if (eol[-1] == '}') {   /* resource "t" "n" {} */
                if (kind == B_RESOURCE)
                    add_resource(t, d, name, "");
                kind = B_NONE;
            }
        } else if (kind != B_NONE && eol - line == 1 && line[0] == '}') {
            if (kind == B_RESOURCE)
                add_resource(t, d, name, arena_strndup(t->a, body, (size_t)(line - body)));
            if (kind == B_MOVED && from && to) {
                vec_push(t->a, &d->moves, (void *)from);
                vec_push(t->a, &d->moves, (void *)to);
            }
            kind = B_NONE;
        } else if (kind == B_MODULE) {
            add_call(t, d, name, line, eol);
        } else if (kind == B_MOVED) {
            from = from ? from : attr_value(t->a, line, eol, "from");
            to = to ? to : attr_value(t->a, line, eol, "to");
        }
        line = next;
    }
}

static void mark_called(tf_tree *t)
{
    for (size_t i = 0; i < t->order.len; i++) {
        const tf_dir *d = t->order.items[i];
        for (size_t j = 1; j < d->calls.len; j += 2) {
            tf_dir *callee = strmap_get(&t->dirs, d->calls.items[j]);
            if (callee)
                callee->called = true;
        }
    }
}

static bool is_tf(const char *path)
{
    size_t n = strlen(path);
    return n > 3 && strcmp(path + n - 3, ".tf") == 0;
}

/* Every resource a root module manages, by its address from the root
 * (module.<call>.<type>.<name>), with its body; and the moved blocks of its
 * modules, addressed the same way. Calls nest a few levels at most. */
typedef struct flat {
    strmap bodies;
    ptrvec addrs;
    strmap move_from, move_to;      /* addresses explicit moved blocks name */
} flat;

static void flatten(tf_tree *t, const tf_dir *d, const char *prefix, int depth, flat *f)
{
    for (size_t i = 0; i < d->addrs.len; i++) {
        const char *addr = arena_printf(t->a, "%s%s", prefix, (const char *)d->addrs.items[i]);
        if (!strmap_has(&f->bodies, addr)) {
            strmap_put(&f->bodies, addr, strmap_get(&d->bodies, d->addrs.items[i]));
            vec_push(t->a, &f->addrs, (void *)addr);
        }
    }
    for (size_t i = 0; *prefix && i + 1 < d->moves.len; i += 2) {     /* a root's own: see moved_add */
        strmap_put(&f->move_from, arena_printf(t->a, "%s%s", prefix, (const char *)d->moves.items[i]), NULL);
        strmap_put(&f->move_to, arena_printf(t->a, "%s%s", prefix, (const char *)d->moves.items[i + 1]), NULL);
    }
    for (size_t i = 0; depth < 8 && i + 1 < d->calls.len; i += 2) {
        const tf_dir *callee = strmap_get(&t->dirs, d->calls.items[i + 1]);
        if (callee)
            flatten(t, callee, arena_printf(t->a, "%smodule.%s.", prefix, (const char *)d->calls.items[i]), depth + 1, f);
    }
}

static void flat_of(tf_tree *t, const tf_dir *root, flat *f)
{
    strmap_init(&f->bodies, t->a);
    strmap_init(&f->move_from, t->a);
    strmap_init(&f->move_to, t->a);
    f->addrs = (ptrvec){0};
    flatten(t, root, "", 0, f);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* "module.app.azurerm_x.y" -> "azurerm_x" */
static const char *type_of(arena *a, const char *addr)
{
    const char *dot = strrchr(addr, '.'), *start = dot;
    while (start > addr && start[-1] != '.')
        start--;
    return dot ? arena_strndup(a, start, (size_t)(dot - start)) : addr;
}

typedef struct moves {
    ptrvec pairs;           /* from, to */
    strmap from;            /* from -> to */
} moves;

static void add_move(arena *a, moves *m, const char *from, const char *to)
{
    if (strmap_has(&m->from, from))
        return;
    strmap_put(&m->from, from, (void *)to);
    vec_push(a, &m->pairs, (void *)from);
    vec_push(a, &m->pairs, (void *)to);
}

/* Addresses gone from old and new in now, one of each with the same type
 * and body and no other such pair: the same resource, moved. */
static void find_moves(arena *a, const flat *old, const flat *now, moves *m)
{
    strmap claimed;
    strmap_init(&claimed, a);
    for (size_t i = 0; i < old->addrs.len; i++) {
        const char *gone = old->addrs.items[i];
        if (strmap_has(&now->bodies, gone) || strmap_has(&now->move_from, gone))
            continue;
        const char *type = type_of(a, gone), *body = strmap_get(&old->bodies, gone), *match = NULL;
        int count = 0;
        for (size_t j = 0; j < now->addrs.len; j++) {
            const char *added = now->addrs.items[j];
            if (strmap_has(&old->bodies, added) || strmap_has(&now->move_to, added) || strmap_has(&claimed, added))
                continue;
            if (strcmp(type_of(a, added), type) == 0 && strcmp(strmap_get(&now->bodies, added), body) == 0) {
                match = added;
                count++;
            }
        }
        for (size_t j = 0; count == 1 && j < old->addrs.len; j++) {   /* and no other gone one is its twin */
            const char *other = old->addrs.items[j];
            if (other != gone && !strmap_has(&now->bodies, other) && strcmp(type_of(a, other), type) == 0 &&
                strcmp(strmap_get(&old->bodies, other), body) == 0)
                count++;
        }
        if (count == 1) {
            strmap_put(&claimed, match, NULL);
            add_move(a, m, gone, match);
        }
    }
}

/* The previous root's moved blocks that still say something: what they
 * move to exists (or moves on), and what they move from is gone. */
static void carry_moves(arena *a, const tf_dir *old_root, const flat *now, moves *m, moves *fresh)
{
    for (size_t i = 0; old_root && i + 1 < old_root->moves.len; i += 2) {
        const char *from = old_root->moves.items[i], *to = old_root->moves.items[i + 1];
        if (!strmap_has(&now->bodies, from) && (strmap_has(&now->bodies, to) || strmap_has(&fresh->from, to)))
            add_move(a, m, from, to);
    }
}

static const char *moved_text(arena *a, const moves *m, const char *header)
{
    strbuf sb;
    sb_init(&sb, a);
    sb_puts(&sb, header);
    for (size_t i = 0; i + 1 < m->pairs.len; i += 2) {
        if (i)
            sb_putc(&sb, '\n');
        sb_printf(&sb, "moved {\n  from = %s\n  to   = %s\n}\n", (const char *)m->pairs.items[i],
                  (const char *)m->pairs.items[i + 1]);
    }
    return sb.data;
}

void moved_add(out_set *out, const ptrvec *old_paths, moved_read_fn read, void *ctx, const char *header)
{
    arena *a = out->a;
    tf_tree old, now;
    tree_init(&old, a);
    tree_init(&now, a);
    for (size_t i = 0; i < old_paths->len; i++) {
        const char *path = old_paths->items[i];
        size_t len = 0;
        char *data = is_tf(path) ? read(ctx, a, path, &len) : NULL;
        if (data)
            read_file(&old, path, data, len);
    }
    if (!old.order.len)
        return;
    for (size_t i = 0; i < out->files.len; i++) {
        const out_file *f = out->files.items[i];
        if (is_tf(f->path))
            read_file(&now, f->path, f->data, f->len);
    }
    mark_called(&old);
    mark_called(&now);
    for (size_t i = 0; i < now.order.len; i++) {
        const tf_dir *root = now.order.items[i];
        const char *file = arena_printf(a, "%s%smoved.tf", root->path, *root->path ? "/" : "");
        if (root->called || !root->calls.len || out_find(out, file))
            continue;       /* a module; or a root kept as it was (--env) */
        /* the same root, or the same environment's wherever the layout put
         * it: a root of a stack's own (environments/dev/addons) is found
         * where it was before its base name would match another's */
        const tf_dir *old_root = NULL;
        for (int by_base = 0; by_base < 2 && !old_root; by_base++)
            for (size_t j = 0; j < old.order.len && !old_root; j++) {
                const tf_dir *o = old.order.items[j];
                if (!o->called && o->calls.len && (by_base ? strcmp(base_name(o->path), base_name(root->path))
                                                           : strcmp(o->path, root->path)) == 0)
                    old_root = o;
            }
        if (!old_root)
            continue;
        flat was, is;
        flat_of(&old, old_root, &was);
        flat_of(&now, root, &is);
        moves fresh = {0}, all = {0};
        strmap_init(&fresh.from, a);
        strmap_init(&all.from, a);
        find_moves(a, &was, &is, &fresh);
        carry_moves(a, old_root, &is, &all, &fresh);
        for (size_t j = 0; j + 1 < fresh.pairs.len; j += 2)
            add_move(a, &all, fresh.pairs.items[j], fresh.pairs.items[j + 1]);
        if (all.pairs.len) {
            const char *text = moved_text(a, &all, header);
            out_add(out, file, text, strlen(text), "#");
        }
    }
}
