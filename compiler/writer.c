#define _XOPEN_SOURCE 700   /* nftw */
/* writer.c — putting an output set on disk.
 *
 * Each file is written to a temporary file in its own directory and renamed
 * over the target, so a reader (or a crash) never sees a half-written file.
 * Paths are confined to the target directory: no absolute paths, no "..",
 * and no writing through a symlink that leads out of it.
 */
#include "writer.h"

#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool writer_path_is_safe(const char *rel)
{
    if (!rel[0] || rel[0] == '/' || rel[strlen(rel) - 1] == '/')
        return false;
    for (const char *s = rel; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        s += n + (e ? 1 : 0);
    }
    return true;
}

/* Directories already checked in this run, so a tree of many files costs
 * one lstat per directory, not one per path component per file. The cache
 * has an arena of its own that lives as long as the process: keyed to a
 * caller's arena, it would dangle once that arena is freed and another one
 * takes its address. */
static strmap checked_dirs;     /* path -> CHECKED, or NULL once removed */
static arena *checked_arena;
static char checked_mark;
#define CHECKED ((void *)&checked_mark)

static bool dir_checked(const char *path)
{
    return checked_arena && strmap_get(&checked_dirs, path) == CHECKED;
}

/* Creates the parent directories of dir/rel; refuses a component that is a
 * symlink, so nothing is written outside dir. */
int writer_prepare_dirs(const char *dir, const char *rel, diag_ctx *d)
{
    if (!checked_arena) {
        checked_arena = arena_new();
        strmap_init(&checked_dirs, checked_arena);
    }
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, rel);
    if (n < 0 || (size_t)n >= sizeof path) {
        diag_error(d, (src_loc){0}, "output path too long: %s", rel);
        return -1;
    }
    char *start = path + strlen(dir) + 1;
    char *last = strrchr(start, '/');
    if (last) {
        *last = '\0';
        bool known = dir_checked(path);
        *last = '/';
        if (known)
            return 0;
    }
    for (char *q = start; (q = strchr(q, '/')); q++) {
        *q = '\0';
        if (dir_checked(path)) {
            *q = '/';
            continue;
        }
        struct stat st;
        if (lstat(path, &st) == 0) {
            if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
                diag_error(d, (src_loc){0}, "refusing to write through %s: it is not a directory", path);
                return -1;
            }
        } else if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            diag_error(d, (src_loc){0}, "cannot create directory %s: %s", path, strerror(errno));
            return -1;
        }
        strmap_put(&checked_dirs, arena_strdup(checked_arena, path), CHECKED);
        *q = '/';
    }
    return 0;
}

int writer_rmdir(const char *path)
{
    if (rmdir(path) != 0)
        return -1;
    if (dir_checked(path))
        strmap_put(&checked_dirs, arena_strdup(checked_arena, path), NULL);    /* put keeps the key pointer */
    return 0;
}

int writer_check_dirs(const char *dir, const char *rel, diag_ctx *d)
{
    if (!writer_path_is_safe(rel)) {
        diag_error(d, (src_loc){0}, "refusing to touch a path outside the target directory: %s", rel);
        return -1;
    }
    char *path = arena_printf(d->a, "%s/%s", dir, rel);
    for (char *q = path + strlen(dir) + 1; (q = strchr(q, '/')); q++) {
        *q = '\0';
        struct stat st;
        int found = lstat(path, &st) == 0;
        if (found && (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode))) {
            diag_error(d, (src_loc){0}, "refusing to touch %s/%s: %s is %s", dir, rel, path,
                       S_ISLNK(st.st_mode) ? "a symlink (it could lead out of the target)" : "not a directory");
            return -1;
        }
        *q = '/';
        if (!found)
            break;      /* nothing below a missing directory exists either */
    }
    return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

static bool same_content(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0)
        return false;
    struct stat st;
    bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len;
    if (same) {
        char *buf = malloc(len + 1);
        same = buf && read(fd, buf, len + 1) == (ssize_t)len && memcmp(buf, data, len) == 0;
        free(buf);
    }
    close(fd);
    return same;
}

int writer_put(const char *dir, const char *rel, const char *data, size_t len, diag_ctx *d)
{
    if (!writer_path_is_safe(rel)) {
        diag_error(d, (src_loc){0}, "refusing to write outside the target directory: %s", rel);
        return -1;
    }
    if (writer_prepare_dirs(dir, rel, d) != 0)
        return -1;
    char *target = arena_printf(d->a, "%s/%s", dir, rel);
    struct stat st;
    if (lstat(target, &st) == 0 && S_ISLNK(st.st_mode)) {
        diag_error(d, (src_loc){0}, "refusing to replace %s: it is a symlink", target);
        return -1;
    }
    if (same_content(target, data, len))
        return 0;   /* unchanged: leave the file (and its mtime) alone */
    char *tmp = arena_printf(d->a, "%s.infrac-tmp.XXXXXX", target);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        diag_error(d, (src_loc){0}, "cannot write %s: %s", target, strerror(errno));
        return -1;
    }
    int bad = write_all(fd, data, len) != 0 || fchmod(fd, 0644) != 0;
    bad |= close(fd) != 0;
    if (bad || rename(tmp, target) != 0) {
        diag_error(d, (src_loc){0}, "cannot write %s: %s", target, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* mkdir -p for the target directory itself (it is the user's to choose, so
 * symlinks on the way to it are fine). */
int writer_make_target_dir(const char *dir, diag_ctx *d)
{
    char *path = arena_strdup(d->a, dir);
    for (char *q = path + 1;; q++) {
        char c = *q;
        if (c != '/' && c != '\0')
            continue;
        *q = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            diag_error(d, (src_loc){0}, "cannot create directory %s: %s", path, strerror(errno));
            return -1;
        }
        *q = c;
        if (!c)
            return 0;
    }
}

int writer_write_set(const out_set *o, const char *dir, diag_ctx *d)
{
    if (writer_make_target_dir(dir, d) != 0)
        return -1;
    for (size_t i = 0; i < o->files.len; i++) {
        const out_file *f = o->files.items[i];
        if (writer_put(dir, f->path, f->data, f->len, d) != 0)
            return -1;
    }
    return 0;
}

/* Staged files live in the target's .infrac/staging/, on the same file
 * system as their destinations (so a rename moves them), and out of the
 * tree's way: a run killed while staging leaves the generated files as they
 * were, and the next run clears the staging directory. */
const char *writer_stage(const char *dir, const char *rel, const char *data, size_t len, diag_ctx *d)
{
    if (!writer_path_is_safe(rel)) {
        diag_error(d, (src_loc){0}, "refusing to write outside the target directory: %s", rel);
        return NULL;
    }
    char *target = arena_printf(d->a, "%s/%s", dir, rel);
    struct stat st;
    if (lstat(target, &st) == 0 && S_ISLNK(st.st_mode)) {
        diag_error(d, (src_loc){0}, "refusing to replace %s: it is a symlink", target);
        return NULL;
    }
    if (writer_prepare_dirs(dir, WRITER_STAGING "/x", d) != 0)
        return NULL;
    char *tmp = arena_printf(d->a, "%s/" WRITER_STAGING "/file.XXXXXX", dir);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        diag_error(d, (src_loc){0}, "cannot write %s: %s", target, strerror(errno));
        return NULL;
    }
    int bad = write_all(fd, data, len) != 0 || fchmod(fd, 0644) != 0;
    bad |= close(fd) != 0;
    if (bad) {
        diag_error(d, (src_loc){0}, "cannot write %s: %s", target, strerror(errno));
        unlink(tmp);
        return NULL;
    }
    return tmp + strlen(dir) + 1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? writer_rmdir(path) : unlink(path);
}

int writer_remove_tree(const char *dir)
{
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
