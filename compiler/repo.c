/* repo.c — owned files, the all-or-nothing write and drift; see repo.h. */
#include "repo.h"

#include <errno.h>
#include <stdint.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitapi.h"
#include "journal.h"
#include "report.h"
#include "writer.h"

#define GITIGNORE_TEXT \
    "# infrac's machine-local state (lock, record, unfinished writes): never committed\n/local/\n"

/* ---- readers ---- */

typedef struct worktree_ctx {
    const char *dir, *root;
    local_record *seen;         /* a recorder's */
    arena *a;
} worktree_ctx;

static char *plain_read(void *ctx, arena *a, const char *rel, size_t *len)
{
    const worktree_ctx *wc = ctx;
    const char *full = writer_locate(a, wc->dir, wc->root, rel);
    return full ? writer_read(a, full, len, NULL) : NULL;
}

repo_reader repo_worktree_reader(const char *dir, const char *root, arena *a)
{
    worktree_ctx *wc = arena_alloc(a, sizeof *wc);
    *wc = (worktree_ctx){dir, root, NULL, a};
    return (repo_reader){plain_read, wc, NULL};
}

static char *recorder_read(void *ctx, arena *a, const char *rel, size_t *len)
{
    worktree_ctx *rc = ctx;
    file_id id;
    const char *full = writer_locate(a, rc->dir, rc->root, rel);
    char *text = full ? writer_read(a, full, len, &id) : NULL;
    if (text)
        local_note_id(rc->seen, rc->a, rel, &id);
    else
        local_note(rc->seen, rc->a, rc->dir, rel, false);   /* absent (or odd): so it must stay */
    return text;
}

repo_reader repo_worktree_recorder(const char *dir, const char *root, arena *a, local_record *seen)
{
    worktree_ctx *rc = arena_alloc(a, sizeof *rc);
    *rc = (worktree_ctx){dir, root, seen, a};
    seen->root = root;
    return (repo_reader){recorder_read, rc, seen};
}

int repo_read_manifest(repo_reader rd, arena *a, repo_manifest *m, diag_ctx *d)
{
    size_t len = 0;
    char *text = rd.read(rd.ctx, a, REPO_MANIFEST, &len);
    if (text)
        return repo_manifest_parse(m, a, text, len, d);
    text = rd.read(rd.ctx, a, REPO_OLD_MANIFEST, &len);
    if (text)
        return repo_manifest_parse_old(m, a, text, len, d);
    return repo_manifest_parse(m, a, NULL, 0, d);
}

bool repo_same_text(const char *x, size_t xlen, const char *y, size_t ylen)
{
    if (xlen == ylen && memcmp(x, y, xlen) == 0)
        return true;
    const char *xe = x + xlen, *ye = y + ylen;
    for (;;) {
        if (x < xe && *x == '\r' && x + 1 < xe && x[1] == '\n')
            x++;
        if (y < ye && *y == '\r' && y + 1 < ye && y[1] == '\n')
            y++;
        if (x == xe || y == ye)
            return x == xe && y == ye;
        if (*x++ != *y++)
            return false;
    }
}

void repo_manifest_for(repo_manifest *m, arena *a, const repo_manifest *program, const out_set *o)
{
    repo_manifest_init(m, a);
    m->sources = program->sources;
    m->envs = program->envs;
    m->stdlibs = program->stdlibs;
    m->stdlib = program->stdlib;
    for (size_t i = 0; i < o->files.len; i++)       /* o is sorted by path */
        repo_manifest_own(m, a, ((const out_file *)o->files.items[i])->path);
}

void repo_place_at_root(out_set *o)
{
    size_t n = strlen(WRITER_ROOT_DIR);
    strmap_init(&o->by_path, o->a);
    for (size_t i = 0; i < o->files.len; i++) {
        out_file *f = o->files.items[i];
        if (strncmp(f->path, WRITER_ROOT_DIR, n) == 0)
            f->path = arena_printf(o->a, "%c%s", WRITER_ROOT, f->path);
        strmap_put(&o->by_path, f->path, f);
    }
    out_sort(o);
}

const char *repo_display(arena *a, const char *path, const char *root_prefix)
{
    return writer_at_root(path) ? arena_printf(a, "%s%s", root_prefix ? root_prefix : "", path + 1) : path;
}

/* ---- planning ---- */

typedef struct plan {
    arena *a;
    writer *w;
    const repo_build_opts *ro;
    const repo_manifest *have;
    long long stamp;            /* when this build began: the new record's stamp */
    local_record proof;         /* what infrac wrote or verified here before */
    ptrvec ops;                 /* journal_op* */
    ptrvec writes;              /* the data of each op (NULL: a removal) */
    ptrvec execs;               /* whether each op's file is executable (as uintptr_t) */
    strmap written;             /* path -> data, for the new record's hashes */
    int conflicts;
} plan;

static void plan_write(plan *pl, const char *path, const char *data, size_t len, bool exec)
{
    journal_op *o = arena_alloc(pl->a, sizeof *o);
    o->path = path;
    o->id.size = len;
    vec_push(pl->a, &pl->ops, o);
    vec_push(pl->a, &pl->writes, (void *)data);
    vec_push(pl->a, &pl->execs, (void *)(uintptr_t)exec);
}

static void plan_remove(plan *pl, const char *path, const file_id *id)
{
    journal_op *o = arena_alloc(pl->a, sizeof *o);
    o->path = path;
    o->id = *id;
    vec_push(pl->a, &pl->ops, o);
    vec_push(pl->a, &pl->writes, NULL);
    vec_push(pl->a, &pl->execs, NULL);
}

static void conflict(plan *pl, const char *path, const char *why, const char *fix)
{
    diag_error(pl->w->d, (src_loc){0}, "%s %s; %s", writer_locate(pl->a, pl->w->dir, pl->w->root, path), why, fix);
    pl->conflicts++;
}

/* What is at path now: its bytes (NULL when absent) and identity; a
 * non-regular file (directory, symlink, FIFO) is a conflict. */
static char *look(plan *pl, const char *path, size_t *len, file_id *id, bool *odd)
{
    const char *full = writer_locate(pl->a, pl->w->dir, pl->w->root, path);
    char *text = writer_read(pl->a, full, len, id);
    struct stat st;
    *odd = !text && lstat(full, &st) == 0;
    return text;
}

/* The directories on the way must be real ones (or not exist yet): found
 * now, not halfway through the renames. */
static bool way_clear(plan *pl, const char *path)
{
    if (writer_check_dirs(pl->w, path) == 0)
        return true;
    pl->conflicts++;
    return false;
}

static int git_holds(plan *pl, const char *path, const char *data, size_t len)
{
    return pl->ro->git_holds ? pl->ro->git_holds(pl->ro->git_ctx, path, data, len) : REPO_GIT_NO;
}

static void plan_file(plan *pl, const out_file *f)
{
    size_t len;
    file_id id;
    bool odd;
    if (!way_clear(pl, f->path))
        return;
    char *disk = look(pl, f->path, &len, &id, &odd);
    if (odd) {
        conflict(pl, f->path, "is in the way (it is not a regular file)", "move it away to let infrac write there");
    } else if (!disk) {
        plan_write(pl, f->path, f->data, f->len, f->executable);
    } else if (repo_same_text(disk, len, f->data, f->len)) {
        /* up to date, unless it should (not) be executable */
        if (writer_is_executable(writer_locate(pl->a, pl->w->dir, pl->w->root, f->path)) != f->executable)
            plan_write(pl, f->path, f->data, f->len, f->executable);
    } else if (!strmap_has(&pl->have->owned, f->path) && writer_at_root(f->path)) {
        conflict(pl, f->path, "exists and is not one of this target's files (another program built into this "
                 "repository may have written it)", "give the workflow another name, or move the file away to let "
                 "this target own it");
    } else if (!strmap_has(&pl->have->owned, f->path)) {
        conflict(pl, f->path, "exists and was not generated by infrac", "move it away (or delete it) to let infrac own it");
    } else if (local_proves(&pl->proof, f->path, &id, disk, len) || pl->ro->force ||
               git_holds(pl, f->path, disk, len) != REPO_GIT_NO) {
        plan_write(pl, f->path, f->data, f->len, f->executable);
    } else {
        conflict(pl, f->path, "was edited by hand since infrac generated it",
                 "move the change into the .infra program, or run `infrac build --force` to discard it");
    }
}

/* A Bicep parameter file (params.<env>.json) is JSON, which has no comment
 * syntax: it cannot say it is generated, and goes with its main.bicep. */
static bool headerless(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    return strncmp(base, "params.", 7) == 0 && n > 12 && strcmp(base + n - 5, ".json") == 0;
}

static const char *template_of(arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? arena_printf(a, "%.*s/main.bicep", (int)(slash - path), path) : "main.bicep";
}

/* An owned file the program no longer produces goes only when that loses
 * nothing and the file is shown to be infrac's, by this machine's record,
 * or by git and the file itself: it says it is generated (infrac's header)
 * and git's index holds exactly it. A commit that brought such a file (and
 * a manifest naming it) could as well have deleted it; a file without the
 * header, or with changes git does not have, is never removed on the
 * manifest's word, which came with a commit. A JSON file that git holds
 * is left for plan_headerless, which sees what else goes. */
static void plan_orphan(plan *pl, const char *path, ptrvec *later)
{
    size_t len;
    file_id id;
    bool odd;
    if (!way_clear(pl, path))       /* never delete through a symlink */
        return;
    char *disk = look(pl, path, &len, &id, &odd);
    const local_entry *known = strmap_get(&pl->proof.by_path, path);
    if (!disk && !odd)
        return;
    bool proven = disk && local_proves(&pl->proof, path, &id, disk, len);
    bool generated = disk && out_is_generated(disk, len);
    /* libgit2 is loaded only for a file git could show to be infrac's */
    int git = disk && !proven && (generated || known || headerless(path)) ? git_holds(pl, path, disk, len)
                                                                          : REPO_GIT_NO;
    if (odd) {
        conflict(pl, path, "is no longer generated, and what is there is not a regular file", "move it away");
    } else if (proven || (generated && git == REPO_GIT_SAME)) {
        plan_remove(pl, path, &id);
    } else if (known && (git != REPO_GIT_NO || pl->ro->force)) {
        plan_remove(pl, path, &id);
    } else if (!known && !generated && git == REPO_GIT_SAME && headerless(path)) {
        vec_push(pl->a, later, (void *)path);
    } else if (!known) {
        conflict(pl, path, arena_printf(pl->a, "is no longer generated, but this machine has no record of infrac "
                 "writing it, %s", generated ? "and git does not hold it as it is (a change not committed?)"
                 : "and it does not say it is generated (infrac's header)"),
                 "if it is a generated file, delete it yourself and build again");
    } else {
        conflict(pl, path, "is no longer generated but was edited by hand",
                 "delete it yourself if the edit can go, or run `infrac build --force` to delete it");
    }
}

/* A parameter file that git holds as it is goes when its main.bicep, shown
 * to be infrac's, goes in the same build: a Bicep stack dropped whole takes
 * its parameter files with it. */
static void plan_headerless(plan *pl, const ptrvec *later)
{
    strmap gone;
    strmap_init(&gone, pl->a);
    for (size_t i = 0; i < pl->ops.len; i++)
        if (!pl->writes.items[i])
            strmap_put(&gone, ((const journal_op *)pl->ops.items[i])->path, (void *)"");
    for (size_t i = 0; i < later->len; i++) {
        const char *path = later->items[i];
        size_t len;
        file_id id;
        bool odd;
        if (strmap_has(&gone, template_of(pl->a, path)) && look(pl, path, &len, &id, &odd))
            plan_remove(pl, path, &id);
        else
            conflict(pl, path, "is no longer generated, but this machine has no record of infrac writing it, and "
                     "a JSON file cannot say it is generated (its main.bicep stays)",
                     "if it is a generated file, delete it yourself and build again");
    }
}

/* A kept file (manifest, .gitignore, .gitattributes) is rewritten when its
 * text differs, line ends aside. */
static void plan_kept(plan *pl, const char *path, const char *text)
{
    size_t len;
    file_id id;
    bool odd;
    if (!way_clear(pl, path))
        return;
    char *disk = look(pl, path, &len, &id, &odd);
    if (odd)
        conflict(pl, path, "is in the way (it is not a regular file)", "move it away");
    else if (!disk || !repo_same_text(disk, len, text, strlen(text)))
        plan_write(pl, path, text, strlen(text), false);
}

/* What an older infrac kept in the tree goes: its manifest is replaced, and
 * a journal it left is not replayed, since nothing shows it is this machine's. */
static void plan_migration(plan *pl)
{
    size_t len;
    file_id id;
    bool odd;
    if (look(pl, REPO_OLD_JOURNAL, &len, &id, &odd)) {
        diag_warning(pl->w->d, (src_loc){0}, "%s/%s, an unfinished write of an older infrac, is removed without "
                     "being replayed (nothing shows it was written on this machine)", pl->w->dir, REPO_OLD_JOURNAL);
        plan_remove(pl, REPO_OLD_JOURNAL, &id);
    }
    if (look(pl, REPO_OLD_MANIFEST, &len, &id, &odd))
        plan_remove(pl, REPO_OLD_MANIFEST, &id);
}

static void plan_bookkeeping(plan *pl, const repo_manifest *want)
{
    size_t len = 0;
    file_id id;
    bool odd;
    char *old_ga = look(pl, ".gitattributes", &len, &id, &odd);
    const char *ga = repo_gitattributes(pl->a, old_ga, &want->paths);
    if (odd)
        conflict(pl, ".gitattributes", "is in the way (it is not a regular file)", "move it away");
    else if (!old_ga || !repo_same_text(old_ga, len, ga, strlen(ga)))
        plan_write(pl, ".gitattributes", ga, strlen(ga), false);
    plan_kept(pl, REPO_GITIGNORE, GITIGNORE_TEXT);
    plan_kept(pl, REPO_MANIFEST, repo_manifest_text(pl->a, want));
    plan_migration(pl);
}

/* ---- the transaction ---- */

static int check_paths(const out_set *o, diag_ctx *d)
{
    int bad = 0;
    for (size_t i = 0; i < o->files.len; i++) {
        const char *path = ((const out_file *)o->files.items[i])->path;
        const char *why = writer_place_problem(path);
        if (why || strncmp(path, ".infrac/", 8) == 0 || strcmp(path, ".gitattributes") == 0) {
            diag_error(d, (src_loc){0}, "the program would write %s, which cannot be: %s", path,
                       why ? why : "infrac keeps that file itself");
            bad++;
        }
    }
    return bad ? -1 : 0;
}

static int stage_all(plan *pl)
{
    const char *kill = getenv("INFRAC_TEST_ABORT_STAGING");   /* the kill test, while staging */
    const char *fail = getenv("INFRAC_TEST_FAIL_STAGING");    /* a write that fails, while staging */
    size_t n = 0;
    for (size_t i = 0; i < pl->ops.len; i++)
        n += pl->writes.items[i] != NULL;
    bool each = n <= WRITER_SYNC_EACH;     /* flush file by file, or the file system once */
    for (size_t i = 0; i < pl->ops.len; i++) {
        journal_op *o = pl->ops.items[i];
        const char *data = pl->writes.items[i];
        if (kill && *kill && (int)i >= atoi(kill))
            abort();
        if (fail && *fail && (int)i >= atoi(fail)) {
            diag_error(pl->w->d, (src_loc){0}, "cannot write %s: %s (INFRAC_TEST_FAIL_STAGING)", o->path,
                       strerror(ENOSPC));
            return -1;
        }
        bool exec = pl->execs.items[i] != NULL;
        if (data && writer_stage(pl->w, JOURNAL_STAGING, data, (size_t)o->id.size, each, exec, &o->staged, &o->id) != 0)
            return -1;
        if (data)
            strmap_put(&pl->written, o->path, (void *)data);
    }
    return each ? 0 : writer_sync_fs(pl->w);
}

/* The record after a build: the inputs as compiled, and every file as
 * infrac left it (a hash of what it wrote, for when the file is racy). */
static void record_build(plan *pl, const out_set *o)
{
    local_record r;
    local_record_init(&r, pl->a, pl->ro->key);
    r.stamp = pl->stamp;
    r.root = pl->w->root;
    for (size_t i = 0; pl->ro->inputs && i < pl->ro->inputs->len; i++) {
        const local_entry *in = pl->ro->inputs->items[i];
        local_entry *e = local_note_id(&r, pl->a, in->path, &in->id);
        e->kind = in->kind;
        e->follow = in->follow;
    }
    static const char *kept[] = {".gitattributes", REPO_GITIGNORE, REPO_MANIFEST, REPO_OLD_MANIFEST,
                                 REPO_OLD_JOURNAL, JOURNAL_PATH};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        local_note(&r, pl->a, pl->w->dir, kept[i], false);
    for (size_t i = 0; i < o->files.len; i++) {
        const out_file *f = o->files.items[i];
        local_entry *e = local_note(&r, pl->a, pl->w->dir, f->path, false);
        if (strmap_has(&pl->written, f->path)) {
            e->hashed = true;
            e->hash = local_hash(f->data, f->len);
        }
    }
    local_write(&r, pl->w, LOCAL_STATE);
}

static int transact(plan *pl, const out_set *o)
{
    if (!pl->ops.len) {
        record_build(pl, o);
        return 0;
    }
    if (stage_all(pl) != 0 || writer_sync(pl->w) != 0 || journal_commit(pl->w, &pl->ops) != 0) {
        const char *staging = arena_printf(pl->a, "%s/" JOURNAL_STAGING, pl->w->dir);
        writer_remove_tree(staging);    /* nothing has been replaced yet: the tree is as it was */
        return -1;
    }
    if (journal_apply(pl->w, &pl->ops) != 0)
        return -1;
    record_build(pl, o);
    return 0;
}

int repo_build(const repo_build_opts *ro, const out_set *o, diag_ctx *d)
{
    if (check_paths(o, d) != 0)
        return -1;      /* before anything is created */
    writer w;
    writer_init(&w, ro->dir, d->a, d);
    w.root = ro->root;
    plan pl = {.a = d->a, .w = &w, .ro = ro, .stamp = local_now()};
    strmap_init(&pl.written, d->a);
    struct stat st;
    bool had_local = lstat(arena_printf(d->a, "%s/" LOCAL_DIR, ro->dir), &st) == 0;
    int lock = writer_make_target(&w) == 0 ? local_lock(&w) : -1;
    /* after the target's lock, always in that order: two builds cannot each hold what the other waits for */
    int root_lock = lock >= 0 && ro->worktree ? local_lock_root(ro->worktree) : -1;
    repo_manifest have, want;
    int rc = -1;
    if (lock < 0 || journal_recover(&w) != 0 ||
        repo_read_manifest(repo_worktree_reader(ro->dir, ro->root, d->a), d->a, &have, d) != 0)
        goto out;
    if (!ro->root)
        repo_manifest_unroot(&have, d->a);     /* no root apart from the target: they are its own */
    local_read(&pl.proof, d->a, ro->dir, LOCAL_STATE);
    pl.have = &have;
    repo_manifest_for(&want, d->a, ro->program, o);
    for (size_t i = 0; i < o->files.len; i++)
        plan_file(&pl, o->files.items[i]);
    ptrvec later = {0};
    for (size_t i = 0; i < have.paths.len; i++)
        if (!out_find(o, have.paths.items[i]))
            plan_orphan(&pl, have.paths.items[i], &later);
    plan_headerless(&pl, &later);
    if (!pl.conflicts)
        plan_bookkeeping(&pl, &want);   /* may find conflicts too */
    rc = pl.conflicts ? -1 : transact(&pl, o);
out:
    if (rc != 0) {
        if (lock >= 0 && !had_local)    /* .infrac/local made just now: nothing of it may stay */
            unlink(arena_printf(d->a, "%s/" LOCAL_LOCK, ro->dir));
        writer_undo(&w);
    }
    local_unlock(root_lock);
    local_unlock(lock);
    return rc;
}

/* ---- drift ---- */


static void drifted(ptrvec *drift, arena *a, repo_drift_kind k, const char *path)
{
    report_drift *r = arena_alloc(a, sizeof *r);
    r->path = path;
    r->kind = k;
    vec_push(a, drift, r);
}

/* Does a line start with git's conflict marker "<<<<<<< " or ">>>>>>> "? */
static bool has_conflict_markers(const char *text, size_t len)
{
    const char *end = text + len;
    for (const char *line = text; line < end;) {
        if (end - line >= 8 && (memcmp(line, "<<<<<<< ", 8) == 0 || memcmp(line, ">>>>>>> ", 8) == 0))
            return true;
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        line = nl ? nl + 1 : end;
    }
    return false;
}

/* Why a file that differs from the output differs, as far as can be told:
 * a hand edit is a file this machine's record shows infrac wrote, changed
 * since; without a record (a fresh clone, CI) it is just out of date. */
static repo_drift_kind why_differs(const repo_check_opts *co, arena *a, const char *path, const char *disk, size_t len)
{
    if (!co->have || !strmap_has(&co->have->owned, path))
        return DRIFT_UNOWNED;
    if (has_conflict_markers(disk, len))
        return DRIFT_CONFLICT;
    const char *work = disk;
    size_t wlen = len;
    const local_record *seen = co->rd.seen;
    if (co->worktree) {     /* --staged: what is staged, against the work tree */
        const out_file *f = out_find(co->out, path);
        work = co->worktree->read(co->worktree->ctx, a, path, &wlen);
        if (work && f && repo_same_text(work, wlen, f->data, f->len))
            return DRIFT_UNSTAGED;
        if (!work || !repo_same_text(work, wlen, disk, len))
            return DRIFT_STALE;
        seen = co->worktree->seen;
    }
    const local_entry *known = co->proof ? strmap_get(&co->proof->by_path, path) : NULL;
    const local_entry *now = seen ? strmap_get(&seen->by_path, path) : NULL;
    if (known && now && !local_proves(co->proof, path, &now->id, work, wlen))
        return DRIFT_EDITED;
    return DRIFT_STALE;
}

static void check_file(const repo_check_opts *co, ptrvec *drift, arena *a, const char *path, const char *data,
                       size_t dlen)
{
    size_t len;
    char *disk = co->rd.read(co->rd.ctx, a, path, &len);
    if (disk && repo_same_text(disk, len, data, dlen))
        return;
    drifted(drift, a, disk ? why_differs(co, a, path, disk, len) : DRIFT_MISSING, path);
    if (co->diff_out)
        repo_print_diff(co->diff_out, repo_display(a, path, co->root_prefix), disk ? disk : "", disk ? len : 0, data,
                        dlen);
}

static void check_kept(const repo_check_opts *co, ptrvec *drift, arena *a)
{
    size_t len;
    char *ga = co->rd.read(co->rd.ctx, a, ".gitattributes", &len);
    const char *want_ga = repo_gitattributes(a, ga, &co->want->paths);
    if (!ga || !repo_same_text(ga, len, want_ga, strlen(want_ga)))
        drifted(drift, a, !ga ? DRIFT_MISSING : has_conflict_markers(ga, len) ? DRIFT_CONFLICT : DRIFT_STALE,
                ".gitattributes");
    char *gi = co->rd.read(co->rd.ctx, a, REPO_GITIGNORE, &len);
    if (!gi || !repo_same_text(gi, len, GITIGNORE_TEXT, strlen(GITIGNORE_TEXT)))
        drifted(drift, a, gi ? DRIFT_STALE : DRIFT_MISSING, REPO_GITIGNORE);
    const repo_manifest *have = co->have;
    if (!have || !co->rd.read(co->rd.ctx, a, REPO_MANIFEST, &len))
        drifted(drift, a, DRIFT_MISSING, REPO_MANIFEST);
    else if (have->conflicted)
        drifted(drift, a, DRIFT_CONFLICT, REPO_MANIFEST);
    else if (!repo_manifest_same(have, co->want))
        drifted(drift, a, DRIFT_STALE, REPO_MANIFEST);
    if (co->rd.read(co->rd.ctx, a, REPO_OLD_MANIFEST, &len))
        drifted(drift, a, DRIFT_ORPHAN, REPO_OLD_MANIFEST);
}

void repo_check(const repo_check_opts *co, ptrvec *drift, arena *a)
{
    for (size_t i = 0; i < co->out->files.len; i++) {
        const out_file *f = co->out->files.items[i];
        check_file(co, drift, a, f->path, f->data, f->len);
    }
    for (size_t i = 0; co->have && i < co->have->paths.len; i++) {
        const char *path = co->have->paths.items[i];
        size_t len;
        char *disk;
        if (out_find(co->out, path) || !(disk = co->rd.read(co->rd.ctx, a, path, &len)))
            continue;
        drifted(drift, a, DRIFT_ORPHAN, path);
        if (co->diff_out)
            repo_print_diff(co->diff_out, repo_display(a, path, co->root_prefix), disk, len, "", 0);
    }
    check_kept(co, drift, a);
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
    git_diff_buffers(old, oldlen, path, new_, newlen, path, NULL, NULL, NULL, diff_hunk, diff_line, out);
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
        if (n && !(n == 1 && s[0] == '.'))
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

const char *repo_find_root(arena *a, const char *path)
{
    char *dir = arena_strdup(a, absolute(a, path));
    struct stat st;
    while (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {   /* a file, or a directory still to be made */
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            return NULL;
        *slash = '\0';
    }
    dir = (char *)absolute(a, dir);
    for (;;) {
        if (lstat(arena_printf(a, "%s/.git", strcmp(dir, "/") ? dir : ""), &st) == 0 &&
            (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
            return dir;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            return NULL;
        *slash = '\0';
    }
}
