/* local.c — the machine-local record and the lock; see local.h. */
#include "local.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCAL_MAGIC "infrac-local 1"

void local_record_init(local_record *r, arena *a, const char *key)
{
    memset(r, 0, sizeof *r);
    r->key = key;
    strmap_init(&r->by_path, a);
}

long long local_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Tells an edit from what infrac wrote, on top of an identity that already
 * has to match: no adversary can reach it, so a fast word-at-a-time mix
 * does, where a cryptographic digest would cost thirty times more. */
unsigned long long local_hash(const char *data, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len, w;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&w, data + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, data + i, len - i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

/* ---- entries ---- */

static char kind_of(const char *path, bool follow, file_id *id)
{
    struct stat st;
    memset(id, 0, sizeof *id);
    if ((follow ? stat(path, &st) : lstat(path, &st)) != 0)
        return '-';
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return '?';         /* never what a record holds */
    id->dev = (unsigned long long)st.st_dev;
    id->ino = (unsigned long long)st.st_ino;
    id->size = S_ISREG(st.st_mode) ? (unsigned long long)st.st_size : 0;
    id->mtime = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    id->ctime = (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
    return S_ISDIR(st.st_mode) ? 'd' : 'f';
}

static local_entry *entry(local_record *r, arena *a, const char *path)
{
    local_entry *e = strmap_get(&r->by_path, path);
    if (e)
        return e;
    e = arena_alloc(a, sizeof *e);
    e->path = arena_strdup(a, path);
    strmap_put(&r->by_path, e->path, e);
    vec_push(a, &r->entries, e);
    return e;
}

local_entry *local_note_id(local_record *r, arena *a, const char *path, const file_id *id)
{
    local_entry *e = entry(r, a, path);
    e->kind = 'f';
    e->id = *id;
    e->hashed = false;
    return e;
}

local_entry local_stat(const char *path, bool follow)
{
    local_entry e = {.follow = follow};
    e.kind = kind_of(path, follow, &e.id);
    return e;
}

local_entry *local_keep(local_record *r, arena *a, const local_entry *e)
{
    local_entry *n = entry(r, a, e->path);
    const char *path = n->path;
    *n = *e;
    n->path = path;
    return n;
}

local_entry *local_note(local_record *r, arena *a, const char *dir, const char *path, bool follow)
{
    file_id id = {0};
    const char *full = writer_locate(a, dir, r->root, path);
    char kind = full ? kind_of(full, follow, &id) : '?';     /* '?' makes the record unreadable: no proof */
    local_entry *e = entry(r, a, path);
    e->kind = kind;
    e->follow = follow;
    e->id = id;
    e->hashed = false;
    return e;
}

static bool racy(const local_record *r, const local_entry *e)
{
    return e->kind != '-' && (e->id.ctime >= r->stamp || e->id.mtime >= r->stamp);
}

static bool still(const local_entry *e, const char *path, bool follow)
{
    file_id now;
    char kind = kind_of(path, follow, &now);
    if (kind != e->kind)
        return false;
    if (kind == 'd')        /* a directory's size says nothing; entries added or removed move its times */
        return now.dev == e->id.dev && now.ino == e->id.ino && now.mtime == e->id.mtime && now.ctime == e->id.ctime;
    return kind == '-' || file_id_same(&now, &e->id);
}

bool local_unchanged(const local_record *r, const char *dir)
{
    if (!r->entries.len)
        return false;
    char path[8192];
    for (size_t i = 0; i < r->entries.len; i++) {
        const local_entry *e = r->entries.items[i];
        bool at_root = writer_at_root(e->path);
        if (at_root && !r->root)
            return false;
        int n = snprintf(path, sizeof path, at_root ? "%s%s" : "%s/%s", at_root ? r->root : dir, e->path);
        if (n < 0 || (size_t)n >= sizeof path || racy(r, e) || !still(e, path, e->follow))
            return false;
    }
    return true;
}

bool local_proves(const local_record *r, const char *path, const file_id *id, const char *data, size_t len)
{
    const local_entry *e = strmap_get(&r->by_path, path);
    if (!e || e->kind != 'f' || !file_id_same(&e->id, id))
        return false;
    return !racy(r, e) || (e->hashed && data && local_hash(data, len) == e->hash);
}

/* ---- the file ---- */

/* Numbers read with strtoull: the record is read on every check, and
 * sscanf costs as much as all the rest of a fast check. */
static bool next_num(const char **s, unsigned long long *v)
{
    char *end;
    errno = 0;
    *v = strtoull(*s, &end, 10);
    if (end == *s || *end != ' ' || errno)
        return false;
    *s = end + 1;
    return true;
}

static bool parse_id(const char *s, char *kind, file_id *id, const char **rest)
{
    unsigned long long mtime, ctime;
    char k = s[0];
    if (!strchr("fdFD-", k) || !k || s[1] != ' ')
        return false;
    s += 2;
    if (!next_num(&s, &id->dev) || !next_num(&s, &id->ino) || !next_num(&s, &id->size) || !next_num(&s, &mtime) ||
        !next_num(&s, &ctime))
        return false;
    id->mtime = (long long)mtime;
    id->ctime = (long long)ctime;
    *kind = k;
    *rest = s;
    return true;
}

static bool parse_entry(local_record *r, arena *a, const char *s)
{
    char kind;
    file_id id;
    const char *rest;
    if (!parse_id(s, &kind, &id, &rest))
        return false;
    const char *sp = strchr(rest, ' ');
    if (!sp || !sp[1])
        return false;
    local_entry *e = entry(r, a, sp + 1);
    e->follow = kind == 'F' || kind == 'D';
    e->kind = kind == 'F' ? 'f' : kind == 'D' ? 'd' : kind;
    e->id = id;
    e->hashed = *rest != '-';
    e->hash = e->hashed ? strtoull(rest, NULL, 16) : 0;
    return true;
}

static bool parse_line(local_record *r, arena *a, const char *line)
{
    const char *rest;
    if (strncmp(line, "self ", 5) == 0)
        return sscanf(line + 5, "%llu %llu %lld", &r->self.dev, &r->self.ino, &r->self.ctime) == 3;
    if (strncmp(line, "key ", 4) == 0)
        r->key = arena_strdup(a, line + 4);
    else if (strncmp(line, "stamp ", 6) == 0)
        r->stamp = strtoll(line + 6, NULL, 10);
    else if (strncmp(line, "e ", 2) == 0)
        return parse_entry(r, a, line + 2);
    else if (strncmp(line, "root /", 6) == 0)
        r->root = arena_strdup(a, line + 5);
    else if (strncmp(line, "gitent ", 7) == 0)
        return parse_id(arena_printf(a, "%s ", line + 7), &r->git_entry.kind, &r->git_entry.id, &rest);
    else if (strncmp(line, "index ", 6) == 0 && (rest = strchr(line + 6, ' '))) {
        r->index_sum = arena_strndup(a, line + 6, (size_t)(rest - line - 6));
        r->index_path = arena_strdup(a, rest + 1);
    } else
        return false;
    return true;
}

bool local_read(local_record *r, arena *a, const char *dir, const char *name)
{
    local_record_init(r, a, NULL);
    size_t len;
    file_id id;
    char *text = writer_read(a, arena_printf(a, "%s/%s", dir, name), &len, &id);
    if (!text || strncmp(text, LOCAL_MAGIC "\n", sizeof LOCAL_MAGIC) != 0)
        return false;
    for (char *s = text + sizeof LOCAL_MAGIC, *nl; *s; s = nl + 1) {
        if (!(nl = strchr(s, '\n')))
            break;
        *nl = '\0';
        if (!parse_line(r, a, s)) {
            local_record_init(r, a, NULL);      /* damaged: as if absent */
            return false;
        }
    }
    const char *path = arena_printf(a, "%s/%s", dir, name);
    if (r->self.dev != id.dev || r->self.ino != id.ino || r->self.ctime != file_birth(-1, path)) {
        local_record_init(r, a, NULL);      /* not the file infrac wrote here: a checkout's, a copy's */
        return false;
    }
    return r->key != NULL;
}

static void put_id(strbuf *sb, char kind, const file_id *id)
{
    sb_printf(sb, "%c %llu %llu %llu %lld %lld", kind, id->dev, id->ino, id->size, id->mtime, id->ctime);
}

typedef struct record_text {
    const local_record *r;
    arena *a;
    bool ok;
} record_text;

/* The record's text, which begins by naming the file it is written to. */
static const char *record_text_of(void *ctx, const file_id *self, size_t *len)
{
    record_text *rt = ctx;
    const local_record *r = rt->r;
    strbuf sb;
    sb_init(&sb, rt->a);
    sb_printf(&sb, LOCAL_MAGIC "\nself %llu %llu %lld\nkey %s\nstamp %lld\n", self->dev, self->ino, self->ctime,
              r->key, r->stamp);
    if (r->root) {
        rt->ok &= !strchr(r->root, '\n');
        sb_printf(&sb, "root %s\n", r->root);
    }
    if (r->index_sum && r->index_path && !strchr(r->index_path, '\n')) {
        sb_printf(&sb, "index %s %s\ngitent ", r->index_sum, r->index_path);
        put_id(&sb, r->git_entry.kind ? r->git_entry.kind : '-', &r->git_entry.id);
        sb_putc(&sb, '\n');
    }
    for (size_t i = 0; i < r->entries.len; i++) {
        const local_entry *e = r->entries.items[i];
        rt->ok &= !strchr(e->path, '\n');
        sb_puts(&sb, "e ");
        put_id(&sb, e->follow && e->kind == 'f' ? 'F' : e->follow && e->kind == 'd' ? 'D' : e->kind, &e->id);
        if (e->hashed)
            sb_printf(&sb, " %016llx %s\n", e->hash, e->path);
        else
            sb_printf(&sb, " - %s\n", e->path);
    }
    *len = rt->ok ? sb.len : 0;     /* a path the format cannot hold: an empty file, no record */
    return sb.data;
}

void local_write(const local_record *r, writer *w, const char *name)
{
    if (!r->key || strchr(r->key, '\n'))
        return;
    record_text rt = {r, w->a, true};
    diag_ctx quiet;
    diag_init(&quiet, w->a);
    diag_ctx *loud = w->d;
    w->d = &quiet;      /* a record that cannot be written is a slower next check, not an error */
    writer_put_self(w, name, record_text_of, &rt);
    w->d = loud;
}

/* ---- the lock ---- */

static int lock_op(int fd, int cmd, short type, pid_t *holder)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, cmd, &fl) == 0)
        return 0;
    int err = errno;
    struct flock probe = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    *holder = fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK ? probe.l_pid : 0;
    errno = err;
    return -1;
}

int local_lock(writer *w)
{
    if (writer_prepare_dirs(w, LOCAL_LOCK) != 0)
        return -1;
    const char *path = arena_printf(w->a, "%s/" LOCAL_LOCK, w->dir);
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        diag_error(w->d, (src_loc){0}, "cannot open the lock %s: %s", path, strerror(errno));
        return -1;
    }
    pid_t holder = 0;
    if (lock_op(fd, F_SETLK, F_WRLCK, &holder) == 0)
        return fd;
    struct flock probe = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    bool reader = fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type == F_RDLCK;
    if (reader && lock_op(fd, F_SETLKW, F_WRLCK, &holder) == 0)
        return fd;      /* a check was reading: it is done in a moment */
    diag_error(w->d, (src_loc){0}, "%s is being written by another infrac%s; run this again when it has finished",
               w->dir, holder ? arena_printf(w->a, " (pid %ld)", (long)holder) : "");
    close(fd);
    return -1;
}

int local_lock_shared(const char *dir)
{
    char path[8192];
    if (snprintf(path, sizeof path, "%s/" LOCAL_LOCK, dir) >= (int)sizeof path)
        return -1;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    pid_t holder;
    if (fd >= 0 && lock_op(fd, F_SETLKW, F_RDLCK, &holder) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

int local_lock_root(const char *root)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        close(fd);
        return -1;
    }
    return fd;
}

void local_unlock(int fd)
{
    if (fd >= 0)
        close(fd);      /* closing drops the process's record locks on the file */
}
