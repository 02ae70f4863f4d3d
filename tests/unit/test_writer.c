/* test_writer.c — confined, atomic writes: which paths are accepted, what a
 * symlink on the way does, and what a write leaves behind. Each test works in
 * a fresh directory under $TMPDIR. */
#include "unit.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"
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
    return load_read_file(a, path, &len);
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

TEST(writer_accepts_only_relative_paths_inside_the_target)
{
    CHECK(writer_path_is_safe("infra/terraform/modules/shop/main.tf"));
    CHECK(writer_path_is_safe(".github/workflows/plan.yml"));
    CHECK(writer_path_is_safe("..infra"));
    CHECK(!writer_path_is_safe(""));
    CHECK(!writer_path_is_safe("/etc/passwd"));
    CHECK(!writer_path_is_safe("../outside"));
    CHECK(!writer_path_is_safe("infra/../../outside"));
    CHECK(!writer_path_is_safe("infra/.."));
    CHECK(!writer_path_is_safe("./infra"));
    CHECK(!writer_path_is_safe("infra//main.tf"));
    CHECK(!writer_path_is_safe("infra/"));
}

TEST(writer_put_writes_the_file_and_leaves_no_temporary)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a);
    CHECK(writer_put(dir, "infra/a/main.tf", "one\n", 4, &d) == 0);
    CHECK_STR(slurp(a, arena_printf(a, "%s/infra/a/main.tf", dir)), "one\n");
    CHECK(writer_put(dir, "infra/a/main.tf", "two\n", 4, &d) == 0);
    CHECK_STR(slurp(a, arena_printf(a, "%s/infra/a/main.tf", dir)), "two\n");
    CHECK_STR(listing(a, arena_printf(a, "%s/infra/a", dir)), "main.tf");
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
    const char *path = arena_printf(a, "%s/f.tf", dir);
    struct stat before, after;
    CHECK(writer_put(dir, "f.tf", "same\n", 5, &d) == 0);
    CHECK(stat(path, &before) == 0);
    CHECK(writer_put(dir, "f.tf", "same\n", 5, &d) == 0);
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
    CHECK(writer_put(dir, "../escape.tf", "x", 1, &d) != 0);
    CHECK(writer_put(dir, "/tmp/escape.tf", "x", 1, &d) != 0);
    CHECK(writer_stage(dir, "a/../../escape.tf", "x", 1, &d) == NULL);
    CHECK(d.errors == 3);
    CHECK(access(arena_printf(a, "%s/../escape.tf", dir), F_OK) != 0);
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(writer_refuses_to_write_through_a_symlinked_directory)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a), *outside = scratch(a);
    CHECK(mkdir(arena_printf(a, "%s/infra", dir), 0777) == 0);
    CHECK(symlink(outside, arena_printf(a, "%s/infra/terraform", dir)) == 0);
    CHECK(writer_put(dir, "infra/terraform/main.tf", "x", 1, &d) != 0);
    CHECK(writer_prepare_dirs(dir, "infra/terraform/modules/main.tf", &d) != 0);
    CHECK(writer_check_dirs(dir, "infra/terraform/main.tf", &d) != 0);
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
    const char *victim = arena_printf(a, "%s/victim", outside);
    FILE *f = fopen(victim, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("keep\n", f);
        fclose(f);
    }
    CHECK(symlink(victim, arena_printf(a, "%s/main.tf", dir)) == 0);
    CHECK(writer_put(dir, "main.tf", "x", 1, &d) != 0);
    CHECK(writer_stage(dir, "main.tf", "x", 1, &d) == NULL);
    CHECK_STR(slurp(a, victim), "keep\n");
    writer_remove_tree(dir);
    writer_remove_tree(outside);
    arena_free(a);
}

TEST(writer_check_dirs_accepts_missing_directories_and_creates_nothing)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a);
    CHECK(writer_check_dirs(dir, "infra/kubernetes/base/app/x.yaml", &d) == 0);
    CHECK_STR(listing(a, dir), "");
    CHECK(d.errors == 0);
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(writer_stage_puts_the_file_in_the_staging_directory)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a);
    const char *tmp = writer_stage(dir, "infra/x/main.tf", "staged\n", 7, &d);
    CHECK(tmp != NULL);
    CHECK(tmp && strncmp(tmp, WRITER_STAGING "/", strlen(WRITER_STAGING) + 1) == 0);
    CHECK_STR(tmp ? slurp(a, arena_printf(a, "%s/%s", dir, tmp)) : NULL, "staged\n");
    CHECK(access(arena_printf(a, "%s/infra", dir), F_OK) != 0);     /* nothing beside the target yet */
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(writer_makes_a_removed_directory_again)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *dir = scratch(a);
    CHECK(writer_put(dir, "a/b/one.tf", "1", 1, &d) == 0);
    CHECK(unlink(arena_printf(a, "%s/a/b/one.tf", dir)) == 0);
    CHECK(writer_rmdir(arena_printf(a, "%s/a/b", dir)) == 0);
    CHECK(writer_put(dir, "a/b/two.tf", "2", 1, &d) == 0);     /* not fooled by what it checked before */
    CHECK_STR(slurp(a, arena_printf(a, "%s/a/b/two.tf", dir)), "2");
    writer_remove_tree(dir);
    arena_free(a);
}
