/* cli.c — help text from the command table; see cli.h. */
#include "cli.h"

#include <string.h>

/* "-o, --out DIR" or "    --env ENV": the left column of an option line. */
static int opt_spec(const cli_opt *o, char *buf, size_t n)
{
    if (o->short_name)
        return snprintf(buf, n, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    return snprintf(buf, n, "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

void cli_print_help(const cli_cmd *c, FILE *out)
{
    fprintf(out, "usage: infrac %s [OPTIONS]%s%s\n\n%s\n\nOptions:\n", c->name, *c->operands ? " " : "",
            c->operands, c->about);
    int width = 0;
    char buf[96];
    for (const cli_opt *o = c->opts; o->name; o++) {
        int w = opt_spec(o, buf, sizeof buf);
        width = w > width ? w : width;
    }
    for (const cli_opt *o = c->opts; o->name; o++) {
        opt_spec(o, buf, sizeof buf);
        fprintf(out, "  %-*s  %s\n", width, buf, o->help);
    }
    fputs("\nExit status: 0 ok, 1 policy violations or drift, 2 errors in the input or the invocation.\n", out);
}
