/* main.c — runs every registered unit test (or those named on the command
 * line) and ends with the line `N passed, N failed`. */
#include "unit.h"

#include <stdlib.h>

#define MAX_TESTS 1024

static struct { const char *name; unit_fn fn; } tests[MAX_TESTS];
static int ntests, current_failed;

void unit_register(const char *name, unit_fn fn)
{
    if (ntests == MAX_TESTS) {
        fputs("unit: too many tests\n", stderr);
        exit(2);
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

void unit_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "  %s:%d: check failed: %s\n", file, line, what);
    current_failed = 1;
}

void unit_fail_str(const char *file, int line, const char *what, const char *got, const char *want)
{
    fprintf(stderr, "  %s:%d: check failed: %s\n    got:  %s\n    want: %s\n", file, line, what,
            got ? got : "(null)", want ? want : "(null)");
    current_failed = 1;
}

static int by_name(const void *x, const void *y)
{
    return strcmp(((const char *const *)x)[0], ((const char *const *)y)[0]);
}

int main(int argc, char **argv)
{
    qsort(tests, (size_t)ntests, sizeof tests[0], by_name);
    int passed = 0, failed = 0;
    for (int i = 0; i < ntests; i++) {
        int wanted = argc < 2;
        for (int j = 1; j < argc; j++)
            if (strcmp(argv[j], tests[i].name) == 0)
                wanted = 1;
        if (!wanted)
            continue;
        current_failed = 0;
        tests[i].fn();
        printf("%s %s\n", current_failed ? "FAIL" : "ok  ", tests[i].name);
        if (current_failed)
            failed++;
        else
            passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
