/* repo.c — owned files, the all-or-nothing write and drift; see repo.h. */
#include "repo.h"

#include <errno.h>
#include <fcntl.h>
#include "gitapi.h"
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"
#include "sha256.h"
#include "writer.h"
#include "build_id.h"
#include "report.h"
#include "ast.h"
#include <dirent.h>

#define GA_BEGIN "# BEGIN infrac: generated files (kept by infrac; edit outside this block)"
#define GA_END "# END infrac"

static const char *hash_of(arena *a, const char *data, size_t len)
{
    char hex[65];
    sha256_hex(data, len, hex);
    return arena_strdup(a, hex);
}

/* ---- readers ---- */

static char *worktree_read(void *ctx, arena *a, const char *rel, size_t *len)
{
    char *path = arena_printf(a, "%s/%s", (const char *)ctx, rel);
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    return load_read_file(a, path, len);
}

/* load.c's rule: the directory's own files named *.infra, not hidden ones. */
static bool worktree_new_infra(void *ctx, arena *a, const char *reldir, const strmap *known)
{
    DIR *dh = opendir(arena_printf(a, "%s/%s", (const char *)ctx, reldir));
    if (!dh)
        return false;   /* a file, not a directory */
    bool found = false;
    for (struct dirent *de; !found && (de = readdir(dh));) {
        size_t n = strlen(de->d_name);
        if (n > 6 && strcmp(de->d_name + n - 6, ".infra") == 0 && de->d_name[0] != '.')
            found = !strmap_has(known, arena_printf(a, "%s/%s", reldir, de->d_name));
    }
    closedir(dh);
    return found;
}

repo_reader repo_worktree_reader(const char *dir)
{
    repo_reader r = {worktree_read, (void *)dir, worktree_new_infra};
    return r;
}

/* ---- the manifest ---- */

static int by_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static const char *json_dup(arena *a, const json_t *j)
{
    return json_string_value(j) ? arena_strdup(a, json_string_value(j)) : NULL;
}

int repo_manifest_parse(repo_manifest *m, arena *a, const char *text, size_t len, diag_ctx *d)
{
    memset(m, 0, sizeof *m);
    strmap_init(&m->files, a);
    strmap_init(&m->inputs, a);
    if (!text)
        return 0;
    json_error_t err;
    json_t *root = json_loadb(text, len, 0, &err);
    json_t *files = root ? json_object_get(root, "files") : NULL;
    json_t *sources = root ? json_object_get(root, "sources") : NULL;
    if (!json_is_object(files) || !json_is_array(sources)) {
        diag_error(d, (src_loc){0}, "%s is damaged (%s); restore it from git or remove it and the files it lists",
                   REPO_MANIFEST, root ? "unexpected shape" : err.text);
        json_decref(root);
        return -1;
    }
    const char *key;
    json_t *val;
    json_object_foreach(files, key, val) {
        const char *k = arena_strdup(a, key);
        strmap_put(&m->files, k, arena_strdup(a, json_string_value(val) ? json_string_value(val) : ""));
        vec_push(a, &m->paths, (void *)k);
    }
    size_t i;
    json_array_foreach(sources, i, val)
        if (json_string_value(val))
            vec_push(a, &m->sources, arena_strdup(a, json_string_value(val)));
    json_t *inputs = json_object_get(root, "inputs");
    json_object_foreach(inputs, key, val) {
        const char *k = arena_strdup(a, key);
        strmap_put(&m->inputs, k, arena_strdup(a, json_string_value(val) ? json_string_value(val) : ""));
        vec_push(a, &m->input_paths, (void *)k);
    }
    json_array_foreach(json_object_get(root, "envs"), i, val)
        if (json_string_value(val))
            vec_push(a, &m->envs, arena_strdup(a, json_string_value(val)));
    m->stdlib = json_dup(a, json_object_get(root, "stdlib"));
    m->source_desc = json_dup(a, json_object_get(root, "source_desc"));
    m->compiler = json_dup(a, json_object_get(root, "compiler"));
    if (m->paths.len)
        qsort(m->paths.items, m->paths.len, sizeof m->paths.items[0], by_str);
    json_decref(root);
    return 0;
}

static int by_src_path(const void *x, const void *y)
{
    return strcmp((*(const src_file *const *)x)->path, (*(const src_file *const *)y)->path);
}

static json_t *inputs_json(arena *a, const repo_build_opts *ro)
{
    json_t *in = json_object();
    if (!ro->inputs)
        return in;
    ptrvec sorted = {0};
    for (size_t i = 0; i < ro->inputs->len; i++)
        vec_push(a, &sorted, ro->inputs->items[i]);
    if (sorted.len)
        qsort(sorted.items, sorted.len, sizeof sorted.items[0], by_src_path);
    for (size_t i = 0; i < sorted.len; i++) {
        const src_file *f = sorted.items[i];
        json_object_set_new(in, repo_relpath(a, f->path, ro->dir), json_string(hash_of(a, f->text, f->len)));
    }
    return in;
}

static const char *manifest_text(arena *a, const out_set *o, const ptrvec *sources, const repo_build_opts *ro)
{
    json_t *root = json_object(), *files = json_object(), *src = json_array();
    json_object_set_new(root, "generator", json_string("infrac"));
    json_object_set_new(root, "compiler", json_string(INFRAC_BUILD_ID));
    for (size_t i = 0; i < sources->len; i++)
        json_array_append_new(src, json_string(sources->items[i]));
    json_object_set_new(root, "sources", src);
    if (ro->nenvs) {        /* the build options, only when given: most manifests have none */
        json_t *envs = json_array();
        for (int i = 0; i < ro->nenvs; i++)
            json_array_append_new(envs, json_string(ro->envs[i]));
        json_object_set_new(root, "envs", envs);
    }
    if (ro->stdlib_dir)
        json_object_set_new(root, "stdlib", json_string(repo_relpath(a, ro->stdlib_dir, ro->dir)));
    if (ro->source_desc)
        json_object_set_new(root, "source_desc", json_string(ro->source_desc));
    json_object_set_new(root, "inputs", inputs_json(a, ro));
    for (size_t i = 0; i < o->files.len; i++) {     /* o is sorted by path */
        const out_file *f = o->files.items[i];
        json_object_set_new(files, f->path, json_string(hash_of(a, f->data, f->len)));
    }
    json_object_set_new(root, "files", files);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    const char *out = arena_printf(a, "%s\n", text);
    free(text);
    return out;
}

/* ---- .gitattributes ---- */

const char *repo_gitattributes(arena *a, const char *old, const ptrvec *paths)
{
    strbuf sb;
    sb_init(&sb, a);
    const char *begin = old ? strstr(old, GA_BEGIN) : NULL;
    const char *end = begin ? strstr(begin, GA_END) : NULL;
    if (old && begin && end) {
        sb_putn(&sb, old, (size_t)(begin - old));
    } else if (old && *old) {
        sb_puts(&sb, old);
        if (old[strlen(old) - 1] != '\n')
            sb_putc(&sb, '\n');
    }
    sb_puts(&sb, GA_BEGIN "\n");
    for (size_t i = 0; i < paths->len; i++)
        sb_printf(&sb, "/%s linguist-generated=true\n", (const char *)paths->items[i]);
    sb_puts(&sb, "/" REPO_MANIFEST " linguist-generated=true\n" GA_END "\n");
    if (begin && end) {
        const char *rest = strchr(end, '\n');
        if (rest)
            sb_puts(&sb, rest + 1);
    }
    return sb.data;
}

/* ---- planning ---- */

typedef struct op {
    const char *path;       /* relative to the target */
    const char *data;       /* NULL: remove */
    size_t len;
    const char *tmp;        /* the staged file, once written */
} op;

typedef struct plan {
    arena *a;
    const char *dir;
    ptrvec ops;             /* op* */
    int conflicts;
} plan;

static void plan_write(plan *pl, const char *path, const char *data, size_t len)
{
    op *o = arena_alloc(pl->a, sizeof *o);
    o->path = path;
    o->data = data;
    o->len = len;
    vec_push(pl->a, &pl->ops, o);
}

static void conflict(plan *pl, diag_ctx *d, const char *path, const char *why, const char *fix)
{
    diag_error(d, (src_loc){0}, "%s/%s %s; %s", pl->dir, path, why, fix);
    pl->conflicts++;
}

static void plan_file(plan *pl, const out_file *f, const repo_manifest *old, bool force, diag_ctx *d)
{
    size_t len;
    char *disk = worktree_read((void *)pl->dir, pl->a, f->path, &len);
    const char *owned = strmap_get(&old->files, f->path);
    if (!disk) {
        plan_write(pl, f->path, f->data, f->len);
    } else if (!owned) {
        conflict(pl, d, f->path, "exists and was not generated by infrac",
                 "move it away (or delete it) to let infrac own it");
    } else if (len == f->len && memcmp(disk, f->data, len) == 0) {
        /* up to date */
    } else if (strcmp(hash_of(pl->a, disk, len), owned) != 0 && !force) {
        conflict(pl, d, f->path, "was edited by hand since infrac generated it",
                 "move the change into the .infra program, or run `infrac build --force` to discard it");
    } else {
        plan_write(pl, f->path, f->data, f->len);
    }
}

static void plan_orphans(plan *pl, const out_set *o, const repo_manifest *old, bool force, diag_ctx *d)
{
    for (size_t i = 0; i < old->paths.len; i++) {
        const char *path = old->paths.items[i];
        if (out_find(o, path))
            continue;
        if (writer_check_dirs(pl->dir, path, d) != 0) {     /* never delete through a symlink */
            pl->conflicts++;
            continue;
        }
        size_t len;
        char *disk = worktree_read((void *)pl->dir, pl->a, path, &len);
        if (!disk)
            continue;
        if (strcmp(hash_of(pl->a, disk, len), strmap_get(&old->files, path)) != 0 && !force) {
            conflict(pl, d, path, "is no longer generated but was edited by hand",
                     "keep it by removing it from " REPO_MANIFEST ", or run `infrac build --force` to delete it");
            continue;
        }
        plan_write(pl, path, NULL, 0);
    }
}

static ptrvec relative_sources(arena *a, const repo_build_opts *ro)
{
    ptrvec v = {0};
    for (int i = 0; i < ro->nsources; i++)
        vec_push(a, &v, (void *)repo_relpath(a, ro->sources[i], ro->dir));
    return v;
}

static void plan_bookkeeping(plan *pl, const out_set *o, const repo_build_opts *ro)
{
    ptrvec paths = {0}, sources = relative_sources(pl->a, ro);
    for (size_t i = 0; i < o->files.len; i++)
        vec_push(pl->a, &paths, (void *)((const out_file *)o->files.items[i])->path);
    size_t len = 0;
    char *old_ga = worktree_read((void *)pl->dir, pl->a, ".gitattributes", &len);
    const char *ga = repo_gitattributes(pl->a, old_ga, &paths);
    if (!old_ga || strcmp(old_ga, ga) != 0)
        plan_write(pl, ".gitattributes", ga, strlen(ga));
    const char *mf = manifest_text(pl->a, o, &sources, ro);
    char *old_mf = worktree_read((void *)pl->dir, pl->a, REPO_MANIFEST, &len);
    if (pl->ops.len || !old_mf || strcmp(old_mf, mf) != 0)
        plan_write(pl, REPO_MANIFEST, mf, strlen(mf));
}

/* ---- the transaction ---- */

static int stage(plan *pl, op *o, int n, diag_ctx *d)
{
    const char *kill = getenv("INFRAC_TEST_ABORT_STAGING");   /* the kill test, while staging */
    if (kill && *kill && n >= atoi(kill))
        abort();
    if (writer_prepare_dirs(pl->dir, o->path, d) != 0)
        return -1;
    o->tmp = writer_stage(pl->dir, o->path, o->data, o->len, d);
    return o->tmp ? 0 : -1;
}

static void unstage_all(plan *pl)
{
    for (size_t i = 0; i < pl->ops.len; i++) {
        op *o = pl->ops.items[i];
        if (o->tmp)
            unlink(arena_printf(pl->a, "%s/%s", pl->dir, o->tmp));
    }
}

static const char *journal_text(plan *pl)
{
    json_t *ops = json_array();
    for (size_t i = 0; i < pl->ops.len; i++) {
        op *o = pl->ops.items[i];
        json_t *j = json_object();
        json_object_set_new(j, "path", json_string(o->path));
        if (o->tmp)
            json_object_set_new(j, "staged", json_string(o->tmp));
        json_array_append_new(ops, j);
    }
    json_t *root = json_object();
    json_object_set_new(root, "ops", ops);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    const char *out = arena_strdup(pl->a, text);
    free(text);
    return out;
}

/* For the kill test: abort after this many renames (INFRAC_TEST_ABORT_AFTER). */
static void maybe_abort(int done)
{
    const char *n = getenv("INFRAC_TEST_ABORT_AFTER");
    if (n && *n && done >= atoi(n))
        abort();
}

/* Removes now-empty directories left by removals, up to the target. */
static void prune_dirs(arena *a, const char *dir, const char *rel)
{
    char *path = arena_printf(a, "%s/%s", dir, rel);
    for (char *slash; (slash = strrchr(path, '/')) && (size_t)(slash - path) > strlen(dir);) {
        *slash = '\0';
        if (writer_rmdir(path) != 0)
            break;
    }
}

/* Applies one journal entry; done twice (after a crash) it is harmless. The
 * directories on the way are checked again (and made again if they went): a
 * journal finished by a later run must not follow a symlink put there in
 * between, nor take a missing directory for a rename already done. */
static int apply_op(arena *a, const char *dir, const char *path, const char *staged, diag_ctx *d)
{
    char *target = arena_printf(a, "%s/%s", dir, path);
    if (staged) {
        char *tmp = arena_printf(a, "%s/%s", dir, staged);
        struct stat st;
        if (writer_prepare_dirs(dir, path, d) != 0)
            return -1;
        if (rename(tmp, target) != 0 && !(errno == ENOENT && lstat(target, &st) == 0)) {
            diag_error(d, (src_loc){0}, "cannot replace %s: %s", target, strerror(errno));
            return -1;
        }
        return 0;       /* renamed now, or by the run that was interrupted */
    }
    if (writer_check_dirs(dir, path, d) != 0)
        return -1;
    if (unlink(target) != 0 && errno != ENOENT) {
        diag_error(d, (src_loc){0}, "cannot remove %s: %s", target, strerror(errno));
        return -1;
    }
    prune_dirs(a, dir, path);
    return 0;
}

static int apply_journal(arena *a, const char *dir, const char *text, diag_ctx *d)
{
    json_t *root = json_loads(text, 0, NULL);
    json_t *ops = root ? json_object_get(root, "ops") : NULL;
    if (!json_is_array(ops)) {
        json_decref(root);
        diag_error(d, (src_loc){0}, "%s/%s is damaged; remove it and rebuild", dir, REPO_JOURNAL);
        return -1;
    }
    size_t i;
    json_t *o;
    int rc = 0, done = 0;
    json_array_foreach(ops, i, o) {
        maybe_abort(done);
        const char *path = json_string_value(json_object_get(o, "path"));
        const char *staged = json_string_value(json_object_get(o, "staged"));
        if (!path || !writer_path_is_safe(path) || (staged && !writer_path_is_safe(staged))) {
            rc = -1;
            continue;
        }
        if (apply_op(a, dir, path, staged, d) != 0)
            rc = -1;
        done++;
    }
    json_decref(root);
    if (rc == 0) {
        unlink(arena_printf(a, "%s/%s", dir, REPO_JOURNAL));
        writer_rmdir(arena_printf(a, "%s/" WRITER_STAGING, dir));
    }
    return rc;
}

int repo_recover(const char *dir, diag_ctx *d)
{
    size_t len;
    char *journal = worktree_read((void *)dir, d->a, REPO_JOURNAL, &len);
    if (!journal) {     /* a run killed while staging: its files were never used */
        const char *staging = arena_printf(d->a, "%s/" WRITER_STAGING, dir);
        struct stat st;
        if (lstat(staging, &st) == 0 && S_ISDIR(st.st_mode))
            writer_remove_tree(staging);
        return 0;
    }
    diag_note(d, (src_loc){0}, "finishing the write an earlier run of infrac left unfinished in %s", dir);
    return apply_journal(d->a, dir, journal, d);
}

int repo_build(const repo_build_opts *ro, const out_set *o, diag_ctx *d)
{
    if (writer_make_target_dir(ro->dir, d) != 0 || repo_recover(ro->dir, d) != 0)
        return -1;
    size_t len = 0;
    char *mtext = worktree_read((void *)ro->dir, d->a, REPO_MANIFEST, &len);
    repo_manifest old;
    if (repo_manifest_parse(&old, d->a, mtext, len, d) != 0)
        return -1;
    plan pl = {.a = d->a, .dir = ro->dir};
    for (size_t i = 0; i < o->files.len; i++)
        plan_file(&pl, o->files.items[i], &old, ro->force, d);
    plan_orphans(&pl, o, &old, ro->force, d);
    if (pl.conflicts)
        return -1;
    plan_bookkeeping(&pl, o, ro);
    if (!pl.ops.len)
        return 0;
    for (size_t i = 0; i < pl.ops.len; i++) {
        op *op_i = pl.ops.items[i];
        if (op_i->data && stage(&pl, op_i, (int)i, d) != 0) {
            unstage_all(&pl);       /* nothing has been replaced yet: the tree is as it was */
            return -1;
        }
    }
    const char *journal = journal_text(&pl);
    if (writer_put(ro->dir, REPO_JOURNAL, journal, strlen(journal), d) != 0) {
        unstage_all(&pl);
        return -1;
    }
    return apply_journal(d->a, ro->dir, journal, d);
}

/* ---- the fast check ---- */

static bool same_hash(arena *a, repo_reader rd, const char *rel, const char *want)
{
    size_t len;
    char *text = rd.read(rd.ctx, a, rel, &len);
    return text && want && strcmp(hash_of(a, text, len), want) == 0;
}

bool repo_check_fast(const repo_manifest *m, repo_reader rd, arena *a)
{
    if (!m->compiler || strcmp(m->compiler, INFRAC_BUILD_ID) != 0 || !m->input_paths.len || !rd.new_infra)
        return false;
    for (size_t i = 0; i < m->input_paths.len; i++) {
        const char *in = m->input_paths.items[i];
        if (!same_hash(a, rd, in, strmap_get(&m->inputs, in)))
            return false;
    }
    for (size_t i = 0; i < m->sources.len; i++)
        if (rd.new_infra(rd.ctx, a, m->sources.items[i], &m->inputs))
            return false;
    if (m->stdlib && rd.new_infra(rd.ctx, a, m->stdlib, &m->inputs))
        return false;
    for (size_t i = 0; i < m->paths.len; i++) {
        const char *path = m->paths.items[i];
        if (!same_hash(a, rd, path, strmap_get(&m->files, path)))
            return false;
    }
    size_t len;
    char *ga = rd.read(rd.ctx, a, ".gitattributes", &len);
    char *journal = rd.read(rd.ctx, a, REPO_JOURNAL, &len);
    return ga && !journal && strcmp(ga, repo_gitattributes(a, ga, &m->paths)) == 0;
}

/* ---- drift ---- */

void repo_print_diff(FILE *out, const char *path, const char *old, size_t oldlen, const char *new_, size_t newlen);

static void drifted(ptrvec *drift, arena *a, repo_drift_kind k, const char *path)
{
    report_drift *r = arena_alloc(a, sizeof *r);
    r->path = path;
    r->kind = k;
    vec_push(a, drift, r);
}

void repo_check(const out_set *o, const repo_manifest *m, repo_reader rd, FILE *diff_out, ptrvec *drift, arena *a)
{
    for (size_t i = 0; i < o->files.len; i++) {
        const out_file *f = o->files.items[i];
        size_t len;
        char *disk = rd.read(rd.ctx, a, f->path, &len);
        const char *owned = strmap_get(&m->files, f->path);
        if (disk && len == f->len && memcmp(disk, f->data, len) == 0)
            continue;
        repo_drift_kind k = !disk ? DRIFT_MISSING : !owned ? DRIFT_UNOWNED
                          : strcmp(hash_of(a, disk, len), owned) != 0 ? DRIFT_EDITED : DRIFT_STALE;
        drifted(drift, a, k, f->path);
        if (diff_out)
            repo_print_diff(diff_out, f->path, disk ? disk : "", disk ? len : 0, f->data, f->len);
    }
    for (size_t i = 0; i < m->paths.len; i++) {
        const char *path = m->paths.items[i];
        size_t len;
        char *disk;
        if (out_find(o, path) || !(disk = rd.read(rd.ctx, a, path, &len)))
            continue;
        drifted(drift, a, DRIFT_ORPHAN, path);
        if (diff_out)
            repo_print_diff(diff_out, path, disk, len, "", 0);
    }
}

static int diff_line(const git_diff_delta *delta, const git_diff_hunk *hunk, const git_diff_line *line, void *payload)
{
    (void)delta;
    (void)hunk;
    FILE *out = payload;
    if (line->origin == GIT_DIFF_LINE_CONTEXT || line->origin == GIT_DIFF_LINE_ADDITION ||
        line->origin == GIT_DIFF_LINE_DELETION)
        fputc(line->origin, out);
    fwrite(line->content, 1, line->content_len, out);
    return 0;
}

static int diff_hunk(const git_diff_delta *delta, const git_diff_hunk *hunk, void *payload)
{
    (void)delta;
    fwrite(hunk->header, 1, hunk->header_len, payload);
    return 0;
}

void repo_print_diff(FILE *out, const char *path, const char *old, size_t oldlen, const char *new_, size_t newlen)
{
    fprintf(out, "--- a/%s\n+++ b/%s\n", path, path);
    git_libgit2_init();
    git_diff_buffers(old, oldlen, path, new_, newlen, path, NULL, NULL, NULL, diff_hunk, diff_line, out);
    git_libgit2_shutdown();
}

/* ---- paths ---- */

static const char *absolute(arena *a, const char *path)
{
    char buf[PATH_MAX];
    if (realpath(path, buf))
        return arena_strdup(a, buf);
    if (path[0] == '/')
        return path;
    if (!getcwd(buf, sizeof buf))
        return path;
    return arena_printf(a, "%s/%s", buf, path);
}

static ptrvec components(arena *a, const char *path)
{
    ptrvec v = {0};
    for (const char *s = path; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n)
            vec_push(a, &v, arena_strndup(a, s, n));
        s += n + (e ? 1 : 0);
    }
    return v;
}

const char *repo_relpath(arena *a, const char *path, const char *base)
{
    ptrvec p = components(a, absolute(a, path)), b = components(a, absolute(a, base));
    size_t common = 0;
    while (common < p.len && common < b.len && strcmp(p.items[common], b.items[common]) == 0)
        common++;
    strbuf sb;
    sb_init(&sb, a);
    for (size_t i = common; i < b.len; i++)
        sb_puts(&sb, sb.len ? "/.." : "..");
    for (size_t i = common; i < p.len; i++) {
        if (sb.len)
            sb_putc(&sb, '/');
        sb_puts(&sb, p.items[i]);
    }
    return sb.len ? sb.data : ".";
}
