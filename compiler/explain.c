/* explain.c — `infrac explain`: the policy rules the stdlib declares, read
 * from the same declarations the checker uses, so the help cannot drift
 * from what is checked. */
#include "explain.h"

#include <string.h>

#include "load.h"
#include "pol.h"

static void print_matches(const pol_rule *r, FILE *out)
{
    for (size_t i = 0; i < r->matches.len; i++) {
        const pol_match *m = r->matches.items[i];
        fprintf(out, "%s%s", i ? "; " : "", target_table[m->target].name);
        for (size_t j = 0; j < m->types.len; j++)
            fprintf(out, " %s", (const char *)m->types.items[j]);
    }
    if (!r->matches.len)
        fputs("every cloud resource's name (checked by the compiler)", out);
}

static void print_rule(const pol_rule *r, FILE *out)
{
    fprintf(out, "%s (%s, pack %s)\n  %s\n\n", r->id, pol_severity_name(r->declared), r->pack, r->title);
    fprintf(out, "Why:   %s\nFix:   %s\n", r->rationale, r->fix);
    fprintf(out, "Ids:   Checkov %s, Trivy %s\n", r->checkov ? r->checkov : "-", r->trivy ? r->trivy : "-");
    fputs("Where: ", out);
    print_matches(r, out);
    fprintf(out, "\n       (declared at %s:%d; suppress with @allow(%s, \"reason\"))\n", r->loc.file->path,
            r->loc.line, r->id);
}

/* A table cell: '|' would end the cell early. */
static void cell(const char *s, FILE *out)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputc('\\', out);
        fputc(*s, out);
    }
}

static void print_markdown(const ptrvec *rules, FILE *out)
{
    fputs("| Rule | Severity | Pack | What must hold | Checkov | Trivy | Applies to |\n", out);
    fputs("|---|---|---|---|---|---|---|\n", out);
    for (size_t i = 0; i < rules->len; i++) {
        const pol_rule *r = rules->items[i];
        /* the anchor SARIF reports link to (helpUri) */
        fprintf(out, "| <a id=\"%s\"></a>`%s` | %s | %s | ", r->id, r->id, pol_severity_name(r->declared), r->pack);
        cell(r->title, out);
        fprintf(out, " | %s | %s | ", r->checkov ? r->checkov : "", r->trivy ? r->trivy : "");
        print_matches(r, out);
        fputs(" |\n", out);
    }
}

int explain_run(const char *what, const char *stdlib_dir, FILE *out)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    ptrvec files = {0};
    load_program(a, &d, stdlib_dir, NULL, 0, &files);
    program *p = sema_program(a, &d, &files);
    pol_state *ps = pol_begin(p);
    int rc = 0;
    const ptrvec *rules = pol_rules(ps);
    if (d.errors) {
        diag_print(&d, stderr, diag_want_colour(stderr));
        rc = 2;
    } else if (!strcmp(what, "--list")) {
        for (size_t i = 0; i < rules->len; i++) {
            const pol_rule *r = rules->items[i];
            fprintf(out, "%-32s %-8s %-9s %s\n", r->id, pol_severity_name(r->declared), r->pack, r->title);
        }
    } else if (!strcmp(what, "--markdown")) {
        print_markdown(rules, out);
    } else if (pol_find(ps, what)) {
        print_rule(pol_find(ps, what), out);
    } else {
        fprintf(stderr, "infrac: no rule named '%s' (infrac explain --list shows them all)\n", what);
        rc = 2;
    }
    arena_free(a);
    return rc;
}
