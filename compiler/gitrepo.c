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

gitrepo *gitrepo_open(const char *path)
{
    git_libgit2_init();
    git_buf found = {0};
    gitrepo *g = calloc(1, sizeof *g);
    if (!g) {
        git_libgit2_shutdown();
        return NULL;
    }
    if (git_repository_discover(&found, path, 0, NULL) != 0 ||
        git_repository_open(&g->repo, found.ptr) != 0 || !git_repository_workdir(g->repo)) {
        git_buf_dispose(&found);
        gitrepo_close(g);
        return NULL;
    }
    git_buf_dispose(&found);
    g->workdir = strdup(git_repository_workdir(g->repo));
    size_t n = strlen(g->workdir);
    if (n > 1 && g->workdir[n - 1] == '/')
        g->workdir[n - 1] = '\0';
    return g;
}

/* NULL is fine, and then libgit2 is not even loaded. */
void gitrepo_close(gitrepo *g)
{
    if (!g)
        return;
    git_index_free(g->index);
    git_repository_free(g->repo);
    free(g->workdir);
    free(g);
    git_libgit2_shutdown();     /* pairs with gitrepo_open's init */
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
    char *text = arena_strndup(a, git_blob_rawcontent(blob), *len);
    git_blob_free(blob);
    return text;
}

static char *index_read(void *ctx, arena *a, const char *rel, size_t *len)
{
    index_ctx *ic = ctx;
    git_index *idx = index_of(ic->g);
    const char *path = *ic->prefix ? arena_printf(a, "%s/%s", ic->prefix, rel) : rel;
    const git_index_entry *e = idx ? git_index_get_bypath(idx, path, 0) : NULL;
    return e ? blob_text(ic->g, e, a, len) : NULL;
}

/* As the loader would see the directory if the index were checked out. */
static bool index_new_infra(void *ctx, arena *a, const char *reldir, const strmap *known)
{
    index_ctx *ic = ctx;
    git_index *idx = index_of(ic->g);
    if (!idx)
        return true;    /* cannot tell: compile */
    const char *dir = *ic->prefix ? arena_printf(a, "%s/%s/", ic->prefix, reldir) : arena_printf(a, "%s/", reldir);
    size_t dl = strlen(dir);
    for (size_t i = 0; i < git_index_entrycount(idx); i++) {
        const git_index_entry *e = git_index_get_byindex(idx, i);
        const char *name = e->path + dl;
        size_t n = strncmp(e->path, dir, dl) == 0 ? strlen(name) : 0;
        if (n > 6 && !strchr(name, '/') && name[0] != '.' && strcmp(name + n - 6, ".infra") == 0 &&
            !strmap_has(known, arena_printf(a, "%s/%s", reldir, name)))
            return true;
    }
    return false;
}

repo_reader gitrepo_index_reader(gitrepo *g, const char *dir, arena *a)
{
    index_ctx *ic = arena_alloc(a, sizeof *ic);
    ic->g = g;
    ic->prefix = repo_relpath(a, dir, g->workdir);
    if (strcmp(ic->prefix, ".") == 0)
        ic->prefix = "";
    repo_reader r = {index_read, ic, index_new_infra};
    return r;
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
        if (!text || writer_put(root, e->path, text, len, d) != 0)
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

int gitrepo_install_hook(gitrepo *g, const char *infrac_path, diag_ctx *d)
{
    const char *hooks = arena_printf(d->a, "%s/hooks", git_repository_path(g->repo));
    const char *hook = arena_printf(d->a, "%s/pre-commit", hooks);
    FILE *old = fopen(hook, "r");
    if (old) {
        char buf[512] = {0};
        size_t n = fread(buf, 1, sizeof buf - 1, old);
        fclose(old);
        buf[n] = '\0';
        if (!strstr(buf, HOOK_MARK)) {
            diag_error(d, (src_loc){0}, "%s exists and was not written by infrac; add `infrac check --staged` "
                       "to it by hand, or remove it and run this again", hook);
            return -1;
        }
    }
    const char *script = arena_printf(d->a,
        "#!/bin/sh\n"
        HOOK_MARK ": refuses a commit whose generated\n"
        "# infrastructure files are stale, missing or edited by hand.\n"
        "infrac='%s'\n"
        "[ -x \"$infrac\" ] || infrac=infrac\n"
        "exec \"$infrac\" check --staged\n", infrac_path);
    mkdir(hooks, 0777);
    if (writer_put(hooks, "pre-commit", script, strlen(script), d) != 0)
        return -1;
    if (chmod(hook, 0755) != 0) {
        diag_error(d, (src_loc){0}, "cannot make %s executable: %s", hook, strerror(errno));
        return -1;
    }
    return 0;
}
