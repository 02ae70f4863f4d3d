/* main.c — the command line: infrac build | --help | --version.
 *
 * The driver compiles the whole program in memory first; only when there is
 * no error does it write anything, so bad input leaves the target tree as it
 * was. Exit status: 0 ok, 1 policy violations, 2 errors in the input or the
 * invocation.
 */
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "writer.h"

#define INFRAC_VERSION "0.1.0"

static const char usage[] =
    "usage: infrac build [-o DIR] [--env ENV]... [--stdlib DIR] PATH...\n"
    "       infrac --help | --version\n"
    "\n"
    "Compiles the .infra program in PATH (files, or directories of .infra files)\n"
    "into Terraform, Bicep, Kustomize and GitHub Actions files under DIR.\n"
    "\n"
    "  -o DIR          target directory (default: the root of the git repository\n"
    "                  that holds the first PATH)\n"
    "  --env ENV       compile only this environment (repeatable)\n"
    "  --stdlib DIR    use the kinds in DIR instead of the built-in stdlib\n"
    "  -v, --verbose   print a summary of what was written\n"
    "\n"
    "Exit status: 0 ok, 1 policy violations, 2 errors in the input or invocation.\n"
    "See infrac(1) and infrac(5).\n";

typedef struct cli {
    const char *out_dir;
    const char *stdlib_dir;
    char **envs;
    int nenvs;
    char **paths;
    int npaths;
    int verbose;
} cli;

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "infrac: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    fputs("Try 'infrac --help'.\n", stderr);
    return 2;
}

static int parse_build_args(cli *c, int argc, char **argv)
{
    c->envs = calloc((size_t)argc, sizeof *c->envs);
    c->paths = calloc((size_t)argc, sizeof *c->paths);
    if (!c->envs || !c->paths)
        return usage_error("out of memory", NULL);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) {
            if (!has_val)
                return usage_error("missing value for", a);
            c->out_dir = argv[++i];
        } else if (strcmp(a, "--env") == 0) {
            if (!has_val)
                return usage_error("missing value for", a);
            c->envs[c->nenvs++] = argv[++i];
        } else if (strcmp(a, "--stdlib") == 0) {
            if (!has_val)
                return usage_error("missing value for", a);
            c->stdlib_dir = argv[++i];
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            c->verbose = 1;
        } else if (strcmp(a, "--") == 0) {
            while (++i < argc)
                c->paths[c->npaths++] = argv[i];
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option", a);
        } else {
            c->paths[c->npaths++] = argv[i];
        }
    }
    if (!c->npaths)
        return usage_error("no PATH given", NULL);
    return 0;
}

/* The work tree root of the git repository holding path, or NULL. */
static char *git_root_of(const char *path)
{
    git_buf found = {0};
    char *root = NULL;
    git_libgit2_init();
    if (git_repository_discover(&found, path, 0, NULL) == 0) {
        git_repository *repo = NULL;
        if (git_repository_open(&repo, found.ptr) == 0) {
            const char *wd = git_repository_workdir(repo);
            if (wd)
                root = strdup(wd);
            git_repository_free(repo);
        }
        git_buf_dispose(&found);
    }
    git_libgit2_shutdown();
    return root;
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
            if (strncmp(f->path, prefixes[t], strlen(prefixes[t])) == 0)
                count[t]++;
    }
    printf("infrac: wrote %zu files (%zu bytes) to %s:", comp->out.files.len, bytes, dir);
    for (int t = 0; t < 4; t++)
        printf(" %s %zu%s", names[t], count[t], t < 3 ? "," : "\n");
}

static int cmd_build(int argc, char **argv)
{
    cli c = {0};
    int rc = parse_build_args(&c, argc, argv);
    if (rc)
        return rc;
    char *root = NULL;
    if (!c.out_dir) {
        root = git_root_of(c.paths[0]);
        if (!root)
            return usage_error("no -o given and this PATH is not in a git repository:", c.paths[0]);
        c.out_dir = root;
    }
    compile_opts o = {.stdlib_dir = c.stdlib_dir, .paths = c.paths, .npaths = c.npaths,
                      .only_envs = c.envs, .nonly_envs = c.nenvs};
    compilation comp = {0};
    rc = compile_run(&comp, &o);
    if (rc == 0 && writer_write_set(&comp.out, c.out_dir, &comp.d) != 0)
        rc = 2;
    diag_print(&comp.d, stderr, diag_want_colour(stderr));
    if (rc == 0 && c.verbose)
        summary(&comp, c.out_dir);
    compile_free(&comp);
    free(root);
    free(c.envs);
    free(c.paths);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("no command given", NULL);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        puts("infrac " INFRAC_VERSION);
        return 0;
    }
    if (strcmp(cmd, "build") == 0)
        return cmd_build(argc - 2, argv + 2);
    return usage_error("unknown command", cmd);
}
