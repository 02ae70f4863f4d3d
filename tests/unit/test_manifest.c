/* test_manifest.c — what infrac keeps in a target: the manifest, the
 * .gitattributes block, the machine-local record and journal, and
 * repo_build / repo_check on a scratch directory (no git needed). */
#include "unit.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "repo.h"
#include "report.h"
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
    return writer_read(a, arena_printf(a, "%s/%s", dir, rel), &len, NULL);
}

static void put(arena *a, const char *dir, const char *rel, const char *text)
{
    diag_ctx d;
    diag_init(&d, a);
    writer_put_file(dir, rel, text, strlen(text), &d);
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

static int build_out(arena *a, const char *dir, const out_set *o, bool force)
{
    diag_ctx d;
    diag_init(&d, a);
    repo_manifest prog;
    repo_manifest_init(&prog, a);
    vec_push(a, &prog.sources, "platform");
    repo_build_opts ro = {.dir = dir, .program = &prog, .force = force, .key = "unit"};
    int rc = repo_build(&ro, o, &d);
    if (getenv("UNIT_VERBOSE"))
        diag_print(&d, stderr, 0);
    return rc;
}

static int build(arena *a, const char *dir, int version, bool force)
{
    out_set o = program(a, version);
    return build_out(a, dir, &o, force);
}

static repo_manifest manifest(arena *a, const char *dir)
{
    repo_manifest m;
    diag_ctx d;
    diag_init(&d, a);
    repo_read_manifest(repo_worktree_reader(dir, NULL, a), a, &m, &d);
    return m;
}

/* The drift check's findings, as "kind:path" lines, with this machine's record. */
static const char *drift(arena *a, const char *dir, int version)
{
    repo_manifest have = manifest(a, dir), want, prog;
    repo_manifest_init(&prog, a);
    vec_push(a, &prog.sources, "platform");
    out_set o = program(a, version);
    repo_manifest_for(&want, a, &prog, &o);
    local_record proof, seen;
    local_read(&proof, a, dir, LOCAL_STATE);
    local_record_init(&seen, a, NULL);
    ptrvec found = {0};
    repo_check_opts co = {.out = &o, .want = &want, .have = &have, .rd = repo_worktree_recorder(dir, NULL, a, &seen),
                          .proof = &proof};
    repo_check(&co, &found, a);
    strbuf sb;
    sb_init(&sb, a);
    static const char *kinds[] = {"stale", "missing", "edited", "orphan", "unowned", "conflict", "unstaged"};
    for (size_t i = 0; i < found.len; i++) {
        const report_drift *r = found.items[i];
        sb_printf(&sb, "%s:%s\n", kinds[r->kind], r->path);
    }
    return sb.data;
}

/* ---- the manifest ---- */

static repo_manifest parsed(arena *a, const char *text, diag_ctx *d)
{
    repo_manifest m;
    diag_init(d, a);
    CHECK(repo_manifest_parse(&m, a, text, strlen(text), d) == 0);
    return m;
}

TEST(manifest_is_sorted_lines_with_no_hashes_and_reads_back)
{
    arena *a = arena_new();
    repo_manifest m, back;
    repo_manifest_init(&m, a);
    vec_push(a, &m.sources, "platform");
    vec_push(a, &m.envs, "dev");
    vec_push(a, &m.stdlibs, "stdlib");
    repo_manifest_own(&m, a, "infra/b.tf");
    repo_manifest_own(&m, a, "infra/a.tf");
    repo_manifest_own(&m, a, "infra/a.tf");
    const char *text = repo_manifest_text(a, &m);
    CHECK_CONTAINS(text, "program platform\nenv dev\nstdlib stdlib\nfile infra/b.tf\nfile infra/a.tf\n");
    diag_ctx d;
    back = parsed(a, text, &d);
    CHECK(back.paths.len == 2);
    CHECK_STR(back.paths.items[0], "infra/a.tf");   /* read sorted */
    CHECK_STR(back.stdlib, "stdlib");
    CHECK(d.items.len == 0 && !back.conflicted);
    arena_free(a);
}

TEST(manifest_lines_that_could_not_be_generated_files_are_ignored_with_a_warning)
{
    arena *a = arena_new();
    diag_ctx d;
    repo_manifest m = parsed(a, "program platform\nfile .git/hooks/pre-commit\nfile ../outside\nfile /etc/passwd\n"
                                "file infra/ok.tf\nfile infra/.GIT/x\nsomething else\n", &d);
    CHECK(m.paths.len == 1);
    CHECK_STR(m.paths.items[0], "infra/ok.tf");
    CHECK(d.warnings == 5 && d.errors == 0);
    CHECK_CONTAINS(((diag *)d.items.items[0])->message, "line 2 is ignored: it has a .git component");
    arena_free(a);
}

TEST(manifest_names_files_at_the_root_apart_and_only_under_github)
{
    arena *a = arena_new();
    diag_ctx d;
    repo_manifest m = parsed(a, "program ../platform\nroot-file .github/workflows/plan.yml\nfile infra/a.tf\n"
                                "root-file README.md\nroot-file ../x\nroot-file .github/../.git/hooks/pre-commit\n", &d);
    CHECK(m.paths.len == 2);
    CHECK(strmap_has(&m.owned, "/.github/workflows/plan.yml"));     /* held with its mark */
    CHECK(!strmap_has(&m.owned, ".github/workflows/plan.yml"));
    CHECK(d.warnings == 3);
    CHECK_CONTAINS(((diag *)d.items.items[0])->message, "line 4 is ignored: only files under .github/ may lie at the root");
    const char *text = repo_manifest_text(a, &m);
    CHECK_CONTAINS(text, "file infra/a.tf\nroot-file .github/workflows/plan.yml\n");
    CHECK(strstr(text, "file /") == NULL);
    repo_manifest_unroot(&m, a);       /* read where the target is the root: the target's own */
    CHECK(strmap_has(&m.owned, ".github/workflows/plan.yml") && m.paths.len == 2);
    CHECK_STR(m.paths.items[0], ".github/workflows/plan.yml");
    ptrvec paths = {0};
    vec_push(a, &paths, "/.github/workflows/plan.yml");
    vec_push(a, &paths, "infra/a.tf");
    const char *ga = repo_gitattributes(a, NULL, &paths);
    CHECK(strstr(ga, "workflows") == NULL);     /* a .gitattributes applies only below its directory */
    CHECK_CONTAINS(ga, "/infra/a.tf linguist-generated");
    arena_free(a);
}

/* ... or its second, after a script's #! line; in the comment syntax of
 * any file infrac writes (SQL's --, an INI file's ;). */
TEST(a_generated_file_says_so_in_its_first_line)
{
    static const char *yes[] = {"# Code generated by infrac from platform; DO NOT EDIT.\n\nx",
                                "// Code generated by infrac from a, b; DO NOT EDIT.\r\n",
                                "# Code generated by infrac from platform; DO NOT EDIT.",
                                "-- Code generated by infrac from platform; DO NOT EDIT.\n",
                                "#!/bin/sh\n# Code generated by infrac from platform; DO NOT EDIT.\n\necho\n"};
    static const char *no[] = {"# Shop\n# Code generated by infrac from platform; DO NOT EDIT.\n",
                               "# Code generated by infrac from platform; DO NOT EDIT. (kept)\n",
                               "% Code generated by infrac from platform; DO NOT EDIT.\n",
                               "#!/bin/sh\n\n# Code generated by infrac from platform; DO NOT EDIT.\n", "{}\n", ""};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        CHECK(out_is_generated(yes[i], strlen(yes[i])));
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        CHECK(!out_is_generated(no[i], strlen(no[i])));
}

TEST(manifest_with_merge_conflict_markers_reads_both_sides)
{
    arena *a = arena_new();
    diag_ctx d;
    repo_manifest m = parsed(a, "program platform\nfile infra/a.tf\n<<<<<<< HEAD\nfile infra/b.tf\n=======\n"
                                "file infra/c.tf\n>>>>>>> other\nfile infra/d.tf\r\n", &d);
    CHECK(m.conflicted);
    CHECK(m.paths.len == 4);
    CHECK_STR(m.paths.items[3], "infra/d.tf");      /* CRLF read as LF */
    CHECK(d.items.len == 0);
    arena_free(a);
}

TEST(old_manifest_json_gives_its_program_and_paths_but_not_its_hashes)
{
    arena *a = arena_new();
    const char *text = "{\"sources\": [\"platform\"], \"envs\": [\"dev\"], \"stdlib\": \"stdlib\", "
                       "\"files\": {\"infra/a.tf\": \"0000\", \".git/hooks/pre-commit\": \"1111\"}}";
    diag_ctx d;
    diag_init(&d, a);
    repo_manifest m;
    CHECK(repo_manifest_parse_old(&m, a, text, strlen(text), &d) == 0);
    CHECK(m.old_format && m.paths.len == 1 && m.sources.len == 1 && m.envs.len == 1);
    CHECK_STR(m.stdlib, "stdlib");
    CHECK(d.warnings == 1);
    CHECK(repo_manifest_parse_old(&m, a, "{\"files\": [", 11, &d) != 0);
    CHECK(d.errors == 1);
    arena_free(a);
}

TEST(gitattributes_block_keeps_the_user_lines_around_it)
{
    arena *a = arena_new();
    ptrvec paths = {0};
    vec_push(a, &paths, "infra/a.tf");
    const char *fresh = repo_gitattributes(a, NULL, &paths);
    CHECK_CONTAINS(fresh, "/infra/a.tf linguist-generated=true eol=lf\n");
    CHECK_CONTAINS(fresh, "/.infrac/manifest linguist-generated=true eol=lf merge=union\n");
    const char *mine = arena_printf(a, "*.png binary\n%sdocs/** linguist-documentation\n", fresh);
    paths.len = 0;
    vec_push(a, &paths, "infra/b.tf");
    const char *next = repo_gitattributes(a, mine, &paths);
    CHECK(strncmp(next, "*.png binary\n", 13) == 0);
    CHECK_CONTAINS(next, "/infra/b.tf linguist-generated=true eol=lf\n");
    CHECK_CONTAINS(next, "# END infrac\ndocs/** linguist-documentation\n");
    CHECK(strstr(next, "infra/a.tf") == NULL);
    CHECK_STR(repo_gitattributes(a, next, &paths), next);  /* idempotent */
    const char *appended = repo_gitattributes(a, "*.png binary", &paths);   /* no final newline */
    CHECK(strncmp(appended, "*.png binary\n# BEGIN infrac", 27) == 0);
    arena_free(a);
}

TEST(gitattributes_stray_marker_is_a_user_line_and_survives)
{
    arena *a = arena_new();
    ptrvec paths = {0};
    vec_push(a, &paths, "infra/a.tf");
    const char *block = repo_gitattributes(a, NULL, &paths);
    /* a BEGIN marker with the user's lines after it: not infrac's block */
    const char *old = arena_printf(a, "# BEGIN infrac: generated files (kept by infrac; edit outside this block)\n"
                                      "*.png binary\n%s*.jpg binary\n", block);
    const char *next = repo_gitattributes(a, old, &paths);
    CHECK_CONTAINS(next, "*.png binary\n");
    CHECK_CONTAINS(next, "*.jpg binary\n");
    CHECK_STR(repo_gitattributes(a, next, &paths), next);
    const char *lone = repo_gitattributes(a, "# END infrac\n*.png binary\n", &paths);
    CHECK(strncmp(lone, "# END infrac\n*.png binary\n# BEGIN", 33) == 0);
    arena_free(a);
}

TEST(gitattributes_block_in_a_merge_conflict_is_rebuilt_whole)
{
    arena *a = arena_new();
    ptrvec paths = {0};
    vec_push(a, &paths, "infra/b.tf");
    vec_push(a, &paths, "infra/c.tf");
    const char *old = "*.png binary\r\n# BEGIN infrac: generated files (kept by infrac; edit outside this block)\n"
                      "/infra/a.tf linguist-generated=true eol=lf\n<<<<<<< HEAD\n/infra/b.tf linguist-generated=true\n"
                      "=======\n/infra/c.tf linguist-generated=true\n>>>>>>> other\n# END infrac\n";
    const char *next = repo_gitattributes(a, old, &paths);
    CHECK(strstr(next, "<<<<<<<") == NULL && strstr(next, "infra/a.tf") == NULL);
    CHECK_CONTAINS(next, "*.png binary\r\n# BEGIN infrac");      /* the user's line as it was */
    CHECK_CONTAINS(next, "/infra/c.tf linguist-generated=true eol=lf\n");
    arena_free(a);
}

/* ---- the record ---- */

TEST(local_record_proves_only_files_with_the_recorded_identity)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    put(a, dir, "f.tf", "mine\n");
    local_record r, back;
    local_record_init(&r, a, "key");
    r.stamp = 0;    /* begun before the file last changed: racy, the hash decides */
    local_entry *e = local_note(&r, a, dir, "f.tf", false);
    e->hashed = true;
    e->hash = local_hash("mine\n", 5);
    writer w;
    diag_ctx d;
    diag_init(&d, a);
    writer_init(&w, dir, a, &d);
    CHECK(writer_prepare_dirs(&w, LOCAL_STATE) == 0);
    local_write(&r, &w, LOCAL_STATE);
    CHECK(local_read(&back, a, dir, LOCAL_STATE));
    CHECK_STR(back.key, "key");
    file_id id;
    CHECK(file_id_of(arena_printf(a, "%s/f.tf", dir), false, &id));
    CHECK(local_proves(&back, "f.tf", &id, "mine\n", 5));
    CHECK(!local_proves(&back, "f.tf", &id, "edit\n", 5));     /* racy: the content must agree */
    CHECK(!local_unchanged(&back, dir));                         /* and racy is never a fast "unchanged" */
    back.stamp = local_now() + 1000000000LL;
    CHECK(local_proves(&back, "f.tf", &id, NULL, 0));            /* not racy: the identity is enough */
    put(a, dir, "f.tf", "edit\n");
    CHECK(file_id_of(arena_printf(a, "%s/f.tf", dir), false, &id));
    CHECK(!local_proves(&back, "f.tf", &id, "mine\n", 5));     /* a new identity proves nothing */
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(local_record_is_read_only_from_the_file_infrac_wrote)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    local_record r, back;
    local_record_init(&r, a, "key");
    r.stamp = local_now() + 1000000000LL;
    local_note(&r, a, dir, "never-there.tf", false);    /* an entry anyone could write: "absent" */
    writer w;
    diag_ctx d;
    diag_init(&d, a);
    writer_init(&w, dir, a, &d);
    local_write(&r, &w, LOCAL_STATE);
    CHECK(local_read(&back, a, dir, LOCAL_STATE));
    CHECK(local_unchanged(&back, dir));
    /* the same bytes in another file (a checkout of a committed record, a copy) */
    const char *text = slurp(a, dir, LOCAL_STATE);
    CHECK(text != NULL);
    unlink(arena_printf(a, "%s/" LOCAL_STATE, dir));
    put(a, dir, LOCAL_STATE, text ? text : "");
    CHECK(!local_read(&back, a, dir, LOCAL_STATE));
    CHECK(!local_unchanged(&back, dir));
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(local_record_keeps_where_its_files_at_the_root_lie)
{
    arena *a = arena_new();
    const char *root = scratch(a), *dir = arena_printf(a, "%s/deploy", root);
    mkdir(dir, 0777);
    put(a, root, ".github/workflows/plan.yml", "on: push\n");
    local_record r, back;
    local_record_init(&r, a, "key");
    r.stamp = local_now() + 1000000000LL;
    r.root = root;
    local_note(&r, a, dir, "/.github/workflows/plan.yml", false);
    CHECK(((local_entry *)r.entries.items[0])->kind == 'f');
    writer w;
    diag_ctx d;
    diag_init(&d, a);
    writer_init(&w, dir, a, &d);
    local_write(&r, &w, LOCAL_STATE);
    CHECK(local_read(&back, a, dir, LOCAL_STATE));
    CHECK_STR(back.root, root);
    CHECK(local_unchanged(&back, dir));
    put(a, root, ".github/workflows/plan.yml", "on: pull_request\n");
    CHECK(!local_unchanged(&back, dir));        /* an edit at the root is seen */
    back.root = NULL;
    CHECK(!local_unchanged(&back, dir));        /* and without the root, nothing is known */
    writer_remove_tree(root);
    arena_free(a);
}

TEST(local_record_copied_from_elsewhere_matches_nothing)
{
    arena *a = arena_new();
    const char *dir = scratch(a), *copy = scratch(a);
    put(a, dir, "f.tf", "x\n");
    put(a, copy, "f.tf", "x\n");
    local_record r;
    local_record_init(&r, a, "key");
    r.stamp = local_now() + 1000000000LL;
    local_note(&r, a, dir, "f.tf", false);
    CHECK(local_unchanged(&r, dir));
    CHECK(!local_unchanged(&r, copy));      /* same bytes, another file */
    writer_remove_tree(dir);
    writer_remove_tree(copy);
    arena_free(a);
}

/* ---- build ---- */

TEST(build_writes_the_manifest_gitignore_and_record)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    CHECK(build(a, dir, 1, false) == 0);
    repo_manifest m = manifest(a, dir);
    CHECK(m.paths.len == 3);
    CHECK_STR(m.paths.items[0], "infra/bicep/app/params.dev.json");
    CHECK(m.sources.len == 1 && strcmp(m.sources.items[0], "platform") == 0);
    CHECK_CONTAINS(slurp(a, dir, REPO_GITIGNORE), "/local/\n");
    local_record r;
    CHECK(local_read(&r, a, dir, LOCAL_STATE));
    CHECK(strmap_get(&r.by_path, "infra/terraform/modules/shop/main.tf") != NULL);
    const char *text = slurp(a, dir, REPO_MANIFEST);
    const char *other = scratch(a);
    CHECK(build(a, other, 1, false) == 0);
    CHECK_STR(slurp(a, other, REPO_MANIFEST), text);   /* the same bytes elsewhere */
    CHECK(build(a, dir, 1, false) == 0);
    CHECK_STR(slurp(a, dir, REPO_MANIFEST), text);     /* and on a rebuild */
    CHECK(access(arena_printf(a, "%s/" JOURNAL_STAGING, dir), F_OK) != 0);
    writer_remove_tree(dir);
    writer_remove_tree(other);
    arena_free(a);
}

TEST(build_refuses_a_file_it_does_not_own_and_leaves_nothing_behind)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    put(a, dir, "infra/terraform/modules/shop/main.tf", "mine\n");
    CHECK(build(a, dir, 1, false) != 0);
    CHECK(build(a, dir, 1, true) != 0);     /* --force is for hand edits, not for other people's files */
    CHECK_STR(slurp(a, dir, "infra/terraform/modules/shop/main.tf"), "mine\n");
    CHECK(slurp(a, dir, REPO_MANIFEST) == NULL);
    CHECK(access(arena_printf(a, "%s/.infrac", dir), F_OK) != 0);    /* not even the lock's directory */
    CHECK(access(arena_printf(a, "%s/infra/bicep", dir), F_OK) != 0);
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(build_checks_every_output_path_before_it_creates_anything)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    out_set o;
    out_init(&o, a);
    out_add(&o, "infra/a/main.tf", "ok\n", 3, "#");
    out_add(&o, "infra/../../escape.tf", "x\n", 2, "#");
    out_add(&o, ".git/hooks/pre-commit", "x\n", 2, "#");
    out_add(&o, ".infrac/local/journal", "x\n", 2, NULL);
    out_sort(&o);
    CHECK(build_out(a, arena_printf(a, "%s/target", dir), &o, false) != 0);
    struct stat st;
    CHECK(lstat(arena_printf(a, "%s/target", dir), &st) != 0);
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(build_prunes_what_it_wrote_and_no_longer_produces)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    CHECK(build(a, dir, 1, false) == 0);
    put(a, dir, "infra/kubernetes/base/notes.txt", "hand\n");
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

TEST(build_deletes_nothing_on_the_manifests_word_alone)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    CHECK(build(a, dir, 2, false) == 0);
    put(a, dir, "src/main.c", "int main;\n");
    /* a commit adds a line owning src/main.c; this machine never wrote it */
    const char *m = slurp(a, dir, REPO_MANIFEST);
    put(a, dir, REPO_MANIFEST, arena_printf(a, "%sfile src/main.c\n", m));
    CHECK(build(a, dir, 2, false) != 0);
    CHECK(build(a, dir, 2, true) != 0);     /* not even forced */
    CHECK_STR(slurp(a, dir, "src/main.c"), "int main;\n");
    writer_remove_tree(dir);
    arena_free(a);
}

/* A git whose index holds exactly what is on disk for every path. */
static int git_holds_all(void *ctx, const char *path, const char *data, size_t len)
{
    (void)ctx, (void)path, (void)data, (void)len;
    return REPO_GIT_SAME;
}

TEST(build_removes_what_says_it_is_generated_and_git_holds_and_nothing_else)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    static const char *head = "# Code generated by infrac from platform; DO NOT EDIT.\n";
    put(a, dir, "infra/k/ns.yaml", head);
    put(a, dir, "infra/bicep/s/main.bicep", "// Code generated by infrac from platform; DO NOT EDIT.\n");
    put(a, dir, "infra/bicep/s/params.dev.json", "{}\n");
    put(a, dir, "infra/bicep/t/params.dev.json", "{}\n");
    put(a, dir, "notes.md", "mine\n");
    put(a, dir, REPO_MANIFEST, "program platform\nfile infra/k/ns.yaml\nfile infra/bicep/s/main.bicep\n"
                               "file infra/bicep/s/params.dev.json\nfile infra/bicep/t/params.dev.json\nfile notes.md\n");
    out_set o;
    out_init(&o, a);
    diag_ctx d;
    diag_init(&d, a);
    repo_manifest prog;
    repo_manifest_init(&prog, a);
    vec_push(a, &prog.sources, "platform");
    repo_build_opts ro = {.dir = dir, .program = &prog, .key = "unit", .git_holds = git_holds_all};
    CHECK(repo_build(&ro, &o, &d) != 0);            /* no record of this machine: a fresh clone */
    CHECK(d.errors == 2);
    CHECK_CONTAINS(((diag *)d.items.items[0])->message, "notes.md is no longer generated");
    CHECK_CONTAINS(((diag *)d.items.items[1])->message, "t/params.dev.json is no longer generated");
    CHECK(slurp(a, dir, "infra/k/ns.yaml") != NULL);      /* all or nothing */
    put(a, dir, REPO_MANIFEST, "program platform\nfile infra/k/ns.yaml\nfile infra/bicep/s/main.bicep\n"
                               "file infra/bicep/s/params.dev.json\n");
    diag_init(&d, a);
    CHECK(repo_build(&ro, &o, &d) == 0);
    CHECK(slurp(a, dir, "infra/k/ns.yaml") == NULL);
    CHECK(slurp(a, dir, "infra/bicep/s/main.bicep") == NULL);
    CHECK(slurp(a, dir, "infra/bicep/s/params.dev.json") == NULL);     /* with its main.bicep */
    CHECK_STR(slurp(a, dir, "notes.md"), "mine\n");
    ro.git_holds = NULL;    /* and without git, a header proves nothing */
    put(a, dir, "infra/k/ns.yaml", head);
    put(a, dir, REPO_MANIFEST, "program platform\nfile infra/k/ns.yaml\n");
    diag_init(&d, a);
    CHECK(repo_build(&ro, &o, &d) != 0);
    CHECK(slurp(a, dir, "infra/k/ns.yaml") != NULL);
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(build_keeps_a_hand_edit_unless_forced)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    CHECK(build(a, dir, 1, false) == 0);
    put(a, dir, "infra/terraform/modules/shop/main.tf", "# edited\n");
    CHECK(build(a, dir, 2, false) != 0);
    CHECK_STR(slurp(a, dir, "infra/terraform/modules/shop/main.tf"), "# edited\n");
    CHECK(slurp(a, dir, "infra/kubernetes/base/shop/namespace.yaml") != NULL);     /* all or nothing */
    CHECK(build(a, dir, 2, true) == 0);
    CHECK_STR(slurp(a, dir, "infra/terraform/modules/shop/main.tf"), "# v2\n");
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(build_takes_crlf_line_ends_for_the_same_text)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    CHECK(build(a, dir, 1, false) == 0);
    put(a, dir, "infra/kubernetes/base/shop/namespace.yaml", "kind: Namespace\r\n");
    CHECK(build(a, dir, 1, false) == 0);
    CHECK_STR(slurp(a, dir, "infra/kubernetes/base/shop/namespace.yaml"), "kind: Namespace\r\n");
    CHECK_STR(drift(a, dir, 1), "");
    CHECK(repo_same_text("a\r\nb\n", 5, "a\nb\n", 4));
    CHECK(!repo_same_text("a\rb\n", 4, "a\nb\n", 4));
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(a_journal_from_a_commit_is_discarded_without_doing_anything)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    CHECK(build(a, dir, 1, false) == 0);
    put(a, dir, "README.md", "keep\n");
    put(a, dir, JOURNAL_STAGING "/.infrac-tmp.evil", "#!/bin/sh\necho owned\n");
    struct stat st;
    CHECK(stat(dir, &st) == 0);
    /* even with the target's own device and inode (a journal made on this
     * machine for this directory and then edited), the files it names have
     * identities no one could write down in advance */
    const char *journal = arena_printf(a,
        "{\"target\": [%llu, %llu, 0, 0, 0], \"ops\": ["
        "{\"path\": \"hooks/pre-commit\", \"staged\": \"" JOURNAL_STAGING "/.infrac-tmp.evil\", \"id\": [1, 2, 21, 3, 4]},"
        "{\"path\": \"README.md\", \"remove\": [1, 2, 5, 3, 4]}]}",
        (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    put(a, dir, JOURNAL_PATH, journal);
    CHECK(build(a, dir, 1, false) == 0);
    CHECK_STR(slurp(a, dir, "README.md"), "keep\n");
    CHECK(slurp(a, dir, "hooks/pre-commit") == NULL);
    CHECK(slurp(a, dir, JOURNAL_PATH) == NULL);
    CHECK(access(arena_printf(a, "%s/" JOURNAL_STAGING, dir), F_OK) != 0);
    writer_remove_tree(dir);
    arena_free(a);
}

/* ---- check ---- */

TEST(check_names_each_kind_of_drift)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    CHECK(build(a, dir, 1, false) == 0);
    CHECK_STR(drift(a, dir, 1), "");
    CHECK_STR(drift(a, dir, 2), "stale:infra/terraform/modules/shop/main.tf\n"
                                "orphan:infra/kubernetes/base/shop/namespace.yaml\n"
                                "stale:.gitattributes\nstale:.infrac/manifest\n");
    put(a, dir, "infra/bicep/app/params.dev.json", "{\"x\": 1}\n");
    unlink(arena_printf(a, "%s/infra/kubernetes/base/shop/namespace.yaml", dir));
    CHECK_STR(drift(a, dir, 1), "edited:infra/bicep/app/params.dev.json\n"
                                "missing:infra/kubernetes/base/shop/namespace.yaml\n");
    put(a, dir, "infra/bicep/app/params.dev.json", "<<<<<<< HEAD\n{}\n=======\n{\"y\": 2}\n>>>>>>> b\n");
    CHECK_CONTAINS(drift(a, dir, 1), "conflict:infra/bicep/app/params.dev.json\n");
    const char *fresh = scratch(a);
    put(a, fresh, "infra/bicep/app/params.dev.json", "{\"mine\": true}\n");
    CHECK_CONTAINS(drift(a, fresh, 1), "unowned:infra/bicep/app/params.dev.json\n");
    CHECK_CONTAINS(drift(a, fresh, 1), "missing:.infrac/manifest\n");
    writer_remove_tree(dir);
    writer_remove_tree(fresh);
    arena_free(a);
}

TEST(check_is_not_fooled_by_an_edited_manifest)
{
    arena *a = arena_new();
    const char *dir = scratch(a);
    CHECK(build(a, dir, 1, false) == 0);
    put(a, dir, "infra/terraform/modules/shop/main.tf", "# forged\n");
    /* whatever the manifest says, the comparison is with the output */
    CHECK_STR(drift(a, dir, 1), "edited:infra/terraform/modules/shop/main.tf\n");
    writer_remove_tree(dir);
    arena_free(a);
}

TEST(relpath_is_relative_to_the_base)
{
    arena *a = arena_new();
    CHECK_STR(repo_relpath(a, "/r/platform", "/r"), "platform");
    CHECK_STR(repo_relpath(a, "/r", "/r"), ".");
    CHECK_STR(repo_relpath(a, "/r/p", "/r/out"), "../p");
    CHECK_STR(repo_relpath(a, "/r//a/./b", "/r"), "a/b");
    arena_free(a);
}
