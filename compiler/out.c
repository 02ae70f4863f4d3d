/* out.c — the in-memory output set; see out.h. */
#include "out.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void out_init(out_set *o, arena *a)
{
    memset(o, 0, sizeof *o);
    o->a = a;
    strmap_init(&o->by_path, a);
}

const out_file *out_find(const out_set *o, const char *path)
{
    return strmap_get(&o->by_path, path);
}

out_file *out_add(out_set *o, const char *path, const char *data, size_t len, const char *comment)
{
    if (out_find(o, path)) {
        fprintf(stderr, "infrac: internal error: two outputs at %s\n", path);
        abort();
    }
    out_file *f = arena_alloc(o->a, sizeof *f);
    f->path = arena_strdup(o->a, path);
    f->data = arena_strndup(o->a, data, len);
    f->len = len;
    f->comment = comment;
    f->target = -1;
    vec_push(o->a, &o->files, f);
    strmap_put(&o->by_path, f->path, f);
    return f;
}

#define OUT_NAME_MAX 100

const char *out_name_problem(arena *a, const char *name)
{
    size_t n = strlen(name);
    if (!n)
        return "it is empty";
    if (n > OUT_NAME_MAX)
        return "it is longer than 100 bytes";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum || c == '_' || (i && (c == '-' || c == '.')))
            continue;
        if (c < 0x20 || c == 0x7f)
            return "it holds a control character";
        if (c >= 0x80)
            return "it holds a non-ASCII character";
        return arena_printf(a, "it %s '%c'", i ? "holds" : "starts with", c);
    }
    return NULL;
}

const char *out_path_problem(arena *a, const char *path)
{
    if (strcmp(path, ".") == 0)
        return NULL;
    for (const char *seg = path;;) {
        const char *slash = strchr(seg, '/');
        const char *why = out_name_problem(a, slash ? arena_strndup(a, seg, (size_t)(slash - seg)) : seg);
        if (why)
            return arena_printf(a, "%s (in '%s')", why, path);
        if (!slash)
            return NULL;
        seg = slash + 1;
    }
}

const char *out_file_path_problem(arena *a, const char *path)
{
    if (strncmp(path, ".infrac/", 8) == 0 || strcmp(path, ".infrac") == 0 || strcmp(path, ".gitattributes") == 0)
        return "infrac keeps its own files there";
    for (const char *seg = path;;) {
        const char *slash = strchr(seg, '/');
        const char *name = slash ? arena_strndup(a, seg, (size_t)(slash - seg)) : seg;
        if (!strcmp(name, ".") || !strcmp(name, ".."))
            return arena_printf(a, "it has a '%s' component", name);
        if (!strcasecmp(name, ".git"))
            return "it names a .git directory";
        const char *why = out_name_problem(a, name[0] == '.' && name[1] ? name + 1 : name);
        if (why)
            return arena_printf(a, "%s (in '%s')", why, path);
        if (!slash)
            return NULL;
        seg = slash + 1;
    }
}

void out_take(out_set *o, const out_set *from)
{
    for (size_t i = 0; i < from->env_rules.len; i++)
        vec_push(o->a, &o->env_rules, from->env_rules.items[i]);
    for (size_t i = 0; i < from->files.len; i++) {
        out_file *f = from->files.items[i];
        if (out_find(o, f->path)) {
            fprintf(stderr, "infrac: internal error: two outputs at %s\n", f->path);
            abort();
        }
        vec_push(o->a, &o->files, f);
        strmap_put(&o->by_path, f->path, f);
    }
}

static int by_path(const void *x, const void *y)
{
    const out_file *a = *(const out_file *const *)x, *b = *(const out_file *const *)y;
    return strcmp(a->path, b->path);
}

void out_sort(out_set *o)
{
    if (o->files.len > 1)
        qsort(o->files.items, o->files.len, sizeof o->files.items[0], by_path);
}

/* The per-environment layouts of the backends: terraform.c's root modules,
 * kustomize.c's overlays, bicep.c's parameter files. */
void out_add_env_rule(out_set *o, const char *dir, const char *before, const char *after)
{
    out_env_rule *r = arena_alloc(o->a, sizeof *r);
    r->dir = *dir ? arena_printf(o->a, "%s/", dir) : "";
    r->before = before ? arena_strdup(o->a, before) : NULL;
    r->after = after ? arena_strdup(o->a, after) : NULL;
    vec_push(o->a, &o->env_rules, r);
}

void out_add_env_path(out_set *o, const char *path, const char *env)
{
    out_env_rule *r = arena_alloc(o->a, sizeof *r);
    r->dir = arena_strdup(o->a, path);
    r->env = arena_strdup(o->a, env);
    vec_push(o->a, &o->env_rules, r);
}

bool out_env_file(const out_set *o, const char *path, const char *env)
{
    size_t n = strlen(env);
    for (size_t i = 0; i < o->env_rules.len; i++) {
        const out_env_rule *r = o->env_rules.items[i];
        if (r->env) {
            if (strcmp(r->env, env) == 0 && strcmp(r->dir, path) == 0)
                return true;
            continue;
        }
        size_t d = strlen(r->dir);
        if (strncmp(path, r->dir, d) != 0)
            continue;
        const char *rest = path + d;
        if (!r->before) {
            if (strncmp(rest, env, n) == 0 && rest[n] == '/')
                return true;
            continue;
        }
        const char *base = strrchr(rest, '/');
        base = base ? base + 1 : rest;
        size_t b = strlen(r->before);
        if (strncmp(base, r->before, b) == 0 && strncmp(base + b, env, n) == 0 && strcmp(base + b + n, r->after) == 0)
            return true;
    }
    return false;
}

bool out_is_generated(const char *data, size_t len)
{
    if (len > 2 && data[0] == '#' && data[1] == '!') {     /* a script's #! line stays first */
        const char *nl = memchr(data, '\n', len);
        if (!nl)
            return false;
        len -= (size_t)(nl + 1 - data);
        data = nl + 1;
    }
    const char *nl = memchr(data, '\n', len);
    size_t n = nl ? (size_t)(nl - data) : len;
    if (n && data[n - 1] == '\r')
        n--;
    /* the comment prefixes of the syntaxes infrac writes (stdlib file_comments) */
    static const char *prefixes[] = {"# ", "// ", "-- ", "; "};
    size_t b = strlen(OUT_HEADER_BEGIN), e = strlen(OUT_HEADER_END);
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t p = strlen(prefixes[i]);
        if (n > p + b + e && memcmp(data, prefixes[i], p) == 0 && memcmp(data + p, OUT_HEADER_BEGIN, b) == 0 &&
            memcmp(data + n - e, OUT_HEADER_END, e) == 0)
            return true;
    }
    return false;
}

#include <errno.h>
#include <sys/stat.h>

static int mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int r = mkdir(path, 0755);
        *p = '/';
        if (r != 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

int out_write_plain(const out_set *o, const char *dir)
{
    for (size_t i = 0; i < o->files.len; i++) {
        const out_file *f = o->files.items[i];
        size_t n = strlen(dir) + strlen(f->path) + 2;
        char *full = malloc(n);
        snprintf(full, n, "%s/%s", dir, f->path);
        FILE *fp = mkdirs(full) == 0 ? fopen(full, "wb") : NULL;
        int ok = fp && fwrite(f->data, 1, f->len, fp) == f->len;
        if (fp && fclose(fp) != 0)
            ok = 0;
        free(full);
        if (!ok)
            return -1;
    }
    return 0;
}
