/* main.c — the command line: the command table (cli.h), option parsing
 * with getopt_long, and the commands' bodies (build, check and hook
 * install are repocmd.c's).
 *
 * Every command that compiles does so in memory first; `build` writes only
 * when there is no error (through repo.c's all-or-nothing write), so bad
 * input leaves the target tree as it was. Exit status: 0 ok, 1 policy
 * violations or (check, fmt --check) drift, 2 errors in the input or the
 * invocation.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_id.h"
#include "cli.h"
#include "explain.h"
#include "fmt.h"
#include "graph.h"
#include "init.h"
#include "kinds.h"
#include "repocmd.h"
#include "report.h"
#include "version.h"

typedef struct cli {
    const cli_cmd *cmd;
    const char *out_dir, *stdlib_dir, *message, *format, *name;
    char **envs, **paths;
    int nenvs, npaths;
    int verbose, force, commit, staged, diff, quiet, help, check, markdown, dry_run;
    int colour;                 /* --color: -1 auto, 0 never, 1 always */
} cli;

static int usage_error(const cli_cmd *cmd, const char *msg, const char *arg)
{
    fprintf(stderr, "infrac%s%s: %s%s%s\nTry 'infrac %s%s--help'.\n", cmd ? " " : "", cmd ? cmd->name : "", msg,
            arg ? " " : "", arg ? arg : "", cmd ? cmd->name : "", cmd ? " " : "");
    return 2;
}

/* ---- the command table ---- */

#define OPT_HELP  {"help", 'h', NULL, "print this help and exit", CLI_NONE, NULL}
#define OPT_QUIET {"quiet", 'q', NULL, "print errors only: no warnings, notes or lists of files", CLI_NONE, NULL}
#define OPT_COLOR {"color", 0, "WHEN", "colour: auto (a terminal, unless NO_COLOR or TERM=dumb), always, never", \
                   CLI_WORDS, "auto always never"}
#define OPT_STDLIB {"stdlib", 0, "DIR", "kinds and policies from DIR instead of the built-in stdlib", CLI_DIR, NULL}
#define OPT_ENV(what) {"env", 0, "ENV", what, CLI_ENV, NULL}
#define OPT_OUT {"out", 'o', "DIR", "target directory (default: the git repository holding PATH)", CLI_DIR, NULL}
#define OPT_REPORT {"format", 0, "F", "report format: text (default), json or sarif (SARIF 2.1.0)", \
                    CLI_WORDS, "text json sarif"}
#define OPT_END {NULL, 0, NULL, NULL, CLI_NONE, NULL}

static const cli_opt build_opts[] = {
    OPT_OUT,
    OPT_ENV("only this environment (repeatable); others' files are left alone"),
    OPT_STDLIB,
    OPT_REPORT,
    {"force", 0, NULL, "overwrite generated files edited by hand", CLI_NONE, NULL},
    {"commit", 0, NULL, "commit exactly the generated changes (needs -m)", CLI_NONE, NULL},
    {"message", 'm', "MSG", "the commit message for --commit", CLI_NONE, NULL},
    {"dry-run", 0, NULL, "compile, check and print everything; write nothing", CLI_NONE, NULL},
    {"verbose", 'v', NULL, "print a summary of what was written", CLI_NONE, NULL},
    OPT_QUIET, OPT_COLOR, OPT_HELP, OPT_END,
};

static const cli_opt check_opts[] = {
    OPT_OUT,
    OPT_ENV("only this environment (repeatable); others' files are not compared"),
    OPT_STDLIB,
    OPT_REPORT,
    {"staged", 0, NULL, "read the program and generated files from the git index", CLI_NONE, NULL},
    {"diff", 0, NULL, "show a diff of each drifted file (on stderr with json or sarif)", CLI_NONE, NULL},
    OPT_QUIET, OPT_COLOR, OPT_HELP, OPT_END,
};

static const cli_opt hook_opts[] = {OPT_QUIET, OPT_COLOR, OPT_HELP, OPT_END};

static const cli_opt explain_opts[] = {
    {"list", 0, NULL, "list every rule: id, severity, pack and title", CLI_NONE, NULL},
    {"markdown", 0, NULL, "print every rule as the Markdown table of docs/RULES.md", CLI_NONE, NULL},
    OPT_STDLIB, OPT_COLOR, OPT_HELP, OPT_END,
};

static const cli_opt kinds_opts_[] = {
    {"markdown", 0, NULL, "print every kind in full, as Markdown (docs/KINDS.md)", CLI_NONE, NULL},
    OPT_STDLIB, OPT_COLOR, OPT_HELP, OPT_END,
};

static const cli_opt describe_opts[] = {OPT_STDLIB, OPT_COLOR, OPT_HELP, OPT_END};

static const cli_opt fmt_opts_[] = {
    {"check", 0, NULL, "change nothing; list the files not formatted, exit 1 if any", CLI_NONE, NULL},
    {"diff", 0, NULL, "print a diff of each change", CLI_NONE, NULL},
    OPT_QUIET, OPT_COLOR, OPT_HELP, OPT_END,
};

static const cli_opt graph_opts_[] = {
    OPT_ENV("only this environment (repeatable); default: all, marking what only some have"),
    {"format", 0, "F", "dot (Graphviz, default), mermaid or json", CLI_WORDS, "dot mermaid json"},
    OPT_STDLIB, OPT_COLOR, OPT_HELP, OPT_END,
};

static const cli_opt init_opts[] = {
    {"name", 0, "NAME", "the project's name (default: DIR's name)", CLI_NONE, NULL},
    OPT_QUIET, OPT_HELP, OPT_END,
};

static const cli_opt help_opts[] = {OPT_HELP, OPT_END};
static const cli_opt completion_opts[] = {OPT_HELP, OPT_END};

static int cmd_build(cli *c);
static int cmd_check(cli *c);
static int cmd_hook(cli *c);
static int cmd_explain(cli *c);
static int cmd_help(cli *c);
static int cmd_kinds(cli *c);
static int cmd_init(cli *c);
static int cmd_graph(cli *c);
static int cmd_fmt(cli *c);
static int cmd_describe(cli *c);
static int cmd_completion(cli *c);

/* help's operands: every command (tests/cli/run checks the list). */
#define HELP_WORDS "build check hook explain fmt graph init kinds describe completion help"

typedef struct command {
    cli_cmd spec;
    int (*run)(cli *c);
} command;

static const command commands[] = {
    {{"build", "[PATH...]", "compile the program into Terraform, Bicep, Kustomize and GitHub Actions files",
      "Compiles the .infra program in PATH (files, directories of .infra files, or - for standard\n"
      "input) and writes the generated files into the target directory, all or nothing: on an\n"
      "error or a policy violation nothing is written. Without PATH, the program recorded in\n"
      "the target's .infrac/manifest is built again.",
      build_opts, 0, -1, CLI_FILE, NULL}, cmd_build},
    {{"check", "[PATH...]", "compare the generated files with what the program produces (for hooks and CI)",
      "Compiles in memory and compares with the target directory: lists stale, missing,\n"
      "hand-edited and no-longer-produced files, and every policy finding; silent and exit 0\n"
      "when all is up to date. Without PATH, the program recorded in the manifest of the\n"
      "nearest directory upward that has one.",
      check_opts, 0, -1, CLI_FILE, NULL}, cmd_check},
    {{"hook", "install [TARGET]", "install a git pre-commit hook that runs `infrac check --staged`",
      "Writes a pre-commit hook into the git repository holding TARGET (default: the current\n"
      "directory), where git runs hooks (core.hooksPath, or the hooks linked worktrees share).\n"
      "A TARGET below the work tree's root (built with -o) is checked with -o; installing\n"
      "for another target adds it. An existing hook that infrac did not write is left alone.",
      hook_opts, 1, 2, CLI_WORDS, "install"}, cmd_hook},
    {{"explain", "RULE | --list | --markdown", "print a policy rule's rationale, fix and scanner ids",
      "Prints a policy rule's severity, pack, rationale, fix, matching Checkov and Trivy ids\n"
      "and the block types it applies to, read from the stdlib's policy packs.",
      explain_opts, 0, 1, CLI_RULE, NULL}, cmd_explain},
    {{"fmt", "[PATH...]", "rewrite .infra files in the canonical layout",
      "Rewrites each .infra file (PATH: files, directories searched for them, or - for standard\n"
      "input to standard output; default: the current directory) in the one canonical layout:\n"
      "two-space indentation, aligned `=`, comments kept. A block or list written on one line\n"
      "stays on one line. The result is checked to parse to the same program first.",
      fmt_opts_, 0, -1, CLI_FILE, NULL}, cmd_fmt},
    {{"graph", "PATH...", "print the resources and the references between them (DOT, Mermaid, JSON)",
      "Prints every resource of the program, clustered by stack, with an edge for each\n"
      "attribute that refers to another resource and a dotted one from a resource to the\n"
      "resources written inside it. Render it with: infrac graph PATH | dot -Tsvg > graph.svg",
      graph_opts_, 1, -1, CLI_FILE, NULL}, cmd_graph},
    {{"init", "[DIR]", "start a new project: a program that builds clean as it is",
      "Writes DIR/main.infra (DIR defaults to the current directory): the project, dev and prod\n"
      "environments, a resource group, the baseline policy, a terraform plan workflow and the\n"
      "policy gate workflow. Refuses a DIR that already holds .infra files.",
      init_opts, 0, 1, CLI_DIR, NULL}, cmd_init},
    {{"kinds", "[PATH...]", "list the kinds a program can use, with their docs",
      "Lists every kind of the stdlib (and of the program in PATH, whose own kinds replace\n"
      "the stdlib's of the same name): name, provider and what it is.",
      kinds_opts_, 0, -1, CLI_FILE, NULL}, cmd_kinds},
    {{"describe", "KIND [PATH...]", "print a kind's attributes, blocks, naming and targets",
      "Prints what KIND is, the target blocks it lowers to, how its resources are named, and\n"
      "each attribute and nested block with its type, default and doc.",
      describe_opts, 1, -1, CLI_KIND, NULL}, cmd_describe},
    {{"completion", "bash | zsh | fish", "print the shell completion script",
      "Prints a script that completes infrac's commands, options, rule ids and kind names:\n"
      "  source <(infrac completion bash)          # bash, now; or save it to\n"
      "                                            #   /usr/share/bash-completion/completions/infrac\n"
      "  infrac completion zsh > \"${fpath[1]}/_infrac\"\n"
      "  infrac completion fish > ~/.config/fish/completions/infrac.fish\n"
      "`make install` installs all three.",
      completion_opts, 1, 1, CLI_WORDS, "bash zsh fish"}, cmd_completion},
    {{"help", "[COMMAND]", "print the help of a command", "Prints the help of COMMAND, or the list of commands.",
      help_opts, 0, 1, CLI_WORDS, HELP_WORDS}, cmd_help},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].spec.name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_usage(FILE *out)
{
    fputs("usage: infrac COMMAND [OPTIONS] [ARGS]\n"
          "       infrac --help | --version\n\n"
          "Compiles .infra programs into Terraform, Bicep, Kustomize and GitHub Actions files.\n\n"
          "Commands:\n", out);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].spec.name, commands[i].spec.summary);
    fputs("\n'infrac COMMAND --help' (or 'infrac help COMMAND') prints a command's options.\n"
          "Exit status: 0 ok, 1 policy violations or drift, 2 errors in the input or the invocation.\n"
          "See infrac(1), infrac(5) and infrac-policy(7).\n", out);
}

static void print_version(FILE *out)
{
    fprintf(out, "infrac %s (build %s)\n", INFRAC_VERSION, INFRAC_BUILD_ID);
}

/* ---- option parsing ---- */

static const cli_opt *opt_named(const cli_cmd *cmd, int short_name)
{
    for (const cli_opt *o = cmd->opts; o->name; o++)
        if (o->short_name == short_name)
            return o;
    return NULL;
}

/* A value that must be one of the option's words. */
static bool word_ok(const cli_opt *o, const char *v)
{
    size_t n = strlen(v);
    for (const char *w = o->words; w && *w;) {
        size_t len = strcspn(w, " ");
        if (len == n && strncmp(w, v, n) == 0)
            return true;
        w += len + (w[len] == ' ');
    }
    return false;
}

static int set_option(cli *c, const cli_opt *o, char *arg)
{
    const char *n = o->name;
    if (o->value == CLI_WORDS && !word_ok(o, arg)) {
        fprintf(stderr, "infrac %s: --%s takes one of: %s; not '%s'\nTry 'infrac %s --help'.\n", c->cmd->name, n, o->words,
                arg, c->cmd->name);
        return 2;
    }
    if (!strcmp(n, "out"))
        c->out_dir = arg;
    else if (!strcmp(n, "stdlib"))
        c->stdlib_dir = arg;
    else if (!strcmp(n, "name"))
        c->name = arg;
    else if (!strcmp(n, "message"))
        c->message = arg;
    else if (!strcmp(n, "format"))
        c->format = arg;
    else if (!strcmp(n, "env"))
        c->envs[c->nenvs++] = arg;
    else if (!strcmp(n, "color"))
        c->colour = !strcmp(arg, "always") ? 1 : !strcmp(arg, "never") ? 0 : -1;
    else if (!strcmp(n, "list"))
        c->paths[c->npaths++] = "--list";       /* explain's subject */
    else if (!strcmp(n, "markdown") && !strcmp(c->cmd->name, "explain"))
        c->paths[c->npaths++] = "--markdown";
    else {
        int *flag = !strcmp(n, "force") ? &c->force : !strcmp(n, "commit") ? &c->commit
                  : !strcmp(n, "verbose") ? &c->verbose : !strcmp(n, "staged") ? &c->staged
                  : !strcmp(n, "diff") ? &c->diff : !strcmp(n, "quiet") ? &c->quiet
                  : !strcmp(n, "check") ? &c->check : !strcmp(n, "markdown") ? &c->markdown
                  : !strcmp(n, "dry-run") ? &c->dry_run : &c->help;
        *flag = 1;
    }
    return 0;
}

static report_format format_of(const cli *c)
{
    return c->format ? (report_format)report_format_parse(c->format) : REPORT_TEXT;
}


static repocmd_opts repo_opts(const cli *c)
{
    repocmd_opts o = {.out_dir = c->out_dir, .stdlib_dir = c->stdlib_dir, .message = c->message,
                      .format = format_of(c), .envs = c->envs, .nenvs = c->nenvs, .paths = c->paths,
                      .npaths = c->npaths, .verbose = c->verbose, .force = c->force, .commit = c->commit,
                      .staged = c->staged, .diff = c->diff, .quiet = c->quiet, .dry_run = c->dry_run};
    return o;
}

static int cmd_build(cli *c)
{
    repocmd_opts o = repo_opts(c);
    return repocmd_build(&o);
}

static int cmd_check(cli *c)
{
    repocmd_opts o = repo_opts(c);
    return repocmd_check(&o);
}

static int cmd_hook(cli *c)
{
    if (!c->npaths || strcmp(c->paths[0], "install") != 0 || c->npaths > 2)
        return usage_error(c->cmd, "usage: infrac hook install [TARGET]", NULL);
    return repocmd_hook_install(c->npaths == 2 ? c->paths[1] : NULL);
}

static int cmd_explain(cli *c)
{
    if (c->npaths != 1)
        return usage_error(c->cmd, "takes one rule id, --list or --markdown", NULL);
    return explain_run(c->paths[0], c->stdlib_dir, stdout);
}

static int cmd_help(cli *c)
{
    if (!c->npaths) {
        print_usage(stdout);
        return 0;
    }
    const command *cmd = find_command(c->paths[0]);
    if (!cmd)
        return usage_error(c->cmd, "no such command:", c->paths[0]);
    cli_print_help(&cmd->spec, stdout);
    return 0;
}

static int cmd_fmt(cli *c)
{
    fmt_opts o = {.paths = c->paths, .npaths = c->npaths, .check = c->check, .diff = c->diff, .quiet = c->quiet};
    return fmt_run(&o);
}

static int cmd_graph(cli *c)
{
    graph_opts o = {.format = !c->format || !strcmp(c->format, "dot") ? GRAPH_DOT
                            : !strcmp(c->format, "mermaid") ? GRAPH_MERMAID : GRAPH_JSON,
                    .stdlib_dir = c->stdlib_dir, .paths = c->paths, .npaths = c->npaths,
                    .envs = c->envs, .nenvs = c->nenvs};
    return graph_run(&o, stdout);
}

static int cmd_init(cli *c)
{
    if (c->quiet && !freopen("/dev/null", "w", stdout))
        return 2;
    return init_run(c->npaths ? c->paths[0] : ".", c->name);
}

static int cmd_kinds(cli *c)
{
    kinds_opts o = {.mode = c->markdown ? KINDS_MARKDOWN : KINDS_LIST, .stdlib_dir = c->stdlib_dir,
                    .paths = c->paths, .npaths = c->npaths};
    return kinds_run(&o, stdout);
}

static int cmd_describe(cli *c)
{
    kinds_opts o = {.mode = KINDS_DESCRIBE, .kind = c->paths[0], .stdlib_dir = c->stdlib_dir,
                    .paths = c->paths + 1, .npaths = c->npaths - 1};
    return kinds_run(&o, stdout);
}

static int cmd_completion(cli *c)
{
    cli_cmd specs[NCOMMANDS + 1];
    for (size_t i = 0; i < NCOMMANDS; i++)
        specs[i] = commands[i].spec;
    specs[NCOMMANDS] = (cli_cmd){0};
    if (cli_print_completion(specs, c->paths[0], stdout) != 0)
        return usage_error(c->cmd, "no completion for this shell (bash, zsh and fish have one):", c->paths[0]);
    return 0;
}

/* Parses argv (argv[0] is the command's name) with getopt_long against the
 * command's own options: an option of another command is an error here. */
static int parse_args(cli *c, int argc, char **argv)
{
    const cli_cmd *cmd = c->cmd;
    struct option longopts[32];
    char shortopts[64] = ":";       /* ':' first: a missing value is told apart */
    size_t n = 0, k = 1;
    for (const cli_opt *o = cmd->opts; o->name && n < 31; o++, n++) {
        longopts[n] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, 256 + (int)n};
        if (o->short_name) {
            shortopts[k++] = (char)o->short_name;
            if (o->arg)
                shortopts[k++] = ':';
        }
    }
    longopts[n] = (struct option){0};
    c->envs = calloc((size_t)argc + 1, sizeof *c->envs);
    c->paths = calloc((size_t)argc + 1, sizeof *c->paths);
    if (!c->envs || !c->paths)
        return usage_error(cmd, "out of memory", NULL);
    opterr = 0;
    optind = 1;
    for (int ch; (ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1;) {
        char shortname[3] = {'-', (char)optopt, 0};
        const char *bad = optopt > 0 && optopt < 256 ? shortname : argv[optind - 1];
        if (ch == '?')
            return usage_error(cmd, "unknown option", bad);
        if (ch == ':')
            return usage_error(cmd, "missing value for", bad);
        const cli_opt *o = ch >= 256 ? &cmd->opts[ch - 256] : opt_named(cmd, ch);
        if (set_option(c, o, optarg))
            return 2;
    }
    diag_set_style(c->colour, c->quiet);
    if (c->help)
        return 0;
    for (int i = optind; i < argc; i++)
        c->paths[c->npaths++] = argv[i];
    if (c->npaths < cmd->min_operands) {
        fprintf(stderr, "infrac %s: missing operand\nusage: infrac %s [OPTIONS] %s\n", cmd->name, cmd->name, cmd->operands);
        return 2;
    }
    if (cmd->max_operands >= 0 && c->npaths > cmd->max_operands)
        return usage_error(cmd, "unexpected operand", c->paths[cmd->max_operands]);
    return 0;
}

static void cli_free(cli *c)
{
    free(c->envs);
    free(c->paths);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
        print_usage(stdout);
        return 0;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        print_version(stdout);
        return 0;
    }
    const command *cmd = find_command(name);
    if (!cmd)
        return usage_error(NULL, name[0] == '-' ? "unknown option" : "unknown command", name);
    cli c = {.cmd = &cmd->spec, .colour = -1};
    int rc = parse_args(&c, argc - 1, argv + 1);
    if (!rc && c.help)
        cli_print_help(c.cmd, stdout);
    else if (!rc)
        rc = cmd->run(&c);
    cli_free(&c);
    return rc;
}
