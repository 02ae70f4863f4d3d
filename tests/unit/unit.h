/* unit.h — the unit-test harness: TEST() registers a function, CHECK* record
 * failures with their location, and the runner prints `N passed, N failed`. */
#ifndef INFRAC_UNIT_H
#define INFRAC_UNIT_H

#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(void);
void unit_register(const char *name, unit_fn fn);
void unit_fail(const char *file, int line, const char *what);
void unit_fail_str(const char *file, int line, const char *what, const char *got, const char *want);

#define TEST(name)                                                          \
    static void test_##name(void);                                          \
    __attribute__((constructor)) static void register_##name(void)          \
    {                                                                       \
        unit_register(#name, test_##name);                                  \
    }                                                                       \
    static void test_##name(void)

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond))                                                        \
            unit_fail(__FILE__, __LINE__, #cond);                           \
    } while (0)

#define CHECK_STR(got, want)                                                \
    do {                                                                    \
        const char *g_ = (got), *w_ = (want);                               \
        if (!g_ || !w_ || strcmp(g_, w_) != 0)                              \
            unit_fail_str(__FILE__, __LINE__, #got, g_, w_);                \
    } while (0)

/* The substring must occur in the text. */
#define CHECK_CONTAINS(text, sub)                                           \
    do {                                                                    \
        const char *t_ = (text), *s_ = (sub);                               \
        if (!t_ || !strstr(t_, s_))                                         \
            unit_fail_str(__FILE__, __LINE__, "contains " #sub, t_, s_);    \
    } while (0)

#endif
