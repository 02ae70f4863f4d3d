/* load.c — see load.h. */
#include "load.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stdlib_files.h"

typedef struct loader {
    arena *a;
    diag_ctx *d;
    ptrvec *files;
    ptrvec seen;        /* canonical paths already loaded */
    ptrvec importing;   /* canonical paths of the imports being followed, outermost first */
    bool stdlib;        /* loading the stdlib (--stdlib DIR): its files are marked so */
} loader;

/* Opened only once known to be a regular file, and without blocking: a
 * FIFO or a device named *.infra would otherwise hang the compiler in
 * open() or read() forever. */
char *load_read_file(arena *a, const char *path, size_t *len)
{
    struct stat st, fst;
    if (stat(path, &st) != 0)
        return NULL;
    if (!S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : ENOTSUP;
        return NULL;
    }
    if (st.st_size > LOAD_MAX_FILE) {
        errno = EFBIG;
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    FILE *f = fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode) && fst.st_ino == st.st_ino && fst.st_dev == st.st_dev
            ? fdopen(fd, "rb") : NULL;
    if (!f) {
        close(fd);
        errno = ENOTSUP;    /* replaced by something else since the look */
        return NULL;
    }
    if (fst.st_size > LOAD_MAX_FILE) {
        fclose(f);
        errno = EFBIG;
        return NULL;
    }
    char *buf = arena_alloc(a, (size_t)fst.st_size + 1);
    size_t n = fread(buf, 1, (size_t)fst.st_size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return NULL;
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void load_imports(loader *ld, const ast_file *af);

bool load_is_stdin(const char *path)
{
    return strcmp(path, "-") == 0 || strcmp(path, "/dev/stdin") == 0;
}

/* Standard input, read to its end: a pipe has no size to ask for first. */
char *load_read_stdin(arena *a, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0;) {
        n += got;
        if (n > LOAD_MAX_FILE)
            break;
        if (n == cap) {
            char *more = realloc(buf, cap *= 2);
            if (!more)
                free(buf);
            buf = more;
        }
    }
    if (!buf || n > LOAD_MAX_FILE || ferror(stdin)) {
        free(buf);
        errno = buf && n > LOAD_MAX_FILE ? EFBIG : EIO;
        return NULL;
    }
    char *text = arena_alloc(a, n + 1);
    memcpy(text, buf, n);
    text[n] = '\0';
    free(buf);
    *len = n;
    return text;
}

/* The length of the valid UTF-8 sequence at s (1-4), or 0. */
static int utf8_len(const unsigned char *s, const unsigned char *end)
{
    int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (!n || s + n > end || (n == 2 && s[0] < 0xc2) || (n == 4 && s[0] > 0xf4))
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
        (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
        return 0;   /* overlong forms and surrogates */
    return n;
}

/* A control character other than tab and line ends: nothing in a program
 * needs one, and the compiler reserves one (value.h, ENV_MARK). */
static bool is_control(unsigned char c)
{
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* Sources are UTF-8: anything else would end up, garbled, in generated files. */
bool load_check_text(diag_ctx *d, const src_file *src)
{
    const unsigned char *s = (const unsigned char *)src->text, *end = s + src->len;
    int line = 1, col = 1;
    while (s < end) {
        int n = is_control(*s) ? 0 : utf8_len(s, end);
        if (!n) {
            diag_error(d, (src_loc){src, line, col, line, col + 1},
                       !*s ? "NUL byte in source" : is_control(*s) ? "control character (byte 0x%02x) in source"
                                                                   : "invalid UTF-8 (byte 0x%02x)", *s);
            return false;
        }
        line += *s == '\n';
        col = *s == '\n' ? 1 : col + n;
        s += n;
    }
    return true;
}

static void parse_into(loader *ld, const char *path, const char *text, size_t len)
{
    src_file *src = arena_alloc(ld->a, sizeof *src);
    src->path = path;
    src->text = text;
    src->len = len;
    src->stdlib = ld->stdlib;
    if (!load_check_text(ld->d, src))
        return;
    ast_file *af = parse_file(ld->a, ld->d, src);
    vec_push(ld->a, ld->files, af);
    load_imports(ld, af);
}

/* A file that imports itself, directly or through others, is an error: the
 * program would depend on an order that does not exist. */
static bool import_cycle(loader *ld, const char *canon, const char *path, src_loc from)
{
    for (size_t i = 0; i < ld->importing.len; i++) {
        if (strcmp(ld->importing.items[i], canon) == 0) {
            diag_error(ld->d, from, "import cycle: %s imports itself (through %zu other file%s)", path,
                       ld->importing.len - i - 1, ld->importing.len - i - 1 == 1 ? "" : "s");
            return true;
        }
    }
    return false;
}

/* `-` (or /dev/stdin) on the command line: the program's text from a pipe.
 * Its imports are relative to the current directory. */
static void load_stdin(loader *ld)
{
    size_t len;
    char *text = load_read_stdin(ld->a, &len);
    if (!text) {
        diag_error(ld->d, (src_loc){0}, "cannot read standard input: %s", strerror(errno));
        return;
    }
    parse_into(ld, "<stdin>", text, len);
}

static void load_file(loader *ld, const char *path, src_loc from)
{
    if (!from.file && load_is_stdin(path)) {
        load_stdin(ld);
        return;
    }
    char canon[PATH_MAX];
    if (!realpath(path, canon)) {
        diag_error(ld->d, from, "cannot read %s: %s", path, strerror(errno));
        return;
    }
    if (from.file && import_cycle(ld, canon, path, from))
        return;
    for (size_t i = 0; i < ld->seen.len; i++)
        if (strcmp(ld->seen.items[i], canon) == 0)
            return;     /* each file once: two files may import the same third one */
    vec_push(ld->a, &ld->seen, arena_strdup(ld->a, canon));
    size_t len;
    char *text = load_read_file(ld->a, path, &len);
    if (!text) {
        diag_error(ld->d, from, "cannot read %s: %s", path,
                   errno == EFBIG ? "larger than 16 MiB" : errno == ENOTSUP ? "not a regular file" : strerror(errno));
        return;
    }
    vec_push(ld->a, &ld->importing, arena_strdup(ld->a, canon));
    parse_into(ld, arena_strdup(ld->a, path), text, len);
    ld->importing.len--;
}

static const char *import_path(loader *ld, const ast_file *af, const ast_item *it)
{
    const ast_expr *s = it->value;
    if (s->items.len != 1 || ((const ast_expr *)s->items.items[0])->kind != EX_STRLIT) {
        diag_error(ld->d, it->loc, "import takes a plain string path");
        return NULL;
    }
    const char *rel = ((const ast_expr *)s->items.items[0])->text;
    if (rel[0] == '/') {
        diag_error(ld->d, s->loc, "import paths are relative to the importing file");
        return NULL;
    }
    const char *slash = strrchr(af->src->path, '/');
    if (!slash)
        return rel;
    return arena_printf(ld->a, "%.*s/%s", (int)(slash - af->src->path), af->src->path, rel);
}

static void load_imports(loader *ld, const ast_file *af)
{
    if (!af->src->path || af->src->stdlib)
        return;
    for (size_t i = 0; i < af->items.len; i++) {
        const ast_item *it = af->items.items[i];
        if (it->kind != IT_IMPORT)
            continue;
        const char *path = import_path(ld, af, it);
        if (path)
            load_file(ld, path, it->value->loc);
    }
}

static int by_name(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The .infra files of a directory, sorted by name so the order (and so the
 * output) does not depend on the file system. */
static void load_dir(loader *ld, const char *dir, src_loc from)
{
    DIR *dh = opendir(dir);
    if (!dh) {
        diag_error(ld->d, from, "cannot read %s: %s", dir, strerror(errno));
        return;
    }
    ptrvec names = {0};
    for (struct dirent *de; (de = readdir(dh));) {
        size_t n = strlen(de->d_name);
        if (n > 6 && strcmp(de->d_name + n - 6, ".infra") == 0 && de->d_name[0] != '.')
            vec_push(ld->a, &names, arena_strdup(ld->a, de->d_name));
    }
    closedir(dh);
    if (names.len)
        qsort(names.items, names.len, sizeof names.items[0], by_name);
    else
        diag_error(ld->d, from, "%s holds no .infra files", dir);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    for (size_t i = 0; i < names.len; i++)
        load_file(ld, arena_printf(ld->a, "%.*s/%s", (int)dl, dir, (char *)names.items[i]), from);
}

static void load_stdlib(loader *ld, const char *stdlib_dir)
{
    if (stdlib_dir) {
        ld->stdlib = true;
        load_dir(ld, stdlib_dir, (src_loc){0});
        ld->stdlib = false;
        return;
    }
    for (ast_file *const *f = stdlib_ast; *f; f++)
        vec_push(ld->a, ld->files, *f);     /* parsed when the compiler was built */
}

void load_program(arena *a, diag_ctx *d, const char *stdlib_dir, char **paths, int npaths, ptrvec *files)
{
    loader ld = {.a = a, .d = d, .files = files};
    load_stdlib(&ld, stdlib_dir);
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (load_is_stdin(paths[i])) {
            load_file(&ld, paths[i], (src_loc){0});
            continue;
        }
        if (stat(paths[i], &st) != 0) {
            diag_error(d, (src_loc){0}, "cannot read %s: %s", paths[i], strerror(errno));
            continue;
        }
        if (S_ISDIR(st.st_mode))
            load_dir(&ld, paths[i], (src_loc){0});
        else
            load_file(&ld, paths[i], (src_loc){0});
    }
}
