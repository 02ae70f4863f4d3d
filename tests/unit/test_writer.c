/* test_writer.c — confined, atomic writes: which paths are accepted, what a
 * symlink on the way does, and what a write leaves behind. Each test works in
 * a fresh directory under $TMPDIR. */
#include "unit.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "writer.h"

static const char *scratch(arena *a)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = arena_printf(a, "%s/infrac-unit-writer.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(dir);
}

static const char *slurp(arena *a, const char *path)
{
    size_t len;
    return writer_read(a, path, &len, NULL);
}

/* The entries of a directory, sorted, as one string: "a b c". */
static const char *listing(arena *a, const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    strbuf sb;
    sb_init(&sb, a);
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.' || (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")))
            sb_printf(&sb, "%s%s", sb.len ? " " : "", names[i]->d_name);
        free(names[i]);
    }
    free(n >= 0 ? names : NULL);
    return sb.data;
}

static const char *at(arena *a, const char *dir, const char *rel)
{
    return arena_printf(a, "%s/%s", dir, rel);
}

TEST(writer_accepts_only_relative_paths_inside_the_target)
{
    CHECK(writer_path_is_safe("infra/terraform/modules/shop/main.tf"));
    CHECK(writer_path_is_safe(".github/workflows/plan.yml"));
    CHECK(writer_path_is_safe("..infra"));
    CHECK(writer_path_is_safe("infra/.gitkeep"));
    CHECK(writer_path_is_safe("infra/.github"));
    CHECK(!writer_path_is_safe(""));
    CHECK(!writer_path_is_safe("/etc/passwd"));
    CHECK(!writer_path_is_safe("../outside"));
    CHECK(!writer_path_is_safe("infra/../../outside"));
    CHECK(!writer_path_is_safe("infra/.."));
    CHECK(!writer_path_is_safe("./infra"));
    CHECK(!writer_path_is_safe("infra//main.tf"));
    CHECK(!writer_path_is_safe("infra/"));
}

TEST(writer_refuses_git_directories_at_any_depth_in_any_spelling)
{
    CHECK_STR(writer_path_problem(".git/hooks/pre-commit"), "it has a .git component");
    CHECK(!writer_path_is_safe("infra/.git/config"));
    CHECK(!writer_path_is_safe("sub/module/.git"));
    CHECK(!writer_path_is_safe(".GIT/hooks/pre-commit"));
    CHECK(!writer_path_is_safe(".Git./hooks/x"));
    CHECK(!writer_path_is_safe(".git /hooks/x"));
    CHECK(!writer_path_is_safe("GIT~1/hooks/x"));
    CHECK(!writer_path_is_safe(".git::$INDEX_ALLOCATION/x"));
    CHECK(writer_path_is_safe(".gitattributes"));
    CHECK(writer_path_is_safe(".github/x"));
    CHECK(writer_path_is_safe("a/.gitx/b"));
}

TEST(writer_refuses_control_characters_and_backslashes)
{
    CHECK_STR(writer_path_problem("infra/a\nb.tf"), "it holds a control character");
    CHECK(!writer_path_is_safe("infra/a\tb.tf"));
    CHECK(!writer_path_is_safe("infra/\x7f.tf"));
    CHECK_STR(writer_path_problem("infra\\..\\x"), "it holds a backslash");
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CHECK(!writer_path_is_safe(longname));
}

TEST(writer_put_writes_the_file_and_leaves_no_temporary)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a);
    CHECK(writer_put_file(dir, "infra/a/main.tf", "one\n", 4, &d) == 0);
    CHECK_STR(slurp(a, at(a, dir, "infra/a/main.tf")), "one\n");
    CHECK(writer_put_file(dir, "infra/a/main.tf", "two\n", 4, &d) == 0);
    CHECK_STR(slurp(a, at(a, dir, "infra/a/main.tf")), "two\n");
    CHECK_STR(listing(a, at(a, dir, "infra/a")), "main.tf");
    CHECK(writer_put_file(dir, "top.tf", "top\n", 4, &d) == 0);
    CHECK_STR(listing(a, dir), "infra top.tf");
    CHECK(d.errors == 0);
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(writer_put_leaves_an_unchanged_file_alone)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a);
    const char *path = at(a, dir, "f.tf");
    struct stat before, after;
    CHECK(writer_put_file(dir, "f.tf", "same\n", 5, &d) == 0);
    CHECK(stat(path, &before) == 0);
    CHECK(writer_put_file(dir, "f.tf", "same\n", 5, &d) == 0);
    CHECK(stat(path, &after) == 0);
    CHECK(before.st_ino == after.st_ino);   /* not replaced by a rename */
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(writer_refuses_paths_that_leave_the_target)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a);
    writer w;
    writer_init(&w, dir, a, &d);
    CHECK(writer_put(&w, "../escape.tf", "x", 1) != 0);
    CHECK(writer_put(&w, "/tmp/escape.tf", "x", 1) != 0);
    CHECK(writer_put(&w, ".git/hooks/pre-commit", "x", 1) != 0);
    CHECK(writer_prepare_dirs(&w, "a/../../escape.tf") != 0);
    CHECK(d.errors == 4);
    CHECK(access(at(a, dir, "../escape.tf"), F_OK) != 0);
    CHECK_STR(listing(a, dir), "");
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(writer_refuses_to_write_through_a_symlinked_directory)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a), *outside = scratch(a);
    writer w;
    writer_init(&w, dir, a, &d);
    CHECK(mkdir(at(a, dir, "infra"), 0777) == 0);
    CHECK(symlink(outside, at(a, dir, "infra/terraform")) == 0);
    CHECK(writer_put(&w, "infra/terraform/main.tf", "x", 1) != 0);
    CHECK(writer_prepare_dirs(&w, "infra/terraform/modules/main.tf") != 0);
    CHECK(writer_check_dirs(&w, "infra/terraform/main.tf") != 0);
    CHECK(writer_remove(&w, "infra/terraform/main.tf") != 0);
    CHECK_CONTAINS(d.items.len ? ((diag *)d.items.items[0])->message : NULL, "infra/terraform");
    CHECK_STR(listing(a, outside), "");
    writer_remove_tree(dir);
    writer_remove_tree(outside);
    arena_free(a);
}

TEST(writer_refuses_to_replace_a_symlink)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a), *outside = scratch(a);
    const char *victim = at(a, outside, "victim");
    FILE *f = fopen(victim, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("keep\n", f);
        fclose(f);
    }
    CHECK(symlink(victim, at(a, dir, "main.tf")) == 0);
    writer w;
    writer_init(&w, dir, a, &d);
    CHECK(writer_put(&w, "main.tf", "x", 1) != 0);
    CHECK_STR(slurp(a, victim), "keep\n");
    size_t len;
    CHECK(writer_read(a, at(a, dir, "main.tf"), &len, NULL) == NULL);   /* not read through either */
    writer_remove_tree(dir);
    writer_remove_tree(outside);
    arena_free(a);
}

TEST(writer_read_takes_any_size_and_refuses_what_is_not_a_file)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    size_t big = 20u * 1024 * 1024 + 3, len = 0;
    char *data = malloc(big);
    CHECK(data != NULL);
    if (data) {
        memset(data, 'x', big);
        diag_ctx d;
        diag_init(&d, a);
        CHECK(writer_put_file(dir, "big.tf", data, big, &d) == 0);
        file_id id;
        char *back = writer_read(a, at(a, dir, "big.tf"), &len, &id);
        CHECK(back != NULL && len == big && memcmp(back, data, big) == 0);
        CHECK(id.size == big);
        free(data);
    }
    CHECK(mkfifo(at(a, dir, "pipe.tf"), 0644) == 0);
    CHECK(writer_read(a, at(a, dir, "pipe.tf"), &len, NULL) == NULL);  /* returns at once, no hang */
    CHECK(writer_read(a, dir, &len, NULL) == NULL);
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(writer_check_dirs_accepts_missing_directories_and_creates_nothing)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a);
    writer w;
    writer_init(&w, dir, a, &d);
    CHECK(writer_check_dirs(&w, "infra/kubernetes/base/app/x.yaml") == 0);
    CHECK_STR(listing(a, dir), "");
    CHECK(d.errors == 0);
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(writer_undo_removes_the_directories_it_made_and_only_those)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a);
    CHECK(mkdir(at(a, dir, "infra"), 0777) == 0);
    writer w;
    writer_init(&w, at(a, dir, "target/deep"), a, &d);
    CHECK(writer_make_target(&w) == 0);
    CHECK(writer_prepare_dirs(&w, "infra/terraform/modules/x/main.tf") == 0);
    CHECK(access(at(a, dir, "target/deep/infra/terraform/modules/x"), F_OK) == 0);
    writer_undo(&w);
    CHECK_STR(listing(a, dir), "infra");    /* the target it made went too */
    writer_init(&w, dir, a, &d);
    CHECK(writer_prepare_dirs(&w, "infra/terraform/main.tf") == 0);
    writer_undo(&w);
    CHECK_STR(listing(a, at(a, dir, "infra")), "");
    CHECK(access(at(a, dir, "infra"), F_OK) == 0);     /* it was there before */
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(writer_stage_puts_the_file_in_the_given_directory)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a);
    writer w;
    writer_init(&w, dir, a, &d);
    const char *tmp = NULL;
    file_id id;
    CHECK(writer_stage(&w, ".infrac/local/staging", "staged\n", 7, true, false, &tmp, &id) == 0);
    CHECK(tmp && strncmp(tmp, ".infrac/local/staging/", 22) == 0);
    CHECK_STR(tmp ? slurp(a, at(a, dir, tmp)) : NULL, "staged\n");
    file_id again;
    CHECK(tmp && file_id_of(at(a, dir, tmp), false, &again) && file_id_same(&id, &again));
    CHECK(tmp && writer_rename(&w, tmp, "infra/x/main.tf") == 0);
    CHECK_STR(slurp(a, at(a, dir, "infra/x/main.tf")), "staged\n");
    CHECK(writer_sync(&w) == 0);
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(writer_remove_prunes_emptied_directories_and_makes_them_again)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a);
    writer w;
    writer_init(&w, dir, a, &d);
    CHECK(writer_put(&w, "a/b/one.tf", "1", 1) == 0);
    CHECK(writer_remove(&w, "a/b/one.tf") == 0);
    CHECK_STR(listing(a, dir), "");
    CHECK(writer_put(&w, "a/b/two.tf", "2", 1) == 0);     /* not fooled by what it checked before */
    CHECK_STR(slurp(a, at(a, dir, "a/b/two.tf")), "2");
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(writer_takes_paths_at_the_root_only_under_github)
{
    CHECK(writer_place_problem("/.github/workflows/plan.yml") == NULL);
    CHECK(writer_place_problem("infra/main.tf") == NULL);
    CHECK_CONTAINS(writer_place_problem("/README.md"), "only files under .github/ may lie at the root");
    CHECK_CONTAINS(writer_place_problem("/.github/../README.md"), "'..' component");
    CHECK_CONTAINS(writer_place_problem("/.github/x/.git/hooks/pre-commit"), ".git component");
    CHECK(writer_place_problem("//.github/x") != NULL);
    CHECK(!writer_path_is_safe("/.github/workflows/plan.yml"));    /* never a path of the target */
}

TEST(writer_puts_files_at_the_root_there_and_refuses_them_without_one)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *root = scratch(a), *dir = at(a, root, "deploy");
    mkdir(dir, 0777);
    writer w;
    writer_init(&w, dir, a, &d);
    const char *name;
    file_id id;
    CHECK(writer_stage(&w, "staging", "on: push\n", 9, false, false, &name, &id) == 0);
    CHECK(writer_rename(&w, name, "/.github/workflows/plan.yml") != 0);     /* no root: refused */
    CHECK_CONTAINS(((diag *)d.items.items[0])->message, "no root apart from it");
    w.root = root;
    CHECK(writer_rename(&w, name, "/.github/workflows/plan.yml") == 0);
    CHECK_STR(slurp(a, at(a, root, ".github/workflows/plan.yml")), "on: push\n");
    CHECK_STR(writer_locate(a, dir, root, "/.github/workflows/plan.yml"), at(a, root, ".github/workflows/plan.yml"));
    CHECK(writer_remove(&w, "/.github/workflows/plan.yml") == 0);
    CHECK(access(at(a, root, ".github"), F_OK) != 0);      /* emptied directories go, up to the root */
    CHECK(access(root, F_OK) == 0);
    writer_remove_tree(root);
    arena_free(a);
}

TEST(writer_does_not_follow_a_symlink_on_the_way_from_the_root)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *root = scratch(a), *outside = scratch(a), *dir = at(a, root, "deploy");
    mkdir(dir, 0777);
    CHECK(symlink(outside, at(a, root, ".github")) == 0);
    writer w;
    writer_init(&w, dir, a, &d);
    w.root = root;
    CHECK(writer_check_dirs(&w, "/.github/workflows/plan.yml") != 0);
    CHECK_CONTAINS(((diag *)d.items.items[0])->message, "a symlink");
    writer_remove_tree(root);
    writer_remove_tree(outside);
    arena_free(a);
}
