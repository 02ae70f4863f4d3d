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

/* Emits everything in the chosen format. drift may be NULL (build). */
void report_emit(report_format f, const diag_ctx *d, const ptrvec *drift, FILE *out);

#endif
