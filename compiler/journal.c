/* journal.c — see journal.h. */
#include "journal.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- writing ---- */

static json_t *id_json(const file_id *id)
{
    return json_pack("[I,I,I,I,I]", (json_int_t)id->dev, (json_int_t)id->ino, (json_int_t)id->size,
                     (json_int_t)id->mtime, (json_int_t)id->ctime);
}

static bool id_from_json(const json_t *j, file_id *id)
{
    json_int_t v[5];
    if (json_unpack((json_t *)j, "[IIIII]", &v[0], &v[1], &v[2], &v[3], &v[4]) != 0)
        return false;
    *id = (file_id){(unsigned long long)v[0], (unsigned long long)v[1], (unsigned long long)v[2], v[3], v[4]};
    return true;
}

static bool target_id(const char *dir, file_id *id)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return false;
    *id = (file_id){(unsigned long long)st.st_dev, (unsigned long long)st.st_ino, 0, 0, 0};
    return true;
}

int journal_commit(writer *w, const ptrvec *ops)
{
    file_id tid = {0};
    target_id(w->dir, &tid);
    json_t *arr = json_array();
    for (size_t i = 0; i < ops->len; i++) {
        const journal_op *o = ops->items[i];
        json_t *j = json_object();
        json_object_set_new(j, "path", json_string(o->path));
        if (o->staged)
            json_object_set_new(j, "staged", json_string(o->staged));
        json_object_set_new(j, o->staged ? "id" : "remove", id_json(&o->id));
        json_array_append_new(arr, j);
    }
    json_t *root = json_object();
    json_object_set_new(root, "target", id_json(&tid));
    json_object_set_new(root, "ops", arr);
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(root);
    const char *tmp;
    file_id id;
    int rc = writer_stage(w, ".infrac/local", text, strlen(text), true, false, &tmp, &id);
    free(text);
    if (rc == 0 && writer_rename(w, tmp, JOURNAL_PATH) != 0) {
        unlink(arena_printf(w->a, "%s/%s", w->dir, tmp));
        rc = -1;
    }
    return rc == 0 ? writer_sync(w) : -1;
}

/* ---- performing ---- */

/* For the kill test: abort after this many operations (INFRAC_TEST_ABORT_AFTER). */
static void maybe_abort(int done)
{
    const char *n = getenv("INFRAC_TEST_ABORT_AFTER");
    if (n && *n && done >= atoi(n))
        abort();
}

static void clear_staging(writer *w)
{
    const char *staging = arena_printf(w->a, "%s/" JOURNAL_STAGING, w->dir);
    struct stat st;
    if (lstat(staging, &st) == 0 && S_ISDIR(st.st_mode))
        writer_remove_tree(staging);
}

int journal_apply(writer *w, const ptrvec *ops)
{
    int rc = 0;
    for (size_t i = 0; i < ops->len; i++) {
        maybe_abort((int)i);
        const journal_op *o = ops->items[i];
        if (o->staged ? writer_rename(w, o->staged, o->path) : writer_remove(w, o->path))
            rc = -1;
    }
    if (rc != 0 || writer_sync(w) != 0)
        return -1;      /* the journal stays: the next run finishes it */
    unlink(arena_printf(w->a, "%s/" JOURNAL_PATH, w->dir));
    clear_staging(w);
    return 0;
}

/* ---- recovering ---- */

/* The staged file, as the journal names it: directly in the staging directory. */
static bool staged_name_ok(const char *s)
{
    size_t n = strlen(JOURNAL_STAGING);
    return strncmp(s, JOURNAL_STAGING "/", n + 1) == 0 && s[n + 1] && !strchr(s + n + 1, '/') &&
           writer_path_is_safe(s);
}

/* Is the op still to do (1), done already (0), or not about files of this
 * machine (-1)? A rename keeps the inode and the mtime but moves ctime. */
static int op_state(writer *w, const journal_op *o)
{
    file_id now;
    bool there = file_id_of(writer_locate(w->a, w->dir, w->root, o->path), false, &now);
    if (!o->staged)
        return !there ? 0 : file_id_same(&now, &o->id) ? 1 : -1;
    file_id st;
    if (file_id_of(arena_printf(w->a, "%s/%s", w->dir, o->staged), false, &st))
        return file_id_same(&st, &o->id) ? 1 : -1;
    return there && now.dev == o->id.dev && now.ino == o->id.ino && now.size == o->id.size &&
           now.mtime == o->id.mtime ? 0 : -1;
}

static bool parse_ops(writer *w, json_t *root, ptrvec *ops)
{
    file_id tid, here;
    if (!id_from_json(json_object_get(root, "target"), &tid) || !target_id(w->dir, &here) ||
        tid.dev != here.dev || tid.ino != here.ino)
        return false;       /* written for another directory: copied, or committed */
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(root, "ops"), i, j) {
        journal_op *o = arena_alloc(w->a, sizeof *o);
        const char *path = json_string_value(json_object_get(j, "path"));
        const char *staged = json_string_value(json_object_get(j, "staged"));
        if (!path || writer_place_problem(path) || (writer_at_root(path) && !w->root) ||
            (staged && !staged_name_ok(staged)) ||
            !id_from_json(json_object_get(j, staged ? "id" : "remove"), &o->id))
            return false;
        o->path = arena_strdup(w->a, path);
        o->staged = staged ? arena_strdup(w->a, staged) : NULL;
        vec_push(w->a, ops, o);
    }
    return json_is_array(json_object_get(root, "ops"));
}

static void discard(writer *w, const char *why)
{
    diag_warning(w->d, (src_loc){0}, "%s/" JOURNAL_PATH " was discarded, nothing in it done: %s", w->dir, why);
    unlink(arena_printf(w->a, "%s/" JOURNAL_PATH, w->dir));
    clear_staging(w);
}

int journal_recover(writer *w)
{
    size_t len;
    char *text = writer_read(w->a, arena_printf(w->a, "%s/" JOURNAL_PATH, w->dir), &len, NULL);
    if (!text) {
        clear_staging(w);   /* a run killed while staging: its files were never used */
        return 0;
    }
    json_t *root = json_loadb(text, len, 0, NULL);
    ptrvec ops = {0}, todo = {0};
    bool ours = root && parse_ops(w, root, &ops);
    json_decref(root);
    for (size_t i = 0; ours && i < ops.len; i++) {
        int state = op_state(w, ops.items[i]);
        ours = state >= 0;
        if (state == 1)
            vec_push(w->a, &todo, ops.items[i]);
    }
    if (!ours) {
        discard(w, "it does not describe files of this machine (it may have come with a commit or a copy)");
        return 0;
    }
    diag_note(w->d, (src_loc){0}, "finishing the write an earlier run of infrac left unfinished in %s", w->dir);
    return journal_apply(w, &todo);
}

bool journal_pending(const char *dir, arena *a)
{
    struct stat st;
    return lstat(arena_printf(a, "%s/" JOURNAL_PATH, dir), &st) == 0;
}
