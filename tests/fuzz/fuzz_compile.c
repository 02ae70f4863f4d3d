/* fuzz_compile.c — libFuzzer target over the whole pipeline: the input is a
 * program file, compiled with the embedded stdlib through every check and
 * every backend into memory. Any crash, leak, hang or sanitizer finding is a
 * bug; an error diagnostic is the expected answer to bad input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"

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
    return 0;
}
