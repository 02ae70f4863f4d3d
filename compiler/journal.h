/* journal.h — the all-or-nothing write, and finishing one a crash left.
 *
 * A build stages every new file in .infrac/local/staging/ (flushed to
 * disk), then commits a journal, .infrac/local/journal, naming each rename
 * and removal, then performs them, flushes the directories it changed and
 * deletes the journal. Killed before the journal is committed, the tree is
 * as it was; after, the next build finishes the journal: all old, or all new.
 *
 * The journal is only ever obeyed if it is this machine's own. It lives
 * outside what git checks out (.infrac/local/ is ignored), and more than
 * that, every entry carries the identity (device, inode, size, times) of
 * the very file it acts on: the staged file to rename, the file to remove.
 * A journal that came with a commit, a copy or an edit names files whose
 * inodes and ctimes no one could have known, so nothing in it matches; it
 * is then discarded whole, with a warning, and nothing is done. Paths are
 * checked as any output path (no .git, no .., no absolute; a file at the
 * work tree's root only under .github/, and only when the target has such a
 * root), and staged files must lie directly in the staging directory.
 */
#ifndef INFRAC_JOURNAL_H
#define INFRAC_JOURNAL_H

#include <stdbool.h>
#include "writer.h"

#define JOURNAL_PATH ".infrac/local/journal"
#define JOURNAL_STAGING ".infrac/local/staging"

typedef struct journal_op {
    const char *path;       /* the file replaced, made or removed (relative to the target, or at the root: writer.h) */
    const char *staged;     /* the staged file that becomes it; NULL: remove path */
    file_id id;             /* the staged file's identity, or the removed file's */
} journal_op;

/* Commits the journal of ops (journal_op*), durably. */
int journal_commit(writer *w, const ptrvec *ops);
/* Performs ops, flushes what changed and deletes the journal. */
int journal_apply(writer *w, const ptrvec *ops);
/* Finishes (or discards) a journal an earlier run left: 0 when there was
 * none or it was handled, -1 after reporting. Leftover staged files of a
 * run killed before its journal are removed. */
int journal_recover(writer *w);
bool journal_pending(const char *dir, arena *a);

#endif
