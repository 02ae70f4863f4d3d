/* unit_compile.c — see unit_compile.h. */
#include "unit_compile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *unit_diag_lines(arena *a, const diag_ctx *d)
{
    strbuf sb;
    sb_init(&sb, a);
    for (size_t i = 0; i < d->items.len; i++) {
        const diag *g = d->items.items[i];
        sb_printf(&sb, "%d:%d: %s\n", g->loc.line, g->loc.col, g->message);
    }
    return sb.data;
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

unit_run unit_compile(const char *stdlib, const char *project, const char *source)
{
    char dir[64] = "/tmp/infrac-unit-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    char std[128], prog[128];
    snprintf(std, sizeof std, "%s/std", dir);
    snprintf(prog, sizeof prog, "%s/prog", dir);
    mkdir(std, 0755);
    mkdir(prog, 0755);
    if (stdlib)
        put(std, "k.infra", stdlib);
    put(prog, "a.infra", project);
    put(prog, "b.infra", source);
    char *paths[] = {prog};
    compile_opts o = {.stdlib_dir = stdlib ? std : NULL, .paths = paths, .npaths = 1};
    unit_run r = {0};
    r.rc = compile_run(&r.c, &o);
    r.diags = unit_diag_lines(r.c.a, &r.c.d);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return r;
}

const char *unit_file_text(const unit_run *r, const char *suffix)
{
    for (size_t i = 0; i < r->c.out.files.len; i++) {
        const out_file *f = r->c.out.files.items[i];
        size_t n = strlen(f->path), m = strlen(suffix);
        if (n >= m && strcmp(f->path + n - m, suffix) == 0)
            return f->data;
    }
    return "";
}
