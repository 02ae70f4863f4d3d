/* test_arena.c — the arena's printf (one pass when the text fits, two when
 * it spills into a new chunk), reset and deferred cleanups. */
#include "unit.h"

#include <string.h>

#include "arena.h"

TEST(arena_printf_keeps_every_text_whole_across_chunk_boundaries)
{
    arena *a = arena_new();
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *texts[400];
    for (int i = 0; i < 400; i++)      /* sizes that straddle chunk ends */
        texts[i] = arena_printf(a, "%d:%.*s", i, (i * 37) % 4999, big);
    for (int i = 0; i < 400; i++) {
        char want[16];
        int n = snprintf(want, sizeof want, "%d:", i);
        CHECK(strncmp(texts[i], want, (size_t)n) == 0);
        CHECK(strlen(texts[i]) == (size_t)n + (size_t)((i * 37) % 4999));
    }
    arena_free(a);
}

static int cleaned;
static void count_cleanup(void *p) { cleaned += *(int *)p; }

TEST(arena_reset_reuses_memory_and_free_runs_deferred_cleanups)
{
    arena *a = arena_new();
    static int one = 1, two = 2;
    arena_defer(a, count_cleanup, &one);
    arena *scratch = arena_new();
    char *first = arena_printf(scratch, "%s", "scratch");
    arena_reset(scratch);
    char *again = arena_printf(scratch, "%s", "again");
    CHECK(first == again);              /* the kept chunk is reused from its start */
    CHECK_STR(again, "again");
    arena_defer(a, count_cleanup, &two);
    arena_free(scratch);
    cleaned = 0;
    arena_free(a);
    CHECK(cleaned == 3);
}
