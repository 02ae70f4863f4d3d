/* cli.h — the command table: every command's options, operands and help.
 *
 * One table drives the option parser (getopt_long), `--help`, `infrac help
 * CMD` and the shell completion scripts, so none of them can list an option
 * the others do not know. main.c owns the table and the commands' bodies.
 */
#ifndef INFRAC_CLI_H
#define INFRAC_CLI_H

#include <stdio.h>

/* What an option's or operand's value is, for completion. */
typedef enum { CLI_NONE, CLI_FILE, CLI_DIR, CLI_WORDS, CLI_RULE, CLI_KIND, CLI_ENV } cli_value;

typedef struct cli_opt {
    const char *name;           /* the long name: "out" for --out */
    int short_name;             /* 'o', or 0 */
    const char *arg;            /* "DIR"; NULL for a flag */
    const char *help;           /* one line */
    cli_value value;
    const char *words;          /* CLI_WORDS: the values, space-separated */
} cli_opt;

typedef struct cli_cmd {
    const char *name;
    const char *operands;       /* synopsis after the options: "[PATH...]" */
    const char *summary;        /* one line, for the command list */
    const char *about;          /* a paragraph, for `infrac CMD --help` */
    const cli_opt *opts;        /* ended by an entry without a name */
    int min_operands, max_operands;     /* max -1: any number */
    cli_value operand;          /* what the operands are, for completion */
    const char *operand_words;  /* CLI_WORDS: the operand's values */
} cli_cmd;

/* `infrac CMD --help`: synopsis, about, options. */
void cli_print_help(const cli_cmd *c, FILE *out);

/* The completion script for bash, zsh or fish over the commands (ended by
 * an entry without a name); -1 for another shell. */
int cli_print_completion(const cli_cmd *cmds, const char *shell, FILE *out);

#endif
