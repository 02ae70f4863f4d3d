/* fuzz_compile.c — libFuzzer target over the whole pipeline: the input is a
 * program file, compiled with the embedded stdlib through every check and
 * every backend into memory, and, when it parses, formatted: the formatter
 * must keep the program (fmt_file checks that) and be idempotent. Any crash,
 * leak, hang, sanitizer finding or abort is a bug; an error diagnostic is the
 * expected answer to bad input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "fmt.h"
#include "load.h"

/* Formatting text that parses gives the same program, and again the same text. */
static void check_fmt(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    char *text = arena_alloc(a, size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    src_file src = {"fuzz.infra", text, size};
    if (load_check_text(&d, &src)) {
        ast_file *af = parse_file(a, &d, &src);
        const char *once = d.errors ? NULL : fmt_file(a, &d, af);
        if (!d.errors && !once)
            abort();
        if (once) {
            src_file again = {"fuzz.infra", once, strlen(once)};
            const char *twice = fmt_file(a, &d, parse_file(a, &d, &again));
            if (!twice || strcmp(once, twice) != 0)
                abort();
        }
    }
    arena_free(a);
}

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(path, sizeof path, "/tmp/infrac-fuzz-%d.infra", (int)getpid());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    char *paths[] = {path};
    compile_opts o = {.paths = paths, .npaths = 1};
    compilation c = {0};
    compile_run(&c, &o);
    compile_free(&c);
    check_fmt(data, size);
    return 0;
}
