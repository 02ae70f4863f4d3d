/* test_manifest.c — owned files: the manifest, the .gitattributes block, and
 * repo_build / repo_check on a scratch directory (no git needed). */
#include "unit.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"
#include "repo.h"
#include "report.h"
#include "sha256.h"
#include "writer.h"

static const char *scratch(arena *a)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = arena_printf(a, "%s/infrac-unit-manifest.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(dir);
}

static const char *slurp(arena *a, const char *dir, const char *rel)
{
    size_t len;
    return load_read_file(a, arena_printf(a, "%s/%s", dir, rel), &len);
}

static void put(const char *dir, const char *rel, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static out_set program(arena *a, int version)
{
    out_set o;
    out_init(&o, a);
    out_add(&o, "infra/terraform/modules/shop/main.tf", version == 1 ? "# v1\n" : "# v2\n", 5, "#");
    out_add(&o, "infra/bicep/app/params.dev.json", "{}\n", 3, NULL);
    if (version == 1)
        out_add(&o, "infra/kubernetes/base/shop/namespace.yaml", "kind: Namespace\n", 16, "#");
    out_sort(&o);
    return o;
}

static int build(arena *a, const char *dir, int version, bool force)
{
    diag_ctx d;
    diag_init(&d, a);
    char *sources[] = {arena_printf(a, "%s/platform", dir)};
    repo_build_opts ro = {.dir = dir, .sources = sources, .nsources = 1, .force = force, .source_desc = "platform"};
    out_set o = program(a, version);
    int rc = repo_build(&ro, &o, &d);
    if (getenv("UNIT_VERBOSE"))
        diag_print(&d, stderr, 0);
    return rc;
}

static repo_manifest manifest(arena *a, const char *dir)
{
    repo_manifest m;
    diag_ctx d;
    diag_init(&d, a);
    const char *text = slurp(a, dir, REPO_MANIFEST);
    repo_manifest_parse(&m, a, text, text ? strlen(text) : 0, &d);
    return m;
}

/* The drift check's findings, as "kind:path" lines. */
static const char *drift(arena *a, const char *dir, int version)
{
    repo_manifest m = manifest(a, dir);
    out_set o = program(a, version);
    ptrvec found = {0};
    repo_check(&o, &m, repo_worktree_reader(dir), NULL, &found, a);
    strbuf sb;
    sb_init(&sb, a);
    static const char *kinds[] = {"stale", "missing", "edited", "orphan", "unowned"};
    for (size_t i = 0; i < found.len; i++) {
        const report_drift *r = found.items[i];
        sb_printf(&sb, "%s:%s\n", kinds[r->kind], r->path);
    }
    return sb.data;
}

TEST(gitattributes_block_keeps_the_user_lines_around_it)
{
    arena *a = arena_new();
    ptrvec paths = {0};
    vec_push(a, &paths, "infra/a.tf");
    const char *fresh = repo_gitattributes(a, NULL, &paths);
    CHECK_CONTAINS(fresh, "/infra/a.tf linguist-generated=true\n");
    CHECK_CONTAINS(fresh, "/.infrac/manifest.json linguist-generated=true\n");
    const char *mine = arena_printf(a, "*.png binary\n%sdocs/** linguist-documentation\n", fresh);
    paths.len = 0;
    vec_push(a, &paths, "infra/b.tf");
    const char *next = repo_gitattributes(a, mine, &paths);
    CHECK(strncmp(next, "*.png binary\n", 13) == 0);
    CHECK_CONTAINS(next, "/infra/b.tf linguist-generated=true\n");
    CHECK_CONTAINS(next, "# END infrac\ndocs/** linguist-documentation\n");
    CHECK(strstr(next, "infra/a.tf") == NULL);
    CHECK_STR(repo_gitattributes(a, next, &paths), next);  /* idempotent */
    const char *appended = repo_gitattributes(a, "*.png binary", &paths);   /* no final newline */
    CHECK(strncmp(appended, "*.png binary\n# BEGIN infrac", 27) == 0);
    arena_free(a);
}

TEST(manifest_parse_takes_absent_as_empty_and_refuses_damage)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    repo_manifest m;
    CHECK(repo_manifest_parse(&m, a, NULL, 0, &d) == 0);
    CHECK(m.paths.len == 0 && m.sources.len == 0);
    CHECK(repo_manifest_parse(&m, a, "{\"files\": [", 11, &d) != 0);
    CHECK(repo_manifest_parse(&m, a, "{\"files\": 3}", 12, &d) != 0);
    CHECK(d.errors == 2);
    CHECK_CONTAINS(((diag *)d.items.items[0])->message, "manifest.json is damaged");
    arena_free(a);
}

TEST(manifest_lists_every_file_with_its_sha256_sorted)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    CHECK(build(a, dir, 1, false) == 0);
    repo_manifest m = manifest(a, dir);
    CHECK(m.paths.len == 3);
    CHECK_STR(m.paths.items[0], "infra/bicep/app/params.dev.json");
    CHECK_STR(m.paths.items[2], "infra/terraform/modules/shop/main.tf");
    char hex[65];
    sha256_hex("# v1\n", 5, hex);
    CHECK_STR(strmap_get(&m.files, "infra/terraform/modules/shop/main.tf"), hex);
    CHECK(m.sources.len == 1 && strcmp(m.sources.items[0], "platform") == 0);
    CHECK_STR(m.source_desc, "platform");
    const char *text = slurp(a, dir, REPO_MANIFEST);
    const char *other = scratch(a);
    CHECK(build(a, other, 1, false) == 0);
    CHECK_STR(slurp(a, other, REPO_MANIFEST), text);   /* the same bytes elsewhere */
    CHECK(build(a, dir, 1, false) == 0);
    CHECK_STR(slurp(a, dir, REPO_MANIFEST), text);     /* and on a rebuild */
    CHECK_CONTAINS(slurp(a, dir, ".gitattributes"), "/infra/bicep/app/params.dev.json linguist-generated=true\n");
    writer_remove_tree(dir);
    writer_remove_tree(other);
    arena_free(a);
}

TEST(build_refuses_a_file_it_does_not_own_and_changes_nothing)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    mkdir(arena_printf(a, "%s/infra", dir), 0777);
    mkdir(arena_printf(a, "%s/infra/terraform", dir), 0777);
    mkdir(arena_printf(a, "%s/infra/terraform/modules", dir), 0777);
    mkdir(arena_printf(a, "%s/infra/terraform/modules/shop", dir), 0777);
    put(dir, "infra/terraform/modules/shop/main.tf", "mine\n");
    CHECK(build(a, dir, 1, false) != 0);
    CHECK(build(a, dir, 1, true) != 0);     /* --force is for hand edits, not for other people's files */
    CHECK_STR(slurp(a, dir, "infra/terraform/modules/shop/main.tf"), "mine\n");
    CHECK(slurp(a, dir, REPO_MANIFEST) == NULL);
    CHECK(slurp(a, dir, "infra/bicep/app/params.dev.json") == NULL);
    CHECK(access(arena_printf(a, "%s/" WRITER_STAGING, dir), F_OK) != 0);
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(build_prunes_what_it_no_longer_produces_and_keeps_the_rest)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    CHECK(build(a, dir, 1, false) == 0);
    put(dir, "infra/kubernetes/base/notes.txt", "hand\n");
    CHECK(build(a, dir, 2, false) == 0);
    CHECK(slurp(a, dir, "infra/kubernetes/base/shop/namespace.yaml") == NULL);
    CHECK(access(arena_printf(a, "%s/infra/kubernetes/base/shop", dir), F_OK) != 0);
    CHECK_STR(slurp(a, dir, "infra/kubernetes/base/notes.txt"), "hand\n");
    CHECK_STR(slurp(a, dir, "infra/terraform/modules/shop/main.tf"), "# v2\n");
    CHECK(manifest(a, dir).paths.len == 2);
    CHECK(build(a, dir, 1, false) == 0);    /* and back: the directory is made again */
    CHECK_STR(slurp(a, dir, "infra/kubernetes/base/shop/namespace.yaml"), "kind: Namespace\n");
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(build_keeps_a_hand_edit_unless_forced)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    CHECK(build(a, dir, 1, false) == 0);
    put(dir, "infra/terraform/modules/shop/main.tf", "# edited\n");
    CHECK(build(a, dir, 2, false) != 0);
    CHECK_STR(slurp(a, dir, "infra/terraform/modules/shop/main.tf"), "# edited\n");
    CHECK(slurp(a, dir, "infra/kubernetes/base/shop/namespace.yaml") != NULL);     /* all or nothing */
    CHECK(build(a, dir, 2, true) == 0);
    CHECK_STR(slurp(a, dir, "infra/terraform/modules/shop/main.tf"), "# v2\n");
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(check_names_each_kind_of_drift)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    CHECK(build(a, dir, 1, false) == 0);
    CHECK_STR(drift(a, dir, 1), "");
    CHECK_STR(drift(a, dir, 2), "stale:infra/terraform/modules/shop/main.tf\n"
                                "orphan:infra/kubernetes/base/shop/namespace.yaml\n");
    put(dir, "infra/bicep/app/params.dev.json", "{\"x\": 1}\n");
    unlink(arena_printf(a, "%s/infra/kubernetes/base/shop/namespace.yaml", dir));
    CHECK_STR(drift(a, dir, 1), "edited:infra/bicep/app/params.dev.json\n"
                                "missing:infra/kubernetes/base/shop/namespace.yaml\n");
    const char *fresh = scratch(a);
    mkdir(arena_printf(a, "%s/infra", fresh), 0777);
    mkdir(arena_printf(a, "%s/infra/bicep", fresh), 0777);
    mkdir(arena_printf(a, "%s/infra/bicep/app", fresh), 0777);
    put(fresh, "infra/bicep/app/params.dev.json", "{\"mine\": true}\n");
    CHECK_CONTAINS(drift(a, fresh, 1), "unowned:infra/bicep/app/params.dev.json\n");
    writer_remove_tree(dir);
    writer_remove_tree(fresh);
    arena_free(a);
}

TEST(relpath_is_relative_to_the_base)
{
    arena *a = arena_new();
    CHECK_STR(repo_relpath(a, "/r/platform", "/r"), "platform");
    CHECK_STR(repo_relpath(a, "/r", "/r"), ".");
    CHECK_STR(repo_relpath(a, "/r/p", "/r/out"), "../p");
    CHECK_STR(repo_relpath(a, "/r//a/./b", "/r"), "a/./b");
    arena_free(a);
}
