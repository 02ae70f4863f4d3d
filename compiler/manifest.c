/* manifest.c — the kept file and the .gitattributes block; see manifest.h. */
#include "manifest.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

#define MANIFEST_HEAD \
    "# Kept by infrac: the program and the files generated from it, one per line.\n" \
    "# After a merge conflict here, run `infrac build`: it keeps both sides' files.\n"

#define GA_BEGIN "# BEGIN infrac: generated files (kept by infrac; edit outside this block)"
#define GA_END "# END infrac"

void repo_manifest_init(repo_manifest *m, arena *a)
{
    memset(m, 0, sizeof *m);
    strmap_init(&m->owned, a);
}

static int by_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

void repo_manifest_own(repo_manifest *m, arena *a, const char *path)
{
    if (strmap_has(&m->owned, path))
        return;
    const char *k = arena_strdup(a, path);
    strmap_put(&m->owned, k, (void *)k);
    vec_push(a, &m->paths, (void *)k);
}

void repo_manifest_unroot(repo_manifest *m, arena *a)
{
    ptrvec paths = m->paths;
    m->paths = (ptrvec){0};
    strmap_init(&m->owned, a);
    for (size_t i = 0; i < paths.len; i++) {
        const char *p = paths.items[i];
        repo_manifest_own(m, a, writer_at_root(p) ? p + 1 : p);
    }
    if (m->paths.len > 1)
        qsort(m->paths.items, m->paths.len, sizeof m->paths.items[0], by_str);
}

static void push_once(arena *a, ptrvec *v, const char *s)
{
    for (size_t i = 0; i < v->len; i++)
        if (strcmp(v->items[i], s) == 0)
            return;
    vec_push(a, v, arena_strdup(a, s));
}

static void finish(repo_manifest *m)
{
    if (m->paths.len > 1)
        qsort(m->paths.items, m->paths.len, sizeof m->paths.items[0], by_str);
    m->stdlib = m->stdlibs.len == 1 ? m->stdlibs.items[0] : NULL;
}

static bool conflict_marker(const char *line, size_t n)
{
    static const char *marks[] = {"<<<<<<<", "|||||||", "=======", ">>>>>>>"};
    for (int i = 0; i < 4; i++)
        if (n >= 7 && strncmp(line, marks[i], 7) == 0 && (n == 7 || line[7] == ' '))
            return true;
    return false;
}

/* A program path: read from, never written; relative, one line. */
static const char *program_path_problem(const char *p)
{
    if (!*p)
        return "it is empty";
    if (*p == '/')
        return "it is absolute";
    for (const char *s = p; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return "it holds a control character";
    return NULL;
}

static void manifest_line(repo_manifest *m, arena *a, const char *line, int lineno, diag_ctx *d)
{
    const char *sp = strchr(line, ' ');
    const char *word = sp ? arena_strndup(a, line, (size_t)(sp - line)) : line, *arg = sp ? sp + 1 : "";
    const char *why = NULL;
    bool file = strcmp(word, "file") == 0;
    const char *at_root = !file && strcmp(word, "root-file") == 0 ? arena_printf(a, "%c%s", WRITER_ROOT, arg) : NULL;
    if (file && !(why = writer_path_problem(arg)))
        repo_manifest_own(m, a, arg);
    else if (at_root && !(why = writer_place_problem(at_root)))
        repo_manifest_own(m, a, at_root);
    else if (strcmp(word, "program") == 0 && !(why = program_path_problem(arg)))
        push_once(a, &m->sources, arg);
    else if (strcmp(word, "stdlib") == 0 && !(why = program_path_problem(arg)))
        push_once(a, &m->stdlibs, arg);
    else if (strcmp(word, "env") == 0 && *arg)
        push_once(a, &m->envs, arg);
    else
        why = why ? why : "it is not a line infrac writes";
    if (why)
        diag_warning(d, (src_loc){0}, "%s line %d is ignored: %s", REPO_MANIFEST, lineno, why);
}

int repo_manifest_parse(repo_manifest *m, arena *a, const char *text, size_t len, diag_ctx *d)
{
    repo_manifest_init(m, a);
    if (!text)
        return 0;
    if (memchr(text, '\0', len)) {
        diag_error(d, (src_loc){0}, "%s is not a manifest (it holds a NUL byte); restore it from git, "
                   "or remove it and build again", REPO_MANIFEST);
        return -1;
    }
    int lineno = 0;
    for (const char *s = text; s < text + len;) {
        const char *nl = memchr(s, '\n', (size_t)(text + len - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(text + len - s);
        lineno++;
        const char *line = arena_strndup(a, s, n > 0 && s[n - 1] == '\r' ? n - 1 : n);
        s += n + 1;
        if (conflict_marker(line, strlen(line)))
            m->conflicted = true;
        else if (*line && *line != '#')
            manifest_line(m, a, line, lineno, d);
    }
    finish(m);
    return 0;
}

int repo_manifest_parse_old(repo_manifest *m, arena *a, const char *text, size_t len, diag_ctx *d)
{
    repo_manifest_init(m, a);
    m->old_format = true;
    json_error_t err;
    json_t *root = json_loadb(text, len, 0, &err);
    json_t *files = json_object_get(root, "files"), *val;
    if (!json_is_object(files)) {
        diag_error(d, (src_loc){0}, "%s is damaged (%s); restore it from git, or remove it and build again",
                   REPO_OLD_MANIFEST, root ? "unexpected shape" : err.text);
        json_decref(root);
        return -1;
    }
    const char *key;
    json_object_foreach(files, key, val) {
        if (writer_path_is_safe(key))
            repo_manifest_own(m, a, key);
        else
            diag_warning(d, (src_loc){0}, "%s: ignoring %s, which cannot be a generated file", REPO_OLD_MANIFEST, key);
    }
    size_t i;
    json_array_foreach(json_object_get(root, "sources"), i, val)
        if (json_string_value(val) && !program_path_problem(json_string_value(val)))
            push_once(a, &m->sources, json_string_value(val));
    json_array_foreach(json_object_get(root, "envs"), i, val)
        if (json_string_value(val) && *json_string_value(val))
            push_once(a, &m->envs, json_string_value(val));
    const char *std = json_string_value(json_object_get(root, "stdlib"));
    if (std && !program_path_problem(std))
        push_once(a, &m->stdlibs, std);
    json_decref(root);
    finish(m);
    return 0;
}

const char *repo_manifest_text(arena *a, const repo_manifest *m)
{
    strbuf sb;
    sb_init(&sb, a);
    sb_puts(&sb, MANIFEST_HEAD);
    for (size_t i = 0; i < m->sources.len; i++)
        sb_printf(&sb, "program %s\n", (const char *)m->sources.items[i]);
    for (size_t i = 0; i < m->envs.len; i++)
        sb_printf(&sb, "env %s\n", (const char *)m->envs.items[i]);
    for (size_t i = 0; i < m->stdlibs.len; i++)
        sb_printf(&sb, "stdlib %s\n", (const char *)m->stdlibs.items[i]);
    for (size_t i = 0; i < m->paths.len; i++)
        if (!writer_at_root(m->paths.items[i]))
            sb_printf(&sb, "file %s\n", (const char *)m->paths.items[i]);
    for (size_t i = 0; i < m->paths.len; i++)
        if (writer_at_root(m->paths.items[i]))
            sb_printf(&sb, "root-file %s\n", (const char *)m->paths.items[i] + 1);
    return sb.data;
}

static bool same_set(const ptrvec *x, const ptrvec *y)
{
    if (x->len != y->len)
        return false;
    for (size_t i = 0; i < x->len; i++) {
        bool found = false;
        for (size_t j = 0; j < y->len && !found; j++)
            found = strcmp(x->items[i], y->items[j]) == 0;
        if (!found)
            return false;
    }
    return true;
}

bool repo_manifest_same(const repo_manifest *x, const repo_manifest *y)
{
    if (x->paths.len != y->paths.len || !same_set(&x->sources, &y->sources) || !same_set(&x->envs, &y->envs) ||
        !same_set(&x->stdlibs, &y->stdlibs))
        return false;
    for (size_t i = 0; i < x->paths.len; i++)      /* both sorted */
        if (strcmp(x->paths.items[i], y->paths.items[i]) != 0)
            return false;
    return true;
}

/* ---- .gitattributes ---- */

typedef struct ga_line {
    const char *text;       /* without its line end */
    size_t len, full;       /* full: with it */
} ga_line;

static ptrvec ga_lines(arena *a, const char *text)
{
    ptrvec v = {0};
    for (const char *s = text; s && *s;) {
        const char *nl = strchr(s, '\n');
        ga_line *l = arena_alloc(a, sizeof *l);
        l->text = s;
        l->full = nl ? (size_t)(nl - s) + 1 : strlen(s);
        l->len = nl ? (size_t)(nl - s) : l->full;
        if (l->len && s[l->len - 1] == '\r')
            l->len--;
        vec_push(a, &v, l);
        s += l->full;
    }
    return v;
}

static bool line_is(const ga_line *l, const char *s)
{
    return l->len == strlen(s) && strncmp(l->text, s, l->len) == 0;
}

/* Where infrac's block starting at line i ends (the END line), or 0: only
 * entry lines and conflict markers may stand between the markers. */
static size_t block_end(const ptrvec *lines, size_t i)
{
    if (!line_is(lines->items[i], GA_BEGIN))
        return 0;
    for (size_t j = i + 1; j < lines->len; j++) {
        const ga_line *l = lines->items[j];
        if (line_is(l, GA_END))
            return j;
        if (!(l->len && l->text[0] == '/') && !conflict_marker(l->text, l->len))
            return 0;
    }
    return 0;
}

static void put_block(strbuf *sb, const ptrvec *paths)
{
    sb_puts(sb, GA_BEGIN "\n");
    for (size_t i = 0; i < paths->len; i++)
        if (!writer_at_root(paths->items[i]))
            sb_printf(sb, "/%s linguist-generated=true eol=lf\n", (const char *)paths->items[i]);
    sb_puts(sb, "/" REPO_GITIGNORE " linguist-generated=true eol=lf\n");
    sb_puts(sb, "/" REPO_MANIFEST " linguist-generated=true eol=lf merge=union\n" GA_END "\n");
}

const char *repo_gitattributes(arena *a, const char *old, const ptrvec *paths)
{
    strbuf sb;
    sb_init(&sb, a);
    ptrvec lines = ga_lines(a, old);
    bool placed = false;
    for (size_t i = 0; i < lines.len; i++) {
        size_t end = block_end(&lines, i);
        if (end) {
            if (!placed)
                put_block(&sb, paths);
            placed = true;
            i = end;
            continue;
        }
        const ga_line *l = lines.items[i];
        sb_putn(&sb, l->text, l->full);
        if (i + 1 == lines.len && l->full == l->len)
            sb_putc(&sb, '\n');     /* the user's last line had no line end */
    }
    if (!placed)
        put_block(&sb, paths);
    return sb.data;
}

const char *repo_gitattributes_block(arena *a, const char *text)
{
    ptrvec lines = ga_lines(a, text);
    for (size_t i = 0; i < lines.len; i++) {
        size_t end = block_end(&lines, i);
        if (!end)
            continue;
        strbuf sb;
        sb_init(&sb, a);
        for (size_t j = i; j <= end; j++) {
            const ga_line *l = lines.items[j];
            sb_putn(&sb, l->text, l->len);
            sb_putc(&sb, '\n');
        }
        return sb.data;
    }
    return NULL;
}
