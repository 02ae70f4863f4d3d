/* gitapi.h — libgit2, loaded when first needed, and started once.
 *
 * Loading libgit2 and the libraries it links (TLS, SSH, HTTP, regex) costs
 * more than a whole compile, and starting it (git_libgit2_init) parses the
 * system's CA bundle, which costs more again; most runs never talk to git:
 * `infrac check` of an unchanged tree, `build -o DIR`. So the library is
 * opened with dlopen on first use, started then, and never shut down (the
 * process ends instead: a second start would parse the bundle again). Its
 * functions are called through this table. Files that use libgit2 include
 * this header after <git2.h>; every call looks the same as a direct one.
 * If the library cannot be loaded, infrac says so and exits 2.
 */
#ifndef INFRAC_GITAPI_H
#define INFRAC_GITAPI_H

#include <stdbool.h>
#include <git2.h>

#define GITAPI_FUNCTIONS(X) \
    X(git_blob_free) X(git_blob_lookup) X(git_blob_rawcontent) \
    X(git_blob_rawsize) X(git_buf_dispose) X(git_commit_create) X(git_commit_tree_id) X(git_config_free) \
    X(git_config_get_path) X(git_diff_buffers) X(git_diff_free) X(git_diff_get_delta) X(git_diff_num_deltas) \
    X(git_diff_tree_to_index) X(git_error_last) X(git_ignore_path_is_ignored) X(git_index_add_bypath) \
    X(git_index_entry_stage) \
    X(git_index_entrycount) X(git_index_free) X(git_index_get_byindex) X(git_index_get_bypath) \
    X(git_index_open) X(git_index_remove_bypath) X(git_index_write) X(git_index_write_tree) \
    X(git_libgit2_init) X(git_object_free) X(git_odb_hash) X(git_oid_equal) X(git_repository_commondir) \
    X(git_repository_config_snapshot) X(git_repository_free) X(git_repository_index) X(git_repository_is_bare) \
    X(git_repository_open_ext) X(git_repository_path) X(git_repository_workdir) X(git_revparse_single) \
    X(git_signature_default) X(git_signature_free) X(git_tree_free) X(git_tree_lookup)

typedef struct gitapi {
#define GITAPI_POINTER(name) __typeof__(name) *name;
    GITAPI_FUNCTIONS(GITAPI_POINTER)
#undef GITAPI_POINTER
} gitapi;

/* The loaded and started table (loading and starting it on first call). */
const gitapi *gitapi_get(void);
/* Has libgit2 been loaded in this process? (for the tests of start-up) */
bool gitapi_loaded(void);

#ifndef GITAPI_IMPLEMENTATION
#define git_blob_free (gitapi_get()->git_blob_free)
#define git_blob_lookup (gitapi_get()->git_blob_lookup)
#define git_blob_rawcontent (gitapi_get()->git_blob_rawcontent)
#define git_blob_rawsize (gitapi_get()->git_blob_rawsize)
#define git_buf_dispose (gitapi_get()->git_buf_dispose)
#define git_commit_create (gitapi_get()->git_commit_create)
#define git_commit_tree_id (gitapi_get()->git_commit_tree_id)
#define git_config_free (gitapi_get()->git_config_free)
#define git_config_get_path (gitapi_get()->git_config_get_path)
#define git_diff_buffers (gitapi_get()->git_diff_buffers)
#define git_diff_free (gitapi_get()->git_diff_free)
#define git_diff_get_delta (gitapi_get()->git_diff_get_delta)
#define git_diff_num_deltas (gitapi_get()->git_diff_num_deltas)
#define git_diff_tree_to_index (gitapi_get()->git_diff_tree_to_index)
#define git_error_last (gitapi_get()->git_error_last)
#define git_ignore_path_is_ignored (gitapi_get()->git_ignore_path_is_ignored)
#define git_index_add_bypath (gitapi_get()->git_index_add_bypath)
#define git_index_entry_stage (gitapi_get()->git_index_entry_stage)
#define git_index_entrycount (gitapi_get()->git_index_entrycount)
#define git_index_free (gitapi_get()->git_index_free)
#define git_index_get_byindex (gitapi_get()->git_index_get_byindex)
#define git_index_get_bypath (gitapi_get()->git_index_get_bypath)
#define git_index_open (gitapi_get()->git_index_open)
#define git_index_remove_bypath (gitapi_get()->git_index_remove_bypath)
#define git_index_write (gitapi_get()->git_index_write)
#define git_index_write_tree (gitapi_get()->git_index_write_tree)
#define git_libgit2_init (gitapi_get()->git_libgit2_init)
#define git_object_free (gitapi_get()->git_object_free)
#define git_odb_hash (gitapi_get()->git_odb_hash)
#define git_oid_equal (gitapi_get()->git_oid_equal)
#define git_repository_commondir (gitapi_get()->git_repository_commondir)
#define git_repository_config_snapshot (gitapi_get()->git_repository_config_snapshot)
#define git_repository_free (gitapi_get()->git_repository_free)
#define git_repository_index (gitapi_get()->git_repository_index)
#define git_repository_is_bare (gitapi_get()->git_repository_is_bare)
#define git_repository_open_ext (gitapi_get()->git_repository_open_ext)
#define git_repository_path (gitapi_get()->git_repository_path)
#define git_repository_workdir (gitapi_get()->git_repository_workdir)
#define git_revparse_single (gitapi_get()->git_revparse_single)
#define git_signature_default (gitapi_get()->git_signature_default)
#define git_signature_free (gitapi_get()->git_signature_free)
#define git_tree_free (gitapi_get()->git_tree_free)
#define git_tree_lookup (gitapi_get()->git_tree_lookup)
#endif

#endif
