/* local.h — what infrac knows about a target on this machine only.
 *
 * .infrac/local/ (kept out of commits by .infrac/.gitignore) holds:
 *   lock     taken by every build (fcntl record lock: the kernel drops it
 *            when its process ends, so a crash never leaves a stale lock);
 *   state    the record of the work tree as infrac last wrote or verified
 *            it: each file with its identity (file_id: device, inode, size,
 *            mtime, ctime), and for files infrac wrote, a hash of what it
 *            wrote; and where its files at the root of the work tree lie
 *            (writer.h), so a check answers without asking git again;
 *   staged   the same for `check --staged`: the git index's checksum;
 *   journal  and staging/: an unfinished write (journal.c).
 *
 * A record is read only if it names itself: its first lines hold the
 * device, inode and birth time of the very file they are in, which infrac
 * learns when it creates the file (the birth time, where the file system
 * keeps one, because a new file may reuse a freed inode number at once). A checkout or a copy makes a new file, so a record that
 * came with a commit is not read at all, whatever entries it lists (one that
 * listed only files that must be absent would otherwise pass for an
 * unchanged tree). A record is trusted for a file only while the file's
 * identity is exactly the recorded one. A checkout, a copy or another machine gives every file
 * a new inode and ctime, which no one can choose, so a record that came
 * with a commit (or was edited) matches nothing and proves nothing: it is
 * a cache, not evidence. An entry whose ctime is not older than the moment
 * the record was begun (its stamp) is "racy", as in git's index: the file
 * could have changed again within the same clock tick without its ctime
 * moving, so such an entry is confirmed by content (hash) or not used.
 */
#ifndef INFRAC_LOCAL_H
#define INFRAC_LOCAL_H

#include <stdbool.h>
#include "writer.h"

#define LOCAL_DIR ".infrac/local"
#define LOCAL_STATE ".infrac/local/state"
#define LOCAL_STAGED ".infrac/local/staged"
#define LOCAL_LOCK ".infrac/local/lock"

typedef struct local_entry {
    const char *path;       /* relative to the target (inputs may start with ../) */
    char kind;              /* 'f' regular file, 'd' directory, '-' must not exist */
    bool follow;            /* looked at through symlinks, as the loader reads inputs */
    file_id id;
    bool hashed;
    unsigned long long hash;    /* local_hash of what infrac wrote */
} local_entry;

typedef struct local_record {
    const char *root;       /* where its paths at the root lie (writer.h), NULL: none */
    file_id self;           /* the record file's own device, inode and birth (in ctime), as it says */
    const char *key;        /* build id, mode and program: another's record is not used */
    long long stamp;        /* ns: entries changed at or after it are racy */
    ptrvec entries;         /* local_entry* */
    strmap by_path;
    const char *index_sum;  /* --staged: the index's trailing checksum, hex */
    const char *index_path; /*   where the index was */
    local_entry git_entry;  /*   the work tree's .git, as it was */
} local_record;

void local_record_init(local_record *r, arena *a, const char *key);
/* Reads dir/name; false (and an empty record) when absent or not a record. */
bool local_read(local_record *r, arena *a, const char *dir, const char *name);
/* Writes it atomically (making .infrac/local if needed); failing to is not
 * an error: it is a cache. */
void local_write(const local_record *r, writer *w, const char *name);
/* Adds (or replaces) an entry: the file at dir/path (or r->root's, for a
 * path at the root) as it is now. */
local_entry *local_note(local_record *r, arena *a, const char *dir, const char *path, bool follow);
local_entry *local_note_id(local_record *r, arena *a, const char *path, const file_id *id);
/* What is at path now, as an entry (its path not set). */
local_entry local_stat(const char *path, bool follow);
/* Adds (or replaces) a copy of another record's entry. */
local_entry *local_keep(local_record *r, arena *a, const local_entry *e);

/* The coarse clock file systems stamp files with, in ns. */
long long local_now(void);
unsigned long long local_hash(const char *data, size_t len);

/* Is every entry still exactly as recorded (and none racy)? The fast path
 * of check: true means the tree is what infrac last verified. */
bool local_unchanged(const local_record *r, const char *dir);
/* Does the file at path, now with identity id and content data, hold what
 * infrac wrote or verified there on this machine? */
bool local_proves(const local_record *r, const char *path, const file_id *id, const char *data, size_t len);

/* The target's lock: exclusive for a build (made if missing), shared for a
 * check (only if a lock file exists; waits for a build to finish). Returns
 * the descriptor to pass to local_unlock, or -1 after reporting (exclusive)
 * / when there is nothing to lock (shared). */
int local_lock(writer *w);
int local_lock_shared(const char *dir);
void local_unlock(int fd);
/* The lock of a whole git work tree, taken by a build after its target's:
 * builds into different targets of one repository may write the same file
 * at its root (.github/workflows/), and the second must see what the first
 * wrote before it decides whether that file is its own. An flock on the
 * root directory, waited for (builds are short); -1 where the file system
 * cannot lock a directory, and the build goes on with its target's lock. */
int local_lock_root(const char *root);

#endif
