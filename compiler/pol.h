/* pol.h — policies: naming conventions and security rules, checked at
 * compile time and reported at the .infra line that caused them.
 *
 * Rules are declared in the language, in stdlib packs (`policy baseline
 * { rule "kv.purge_protection" { ... } }`); a program enables packs with
 * `use policy.NAME` and may change a rule's severity in its project block
 * (`rule_severity = { "s3.access_logging" = "warning" }`). The `core` pack
 * (naming, suppressions) is always on. Rules are evaluated per environment on
 * the lowered IR, raw target blocks included; see docs/POLICY.md.
 *
 * pol.c reads the declarations and keeps the findings; pol_eval.c evaluates
 * rules on blocks; pol_names.c checks names (pol_impl.h joins them).
 */
#ifndef INFRAC_POL_H
#define INFRAC_POL_H

#include "lower.h"

typedef enum { POL_OFF, POL_INFO, POL_WARNING, POL_ERROR } pol_severity;

/* One way a rule applies: to blocks of a target whose type matches. */
typedef struct pol_match {
    ir_target target;
    ptrvec types;               /* const char*: "azurerm_key_vault", "Microsoft.Web/sites", "azurerm_*", "*" */
    const ast_expr *only, *each, *that, *at, *message;
    src_loc loc;
} pol_match;

typedef struct pol_rule {
    const char *id;             /* "kv.purge_protection" */
    const char *pack;
    const char *title, *rationale, *fix, *checkov, *trivy;
    pol_severity declared, severity;    /* as declared; after the program's overrides */
    pol_match dflt;             /* rule-level only/each/that/at/message, inherited */
    ptrvec matches;             /* pol_match* */
    src_loc loc;
    diag_rule info;             /* what reports say of it */
    bool needs_related;         /* its expressions read `related` */
} pol_rule;

typedef struct pol_state pol_state;

/* Reads every pack the program can see and the program's choice of packs and
 * severities. Declaration errors are reported through p->d. Findings and
 * their messages are kept in p->a. */
pol_state *pol_begin(const program *p);

/* Checks the naming rules and the annotations of an environment's
 * instances (after inst_evaluate). */
void pol_check_names(pol_state *ps, env_state *es);

/* Evaluates the enabled rules on the blocks of lo, lowered with es's values.
 * in_env: lo is es's environment; false for the workflows, which belong to
 * no environment. */
void pol_check_blocks(pol_state *ps, const lower_out *lo, env_state *es, bool in_env);

/* Reports every finding once (naming the environments when not all), every
 * suppression, and every suppression nothing used. */
void pol_finish(pol_state *ps);

/* Every rule declared, in declaration order (for `infrac explain`). */
const ptrvec *pol_rules(const pol_state *ps);
const pol_rule *pol_find(const pol_state *ps, const char *id);
const char *pol_severity_name(pol_severity s);

#endif
