/* repocmd.c — build, check and hook install; see repocmd.h. */
#include "repocmd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_id.h"
#include "moved.h"
#include "compile.h"
#include "gitapi.h"
#include "gitrepo.h"
#include "journal.h"
#include "load.h"
#include "repo.h"
#include "writer.h"

/* One run of a command: where it works and on what. */
typedef struct session {
    arena *a;
    diag_ctx d;                 /* about the invocation and the repository */
    const repocmd_opts *o;
    const char *command;        /* "infrac build", "infrac check", "infrac check --staged": for messages */
    long long stamp;            /* when the run began: records made by it are racy after */
    const char *dir;            /* the target */
    const char *root;           /* the git work tree holding the target, else NULL */
    bool subdir;                /* the target is a subdirectory of root */
    const char *target_rel;     /* then its path from root ("deploy") */
    const char *apart;          /* root, when the target's .github/ goes there (place_files) */
    repo_manifest program;      /* sources, envs and stdlib, relative to the target */
    ptrvec paths;               /* the sources as compiled (relative to here) */
    ptrvec envs;
    const char *stdlib;         /* as compiled */
    const char *desc;           /* how headers name the program */
    const char *key;            /* what this run compiles, for the local record */
    strmap names;               /* source path as compiled -> name for reports */
    const char *scratch;        /* --staged: where the index's sources were compiled */
    bool from_stdin;            /* a PATH is standard input: nothing to record or to stat */
    gitrepo *git;               /* opened when needed */
    const char *git_why;
    compilation comp;
} session;

static void session_init(session *s, const repocmd_opts *o, const char *command)
{
    memset(s, 0, sizeof *s);
    s->a = arena_new();
    diag_init(&s->d, s->a);
    s->o = o;
    s->command = command;
    s->stamp = local_now();
    strmap_init(&s->names, s->a);
    for (int i = 0; i < o->npaths; i++)
        s->from_stdin |= load_is_stdin(o->paths[i]);
}

static void session_free(session *s)
{
    compile_free(&s->comp);
    gitrepo_close(s->git);
    arena_free(s->a);
}

static gitrepo *session_git(session *s)
{
    /* from the work tree's root while the target is still to be made */
    const char *from = s->root && access(s->dir, F_OK) != 0 ? s->root : s->dir;
    if (!s->git && !s->git_why)
        s->git = gitrepo_open(from, &s->git_why);
    return s->git;
}

/* ---- the target ---- */

static bool has_manifest(arena *a, const char *dir)
{
    return access(arena_printf(a, "%s/" REPO_MANIFEST, dir), F_OK) == 0 ||
           access(arena_printf(a, "%s/" REPO_OLD_MANIFEST, dir), F_OK) == 0;
}

/* Without PATH or -o, build and check work on the nearest directory upward
 * that holds a manifest, up to the root of the work tree (which is the
 * target when none does): an unchanged target is checked without git. */
static const char *manifest_above(session *s)
{
    char here[PATH_MAX];
    if (!getcwd(here, sizeof here))
        return NULL;
    for (;;) {
        const char *dir = *here ? here : "/";
        if (has_manifest(s->a, dir))
            return arena_strdup(s->a, dir);
        if (access(arena_printf(s->a, "%s/.git", dir), F_OK) == 0)
            return NULL;
        char *slash = strrchr(here, '/');
        if (!slash)
            return NULL;
        *slash = '\0';
    }
}

/* A git directory is not a target: bare repositories and .git itself. */
static bool is_git_dir(arena *a, const char *dir)
{
    const char *abs = arena_printf(a, "/%s/", repo_relpath(a, dir, "/"));
    if (strstr(abs, "/.git/"))
        return true;
    struct stat st;
    return stat(arena_printf(a, "%s/HEAD", dir), &st) == 0 && S_ISREG(st.st_mode) &&
           stat(arena_printf(a, "%s/objects", dir), &st) == 0 && S_ISDIR(st.st_mode) &&
           stat(arena_printf(a, "%s/refs", dir), &st) == 0 && S_ISDIR(st.st_mode);
}

static int find_target(session *s)
{
    const repocmd_opts *o = s->o;
    const char *from = o->npaths ? o->paths[0] : ".";
    s->dir = o->out_dir ? o->out_dir : !o->npaths && !o->staged ? manifest_above(s) : NULL;
    if (!s->dir)
        s->dir = repo_find_root(s->a, from);
    if (!s->dir) {
        diag_error(&s->d, (src_loc){0}, "no -o given and %s is not in a git work tree; say where to write with -o DIR",
                   from);
        return 2;
    }
    if (is_git_dir(s->a, s->dir)) {
        diag_error(&s->d, (src_loc){0}, "%s is a git directory (a bare repository, or inside .git); infrac writes "
                   "into work trees: give -o a directory of one", s->dir);
        return 2;
    }
    s->root = repo_find_root(s->a, s->dir);
    struct stat t, r;
    bool same = s->root && stat(s->dir, &t) == 0 && stat(s->root, &r) == 0 && t.st_dev == r.st_dev &&
                t.st_ino == r.st_ino;
    s->subdir = s->root && !same;
    /* now, while relative paths mean what they were typed to (--staged
     * compiles in a scratch directory) */
    s->target_rel = s->subdir ? repo_relpath(s->a, s->dir, s->root) : NULL;
    return 0;
}

/* ---- the program ---- */

static const char *from_here(session *s, const char *rel)
{
    return repo_relpath(s->a, arena_printf(s->a, "%s/%s", s->dir, rel), ".");
}

/* The program from the command line, recorded relative to the target. A
 * program read from standard input cannot be named, so then nothing is
 * recorded, not even its other PATHs (a check without PATH would take them
 * for the whole program): later runs must be given the program again. */
static void program_from_args(session *s)
{
    const repocmd_opts *o = s->o;
    repo_manifest_init(&s->program, s->a);
    for (int i = 0; i < o->npaths; i++) {
        vec_push(s->a, &s->paths, o->paths[i]);
        if (!s->from_stdin)
            vec_push(s->a, &s->program.sources, (void *)repo_relpath(s->a, o->paths[i], s->dir));
    }
}

/* Without PATH, the program the manifest recorded, with its options unless
 * given now. */
static int program_from_manifest(session *s, const repo_manifest *m)
{
    if (!m->sources.len && m->paths.len) {
        diag_error(&s->d, (src_loc){0}, "no PATH given, and %s/%s records no program: it was built from standard "
                   "input, which it cannot name; give the program again: %s PATH (or - to read it from standard "
                   "input)", s->dir, REPO_MANIFEST, s->command);
        return 2;
    }
    if (!m->sources.len) {
        diag_error(&s->d, (src_loc){0}, "no PATH given and no program recorded in %s/%s; name the program: "
                   "%s PATH", s->dir, REPO_MANIFEST, s->command);
        return 2;
    }
    if (m->stdlibs.len > 1 && !s->o->stdlib_dir) {
        diag_error(&s->d, (src_loc){0}, "%s/%s names two --stdlib directories (a merge of two changes?); "
                   "build once with the right one: infrac build --stdlib DIR", s->dir, REPO_MANIFEST);
        return 2;
    }
    repo_manifest_init(&s->program, s->a);
    s->program.sources = m->sources;
    for (size_t i = 0; i < m->sources.len; i++) {
        const char *path = from_here(s, m->sources.items[i]);
        size_t n = strlen(path);
        struct stat st;
        /* a committed manifest names the program: only .infra files, not
         * whatever file it likes to have quoted in error messages */
        if ((n < 6 || strcmp(path + n - 6, ".infra") != 0) && !(stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
            diag_error(&s->d, (src_loc){0}, "%s/%s records %s as the program, which is neither a .infra file nor "
                       "a directory; name the program: %s PATH", s->dir, REPO_MANIFEST,
                       (const char *)m->sources.items[i], s->command);
            return 2;
        }
        vec_push(s->a, &s->paths, (void *)path);
    }
    if (!s->o->nenvs)
        s->program.envs = m->envs;
    if (!s->o->stdlib_dir && m->stdlib)
        vec_push(s->a, &s->program.stdlibs, (void *)m->stdlib);
    return 0;
}

static void program_options(session *s)
{
    for (int i = 0; i < s->o->nenvs; i++)
        vec_push(s->a, &s->program.envs, s->o->envs[i]);
    s->envs = s->program.envs;
    if (s->o->stdlib_dir)
        vec_push(s->a, &s->program.stdlibs, (void *)repo_relpath(s->a, s->o->stdlib_dir, s->dir));
    s->program.stdlib = s->program.stdlibs.len ? s->program.stdlibs.items[0] : NULL;
    s->stdlib = s->o->stdlib_dir ? s->o->stdlib_dir : s->program.stdlib ? from_here(s, s->program.stdlib) : NULL;
}

static void describe(session *s);

static int find_program(session *s, repo_reader rd)
{
    if (s->o->npaths) {
        program_from_args(s);
    } else {
        repo_manifest m;
        if (repo_read_manifest(rd, s->a, &m, &s->d) != 0 || program_from_manifest(s, &m) != 0)
            return 2;
    }
    program_options(s);
    describe(s);
    return 0;
}

/* What a run compiles, as one line: build id, mode and program. A record
 * made for another key says nothing about this run. */
static const char *program_key(session *s, const char *mode)
{
    strbuf sb;
    sb_init(&sb, s->a);
    sb_printf(&sb, "%s %s", INFRAC_BUILD_ID, mode);
    for (size_t i = 0; i < s->program.sources.len; i++)
        sb_printf(&sb, "\tprogram %s", (const char *)s->program.sources.items[i]);
    for (size_t i = 0; i < s->program.envs.len; i++)
        sb_printf(&sb, "\tenv %s", (const char *)s->program.envs.items[i]);
    if (s->program.stdlib)
        sb_printf(&sb, "\tstdlib %s", s->program.stdlib);
    return sb.data;
}

/* --staged without PATH compiles what the index's manifest records: its
 * key can only say what the command line said. */
static const char *staged_key(session *s)
{
    strbuf sb;
    sb_init(&sb, s->a);
    sb_printf(&sb, "%s staged", INFRAC_BUILD_ID);
    for (int i = 0; i < s->o->npaths; i++)
        sb_printf(&sb, "\tprogram %s", repo_relpath(s->a, s->o->paths[i], s->dir));
    if (!s->o->npaths)
        sb_puts(&sb, "\trecorded");
    for (int i = 0; i < s->o->nenvs; i++)
        sb_printf(&sb, "\tenv %s", s->o->envs[i]);
    if (s->o->stdlib_dir)
        sb_printf(&sb, "\tstdlib %s", repo_relpath(s->a, s->o->stdlib_dir, s->dir));
    return sb.data;
}

/* ---- names ---- */

/* A source's name: relative to the root of the work tree that holds it
 * (base, when given and it is there: the scratch copy of one), else to the
 * target. */
static const char *source_name(session *s, const char *path, const char *base)
{
    if (load_is_stdin(path) || strcmp(path, "<stdin>") == 0)
        return "<stdin>";
    const char *rel = base ? repo_relpath(s->a, path, base) : NULL;
    if (rel && strncmp(rel, "..", 2) != 0)
        return rel;
    const char *root = repo_find_root(s->a, path);
    return repo_relpath(s->a, path, root ? root : s->dir);
}

static void describe(session *s)
{
    strbuf sb;
    sb_init(&sb, s->a);
    for (size_t i = 0; i < s->paths.len; i++)
        sb_printf(&sb, "%s%s", i ? ", " : "", source_name(s, s->paths.items[i], NULL));
    s->desc = sb.data;
}

/* Names every source the compilation read, while the paths it read them
 * by still mean what they meant (--staged compiles in a scratch tree). */
static void name_sources(session *s, const char *base)
{
    for (size_t i = 0; s->comp.a && i < s->comp.inputs.len; i++) {
        const src_file *f = s->comp.inputs.items[i];
        strmap_put(&s->names, f->path, (void *)source_name(s, f->path, base));
    }
}

static const char *report_name(void *ctx, const char *path)
{
    session *s = ctx;
    const char *name = strmap_get(&s->names, path);
    return name ? name : path;
}

/* Text names files at the root from the target, as it names the target's. */
static const char *root_prefix(session *s)
{
    return s->apart ? arena_printf(s->a, "%s/", repo_relpath(s->a, s->apart, s->dir)) : "";
}

static int emit(session *s, const ptrvec *drift, int rc)
{
    for (size_t i = 0; s->comp.a && i < s->comp.d.items.len; i++)
        vec_push(s->a, &s->d.items, s->comp.d.items.items[i]);
    const char *rel = s->root && s->dir ? repo_relpath(s->a, s->dir, s->root) : ".";
    report_names names = {report_name, s, strcmp(rel, ".") ? arena_printf(s->a, "%s/", rel) : "",
                          s->dir ? root_prefix(s) : ""};
    bool list = !(s->o->quiet && s->o->format == REPORT_TEXT);     /* -q: errors only */
    report_emit_in(s->o->format, &s->d, list ? drift : NULL, &names, stdout);
    return rc;
}

/* ---- compiling ---- */

static bool env_selected(session *s, const char *env)
{
    for (int i = 0; i < s->o->nenvs; i++)
        if (strcmp(s->o->envs[i], env) == 0)
            return true;
    return false;
}

/* --env: the environments left out keep their own files as they are (root
 * modules, overlays, parameter files are neither rewritten nor removed):
 * the output holds them with their present content, read through rd. */
static void keep_other_envs(session *s, const repo_manifest *have, repo_reader rd)
{
    if (!s->o->nenvs || !s->comp.a)
        return;
    compilation *comp = &s->comp;
    for (size_t e = 0; e < comp->declared_envs.len; e++) {
        const char *env = comp->declared_envs.items[e];
        for (size_t i = 0; !env_selected(s, env) && i < have->paths.len; i++) {
            const char *path = have->paths.items[i];
            size_t len = 0;
            char *data = out_env_file(&comp->out, path, env) && !out_find(&comp->out, path) ? rd.read(rd.ctx, s->a, path, &len) : NULL;
            if (data)
                out_add(&comp->out, path, data, len, NULL);
        }
    }
    out_sort(&comp->out);
}

/* What the output takes from the previous build (have, read through rd):
 * the files of environments left out, and the moved blocks its Terraform
 * addresses call for (moved.h). */
static void from_previous(session *s, const repo_manifest *have, repo_reader rd)
{
    keep_other_envs(s, have, rd);
    if (!s->comp.a || !s->comp.ir)
        return;
    moved_add(&s->comp.out, &have->paths, rd.read, rd.ctx, compile_header(&s->comp, "#", NULL));
    out_sort(&s->comp.out);
}

static bool has_github_files(const out_set *o);

/* Workflows run at the root of the repository, where a target in a
 * subdirectory has them written (place_files): the paths they name (their
 * triggers, working directories, `infrac check -o`) are then under the
 * target's directory. Whether they go there is known once the program is
 * seen to have workflows (git is asked only then), so such a program is
 * compiled again with the target's place. */
static int compile_paths(session *s)
{
    compile_opts co = {.stdlib_dir = s->stdlib, .paths = (char **)s->paths.items, .npaths = (int)s->paths.len,
                       .only_envs = (char **)s->envs.items, .nonly_envs = (int)s->envs.len, .source_desc = s->desc};
    int rc = compile_run(&s->comp, &co);
    const char *rel = s->target_rel;
    if (rc != 0 || !rel || strncmp(rel, "..", 2) == 0 || !strcmp(rel, ".") || !has_github_files(&s->comp.out))
        return rc;
    gitrepo *g = session_git(s);
    if (!g || gitrepo_ignores(g, arena_printf(s->a, "%s/", rel)) == 1)
        return rc;
    compile_free(&s->comp);
    co.target_dir = rel;
    return compile_run(&s->comp, &co);
}

static bool has_github_files(const out_set *o)
{
    for (size_t i = 0; i < o->files.len; i++)
        if (strncmp(((const out_file *)o->files.items[i])->path, WRITER_ROOT_DIR, strlen(WRITER_ROOT_DIR)) == 0)
            return true;
    return false;
}

static bool names_root_files(const repo_manifest *m)
{
    for (size_t i = 0; i < m->paths.len; i++)
        if (writer_at_root(m->paths.items[i]))
            return true;
    return false;
}

/* After compiling: where the target's .github/ files go. GitHub reads
 * workflows only at the root of a repository, so for a target in a
 * subdirectory of a git work tree they go to the root, unless git ignores
 * the target: then it is no part of that repository (nothing in it is
 * committed, GitHub reads nothing there) and stands alone, as a target
 * outside git does. Asking git loads libgit2, so it is asked only when the
 * answer matters: the program has .github/ files, or the manifest (have,
 * as read) names files at the root. The output's .github/ files are then
 * named as files at the root (see also own_root_files). */
static void place_files(session *s, const repo_manifest *have)
{
    if (s->subdir && (has_github_files(&s->comp.out) || names_root_files(have))) {
        gitrepo *g = session_git(s);
        const char *rel = g ? repo_relpath(s->a, s->dir, gitrepo_workdir(g)) : "..";
        bool inside = strncmp(rel, "..", 2) != 0;
        s->apart = inside && gitrepo_ignores(g, arena_printf(s->a, "%s/", rel)) != 1 ? s->root : NULL;
    }
    if (s->apart)
        repo_place_at_root(&s->comp.out);
}

/* A manifest's files at the root are the target's own when it has no root
 * apart from it (it was moved, or git ignores it now). */
static void own_root_files(session *s, repo_manifest *m)
{
    if (!s->apart)
        repo_manifest_unroot(m, s->a);
}

/* Was path (as compiled) read from disk? With --staged, sources in the
 * work tree came from the index, through the scratch tree. */
static bool from_disk(session *s, const char *path)
{
    if (load_is_stdin(path) || strcmp(path, "<stdin>") == 0)
        return false;
    return !s->scratch || (path[0] == '/' && strncmp(path, s->scratch, strlen(s->scratch)) != 0);
}

static void note_input(session *s, local_record *r, const char *path)
{
    if (from_disk(s, path))
        local_note(r, s->a, s->dir, repo_relpath(s->a, path, s->dir), true);
}

/* The program's files and directories read from disk, for the record: they
 * are followed through symlinks, as the loader reads them. */
static ptrvec input_entries(session *s)
{
    local_record r;
    local_record_init(&r, s->a, NULL);
    for (size_t i = 0; s->comp.a && i < s->comp.inputs.len; i++)
        note_input(s, &r, ((const src_file *)s->comp.inputs.items[i])->path);
    for (size_t i = 0; i < s->paths.len; i++)
        note_input(s, &r, s->paths.items[i]);
    if (s->stdlib)
        note_input(s, &r, s->stdlib);
    return r.entries;
}

/* ---- build ---- */

/* A path of the target's (or at the root) relative to git's work tree. */
static const char *in_work_tree(session *s, gitrepo *g, const char *path)
{
    bool at_root = writer_at_root(path);
    const char *prefix = repo_relpath(s->a, at_root ? s->apart : s->dir, gitrepo_workdir(g));
    const char *rel = at_root ? path + 1 : path;
    return strcmp(prefix, ".") ? arena_printf(s->a, "%s/%s", prefix, rel) : rel;
}

static int holds(void *ctx, const char *path, const char *data, size_t len)
{
    session *s = ctx;
    gitrepo *g = s->root ? session_git(s) : NULL;
    return g ? gitrepo_holds(g, in_work_tree(s, g, path), data, len, s->a) : REPO_GIT_NO;
}

/* Everything a build may change, relative to the work tree: for --commit. */
static ptrvec owned_paths(session *s, const repo_manifest *before)
{
    ptrvec v = {0};
    static const char *kept[] = {".gitattributes", REPO_MANIFEST, REPO_GITIGNORE, REPO_OLD_MANIFEST, REPO_OLD_JOURNAL};
    for (size_t i = 0; i < s->comp.out.files.len; i++)
        vec_push(s->a, &v, (void *)in_work_tree(s, s->git, ((const out_file *)s->comp.out.files.items[i])->path));
    for (size_t i = 0; i < before->paths.len; i++)
        if (!out_find(&s->comp.out, before->paths.items[i]))
            vec_push(s->a, &v, (void *)in_work_tree(s, s->git, before->paths.items[i]));
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        vec_push(s->a, &v, (void *)in_work_tree(s, s->git, kept[i]));
    return v;
}

static int commit_check(session *s, const ptrvec *ours)
{
    strmap set;
    strmap_init(&set, s->a);
    for (size_t i = 0; i < ours->len; i++)
        strmap_put(&set, ours->items[i], ours->items[i]);
    ptrvec foreign = {0};
    if (gitrepo_foreign_staged(s->git, &set, &foreign, s->a) != 0) {
        diag_error(&s->d, (src_loc){0}, "cannot read what is staged");
        return 2;
    }
    for (size_t i = 0; i < foreign.len; i++)
        diag_error(&s->d, (src_loc){0}, "%s is staged: --commit commits generated files only; commit or unstage it first",
                   (const char *)foreign.items[i]);
    return foreign.len ? 2 : 0;
}

static void summary(session *s)
{
    size_t count[TARGET_COUNT] = {0}, bytes = 0;
    for (size_t i = 0; i < s->comp.out.files.len; i++) {
        const out_file *f = s->comp.out.files.items[i];
        bytes += f->len;
        if (f->target >= 0)
            count[f->target]++;
    }
    printf("infrac: %s %zu files (%zu bytes) to %s:", s->o->dry_run ? "would write" : "wrote",
           s->comp.out.files.len, bytes, s->dir);
    for (int t = 0; t < TARGET_COUNT; t++)
        printf(" %s %zu%s", target_table[t].name, count[t], t < TARGET_COUNT - 1 ? "," : "\n");
}

static int build_in(session *s)
{
    repo_manifest before;
    int rc = find_program(s, repo_worktree_reader(s->dir, NULL, s->a));
    if (rc)
        return rc;
    s->key = program_key(s, "worktree");
    rc = compile_paths(s);
    name_sources(s, NULL);
    if (rc || s->o->dry_run)
        return rc;      /* --dry-run: everything but writing */
    if (repo_read_manifest(repo_worktree_reader(s->dir, NULL, s->a), s->a, &before, &s->d) != 0)
        return 2;
    place_files(s, &before);
    own_root_files(s, &before);
    from_previous(s, &before, repo_worktree_reader(s->dir, s->apart, s->a));
    ptrvec ours = {0};
    if (s->o->commit) {
        if (!session_git(s)) {
            diag_error(&s->d, (src_loc){0}, "--commit: %s: %s", s->dir, s->git_why);
            return 2;
        }
        ours = owned_paths(s, &before);
        if (commit_check(s, &ours) != 0)
            return 2;
    }
    ptrvec inputs = input_entries(s);
    repo_build_opts ro = {.dir = s->dir, .root = s->apart, .worktree = s->root, .program = &s->program,
                          .force = s->o->force,
                          .key = s->key, .inputs = &inputs,
                          .git_holds = s->root ? holds : NULL, .git_ctx = s};
    if (repo_build(&ro, &s->comp.out, &s->d) != 0)
        return 2;
    if (s->from_stdin)
        diag_note(&s->d, (src_loc){0}, "the program came from standard input, which %s/%s cannot name: it records "
                  "none, so later checks and builds of %s must be given the program again", s->dir, REPO_MANIFEST,
                  s->dir);
    if (s->o->commit && gitrepo_commit(s->git, &ours, s->o->message, &s->d) != 0)
        return 2;
    return 0;
}

int repocmd_build(const repocmd_opts *o)
{
    session s;
    session_init(&s, o, "infrac build");
    int rc = 2;
    if (o->commit && !o->message)
        diag_error(&s.d, (src_loc){0}, "--commit needs a message: -m MSG");
    else if (o->commit && o->dry_run)
        diag_error(&s.d, (src_loc){0}, "--commit writes and --dry-run does not: choose one");
    else if (find_target(&s) == 0)
        rc = build_in(&s);
    emit(&s, NULL, rc);
    if (rc == 0 && o->verbose)
        summary(&s);
    session_free(&s);
    return rc;
}

/* ---- check: the fast path ---- */

/* The git index's own checksum, its last 20 bytes: the same for the same
 * content. NULL when unreadable or switched off (index.skipHash). */
static const char *index_sum(arena *a, const char *path)
{
    FILE *f = path ? fopen(path, "rb") : NULL;
    unsigned char head[4], tail[20];
    bool ok = f && fread(head, 1, 4, f) == 4 && memcmp(head, "DIRC", 4) == 0 && fseek(f, -20, SEEK_END) == 0 &&
              fread(tail, 1, 20, f) == 20;
    if (f)
        fclose(f);
    bool zero = true;
    for (int i = 0; ok && i < 20; i++)
        zero &= tail[i] == 0;
    if (!ok || zero)
        return NULL;
    char *hex = arena_alloc(a, 41);
    for (int i = 0; i < 20; i++)
        snprintf(hex + 2 * i, 3, "%02x", tail[i]);
    return hex;
}

/* The index a --staged check reads: GIT_INDEX_FILE (a hook gets it), else
 * the one the record found through git, while the work tree's .git entry
 * is still the one it was then. */
static const char *staged_index(session *s, const local_record *r)
{
    const char *env = getenv("GIT_INDEX_FILE");
    if (env && *env)
        return env;
    if (getenv("GIT_DIR") || !s->root || !r->index_path || !r->git_entry.kind)
        return NULL;
    local_entry e = local_stat(arena_printf(s->a, "%s/.git", s->root), false);
    bool same = e.kind == r->git_entry.kind && e.id.dev == r->git_entry.id.dev && e.id.ino == r->git_entry.id.ino &&
                (e.kind == 'd' || file_id_same(&e.id, &r->git_entry.id));
    return same ? r->index_path : NULL;
}

static bool fast_check(session *s)
{
    local_record r;
    if (s->o->diff || s->from_stdin)
        return false;       /* a pipe has no identity to compare */
    if (s->o->staged) {
        if (!local_read(&r, s->a, s->dir, LOCAL_STAGED) || strcmp(r.key, s->key) != 0)
            return false;
        const char *sum = index_sum(s->a, staged_index(s, &r));
        return sum && r.index_sum && strcmp(sum, r.index_sum) == 0 && (!r.entries.len || local_unchanged(&r, s->dir));
    }
    return local_read(&r, s->a, s->dir, LOCAL_STATE) && strcmp(r.key, s->key) == 0 &&
           local_unchanged(&r, s->dir);     /* its files at the root where it found them */
}

/* ---- check: comparing ---- */

static bool drifted_path(const ptrvec *drift, const char *path)
{
    for (size_t i = 0; i < drift->len; i++)
        if (strcmp(((const report_drift *)drift->items[i])->path, path) == 0)
            return true;
    return false;
}

/* A check keeps its record only in a target whose .infrac/.gitignore keeps
 * .infrac/local out of commits (one built by this infrac, or a clone of
 * one): nowhere else does it make a directory. */
static void save_record(session *s, const local_record *r, const char *name)
{
    struct stat st;
    if (lstat(arena_printf(s->a, "%s/" REPO_GITIGNORE, s->dir), &st) != 0 || !S_ISREG(st.st_mode))
        return;
    writer w;
    writer_init(&w, s->dir, s->a, &s->d);
    local_write(r, &w, name);
}

/* After a check of the work tree: what it found equal to the output is
 * now known to be infrac's. When all was clean, the record is also the
 * next check's fast path; else it keeps only that knowledge. */
static void record_check(session *s, const local_record *proof, const local_record *seen, const ptrvec *drift)
{
    local_record r;
    bool clean = !drift->len;
    local_record_init(&r, s->a, clean ? s->key : "unverified");
    r.stamp = s->stamp;
    r.root = s->apart;
    ptrvec inputs = input_entries(s);
    for (size_t i = 0; !clean && i < proof->entries.len; i++)
        local_keep(&r, s->a, proof->entries.items[i]);
    for (size_t i = 0; clean && i < inputs.len; i++)
        local_keep(&r, s->a, inputs.items[i]);
    local_note(&r, s->a, s->dir, JOURNAL_PATH, false);
    for (size_t i = 0; i < seen->entries.len; i++) {
        const local_entry *e = seen->entries.items[i];
        if (drifted_path(drift, e->path))
            continue;
        const local_entry *old = strmap_get(&proof->by_path, e->path);
        local_entry *n = local_keep(&r, s->a, e);
        n->hashed = old && old->hashed && file_id_same(&old->id, &e->id);
        n->hash = n->hashed ? old->hash : 0;
    }
    save_record(s, &r, LOCAL_STATE);
}

static int compare(session *s, repo_reader rd, repo_reader *worktree, const repo_manifest *have, const local_record *proof,
                   ptrvec *drift)
{
    repo_manifest want;
    repo_manifest_for(&want, s->a, &s->program, &s->comp.out);
    repo_check_opts co = {.out = &s->comp.out, .want = &want, .have = have, .rd = rd, .worktree = worktree,
                          .proof = proof, .diff_out = !s->o->diff ? NULL
                                                     : s->o->format == REPORT_TEXT ? stdout : stderr,
                          .root_prefix = root_prefix(s)};
    /* a JSON or SARIF document must stay one document: diffs go beside it */
    repo_check(&co, drift, s->a);
    return drift->len ? 1 : 0;
}

static int check_worktree(session *s, ptrvec *drift)
{
    local_record seen, proof;
    local_record_init(&seen, s->a, NULL);
    local_read(&proof, s->a, s->dir, LOCAL_STATE);
    repo_manifest have;
    diag_ctx quiet;     /* a first look, to know where files at the root are: the second says what is wrong */
    diag_init(&quiet, s->a);
    int lock = local_lock_shared(s->dir);   /* a build under way finishes first */
    bool readable = repo_read_manifest(repo_worktree_reader(s->dir, NULL, s->a), s->a, &have, &quiet) == 0;
    int rc = compile_paths(s);
    name_sources(s, NULL);
    if (rc == 0 && readable)
        place_files(s, &have);
    repo_reader rd = repo_worktree_recorder(s->dir, s->apart, s->a, &seen);   /* it notes what it reads */
    if (rc == 0 && repo_read_manifest(rd, s->a, &have, &s->d) != 0)
        rc = 2;
    if (rc == 0)
        own_root_files(s, &have);
    if (rc == 0 && journal_pending(s->dir, s->a)) {
        diag_error(&s->d, (src_loc){0}, "%s/%s: an interrupted write is pending (run infrac build to finish it)",
                   s->dir, JOURNAL_PATH);
        rc = 1;
    }
    if (rc == 0) {
        from_previous(s, &have, rd);
        rc = compare(s, rd, NULL, &have, &proof, drift);
        record_check(s, &proof, &seen, drift);
    }
    local_unlock(lock);
    return rc;
}

/* ---- check --staged ---- */

static const char *absolute(session *s, const char *path)
{
    return arena_printf(s->a, "/%s", repo_relpath(s->a, path, "/"));
}

/* Where --staged compiles path: a source in the work tree from the scratch
 * copy of the index (relative, as typed, when infrac runs in the work tree:
 * messages then name files as the user sees them), one outside from disk. */
static const char *staged_path(session *s, const char *path, const char *workdir, const char *scratch, bool inside)
{
    if (load_is_stdin(path))
        return path;
    const char *rel = repo_relpath(s->a, path, workdir);
    if (strncmp(rel, "..", 2) == 0)
        return absolute(s, path);
    return inside ? path : arena_printf(s->a, "%s/%s", scratch, rel);
}

/* The index's .infra files are written to a scratch tree and compiled from
 * the same relative place, so paths and headers match the work tree's. */
static int compile_staged(session *s, const char *workdir)
{
    char scratch[] = "/tmp/infrac-staged.XXXXXX", cwd[PATH_MAX];
    if (!mkdtemp(scratch) || !getcwd(cwd, sizeof cwd)) {
        diag_error(&s->d, (src_loc){0}, "cannot make a scratch directory: %s", strerror(errno));
        return 2;
    }
    s->scratch = arena_strdup(s->a, scratch);
    const char *cwd_rel = repo_relpath(s->a, cwd, workdir);
    bool inside = strncmp(cwd_rel, "..", 2) != 0;
    for (size_t i = 0; i < s->paths.len; i++)
        s->paths.items[i] = (void *)staged_path(s, s->paths.items[i], workdir, scratch, inside);
    if (s->stdlib)
        s->stdlib = staged_path(s, s->stdlib, workdir, scratch, inside);
    const char *here = inside ? arena_printf(s->a, "%s/%s", scratch, cwd_rel) : scratch;
    int rc = 2;
    writer w;
    writer_init(&w, here, s->a, &s->d);
    if (gitrepo_materialize_sources(s->git, scratch, &s->d) == 0 && writer_make_target(&w) == 0 && chdir(here) == 0) {
        rc = compile_paths(s);
        name_sources(s, scratch);
        if (chdir(cwd) != 0)
            rc = 2;
    }
    writer_remove_tree(scratch);
    return rc;
}

static void record_staged(session *s, const char *index, const char *sum)
{
    local_record r;
    local_record_init(&r, s->a, s->key);
    r.stamp = s->stamp;
    r.index_sum = sum;
    r.index_path = index;
    r.git_entry = local_stat(arena_printf(s->a, "%s/.git", s->root), false);
    ptrvec inputs = input_entries(s);   /* outside the work tree: read from disk, not from the index */
    for (size_t i = 0; i < inputs.len; i++)
        local_keep(&r, s->a, inputs.items[i]);
    save_record(s, &r, LOCAL_STAGED);
}

static int check_staged(session *s, ptrvec *drift)
{
    gitrepo *g = session_git(s);
    if (!g) {
        diag_error(&s->d, (src_loc){0}, "--staged: %s: %s", s->dir, s->git_why);
        return 2;
    }
    const char *workdir = gitrepo_workdir(g);
    if (strncmp(repo_relpath(s->a, s->dir, workdir), "..", 2) == 0) {
        diag_error(&s->d, (src_loc){0}, "--staged: %s is outside the work tree of %s", s->dir, workdir);
        return 2;
    }
    const char *index = gitrepo_index_path(g, s->a), *before = index_sum(s->a, index);
    repo_reader rd = gitrepo_index_reader(g, s->dir, s->a);
    local_record seen, proof;
    local_record_init(&seen, s->a, NULL);
    local_read(&proof, s->a, s->dir, LOCAL_STATE);
    repo_manifest have;
    int rc = repo_read_manifest(rd, s->a, &have, &s->d) != 0 ? 2 : find_program(s, rd);
    if (rc == 0)
        rc = compile_staged(s, workdir);
    if (rc == 0) {
        place_files(s, &have);
        own_root_files(s, &have);
    }
    repo_reader wt = repo_worktree_recorder(s->dir, s->apart, s->a, &seen);
    if (rc == 0) {
        from_previous(s, &have, rd);
        rc = compare(s, rd, &wt, &have, &proof, drift);
    }
    const char *after = index_sum(s->a, index);
    if (rc == 0 && before && after && strcmp(before, after) == 0)
        record_staged(s, absolute(s, index), before);
    return rc;
}

/* A path as a shell reads it back: quoted unless plain. */
static const char *shell_word(arena *a, const char *s)
{
    if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-+=,") == strlen(s))
        return s;
    strbuf sb;
    sb_init(&sb, a);
    sb_putc(&sb, '\'');
    for (; *s; s++)
        sb_puts(&sb, *s == '\'' ? "'\\''" : (char[]){*s, 0});
    sb_putc(&sb, '\'');
    return sb.data;
}

/* In text, after the drift lines: exactly what to run. */
static void how_to_fix(session *s, const ptrvec *drift)
{
    if (!drift->len || s->o->format != REPORT_TEXT || s->o->quiet)
        return;
    fflush(stdout);     /* after the drift lines, also when both go to one file */
    bool edits = false;
    strbuf add;
    sb_init(&add, s->a);
    for (size_t i = 0; i < drift->len; i++) {
        const report_drift *r = drift->items[i];
        edits |= r->kind == DRIFT_EDITED || r->kind == DRIFT_UNOWNED;
        const char *rel = repo_relpath(s->a, writer_locate(s->a, s->dir, s->apart, r->path), ".");
        sb_printf(&add, " %s", shell_word(s->a, rel));
    }
    if (edits)
        fprintf(stderr, "infrac: some generated files were changed by hand: move those changes into the program first\n");
    const char *cmd = s->o->npaths ? "infrac build PATH..." : "infrac build";
    if (s->o->staged)
        fprintf(stderr, "infrac: the commit would hold out-of-date generated files; run: %s && git add -A --%s\n", cmd,
                add.data);
    else
        fprintf(stderr, "infrac: to bring the generated files up to date, run: %s\n", cmd);
}

int repocmd_check(const repocmd_opts *o)
{
    session s;
    session_init(&s, o, o->staged ? "infrac check --staged" : "infrac check");
    ptrvec drift = {0};
    int rc = find_target(&s);
    if (rc == 0 && !o->staged)
        rc = find_program(&s, repo_worktree_reader(s.dir, NULL, s.a));
    if (rc == 0)
        s.key = o->staged ? staged_key(&s) : program_key(&s, "worktree");
    if (rc == 0 && fast_check(&s)) {
        rc = emit(&s, &drift, 0);   /* certainly up to date: nothing to compile */
    } else {
        if (rc == 0)
            rc = o->staged ? check_staged(&s, &drift) : check_worktree(&s, &drift);
        emit(&s, &drift, rc);
        how_to_fix(&s, &drift);
    }
    session_free(&s);
    return rc;
}

/* ---- hook ---- */

/* The target a hook checks: REPO, when it is a subdirectory of the work
 * tree (a target built with -o), from the root where hooks run; NULL for
 * the root itself. */
static const char *hook_target(arena *a, gitrepo *g, const char *repo)
{
    char real[PATH_MAX];
    if (!realpath(repo, real))
        return NULL;
    const char *rel = repo_relpath(a, real, gitrepo_workdir(g));
    return strcmp(rel, ".") == 0 || strncmp(rel, "..", 2) == 0 ? NULL : rel;
}

int repocmd_hook_install(const char *repo)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    const char *why;
    gitrepo *g = gitrepo_open(repo ? repo : ".", &why);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    int rc = 2;
    if (!g)
        diag_error(&d, (src_loc){0}, "hook install: %s: %s", repo ? repo : ".", why);
    else
        rc = gitrepo_install_hook(g, n > 0 ? self : "infrac", hook_target(a, g, repo ? repo : "."), &d) == 0 ? 0 : 2;
    diag_print(&d, stderr, diag_want_colour(stderr));
    gitrepo_close(g);
    arena_free(a);
    return rc;
}
