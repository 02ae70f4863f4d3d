/* arena.c — bump allocator in chunks; see arena.h. */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ARENA_CHUNK (256 * 1024)      /* first chunk; each next one doubles, to 8 MiB */
#define ARENA_CHUNK_MAX (8 * 1024 * 1024)

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} chunk;

typedef struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *ptr;
} cleanup;

struct arena {
    chunk *head;
    size_t total;
    cleanup *cleanups;      /* run by arena_free, last registered first */
};

static void arena_oom(void)
{
    fputs("infrac: out of memory\n", stderr);
    abort();
}

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_MALLOC 1          /* gcc -fsanitize=address */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_MALLOC 1          /* clang -fsanitize=address */
#endif
#endif

#ifdef ARENA_MALLOC
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Chunks come straight from mmap, zeroed, with their pages populated in one call: on
 * a virtual machine a page fault costs microseconds, and a compile touches
 * every page it allocates, so faulting them one by one took a tenth of a
 * small compile's wall time. Under AddressSanitizer they stay malloc'ed, so
 * a compilation that is never freed is still reported as a leak. */
static chunk *chunk_map(size_t bytes)
{
#ifdef ARENA_MALLOC
    chunk *c = calloc(1, bytes);
    if (!c)
        arena_oom();
    return c;
#else
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED)
        arena_oom();
    return p;
#endif
}

static void chunk_unmap(chunk *c)
{
#ifdef ARENA_MALLOC
    free(c);
#else
    munmap(c, sizeof *c + c->size);
#endif
}

arena *arena_new(void)
{
    arena *a = calloc(1, sizeof *a);
    if (!a)
        arena_oom();
    return a;
}

void arena_defer(arena *a, void (*fn)(void *), void *ptr)
{
    cleanup *c = arena_alloc(a, sizeof *c);
    c->fn = fn;
    c->ptr = ptr;
    c->next = a->cleanups;
    a->cleanups = c;
}

void arena_reset(arena *a)
{
    if (!a->head)
        return;
    for (chunk *c = a->head->next, *next; c; c = next) {
        next = c->next;
        chunk_unmap(c);
    }
    a->head->next = NULL;
    memset(a->head->data, 0, a->head->used);    /* what lies past `used` is zero */
    a->head->used = 0;
    a->total = 0;
}

void arena_free(arena *a)
{
    if (!a)
        return;
    for (cleanup *c = a->cleanups; c; c = c->next)
        c->fn(c->ptr);
    for (chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        chunk_unmap(c);
    }
    free(a);
}

/* Zero without zeroing: the chunk being allocated from is zero past `used`
 * (fresh pages from mmap or calloc; arena_reset clears what it gives back).
 * Zeroing each allocation again was a fifth of a small compile. A chunk left
 * behind because a text did not fit may hold a partial print past `used`,
 * but nothing is allocated from it again. */
void *arena_alloc(arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        /* Growing chunks keep the number of allocations (system calls, on
         * some machines the main cost of a small compile) logarithmic. */
        size_t want = c ? (c->size * 2 > ARENA_CHUNK_MAX ? ARENA_CHUNK_MAX : c->size * 2) : ARENA_CHUNK;
        if (want < size)
            want = size;
        c = chunk_map(sizeof *c + want);
        c->size = want;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    a->total += size;
    UNPOISON(p, size);
    return p;
}

bool arena_owns(const arena *a, const void *p)
{
    const unsigned char *q = p;
    for (const chunk *c = a->head; c; c = c->next)
        if (q >= c->data && q < c->data + c->used)
            return true;
    return false;
}

arena_mark arena_get_mark(const arena *a)
{
    return (arena_mark){a->head, a->head ? a->head->used : 0, a->total};
}

void arena_release(arena *a, arena_mark m)
{
    while (a->head && a->head != m.chunk) {
        chunk *c = a->head;
        a->head = c->next;
        chunk_unmap(c);
    }
    if (a->head) {      /* what lies past `used` is zero again */
        UNPOISON(a->head->data + m.used, a->head->used - m.used);
        memset(a->head->data + m.used, 0, a->head->used - m.used);
        POISON(a->head->data + m.used, a->head->size - m.used);
        a->head->used = m.used;
    }
    a->total = m.total;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

/* One pass when the text fits in the current chunk (nearly always): the
 * text is printed where it will stay, and only then taken. printf was a
 * fifth of a small compile's instructions when every call ran it twice. */
char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    chunk *c = a->head;
    size_t room = c ? c->size - c->used : 0;
    if (room)
        UNPOISON(c->data + c->used, room);
    int n = vsnprintf(room ? (char *)c->data + c->used : NULL, room, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < room) {
        va_end(ap2);
        return arena_alloc(a, (size_t)n + 1);    /* the very bytes just printed */
    }
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

char *arena_cat(arena *a, const char *s, ...)
{
    va_list ap;
    size_t n = 0;
    va_start(ap, s);
    for (const char *p = s; p; p = va_arg(ap, const char *))
        n += strlen(p);
    va_end(ap);
    char *out = arena_alloc(a, n + 1), *w = out;
    va_start(ap, s);
    for (const char *p = s; p; p = va_arg(ap, const char *)) {
        size_t len = strlen(p);
        memcpy(w, p, len);
        w += len;
    }
    va_end(ap);
    *w = '\0';
    return out;
}

char *arena_int(arena *a, long long n)
{
    char buf[24], *p = buf + sizeof buf;
    unsigned long long u = n < 0 ? 0ull - (unsigned long long)n : (unsigned long long)n;
    *--p = '\0';
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (n < 0)
        *--p = '-';
    return arena_strdup(a, p);
}

size_t arena_used(const arena *a)
{
    return a->total;
}

static void sb_grow(strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap * 2 : 32;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *d = arena_alloc(sb->a, cap);
    if (sb->len)
        memcpy(d, sb->data, sb->len);
    sb->data = d;
    sb->cap = cap;
}

/* An empty buffer allocates nothing until something is put in it: most
 * strings built in a compile are short, and many stay empty. */
void sb_init(strbuf *sb, arena *a)
{
    static char empty[1];
    sb->a = a;
    sb->data = empty;
    sb->len = sb->cap = 0;
}

void sb_putn(strbuf *sb, const char *s, size_t n)
{
    sb_grow(sb, n);
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void sb_putc(strbuf *sb, char c)
{
    sb_putn(sb, &c, 1);
}

void sb_puts(strbuf *sb, const char *s)
{
    sb_putn(sb, s, strlen(s));
}

void sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    sb_grow(sb, (size_t)n);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    sb->len += (size_t)n;
}

void sb_indent(strbuf *sb, int spaces)
{
    for (int i = 0; i < spaces; i++)
        sb_putc(sb, ' ');
}

void vec_push(arena *a, ptrvec *v, void *item)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void **items = arena_alloc(a, cap * sizeof *items);
        if (v->len)
            memcpy(items, v->items, v->len * sizeof *items);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->len++] = item;
}

static size_t str_hash(const char *s)
{
    size_t h = 1469598103934665603u;    /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    /* FNV's low bits depend only on the low bits of the state: mix the high
     * ones down, since the table index is the low bits (keys such as
     * "1|aws_s3_bucket|b123_raw" otherwise cluster into long probe runs). */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return h;
}

/* The two maps share one table; only hashing and key equality differ. */
static size_t ptr_hash(const void *p)
{
    size_t h = (size_t)(uintptr_t)p;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return h;
}

static size_t key_hash(const void *key, bool by_text)
{
    return by_text ? str_hash(key) : ptr_hash(key);
}

static bool same_key(const void *x, const void *y, bool by_text)
{
    return x == y || (by_text && strcmp(x, y) == 0);
}

static long table_slot(const hashmap *m, const void *key, bool by_text)
{
    if (!m->cap)
        return -1;
    for (size_t i = key_hash(key, by_text) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return -1;
        if (same_key(m->keys[i], key, by_text))
            return (long)i;
    }
}

static void table_put(hashmap *m, const void *key, void *val, bool by_text);

static void table_grow(hashmap *m, bool by_text)
{
    hashmap bigger = {.a = m->a, .cap = m->cap ? m->cap * 2 : 64};
    bigger.keys = arena_alloc(m->a, bigger.cap * sizeof *bigger.keys);
    bigger.vals = arena_alloc(m->a, bigger.cap * sizeof *bigger.vals);
    memset(bigger.keys, 0, bigger.cap * sizeof *bigger.keys);
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i])
            table_put(&bigger, m->keys[i], m->vals[i], by_text);
    *m = bigger;
}

static void table_put(hashmap *m, const void *key, void *val, bool by_text)
{
    if ((m->len + 1) * 4 > m->cap * 3)
        table_grow(m, by_text);
    size_t i = key_hash(key, by_text) & (m->cap - 1);
    while (m->keys[i] && !same_key(m->keys[i], key, by_text))
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i])
        m->len++;
    m->keys[i] = key;
    m->vals[i] = val;
}

void strmap_init(strmap *m, arena *a)
{
    memset(m, 0, sizeof *m);
    m->a = a;
}

void *strmap_get(const strmap *m, const char *key)
{
    long i = table_slot(m, key, true);
    return i < 0 ? NULL : m->vals[i];
}

int strmap_has(const strmap *m, const char *key)
{
    return table_slot(m, key, true) >= 0;
}

void strmap_put(strmap *m, const char *key, void *val)
{
    table_put(m, key, val, true);
}

void ptrmap_init(ptrmap *m, arena *a)
{
    strmap_init(m, a);
}

void *ptrmap_get(const ptrmap *m, const void *key)
{
    long i = table_slot(m, key, false);
    return i < 0 ? NULL : m->vals[i];
}

void ptrmap_put(ptrmap *m, const void *key, void *val)
{
    table_put(m, key, val, false);
}
