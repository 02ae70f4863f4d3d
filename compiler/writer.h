/* writer.h — confined, durable file operations in a target directory.
 *
 * Every path handed to the writer is relative to the target and is checked
 * (writer_path_problem) before anything is created: no absolute paths, no
 * "." or ".." components, no ".git" component at any depth, no control
 * characters or backslashes. Directories on the way are created one by one
 * and a symlink among them is refused, so nothing is written, renamed or
 * removed outside the target. A writer remembers the directories it created
 * and the ones whose entries it changed: writer_undo removes the first after
 * a failed write (nothing is left behind), writer_sync makes the second
 * durable.
 *
 * One exception to "relative to the target": GitHub reads workflows only at
 * the root of a repository, so when the target is a subdirectory of a git
 * work tree, its .github/ files lie at that root. Such a path is written
 * with a leading '/' (WRITER_ROOT, as .gitignore anchors a pattern at its
 * root): "/.github/workflows/plan.yml". The mark cannot be mistaken for a
 * target path (those are never absolute); what follows it must be a safe
 * path under .github/ (writer_place_problem); it means the writer's `root`,
 * and with no root it is refused. Directories on the way from the root are
 * checked as those of the target are, and must be on the target's file
 * system, so that a staged file can be renamed there in one step.
 */
#ifndef INFRAC_WRITER_H
#define INFRAC_WRITER_H

#include <stdbool.h>
#include "out.h"

/* What identifies a file's present content without reading it: any write,
 * rename onto it or metadata change moves ctime, and a file made anew has
 * another inode. Times in nanoseconds. */
typedef struct file_id {
    unsigned long long dev, ino, size;
    long long mtime, ctime;
} file_id;

bool file_id_same(const file_id *x, const file_id *y);
/* When the file open as fd (or at path, fd < 0) was created, in ns; 0 where
 * the file system does not say. Unlike an inode number, which a new file
 * may reuse at once, it tells one file from the next. */
long long file_birth(int fd, const char *path);
/* lstat (follow = false) or stat; false when absent or not a regular file. */
bool file_id_of(const char *path, bool follow, file_id *id);

/* NULL when infrac may write rel, else the reason it may not. */
const char *writer_path_problem(const char *rel);
bool writer_path_is_safe(const char *rel);

#define WRITER_ROOT '/'
#define WRITER_ROOT_DIR ".github/"      /* the only files kept at the root */
/* Does rel lie at the work tree's root (it starts with WRITER_ROOT)? */
bool writer_at_root(const char *rel);
/* writer_path_problem, also taking a path at the root (under .github/). */
const char *writer_place_problem(const char *rel);
/* Where rel is: dir/rel, or root/rel for a path at the root; NULL for a
 * path at the root when there is no root. */
const char *writer_locate(arena *a, const char *dir, const char *root, const char *rel);

/* Reads a regular file of any size, NUL-terminated, without following a
 * final symlink and without blocking on a FIFO or device: NULL (errno set)
 * when absent or not a regular file. id (may be NULL) gets the identity of
 * what was read. */
char *writer_read(arena *a, const char *path, size_t *len, file_id *id);

typedef struct writer {
    arena *a;
    diag_ctx *d;
    const char *dir;        /* the target */
    const char *root;       /* the work tree's root, for paths at the root; NULL: the target is the root, or in none */
    strmap checked;         /* directories known to be real in this run */
    ptrvec created;         /* absolute paths of directories made, outermost first */
    strmap touched;         /* directories whose entries changed (for writer_sync) */
    ptrvec touched_list;
} writer;

void writer_init(writer *w, const char *dir, arena *a, diag_ctx *d);
/* mkdir -p for the target itself (symlinks on the way to it are the user's). */
int writer_make_target(writer *w);
/* Creates rel's parent directories inside the target, refusing symlinks. */
int writer_prepare_dirs(writer *w, const char *rel);
/* Checks, creating nothing, that every existing parent of rel is a real
 * directory (on the target's file system, for a path at the root): removing
 * or renaming there stays inside the target. */
int writer_check_dirs(writer *w, const char *rel);
/* Removes the directories this writer created, deepest first, when empty. */
void writer_undo(writer *w);

/* Writes data to a new file in the directory dir_rel (created if needed), flushed
 * to disk unless sync is false, executable when exec (0755, else 0644); its
 * name (relative to the target) and identity go to *name and *id. */
int writer_stage(writer *w, const char *dir_rel, const char *data, size_t len, bool sync, bool exec, const char **name,
                 file_id *id);
/* Is the regular file at path (not followed) executable by its owner? */
bool writer_is_executable(const char *path);
/* rename(from, to) inside the target, to's directories checked or made. */
int writer_rename(writer *w, const char *from, const char *to);
/* Removes rel and the directories it leaves empty, up to the target (or the root). */
int writer_remove(writer *w, const char *rel);
/* Writes rel (in the target) atomically (temporary file + rename); an unchanged file is left alone. */
int writer_put(writer *w, const char *rel, const char *data, size_t len);
/* The same for a file whose content names the file itself: text() is given
 * the identity (device, inode; ctime holds its birth, file_birth) of the new
 * file before anything is written to it, which the rename keeps. A file that says who it is cannot have
 * come from a checkout or a copy (see local.h). */
typedef const char *(*writer_text_fn)(void *ctx, const file_id *self, size_t *len);
int writer_put_self(writer *w, const char *rel, writer_text_fn text, void *ctx);
/* Flushes every directory whose entries this writer changed: an fsync
 * each, or for more than WRITER_SYNC_EACH the target's file system once. */
int writer_sync(writer *w);
/* Flushes the target's whole file system. Each fsync on a journaling file
 * system waits for a commit of its own; one syncfs waits for one (and for
 * whatever else is dirty there), so it wins beyond a handful of files:
 * a fresh MindWell build flushed file by file took 42 ms, with syncfs 27
 * (20 without flushing), on the project's machine. */
int writer_sync_fs(writer *w);
#define WRITER_SYNC_EACH 8

/* One file, atomically, without keeping a writer: for the git index's
 * sources and the pre-commit hook. */
int writer_put_file(const char *dir, const char *rel, const char *data, size_t len, diag_ctx *d);
/* Removes a scratch directory and everything in it (symlinks not followed). */
int writer_remove_tree(const char *dir);

#endif
