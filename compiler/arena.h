/* arena.h — one allocator per compilation.
 *
 * Every pass allocates from the compilation's arena and nothing is freed
 * piecemeal: the whole arena goes at once when the compilation ends. This keeps
 * passes free of ownership bookkeeping and makes error paths trivially leak-free.
 * Allocation failure aborts with a message (there is nothing sensible to
 * recover to in a compiler that has run out of memory).
 */
#ifndef INFRAC_ARENA_H
#define INFRAC_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>

typedef struct arena arena;

arena *arena_new(void);
void arena_free(arena *a);
/* Gives back everything allocated but keeps the newest chunk, whose pages
 * are already mapped: for scratch work repeated many times. */
void arena_reset(arena *a);
/* Runs fn(ptr) when a is freed (an arena or a library object owned by it). */
void arena_defer(arena *a, void (*fn)(void *), void *ptr);
void *arena_alloc(arena *a, size_t size);          /* zeroed, 16-byte aligned */

/* A point in an arena's history: arena_release gives back everything
 * allocated after it, for work that nests (a lowering that lowers what it
 * refers to first). Under AddressSanitizer what is given back is poisoned
 * until handed out again, so a pointer kept past its release is caught. */
typedef struct arena_mark {
    void *chunk;
    size_t used, total;
} arena_mark;

arena_mark arena_get_mark(const arena *a);
void arena_release(arena *a, arena_mark m);
/* Was p handed out by a (and not given back)? Walks its chunks: for
 * arenas of few chunks (scratch work). */
bool arena_owns(const arena *a, const void *p);
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The strings up to a NULL, joined: for keys and names built on hot paths,
 * where printf's parsing of its format cost more than the work. */
char *arena_cat(arena *a, const char *s, ...) __attribute__((sentinel));
/* A number's decimal digits. */
char *arena_int(arena *a, long long n);
size_t arena_used(const arena *a);                 /* bytes handed out, for bench */

/* A growable byte buffer whose storage lives in the arena. Old storage is
 * abandoned on growth (the arena reclaims it at the end). */
typedef struct strbuf {
    arena *a;
    char *data;     /* always NUL-terminated */
    size_t len, cap;
} strbuf;

void sb_init(strbuf *sb, arena *a);
void sb_putc(strbuf *sb, char c);
void sb_puts(strbuf *sb, const char *s);
void sb_putn(strbuf *sb, const char *s, size_t n);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_indent(strbuf *sb, int spaces);

/* A growable array of pointers in the arena (the IR's and AST's lists). */
typedef struct ptrvec {
    void **items;
    size_t len, cap;
} ptrvec;

void vec_push(arena *a, ptrvec *v, void *item);



/* Hash maps in the arena (open addressing; never shrink), used where a
 * linear scan would make large programs quadratic. A strmap is keyed by
 * text, a ptrmap by pointer (an object's identity: no key to print). Keys
 * are not copied: they must live as long as the map (arena strings do). */
typedef struct hashmap {
    arena *a;
    const void **keys;
    void **vals;
    size_t cap, len;
} hashmap;

typedef hashmap strmap;
typedef hashmap ptrmap;

void strmap_init(strmap *m, arena *a);
void *strmap_get(const strmap *m, const char *key);
int strmap_has(const strmap *m, const char *key);
void strmap_put(strmap *m, const char *key, void *val);   /* replaces */

void ptrmap_init(ptrmap *m, arena *a);
void *ptrmap_get(const ptrmap *m, const void *key);
void ptrmap_put(ptrmap *m, const void *key, void *val);   /* replaces */

#endif
