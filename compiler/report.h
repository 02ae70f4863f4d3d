/* report.h — diagnostics and drift as text, JSON or SARIF 2.1.0.
 *
 * Text goes the usual way (diagnostics on stderr, gcc style; drift lines on
 * stdout). JSON and SARIF are one document on stdout, written with jansson,
 * for CI: SARIF is what GitHub code scanning reads, with every result at its
 * .infra location (or, for drift, at the generated file). */
#ifndef INFRAC_REPORT_H
#define INFRAC_REPORT_H

#include <stdio.h>
#include "diag.h"
#include "repo.h"

typedef enum { REPORT_TEXT, REPORT_JSON, REPORT_SARIF } report_format;

/* -1 for an unknown name. */
int report_format_parse(const char *name);

typedef struct report_drift {
    const char *path;
    repo_drift_kind kind;
} report_drift;

const char *report_drift_text(repo_drift_kind k);

/* Where a rule is documented: its anchor in docs/RULES.md under the docs URL
 * the binary was built with (make DOCS_URL=...). Valid until the next call. */
const char *report_rule_uri(const char *id);

/* How JSON and SARIF name files: sources relative to the root of their
 * repository (name() maps a source's path as compiled), generated files
 * relative to the target's repository root (drift_prefix goes before a
 * target-relative path; a file at the root, "/.github/...", is named
 * without its mark). Text output keeps paths as typed, and names generated
 * files from the target (root_prefix before a file at the root). */
typedef struct report_names {
    const char *(*name)(void *ctx, const char *path);
    void *ctx;
    const char *drift_prefix;
    const char *root_prefix;
} report_names;

/* Emits everything in the chosen format: JSON and SARIF are always one
 * whole document, with no results when there is nothing to say. drift may
 * be NULL (build). */
void report_emit(report_format f, const diag_ctx *d, const ptrvec *drift, FILE *out);
void report_emit_in(report_format f, const diag_ctx *d, const ptrvec *drift, const report_names *names, FILE *out);

#endif
