/* report.c — see report.h. */
#include "report.h"
#include "version.h"
#include "writer.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>


#ifndef INFRAC_DOCS_URL
#define INFRAC_DOCS_URL "https://github.com/infrac/infrac/blob/main/docs"
#endif

const char *report_rule_uri(const char *id)
{
    static char uri[512];
    snprintf(uri, sizeof uri, "%s/RULES.md#%s", INFRAC_DOCS_URL, id);
    return uri;
}

static const char *drift_ids[DRIFT_KINDS] = {"drift/stale", "drift/missing", "drift/edited", "drift/orphan",
                                             "drift/unowned", "drift/conflict", "drift/unstaged"};

int report_format_parse(const char *name)
{
    if (!strcmp(name, "text"))
        return REPORT_TEXT;
    if (!strcmp(name, "json"))
        return REPORT_JSON;
    if (!strcmp(name, "sarif"))
        return REPORT_SARIF;
    return -1;
}

const char *report_drift_text(repo_drift_kind k)
{
    static const char *words[DRIFT_KINDS] = {
        "stale (it differs from what the program produces; run infrac build)", "missing (run infrac build)",
        "edited by hand (it changed since infrac wrote it; move the change into the .infra program)",
        "no longer produced (run infrac build to remove it)", "not owned by infrac (move it away)",
        "in a merge conflict (run infrac build: it regenerates the file)",
        "not staged (the work tree holds the rebuilt file; git add it)",
    };
    return words[k];
}

static const char *severity_name(diag_severity s)
{
    return s == DIAG_ERROR ? "error" : s == DIAG_WARNING ? "warning" : "note";
}

/* A program's file relative to its work tree; a stdlib file as it was loaded. */
static const char *file_name(const report_names *n, const src_file *f)
{
    return n && n->name && !f->stdlib ? n->name(n->ctx, f->path) : f->path;
}

static const char *drift_name(const report_names *n, arena *a, const char *path)
{
    if (writer_at_root(path))
        return path + 1;
    return n && n->drift_prefix && *n->drift_prefix ? arena_printf(a, "%s%s", n->drift_prefix, path) : path;
}

static const char *rule_id(const diag *g)
{
    return g->id ? g->id : "input";
}

/* ---- JSON ---- */

static void emit_json(const diag_ctx *d, const ptrvec *drift, const report_names *names, FILE *out)
{
    json_t *root = json_object(), *diags = json_array();
    for (size_t i = 0; i < d->items.len; i++) {
        const diag *g = d->items.items[i];
        json_t *o = json_object();
        json_object_set_new(o, "severity", json_string(severity_name(g->severity)));
        if (g->id)
            json_object_set_new(o, "rule", json_string(g->id));
        if (g->loc.file) {
            json_object_set_new(o, "file", json_string(file_name(names, g->loc.file)));
            json_object_set_new(o, "line", json_integer(g->loc.line));
            json_object_set_new(o, "column", json_integer(g->loc.col));
        }
        json_object_set_new(o, "message", json_string(g->message));
        if (g->rule && g->rule->fix)
            json_object_set_new(o, "fix", json_string(g->rule->fix));
        if (g->suppressed)
            json_object_set_new(o, "suppressed", json_string(g->suppressed));
        json_array_append_new(diags, o);
    }
    json_object_set_new(root, "diagnostics", diags);
    if (drift) {
        json_t *arr = json_array();
        for (size_t i = 0; i < drift->len; i++) {
            const report_drift *r = drift->items[i];
            json_t *o = json_object();
            json_object_set_new(o, "path", json_string(drift_name(names, d->a, r->path)));
            json_object_set_new(o, "kind", json_string(drift_ids[r->kind] + 6));
            json_array_append_new(arr, o);
        }
        json_object_set_new(root, "drift", arr);
    }
    json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(root);
}

/* ---- SARIF ---- */

static json_t *text_of(const char *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "text", json_string(s));
    return o;
}

static json_t *sarif_rule(const char *id, const char *summary, const char *help)
{
    json_t *r = json_object();
    json_object_set_new(r, "id", json_string(id));
    json_object_set_new(r, "shortDescription", text_of(summary));
    json_object_set_new(r, "help", text_of(help));
    json_t *conf = json_object();
    json_object_set_new(conf, "level", json_string("error"));
    json_object_set_new(r, "defaultConfiguration", conf);
    return r;
}

/* GitHub code scanning shows a security rule as Critical, High, Medium or
 * Low from this score (>= 9.0, >= 7.0, >= 4.0, > 0): a rule's declared
 * severity gives High, Medium or Low. Naming rules are not security rules
 * and get none, so they show as Error or Warning. */
static const char *security_severity(const diag_rule *pr)
{
    if (!strcmp(pr->pack, "core"))
        return NULL;
    return !strcmp(pr->level, "error") ? "7.5" : !strcmp(pr->level, "warning") ? "5.0" : "2.0";
}

/* The rule's page: help.markdown says what code scanning shows under an
 * alert; helpUri links to the rule's anchor in docs/RULES.md. */
static char *help_markdown(const diag_rule *pr)
{
    char *md = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&md, &n);
    if (!f)
        return NULL;
    fprintf(f, "**%s** (`%s`, %s, pack %s)\n\n%s\n\n**Fix:** %s\n", pr->title, pr->id, pr->level, pr->pack,
            pr->rationale, pr->fix);
    if (pr->checkov || pr->trivy)
        fprintf(f, "\nThe same check elsewhere: %s%s%s%s%s.\n", pr->checkov ? "Checkov " : "", pr->checkov ? pr->checkov : "",
                pr->checkov && pr->trivy ? ", " : "", pr->trivy ? "Trivy " : "", pr->trivy ? pr->trivy : "");
    fprintf(f, "\nSuppress it for one resource with `@allow(%s, \"reason\")`; `infrac explain %s` says more.\n", pr->id,
            pr->id);
    fclose(f);
    return md;
}

static json_t *tags_of(const diag_rule *pr)
{
    json_t *tags = json_array();
    json_array_append_new(tags, json_string(strcmp(pr->pack, "core") ? "security" : "naming"));
    json_array_append_new(tags, json_string(pr->pack));
    size_t family = strcspn(pr->id, ".");
    if (strncmp(pr->id, "naming", family) != 0)
        json_array_append_new(tags, json_stringn(pr->id, family));     /* "s3", "aks", "gha" */
    return tags;
}

/* A policy rule: title, rationale, fix, level, scores, tags and the
 * matching scanner ids. */
static json_t *sarif_policy_rule(const diag_rule *pr)
{
    json_t *r = sarif_rule(pr->id, pr->title, pr->fix);
    json_object_set_new(r, "fullDescription", text_of(pr->rationale));
    json_object_set_new(r, "helpUri", json_string(report_rule_uri(pr->id)));
    char *md = help_markdown(pr);
    if (md)
        json_object_set_new(json_object_get(r, "help"), "markdown", json_string(md));
    free(md);
    json_object_set_new(json_object_get(r, "defaultConfiguration"), "level",
                        json_string(!strcmp(pr->level, "info") ? "note" : pr->level));
    json_t *props = json_object();
    json_object_set_new(props, "tags", tags_of(pr));
    if (security_severity(pr))
        json_object_set_new(props, "security-severity", json_string(security_severity(pr)));
    if (pr->checkov)
        json_object_set_new(props, "checkov", json_string(pr->checkov));
    if (pr->trivy)
        json_object_set_new(props, "trivy", json_string(pr->trivy));
    json_object_set_new(r, "properties", props);
    return r;
}

static json_t *sarif_location(const char *uri, int line, int col, int end_line, int end_col)
{
    json_t *art = json_object(), *phys = json_object(), *loc = json_object();
    json_object_set_new(art, "uri", json_string(uri));
    json_object_set_new(phys, "artifactLocation", art);
    if (line > 0) {
        json_t *region = json_object();
        json_object_set_new(region, "startLine", json_integer(line));
        json_object_set_new(region, "startColumn", json_integer(col > 0 ? col : 1));
        if (end_line >= line && end_col > 0) {
            json_object_set_new(region, "endLine", json_integer(end_line));
            json_object_set_new(region, "endColumn", json_integer(end_col));
        }
        json_object_set_new(phys, "region", region);
    }
    json_object_set_new(loc, "physicalLocation", phys);
    return loc;
}

static json_t *sarif_result(const char *rule, const char *level, const char *message, json_t *location)
{
    json_t *r = json_object(), *locs = json_array();
    json_object_set_new(r, "ruleId", json_string(rule));
    json_object_set_new(r, "level", json_string(level));
    json_object_set_new(r, "message", text_of(message));
    if (location)
        json_array_append_new(locs, location);
    json_object_set_new(r, "locations", locs);
    return r;
}

static json_t *sarif_rules(const diag_ctx *d, bool with_drift)
{
    json_t *rules = json_array();
    json_array_append_new(rules, sarif_rule("input", "Invalid .infra program",
        "The program does not parse or type-check; the message says what and where. Nothing was written."));
    strmap seen;
    strmap_init(&seen, d->a);
    for (size_t i = 0; i < d->items.len; i++) {
        const diag *g = d->items.items[i];
        if (g->id && !strmap_has(&seen, g->id)) {
            strmap_put(&seen, g->id, NULL);
            json_array_append_new(rules, g->rule ? sarif_policy_rule(g->rule) : sarif_rule(g->id, g->id, g->message));
        }
    }
    for (int k = 0; with_drift && k < DRIFT_KINDS; k++)
        json_array_append_new(rules, sarif_rule(drift_ids[k], report_drift_text((repo_drift_kind)k),
            "Generated files must match what infrac produces from the program: run `infrac build` "
            "and commit the result, and make changes in the .infra program, not in generated files."));
    return rules;
}

static void emit_sarif(const diag_ctx *d, const ptrvec *drift, const report_names *names, FILE *out)
{
    json_t *results = json_array();
    for (size_t i = 0; i < d->items.len; i++) {
        const diag *g = d->items.items[i];
        if (g->severity == DIAG_NOTE && !g->loc.file)
            continue;
        json_t *loc = g->loc.file ? sarif_location(file_name(names, g->loc.file), g->loc.line, g->loc.col,
                                                   g->loc.end_line, g->loc.end_col) : NULL;
        json_t *res = sarif_result(rule_id(g), severity_name(g->severity), g->message, loc);
        if (g->suppressed) {
            json_t *sup = json_object(), *sups = json_array();
            json_object_set_new(sup, "kind", json_string("inSource"));
            json_object_set_new(sup, "justification", json_string(g->suppressed));
            json_array_append_new(sups, sup);
            json_object_set_new(res, "suppressions", sups);
        }
        json_array_append_new(results, res);
    }
    for (size_t i = 0; drift && i < drift->len; i++) {
        const report_drift *r = drift->items[i];
        json_array_append_new(results, sarif_result(drift_ids[r->kind], "error", report_drift_text(r->kind),
                                                    sarif_location(drift_name(names, d->a, r->path), 0, 0, 0, 0)));
    }
    json_t *driver = json_object();
    json_object_set_new(driver, "name", json_string("infrac"));
    json_object_set_new(driver, "version", json_string(INFRAC_VERSION));
    json_object_set_new(driver, "rules", sarif_rules(d, drift != NULL));
    json_t *tool = json_object(), *run = json_object(), *runs = json_array(), *root = json_object();
    json_object_set_new(tool, "driver", driver);
    json_object_set_new(run, "tool", tool);
    json_object_set_new(run, "results", results);
    json_array_append_new(runs, run);
    json_object_set_new(root, "$schema", json_string("https://json.schemastore.org/sarif-2.1.0.json"));
    json_object_set_new(root, "version", json_string("2.1.0"));
    json_object_set_new(root, "runs", runs);
    json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(root);
}

void report_emit(report_format f, const diag_ctx *d, const ptrvec *drift, FILE *out)
{
    report_emit_in(f, d, drift, NULL, out);
}

void report_emit_in(report_format f, const diag_ctx *d, const ptrvec *drift, const report_names *names, FILE *out)
{
    if (f == REPORT_JSON) {
        emit_json(d, drift, names, out);
    } else if (f == REPORT_SARIF) {
        emit_sarif(d, drift, names, out);
    } else {
        for (size_t i = 0; drift && i < drift->len; i++) {
            const report_drift *r = drift->items[i];
            fprintf(out, "%s: %s\n", repo_display(d->a, r->path, names ? names->root_prefix : NULL),
                    report_drift_text(r->kind));
        }
        diag_print(d, stderr, diag_want_colour(stderr));
    }
}
