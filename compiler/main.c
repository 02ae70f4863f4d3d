/* main.c — the command line: build, check, hook install, --help, --version.
 *
 * Every command compiles the whole program in memory first; `build` writes
 * only when there is no error (through repo.c's all-or-nothing write), so bad
 * input leaves the target tree as it was. Exit status: 0 ok, 1 policy
 * violations or (check) drift, 2 errors in the input or the invocation.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "explain.h"
#include "gitrepo.h"
#include "load.h"
#include "repo.h"
#include "report.h"
#include "writer.h"

#define INFRAC_VERSION "0.1.0"

static const char usage[] =
    "usage: infrac build [-o DIR] [--env ENV]... [--stdlib DIR] [--format F] [--force] [--commit -m MSG] [-v] [PATH...]\n"
    "       infrac check [-o DIR] [--staged] [--diff] [--stdlib DIR] [--format F] [PATH...]\n"
    "       infrac hook install [REPO]\n"
    "       infrac explain RULE | --list | --markdown [--stdlib DIR]\n"
    "       infrac --help | --version\n"
    "\n"
    "build    compile the .infra program in PATH (files, or directories of .infra\n"
    "         files) into Terraform, Bicep, Kustomize and GitHub Actions files in DIR\n"
    "check    compile in memory and compare with DIR: list stale, missing, hand-edited\n"
    "         and no-longer-produced files; silent when clean. Without PATH, the\n"
    "         program recorded in DIR/.infrac/manifest.json\n"
    "hook     install a git pre-commit hook that runs `infrac check --staged`\n"
    "explain  print a policy rule's rationale, fix, Checkov and Trivy ids; --list\n"
    "         lists every rule\n"
    "\n"
    "  -o DIR          target directory (default: the root of the git repository)\n"
    "  --env ENV       compile only this environment (repeatable)\n"
    "  --stdlib DIR    use the kinds in DIR instead of the built-in stdlib\n"
    "  --force         build: overwrite files edited by hand\n"
    "  --commit        build: commit exactly the generated changes (with -m MSG)\n"
    "  --staged        check: read the program and the generated files from the git index\n"
    "  --diff          check: show unified diffs\n"
    "  --format F      text (default), json or sarif (SARIF 2.1.0, for code scanning)\n"
    "  -v, --verbose   build: print a summary of what was written\n"
    "\n"
    "Exit status: 0 ok, 1 policy violations or drift, 2 errors in the input or invocation.\n"
    "See infrac(1) and infrac(5).\n";

typedef struct cli {
    const char *out_dir, *stdlib_dir, *message, *format;
    const char *desc;           /* how headers name the program: recorded, else from the PATHs */
    char **envs, **paths;
    int nenvs, npaths;
    int verbose, force, commit, staged, diff;
} cli;

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "infrac: %s%s%s\nTry 'infrac --help'.\n", msg, arg ? " " : "", arg ? arg : "");
    return 2;
}

static int flag(const char *a, const char *name, int *dst)
{
    if (strcmp(a, name) != 0)
        return 0;
    *dst = 1;
    return 1;
}

static int parse_args(cli *c, int argc, char **argv)
{
    c->envs = calloc((size_t)argc + 1, sizeof *c->envs);
    c->paths = calloc((size_t)argc + 1, sizeof *c->paths);
    if (!c->envs || !c->paths)
        return usage_error("out of memory", NULL);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        const char **slot = !strcmp(a, "-o") || !strcmp(a, "--out") ? &c->out_dir
                          : !strcmp(a, "--stdlib")                  ? &c->stdlib_dir
                          : !strcmp(a, "-m")                        ? &c->message
                          : !strcmp(a, "--format")                  ? &c->format : NULL;
        if (slot || !strcmp(a, "--env")) {
            if (!val)
                return usage_error("missing value for", a);
            if (slot)
                *slot = val;
            else
                c->envs[c->nenvs++] = argv[i + 1];
            i++;
        } else if (flag(a, "-v", &c->verbose) || flag(a, "--verbose", &c->verbose) ||
                   flag(a, "--force", &c->force) || flag(a, "--commit", &c->commit) ||
                   flag(a, "--staged", &c->staged) || flag(a, "--diff", &c->diff)) {
        } else if (!strcmp(a, "--list") || !strcmp(a, "--markdown")) {
            c->paths[c->npaths++] = argv[i];    /* explain's subject */
        } else if (!strcmp(a, "--")) {
            while (++i < argc)
                c->paths[c->npaths++] = argv[i];
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option", a);
        } else {
            c->paths[c->npaths++] = argv[i];
        }
    }
    if (c->format && report_format_parse(c->format) < 0)
        return usage_error("--format takes text, json or sarif, not", c->format);
    return 0;
}

static report_format format_of(const cli *c)
{
    return c->format ? (report_format)report_format_parse(c->format) : REPORT_TEXT;
}

static void cli_free(cli *c)
{
    free(c->envs);
    free(c->paths);
}

/* The target directory: -o, else the work tree of the git repository that
 * holds the first PATH (or the current directory). */
static char *target_dir(const cli *c)
{
    if (c->out_dir)
        return strdup(c->out_dir);
    gitrepo *g = gitrepo_open(c->npaths ? c->paths[0] : ".");
    char *root = g ? strdup(gitrepo_workdir(g)) : NULL;
    gitrepo_close(g);
    return root;
}

/* Headers name the sources relative to the target when they lie inside it,
 * so they read the same from any working directory. */
static const char *source_desc(arena *a, const cli *c, const char *dir)
{
    strbuf sb;
    sb_init(&sb, a);
    for (int i = 0; i < c->npaths; i++) {
        const char *rel = repo_relpath(a, c->paths[i], dir);
        sb_printf(&sb, "%s%s", i ? ", " : "", strncmp(rel, "..", 2) == 0 ? c->paths[i] : rel);
    }
    return sb.data;
}

/* Fixes how headers name the program before anything changes directory. */
static void describe(cli *c, const char *dir, arena *a)
{
    if (!c->desc)
        c->desc = source_desc(a, c, dir);
}

static int compile_cli(compilation *comp, const cli *c)
{
    compile_opts o = {.stdlib_dir = c->stdlib_dir, .paths = c->paths, .npaths = c->npaths,
                      .only_envs = c->envs, .nonly_envs = c->nenvs, .source_desc = c->desc};
    return compile_run(comp, &o);
}

static void summary(const compilation *comp, const char *dir)
{
    static const char *prefixes[] = {"infra/terraform/", "infra/bicep/", "infra/kubernetes/", ".github/"};
    static const char *names[] = {"terraform", "bicep", "kubernetes", "github"};
    size_t count[4] = {0}, bytes = 0;
    for (size_t i = 0; i < comp->out.files.len; i++) {
        const out_file *f = comp->out.files.items[i];
        bytes += f->len;
        for (int t = 0; t < 4; t++)
            count[t] += strncmp(f->path, prefixes[t], strlen(prefixes[t])) == 0;
    }
    printf("infrac: wrote %zu files (%zu bytes) to %s:", comp->out.files.len, bytes, dir);
    for (int t = 0; t < 4; t++)
        printf(" %s %zu%s", names[t], count[t], t < 3 ? "," : "\n");
}

/* Everything a build changes, relative to the work tree: for --commit. */
static ptrvec owned_paths(arena *a, const compilation *comp, const char *dir, const char *workdir)
{
    ptrvec v = {0};
    const char *prefix = repo_relpath(a, dir, workdir);
    const char *p = strcmp(prefix, ".") == 0 ? "" : arena_printf(a, "%s/", prefix);
    for (size_t i = 0; i < comp->out.files.len; i++)
        vec_push(a, &v, arena_printf(a, "%s%s", p, ((const out_file *)comp->out.files.items[i])->path));
    vec_push(a, &v, arena_printf(a, "%s%s", p, REPO_MANIFEST));
    vec_push(a, &v, arena_printf(a, "%s.gitattributes", p));
    return v;
}

static int commit_check(gitrepo *g, const ptrvec *ours, diag_ctx *d)
{
    strmap set;
    strmap_init(&set, d->a);
    for (size_t i = 0; i < ours->len; i++)
        strmap_put(&set, ours->items[i], NULL);
    ptrvec foreign = {0};
    if (gitrepo_foreign_staged(g, &set, &foreign, d->a) != 0) {
        diag_error(d, (src_loc){0}, "cannot read what is staged");
        return -1;
    }
    for (size_t i = 0; i < foreign.len; i++)
        diag_error(d, (src_loc){0}, "%s is staged: --commit commits generated files only; commit or unstage it first",
                   (const char *)foreign.items[i]);
    return foreign.len ? -1 : 0;
}

/* Without PATH, build and check use the program the manifest recorded. */
static int from_manifest(cli *c, const repo_manifest *m, const char *dir, arena *a);

static int recorded_paths(cli *c, const char *dir, arena *a)
{
    size_t len = 0;
    repo_reader rd = repo_worktree_reader(dir);
    char *text = rd.read(rd.ctx, a, REPO_MANIFEST, &len);
    repo_manifest m;
    diag_ctx d;
    diag_init(&d, a);
    if (repo_manifest_parse(&m, a, text, len, &d) != 0) {
        diag_print(&d, stderr, diag_want_colour(stderr));
        return 2;
    }
    return from_manifest(c, &m, dir, a);
}

/* Without PATH or -o, build and check work on the nearest directory upward
 * that holds a manifest (so an unchanged repository is checked without asking
 * git), else on the git work tree. */
static char *default_target_dir(const cli *c)
{
    if (c->out_dir || c->npaths || c->staged)
        return target_dir(c);
    char here[PATH_MAX];
    if (!getcwd(here, sizeof here))
        return target_dir(c);
    for (;;) {
        char probe[PATH_MAX + 32];
        snprintf(probe, sizeof probe, "%s/%s", here, REPO_MANIFEST);
        if (access(probe, R_OK) == 0)
            return strdup(here);
        char *slash = strrchr(here, '/');
        if (!slash || slash == here)
            return target_dir(c);
        *slash = '\0';
    }
}

static int cmd_build(cli *c)
{
    if (c->commit && !c->message)
        return usage_error("--commit needs a message:", "-m MSG");
    char *dir = default_target_dir(c);
    if (!dir)
        return usage_error("no -o given and not in a git repository:", c->npaths ? c->paths[0] : ".");
    arena *scratch = arena_new();
    compilation comp = {0};
    int rc = c->npaths ? 0 : recorded_paths(c, dir, scratch);
    if (rc) {
        arena_free(scratch);
        free(dir);
        return rc;
    }
    describe(c, dir, scratch);
    rc = compile_cli(&comp, c);
    gitrepo *g = NULL;
    ptrvec ours = {0};
    if (rc == 0 && c->commit) {
        g = gitrepo_open(dir);
        if (!g) {
            diag_error(&comp.d, (src_loc){0}, "--commit: %s is not in a git repository", dir);
            rc = 2;
        } else {
            ours = owned_paths(comp.a, &comp, dir, gitrepo_workdir(g));
            rc = commit_check(g, &ours, &comp.d) ? 2 : 0;
        }
    }
    repo_build_opts ro = {.dir = dir, .sources = c->paths, .nsources = c->npaths, .force = c->force,
                          .envs = c->envs, .nenvs = c->nenvs, .stdlib_dir = c->stdlib_dir,
                          .source_desc = c->desc, .inputs = &comp.inputs};
    if (rc == 0 && repo_build(&ro, &comp.out, &comp.d) != 0)
        rc = 2;
    if (rc == 0 && g && gitrepo_commit(g, &ours, c->message, &comp.d) != 0)
        rc = 2;
    report_emit(format_of(c), &comp.d, NULL, stdout);
    if (rc == 0 && c->verbose)
        summary(&comp, dir);
    gitrepo_close(g);
    compile_free(&comp);
    arena_free(scratch);
    free(dir);
    return rc;
}

/* A path the manifest recorded relative to dir, as seen from here. */
static char *from_here(arena *a, const char *dir, const char *rel)
{
    return (char *)repo_relpath(a, arena_printf(a, "%s/%s", dir, rel), ".");
}

/* build and check without PATH compile what the last build compiled: the
 * sources the manifest recorded, with the --env and --stdlib options it was
 * built with (unless given now) and the same header text. */
static int from_manifest(cli *c, const repo_manifest *m, const char *dir, arena *a)
{
    if (!m->sources.len)
        return usage_error("no PATH given and no program recorded in", arena_printf(a, "%s/%s", dir, REPO_MANIFEST));
    char **paths = realloc(c->paths, (m->sources.len + 1) * sizeof *paths);
    char **envs = c->nenvs ? c->envs : realloc(c->envs, (m->envs.len + 1) * sizeof *envs);
    if (paths)
        c->paths = paths;
    if (envs)
        c->envs = envs;
    if (!paths || !envs)
        return usage_error("out of memory", NULL);
    for (size_t i = 0; i < m->sources.len; i++)
        c->paths[c->npaths++] = from_here(a, dir, m->sources.items[i]);
    for (size_t i = 0; !c->nenvs && i < m->envs.len; i++)
        envs[i] = m->envs.items[i];
    if (!c->nenvs)
        c->nenvs = (int)m->envs.len;
    if (!c->stdlib_dir && m->stdlib)
        c->stdlib_dir = from_here(a, dir, m->stdlib);
    c->desc = m->source_desc;
    return 0;
}

/* --staged: the index's .infra files are written to a scratch tree and
 * compiled from the same relative place, so paths and headers match. */
static int compile_staged(compilation *comp, cli *c, const char *dir, gitrepo *g, arena *a)
{
    describe(c, dir, a);
    char stdlib[PATH_MAX];      /* a stdlib outside the work tree is read where it is */
    if (c->stdlib_dir && strncmp(repo_relpath(a, c->stdlib_dir, gitrepo_workdir(g)), "..", 2) == 0 &&
        realpath(c->stdlib_dir, stdlib))
        c->stdlib_dir = arena_strdup(a, stdlib);
    char tmpl[] = "/tmp/infrac-staged.XXXXXX";
    char cwd[PATH_MAX];
    if (!mkdtemp(tmpl) || !getcwd(cwd, sizeof cwd))
        return usage_error("cannot create a scratch directory", NULL);
    diag_ctx d;
    diag_init(&d, a);
    const char *rel = repo_relpath(a, cwd, gitrepo_workdir(g));
    const char *here = arena_printf(a, "%s/%s", tmpl, rel);
    int rc = 2;
    if (gitrepo_materialize_sources(g, tmpl, &d) == 0 && writer_make_target_dir(here, &d) == 0 && chdir(here) == 0) {
        rc = compile_cli(comp, c);
        if (chdir(cwd) != 0)
            rc = 2;
    }
    diag_print(&d, stderr, 0);
    writer_remove_tree(tmpl);
    return rc;
}

static int cmd_check(cli *c)
{
    char *dir = default_target_dir(c);
    if (!dir)
        return usage_error("no -o given and not in a git repository", NULL);
    arena *a = arena_new();
    gitrepo *g = c->staged ? gitrepo_open(dir) : NULL;
    int rc = 0;
    if (c->staged && !g)
        rc = usage_error("--staged: not in a git repository:", dir);
    repo_reader rd = g ? gitrepo_index_reader(g, dir, a) : repo_worktree_reader(dir);
    size_t len = 0;
    char *mtext = rc ? NULL : rd.read(rd.ctx, a, REPO_MANIFEST, &len);
    repo_manifest m;
    diag_ctx d;
    diag_init(&d, a);
    if (!rc && repo_manifest_parse(&m, a, mtext, len, &d) != 0)
        rc = 2;
    bool plain = !c->npaths && !c->diff && !c->nenvs && !c->stdlib_dir;
    if (!rc && plain && repo_check_fast(&m, rd, a)) {
        gitrepo_close(g);
        arena_free(a);
        free(dir);
        return 0;       /* certainly up to date: nothing to compile */
    }
    if (!rc && !c->npaths)
        rc = from_manifest(c, &m, dir, a);
    compilation comp = {0};
    if (!rc && !g)
        describe(c, dir, a);
    if (!rc)
        rc = g ? compile_staged(&comp, c, dir, g, a) : compile_cli(&comp, c);
    if (!rc && !g && rd.read(rd.ctx, a, REPO_JOURNAL, &len)) {
        diag_error(&d, (src_loc){0}, "%s/%s: an interrupted write is pending (run infrac build to finish it)",
                   dir, REPO_JOURNAL);
        rc = 1;
    }
    ptrvec drift = {0};
    if (!rc) {
        repo_check(&comp.out, &m, rd, c->diff ? stdout : NULL, &drift, a);
        rc = drift.len ? 1 : 0;
    }
    for (size_t i = 0; comp.a && i < comp.d.items.len; i++)
        vec_push(a, &d.items, comp.d.items.items[i]);
    report_emit(format_of(c), &d, &drift, stdout);
    compile_free(&comp);
    gitrepo_close(g);
    arena_free(a);
    free(dir);
    return rc;
}

static int cmd_hook(cli *c)
{
    if (!c->npaths || strcmp(c->paths[0], "install") != 0 || c->npaths > 2)
        return usage_error("usage: infrac hook install [REPO]", NULL);
    gitrepo *g = gitrepo_open(c->npaths == 2 ? c->paths[1] : ".");
    if (!g)
        return usage_error("not a git repository:", c->npaths == 2 ? c->paths[1] : ".");
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    int rc = gitrepo_install_hook(g, n > 0 ? self : "infrac", &d) == 0 ? 0 : 2;
    diag_print(&d, stderr, diag_want_colour(stderr));
    arena_free(a);
    gitrepo_close(g);
    return rc;
}

static int cmd_explain(cli *c)
{
    if (c->npaths != 1)
        return usage_error("explain takes one rule id (or --list):", c->npaths ? c->paths[1] : NULL);
    return explain_run(c->paths[0], c->stdlib_dir, stdout);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("no command given", NULL);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        puts("infrac " INFRAC_VERSION);
        return 0;
    }
    int (*run)(cli *) = !strcmp(cmd, "build") ? cmd_build : !strcmp(cmd, "check") ? cmd_check
                      : !strcmp(cmd, "hook")  ? cmd_hook  : !strcmp(cmd, "explain") ? cmd_explain : NULL;
    if (!run)
        return usage_error("unknown command", cmd);
    cli c = {0};
    int rc = parse_args(&c, argc - 2, argv + 2);
    if (!rc)
        rc = run(&c);
    cli_free(&c);
    return rc;
}
