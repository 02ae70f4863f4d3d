/* gitrepo.c — see gitrepo.h. */
#include "gitrepo.h"

#include <errno.h>
#include "gitapi.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "writer.h"

struct gitrepo {
    git_repository *repo;
    git_index *index;
    char *workdir;
};

static const char *git_message(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown libgit2 error";
}

gitrepo *gitrepo_open(const char *path, const char **why)
{
    gitrepo *g = calloc(1, sizeof *g);
    *why = "not in a git repository";
    if (!g)
        return NULL;
    /* as git finds it: GIT_DIR, GIT_INDEX_FILE, GIT_CEILING_DIRECTORIES (a
     * hook runs with them set); libgit2 refuses GIT_WORK_TREE there, and
     * then the path alone decides */
    if (git_repository_open_ext(&g->repo, path, GIT_REPOSITORY_OPEN_FROM_ENV, NULL) != 0 &&
        git_repository_open_ext(&g->repo, path, 0, NULL) != 0) {
        free(g);
        return NULL;
    }
    if (git_repository_is_bare(g->repo) || !git_repository_workdir(g->repo)) {
        *why = "it is a bare repository, which has no work tree (nor commits made in it)";
        gitrepo_close(g);
        return NULL;
    }
    g->workdir = strdup(git_repository_workdir(g->repo));
    size_t n = strlen(g->workdir);
    if (n > 1 && g->workdir[n - 1] == '/')
        g->workdir[n - 1] = '\0';
    return g;
}

void gitrepo_close(gitrepo *g)
{
    if (!g)
        return;
    git_index_free(g->index);
    git_repository_free(g->repo);
    free(g->workdir);
    free(g);
}

const char *gitrepo_workdir(const gitrepo *g)
{
    return g->workdir;
}

static git_index *index_of(gitrepo *g)
{
    if (!g->index && git_repository_index(&g->index, g->repo) != 0)
        return NULL;
    return g->index;
}

const char *gitrepo_index_path(gitrepo *g, arena *a)
{
    const char *env = getenv("GIT_INDEX_FILE");
    if (env && *env)
        return arena_strdup(a, env);
    return arena_printf(a, "%sindex", git_repository_path(g->repo));
}

/* CRLF read as LF, as git stores text under core.autocrlf. */
static const char *lf_only(arena *a, const char *data, size_t *len)
{
    if (!memchr(data, '\r', *len))
        return data;
    char *out = arena_alloc(a, *len + 1);
    size_t n = 0;
    for (size_t i = 0; i < *len; i++)
        if (!(data[i] == '\r' && i + 1 < *len && data[i + 1] == '\n'))
            out[n++] = data[i];
    *len = n;
    return out;
}

int gitrepo_holds(gitrepo *g, const char *path, const char *data, size_t len, arena *a)
{
    git_index *idx = index_of(g);
    if (!idx)
        return REPO_GIT_NO;
    for (int stage = 1; stage <= 3; stage++)
        if (git_index_get_bypath(idx, path, stage))
            return REPO_GIT_CONFLICT;
    const git_index_entry *e = git_index_get_bypath(idx, path, 0);
    git_oid oid;
    if (!e)
        return REPO_GIT_NO;
    if (git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) == 0 && git_oid_equal(&oid, &e->id))
        return REPO_GIT_SAME;
    const char *lf = lf_only(a, data, &len);
    return git_odb_hash(&oid, lf, len, GIT_OBJECT_BLOB) == 0 && git_oid_equal(&oid, &e->id) ? REPO_GIT_SAME
                                                                                             : REPO_GIT_NO;
}

typedef struct index_ctx {
    gitrepo *g;
    const char *prefix;     /* dir relative to the work tree, "" for its root */
} index_ctx;

static char *blob_text(gitrepo *g, const git_index_entry *e, arena *a, size_t *len)
{
    git_blob *blob;
    if (git_blob_lookup(&blob, g->repo, &e->id) != 0)
        return NULL;
    *len = (size_t)git_blob_rawsize(blob);
    char *text = arena_alloc(a, *len + 1);     /* any size, any bytes */
    memcpy(text, git_blob_rawcontent(blob), *len);
    text[*len] = '\0';
    git_blob_free(blob);
    return text;
}

static char *index_read(void *ctx, arena *a, const char *rel, size_t *len)
{
    index_ctx *ic = ctx;
    git_index *idx = index_of(ic->g);
    const char *path = writer_at_root(rel) ? rel + 1 : *ic->prefix ? arena_printf(a, "%s/%s", ic->prefix, rel) : rel;
    const git_index_entry *e = idx ? git_index_get_bypath(idx, path, 0) : NULL;
    return e ? blob_text(ic->g, e, a, len) : NULL;
}

repo_reader gitrepo_index_reader(gitrepo *g, const char *dir, arena *a)
{
    index_ctx *ic = arena_alloc(a, sizeof *ic);
    ic->g = g;
    ic->prefix = repo_relpath(a, dir, g->workdir);
    if (strcmp(ic->prefix, ".") == 0)
        ic->prefix = "";
    repo_reader r = {index_read, ic, NULL};
    return r;
}

int gitrepo_ignores(gitrepo *g, const char *path)
{
    int ignored = 0;
    return git_ignore_path_is_ignored(&ignored, g->repo, path) == 0 ? ignored != 0 : -1;
}

int gitrepo_materialize_sources(gitrepo *g, const char *root, diag_ctx *d)
{
    git_index *idx = index_of(g);
    if (!idx) {
        diag_error(d, (src_loc){0}, "cannot read the git index: %s", git_message());
        return -1;
    }
    for (size_t i = 0; i < git_index_entrycount(idx); i++) {
        const git_index_entry *e = git_index_get_byindex(idx, i);
        size_t n = strlen(e->path);
        if (n < 6 || strcmp(e->path + n - 6, ".infra") != 0 || git_index_entry_stage(e) != 0)
            continue;
        size_t len;
        char *text = blob_text(g, e, d->a, &len);
        if (!text || writer_put_file(root, e->path, text, len, d) != 0)
            return -1;
    }
    return 0;
}

int gitrepo_foreign_staged(gitrepo *g, const strmap *ours, ptrvec *out, arena *a)
{
    git_index *idx = index_of(g);
    git_object *head = NULL;
    git_tree *tree = NULL;
    git_diff *diff = NULL;
    if (!idx)
        return -1;
    if (git_revparse_single(&head, g->repo, "HEAD^{tree}") == 0)
        tree = (git_tree *)head;    /* no HEAD yet: everything staged is new */
    if (git_diff_tree_to_index(&diff, g->repo, tree, idx, NULL) != 0) {
        git_object_free(head);
        return -1;
    }
    for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
        const git_diff_delta *dd = git_diff_get_delta(diff, i);
        const char *path = dd->new_file.path ? dd->new_file.path : dd->old_file.path;
        if (!strmap_has(ours, path))
            vec_push(a, out, arena_strdup(a, path));
    }
    git_diff_free(diff);
    git_object_free(head);
    return 0;
}

static int stage_paths(gitrepo *g, git_index *idx, const ptrvec *paths, diag_ctx *d)
{
    for (size_t i = 0; i < paths->len; i++) {
        const char *path = paths->items[i];
        struct stat st;
        char *full = arena_printf(d->a, "%s/%s", g->workdir, path);
        int rc = lstat(full, &st) == 0 ? git_index_add_bypath(idx, path) : git_index_remove_bypath(idx, path);
        if (rc != 0) {
            diag_error(d, (src_loc){0}, "cannot stage %s: %s", path, git_message());
            return -1;
        }
    }
    return git_index_write(idx);
}

int gitrepo_commit(gitrepo *g, const ptrvec *paths, const char *message, diag_ctx *d)
{
    git_index *idx = index_of(g);
    git_signature *sig = NULL;
    git_oid tree_id, commit_id;
    git_tree *tree = NULL;
    git_commit *parent = NULL;
    git_object *head = NULL;
    int rc = -1;
    if (!idx || stage_paths(g, idx, paths, d) != 0)
        goto out;
    if (git_signature_default(&sig, g->repo) != 0) {
        diag_error(d, (src_loc){0}, "no git identity to commit with (set user.name and user.email): %s", git_message());
        goto out;
    }
    if (git_index_write_tree(&tree_id, idx) != 0 || git_tree_lookup(&tree, g->repo, &tree_id) != 0)
        goto fail;
    if (git_revparse_single(&head, g->repo, "HEAD^{commit}") == 0)
        parent = (git_commit *)head;
    if (parent && git_oid_equal(git_commit_tree_id(parent), &tree_id)) {
        rc = 0;             /* the generated files were up to date: no empty commit */
        goto out;
    }
    const git_commit *parents[] = {parent};
    if (git_commit_create(&commit_id, g->repo, "HEAD", sig, sig, NULL, message, tree, parent ? 1 : 0, parents) != 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    diag_error(d, (src_loc){0}, "cannot commit: %s", git_message());
out:
    git_signature_free(sig);
    git_tree_free(tree);
    git_object_free(head);
    return rc;
}

#define HOOK_MARK "# Installed by `infrac hook install`"

/* Where git runs this repository's hooks: core.hooksPath (relative to the
 * work tree), else the hooks directory of the common git directory, which
 * linked worktrees share. */
static const char *hooks_dir(gitrepo *g, arena *a)
{
    git_config *cfg = NULL;
    git_buf buf = {0};
    const char *dir = NULL;
    if (git_repository_config_snapshot(&cfg, g->repo) == 0 && git_config_get_path(&buf, cfg, "core.hooksPath") == 0 &&
        buf.ptr && *buf.ptr)
        dir = buf.ptr[0] == '/' ? arena_strdup(a, buf.ptr) : arena_printf(a, "%s/%s", g->workdir, buf.ptr);
    git_buf_dispose(&buf);
    git_config_free(cfg);
    return dir ? dir : arena_printf(a, "%shooks", git_repository_commondir(g->repo));
}

/* s for a shell's single quotes (without them): each ' as '\''. */
static const char *shell_quoted(arena *a, const char *s)
{
    strbuf q;
    sb_init(&q, a);
    for (const char *c = s; *c; c++)
        sb_puts(&q, *c == '\'' ? "'\\''" : (char[]){*c, 0});
    return q.data;
}

/* The hook's line that checks one target: the work tree's root (target
 * NULL), or a subdirectory, from the root where git runs hooks. */
static const char *hook_line(arena *a, const char *target)
{
    if (!target)
        return "\"$infrac\" check --staged || exit 1\n";
    return arena_printf(a, "\"$infrac\" check --staged -o '%s' || exit 1\n", shell_quoted(a, target));
}

int gitrepo_install_hook(gitrepo *g, const char *infrac_path, const char *target, diag_ctx *d)
{
    const char *hooks = hooks_dir(g, d->a);
    const char *hook = arena_printf(d->a, "%s/pre-commit", hooks);
    size_t len;
    char *old = writer_read(d->a, hook, &len, NULL);
    if (old && !strstr(old, HOOK_MARK)) {
        diag_error(d, (src_loc){0}, "%s exists and was not written by infrac; add `infrac check --staged` "
                   "to it by hand, or remove it and run this again", hook);
        return -1;
    }
    /* The targets it checks: those an earlier install named (a work tree
     * may hold several), and this one. */
    strbuf lines;
    sb_init(&lines, d->a);
    const char *mine = hook_line(d->a, target);
    for (const char *l = old; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) + 1 : strlen(l);
        const char *line = strncmp(l, "exec \"$infrac\" check --staged\n", 30) == 0 ? hook_line(d->a, NULL) : l;
        size_t ln = line == l ? n : strlen(line);      /* an older hook's one line: the root */
        if (strncmp(line, "\"$infrac\" check --staged", 24) == 0 && (strlen(mine) != ln || strncmp(line, mine, ln) != 0))
            sb_putn(&lines, line, ln);
        l += n;
    }
    sb_puts(&lines, mine);
    const char *script = arena_printf(d->a,
        "#!/bin/sh\n"
        HOOK_MARK ": refuses a commit whose generated\n"
        "# infrastructure files are stale, missing or edited by hand.\n"
        "infrac='%s'\n"
        "[ -x \"$infrac\" ] || infrac=infrac\n"
        "%s", shell_quoted(d->a, infrac_path), lines.data);
    writer w;
    writer_init(&w, hooks, d->a, d);
    if (writer_make_target(&w) != 0 || writer_put(&w, "pre-commit", script, strlen(script)) != 0)
        return -1;
    if (chmod(hook, 0755) != 0) {
        diag_error(d, (src_loc){0}, "cannot make %s executable: %s", hook, strerror(errno));
        return -1;
    }
    return 0;
}
