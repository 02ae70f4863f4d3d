#define _GNU_SOURCE     /* nftw, syncfs */
/* writer.c — confined, durable file operations; see writer.h. */
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRITER_MAX_PATH 4000    /* below PATH_MAX with the target's own path in front */
#define WRITER_MAX_NAME 255     /* NAME_MAX of the file systems infrac writes to */

bool file_id_same(const file_id *x, const file_id *y)
{
    return x->dev == y->dev && x->ino == y->ino && x->size == y->size && x->mtime == y->mtime &&
           x->ctime == y->ctime;
}

long long file_birth(int fd, const char *path)
{
    struct statx sx;
    if (statx(fd >= 0 ? fd : AT_FDCWD, fd >= 0 ? "" : path, fd >= 0 ? AT_EMPTY_PATH : AT_SYMLINK_NOFOLLOW,
              STATX_BTIME, &sx) != 0 || !(sx.stx_mask & STATX_BTIME))
        return 0;
    return (long long)sx.stx_btime.tv_sec * 1000000000LL + sx.stx_btime.tv_nsec;
}

static void id_from_stat(const struct stat *st, file_id *id)
{
    id->dev = (unsigned long long)st->st_dev;
    id->ino = (unsigned long long)st->st_ino;
    id->size = (unsigned long long)st->st_size;
    id->mtime = (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
    id->ctime = (long long)st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec;
}

bool file_id_of(const char *path, bool follow, file_id *id)
{
    struct stat st;
    if ((follow ? stat(path, &st) : lstat(path, &st)) != 0 || !S_ISREG(st.st_mode))
        return false;
    id_from_stat(&st, id);
    return true;
}

/* ".git" as git itself compares it: any case, and with the trailing dots,
 * spaces or stream suffix that Windows file systems drop (".GIT.", ".git::$INDEX_ALLOCATION"),
 * or as NTFS's short name "git~1". */
static bool names_git_dir(const char *s, size_t n)
{
    if (n == 5 && strncasecmp(s, "git~1", 5) == 0)
        return true;
    if (n < 4 || strncasecmp(s, ".git", 4) != 0)
        return false;
    if (n > 4 && s[4] == ':')
        return true;
    for (size_t i = 4; i < n; i++)
        if (s[i] != '.' && s[i] != ' ')
            return false;
    return true;
}

const char *writer_path_problem(const char *rel)
{
    size_t len = strlen(rel);
    if (!len)
        return "it is empty";
    if (len > WRITER_MAX_PATH)
        return "it is too long";
    if (rel[0] == '/')
        return "it is absolute";
    for (const char *s = rel;; s++) {
        const char *e = s;
        for (; *e && *e != '/'; e++) {
            unsigned char c = (unsigned char)*e;
            if (c < 0x20 || c == 0x7f)
                return "it holds a control character";
            if (c == '\\')
                return "it holds a backslash";
        }
        size_t n = (size_t)(e - s);
        if (n == 0)
            return "it has an empty component";
        if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return "it has a '.' or '..' component";
        if (n > WRITER_MAX_NAME)
            return "a component is longer than 255 bytes";
        if (names_git_dir(s, n))
            return "it has a .git component";
        if (!*e)
            return NULL;
        s = e;
    }
}

bool writer_path_is_safe(const char *rel)
{
    return writer_path_problem(rel) == NULL;
}

bool writer_at_root(const char *rel)
{
    return rel[0] == WRITER_ROOT;
}

const char *writer_place_problem(const char *rel)
{
    if (!writer_at_root(rel))
        return writer_path_problem(rel);
    if (strncmp(rel + 1, WRITER_ROOT_DIR, strlen(WRITER_ROOT_DIR)) != 0)
        return "only files under " WRITER_ROOT_DIR " may lie at the root of the work tree";
    return writer_path_problem(rel + 1);
}

const char *writer_locate(arena *a, const char *dir, const char *root, const char *rel)
{
    if (!writer_at_root(rel))
        return arena_printf(a, "%s/%s", dir, rel);
    return root ? arena_printf(a, "%s%s", root, rel) : NULL;
}

/* ---- reading ---- */

static int read_all(int fd, char *buf, size_t want, size_t *got)
{
    size_t n = 0;
    while (n < want) {
        ssize_t r = read(fd, buf + n, want - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;      /* the file shrank while being read: what is there */
        n += (size_t)r;
    }
    *got = n;
    return 0;
}

char *writer_read(arena *a, const char *path, size_t *len, file_id *id)
{
    struct stat st, fst;
    if (lstat(path, &st) != 0)
        return NULL;
    if (!S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode) || fst.st_ino != st.st_ino || fst.st_dev != st.st_dev) {
        close(fd);
        errno = EINVAL;     /* replaced between the look and the open */
        return NULL;
    }
    size_t size = (size_t)fst.st_size, n = 0;
    char *buf = arena_alloc(a, size + 1);
    int bad = read_all(fd, buf, size, &n);
    close(fd);
    if (bad)
        return NULL;
    buf[n] = '\0';
    *len = n;
    if (id)
        id_from_stat(&fst, id);
    return buf;
}

/* ---- directories ---- */

static char checked_mark;
#define CHECKED ((void *)&checked_mark)

void writer_init(writer *w, const char *dir, arena *a, diag_ctx *d)
{
    memset(w, 0, sizeof *w);
    w->a = a;
    w->d = d;
    w->dir = dir;
    strmap_init(&w->checked, a);
    strmap_init(&w->touched, a);
}

static void touch(writer *w, const char *dirpath)
{
    if (strmap_has(&w->touched, dirpath))
        return;
    const char *k = arena_strdup(w->a, dirpath);
    strmap_put(&w->touched, k, CHECKED);
    vec_push(w->a, &w->touched_list, (void *)k);
}

/* The directory that holds path (which has a '/' past the target's own path). */
static const char *parent_of(writer *w, const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? arena_strndup(w->a, path, (size_t)(slash - path)) : ".";
}

/* mkdir, recording that this run made the directory (writer_undo removes it). */
static int made_dir(writer *w, const char *path)
{
    if (mkdir(path, 0777) == 0) {
        vec_push(w->a, &w->created, arena_strdup(w->a, path));
        touch(w, parent_of(w, path));
        return 0;
    }
    if (errno == EEXIST)
        return 0;       /* made meanwhile by someone else: the caller looks at it again */
    diag_error(w->d, (src_loc){0}, "cannot create directory %s: %s", path, strerror(errno));
    return -1;
}

int writer_make_target(writer *w)
{
    char *path = arena_strdup(w->a, w->dir);
    for (char *q = path + 1;; q++) {
        char c = *q;
        if (c != '/' && c != '\0')
            continue;
        *q = '\0';
        struct stat st;
        if (stat(path, &st) != 0 && (made_dir(w, path) != 0 || stat(path, &st) != 0)) {
            diag_error(w->d, (src_loc){0}, "cannot create directory %s: %s", path, strerror(errno));
            return -1;
        }
        if (!S_ISDIR(st.st_mode)) {
            diag_error(w->d, (src_loc){0}, "cannot write to %s: %s is not a directory", w->dir, path);
            return -1;
        }
        *q = c;
        if (!c)
            return 0;
    }
}

static int refuse_path(writer *w, const char *rel)
{
    const char *why = writer_place_problem(rel);
    if (!why && writer_at_root(rel) && !w->root)
        why = "the target is not a subdirectory of a git work tree, so there is no root apart from it";
    if (!why)
        return 0;
    const char *shown = writer_locate(w->a, w->dir, w->root, rel);
    diag_error(w->d, (src_loc){0}, "refusing to write %s: %s", shown ? shown : rel, why);
    return -1;
}

/* A directory on the way to a file at the root must be on the target's
 * file system: the file is staged in the target and renamed there, which
 * cannot cross file systems (and must not fail halfway through a journal). */
static int same_fs(writer *w, const char *rel, const char *dir, const struct stat *st)
{
    struct stat t;
    if (stat(w->dir, &t) == 0 && t.st_dev == st->st_dev)
        return 0;
    diag_error(w->d, (src_loc){0}, "refusing to write %s: %s is on another file system than the target %s",
               rel + 1, dir, w->dir);
    return -1;
}

static int walk_dirs(writer *w, const char *rel, bool create)
{
    if (refuse_path(w, rel) != 0)
        return -1;
    bool at_root = writer_at_root(rel);
    const char *base = at_root ? w->root : w->dir;
    char *path = (char *)writer_locate(w->a, w->dir, w->root, rel);
    struct stat bst;
    if (at_root && (lstat(base, &bst) != 0 || same_fs(w, rel, base, &bst) != 0))
        return -1;
    for (char *q = path + strlen(base) + 1; (q = strchr(q, '/')); q++) {
        *q = '\0';
        if (strmap_get(&w->checked, path) == CHECKED) {
            *q = '/';
            continue;
        }
        struct stat st;
        bool found = lstat(path, &st) == 0;
        if (!found && !create)
            return 0;       /* nothing below a missing directory exists either */
        if (!found && (made_dir(w, path) != 0 || lstat(path, &st) != 0)) {
            diag_error(w->d, (src_loc){0}, "cannot create directory %s: %s", path, strerror(errno));
            return -1;
        }
        if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
            diag_error(w->d, (src_loc){0}, "refusing to touch %s: %s is %s", writer_locate(w->a, w->dir, w->root, rel),
                       path, S_ISLNK(st.st_mode) ? "a symlink (it could lead out of the target)" : "not a directory");
            return -1;
        }
        if (at_root && same_fs(w, rel, path, &st) != 0)
            return -1;
        strmap_put(&w->checked, arena_strdup(w->a, path), CHECKED);
        *q = '/';
    }
    return 0;
}

int writer_prepare_dirs(writer *w, const char *rel)
{
    return walk_dirs(w, rel, true);
}

int writer_check_dirs(writer *w, const char *rel)
{
    return walk_dirs(w, rel, false);
}

void writer_undo(writer *w)
{
    for (size_t i = w->created.len; i-- > 0;)
        rmdir(w->created.items[i]);
    w->created.len = 0;
}

/* ---- files ---- */

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A new file in the directory dir (a path, not relative to the target)
 * holding data; *path gets its name. */
static int temp_file(writer *w, const char *dir, const char *data, size_t len, bool sync, unsigned mode, char **path,
                     file_id *id)
{
    char *tmp = arena_printf(w->a, "%s/.infrac-tmp.XXXXXX", dir);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        diag_error(w->d, (src_loc){0}, "cannot write in %s: %s", dir, strerror(errno));
        return -1;
    }
    struct stat st;
    int bad = write_all(fd, data, len) != 0 || fchmod(fd, mode) != 0 || (sync && fdatasync(fd) != 0) ||
              fstat(fd, &st) != 0;
    bad |= close(fd) != 0;
    if (bad) {
        diag_error(w->d, (src_loc){0}, "cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (id)
        id_from_stat(&st, id);
    touch(w, dir);
    *path = tmp;
    return 0;
}

int writer_stage(writer *w, const char *dir_rel, const char *data, size_t len, bool sync, bool exec, const char **name,
                 file_id *id)
{
    char *path;
    if (writer_prepare_dirs(w, arena_printf(w->a, "%s/x", dir_rel)) != 0 ||
        temp_file(w, arena_printf(w->a, "%s/%s", w->dir, dir_rel), data, len, sync, exec ? 0755 : 0644, &path, id) != 0)
        return -1;
    *name = path + strlen(w->dir) + 1;
    return 0;
}

int writer_rename(writer *w, const char *from, const char *to)
{
    if (writer_prepare_dirs(w, to) != 0)
        return -1;
    char *src = arena_printf(w->a, "%s/%s", w->dir, from), *dst = (char *)writer_locate(w->a, w->dir, w->root, to);
    struct stat st;
    if (lstat(dst, &st) == 0 && S_ISLNK(st.st_mode)) {
        diag_error(w->d, (src_loc){0}, "refusing to replace %s: it is a symlink", dst);
        return -1;
    }
    if (rename(src, dst) != 0) {
        diag_error(w->d, (src_loc){0}, "cannot replace %s: %s", dst, strerror(errno));
        return -1;
    }
    touch(w, parent_of(w, src));
    touch(w, parent_of(w, dst));
    return 0;
}

int writer_remove(writer *w, const char *rel)
{
    if (writer_check_dirs(w, rel) != 0)
        return -1;
    char *path = (char *)writer_locate(w->a, w->dir, w->root, rel);
    if (unlink(path) != 0 && errno != ENOENT) {
        diag_error(w->d, (src_loc){0}, "cannot remove %s: %s", path, strerror(errno));
        return -1;
    }
    size_t top = strlen(writer_at_root(rel) ? w->root : w->dir);
    for (char *slash; (slash = strrchr(path, '/')) && (size_t)(slash - path) >= top;) {
        *slash = '\0';
        touch(w, path);
        if ((size_t)(slash - path) == top || rmdir(path) != 0)
            break;
        strmap_put(&w->checked, arena_strdup(w->a, path), NULL);    /* made again if written later */
    }
    return 0;
}

/* writer_put and writer_put_self make their temporary file beside rel:
 * only in the target (files at the root go through the journal). */
static int in_target(writer *w, const char *rel)
{
    if (!writer_at_root(rel))
        return 0;
    diag_error(w->d, (src_loc){0}, "internal error: %s is written at the root outside a journal", rel);
    return -1;
}

int writer_put(writer *w, const char *rel, const char *data, size_t len)
{
    char *target = arena_printf(w->a, "%s/%s", w->dir, rel), *tmp;
    size_t old_len;
    if (in_target(w, rel) != 0 || writer_prepare_dirs(w, rel) != 0)
        return -1;
    char *old = writer_read(w->a, target, &old_len, NULL);
    if (old && old_len == len && memcmp(old, data, len) == 0)
        return 0;   /* unchanged: leave the file (and its mtime) alone */
    if (temp_file(w, parent_of(w, target), data, len, false, 0644, &tmp, NULL) != 0)
        return -1;
    if (writer_rename(w, tmp + strlen(w->dir) + 1, rel) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int writer_put_self(writer *w, const char *rel, writer_text_fn text, void *ctx)
{
    if (in_target(w, rel) != 0 || writer_prepare_dirs(w, rel) != 0)
        return -1;
    char *tmp = arena_printf(w->a, "%s/.infrac-tmp.XXXXXX", parent_of(w, arena_printf(w->a, "%s/%s", w->dir, rel)));
    int fd = mkstemp(tmp);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        diag_error(w->d, (src_loc){0}, "cannot write %s/%s: %s", w->dir, rel, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    file_id self;
    id_from_stat(&st, &self);
    self.ctime = file_birth(fd, NULL);
    size_t len;
    const char *data = text(ctx, &self, &len);
    int bad = write_all(fd, data, len) != 0 || fchmod(fd, 0644) != 0;
    bad |= close(fd) != 0;
    if (bad || writer_rename(w, tmp + strlen(w->dir) + 1, rel) != 0) {
        if (bad)
            diag_error(w->d, (src_loc){0}, "cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int writer_sync(writer *w)
{
    int rc = 0;
    if (w->touched_list.len > WRITER_SYNC_EACH) {
        rc = writer_sync_fs(w);
        w->touched_list.len = 0;
        strmap_init(&w->touched, w->a);
        return rc;
    }
    for (size_t i = 0; i < w->touched_list.len; i++) {
        const char *dir = w->touched_list.items[i];
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            continue;       /* removed since (an emptied directory): its parent carries that */
        if (fsync(fd) != 0 && errno != EINVAL) {
            diag_error(w->d, (src_loc){0}, "cannot flush %s to disk: %s", dir, strerror(errno));
            rc = -1;
        }
        close(fd);
    }
    w->touched_list.len = 0;
    strmap_init(&w->touched, w->a);
    return rc;
}

int writer_sync_fs(writer *w)
{
    int fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd >= 0 && syncfs(fd) == 0 ? 0 : -1;
    if (rc != 0)
        diag_error(w->d, (src_loc){0}, "cannot flush %s to disk: %s", w->dir, strerror(errno));
    if (fd >= 0)
        close(fd);
    return rc;
}

int writer_put_file(const char *dir, const char *rel, const char *data, size_t len, diag_ctx *d)
{
    writer w;
    writer_init(&w, dir, d->a, d);
    return writer_put(&w, rel, data, len);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int writer_remove_tree(const char *dir)
{
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

bool writer_is_executable(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR);
}
