/* pol_impl.h — what the files of the policy stage share (pol.c, pol_eval.c,
 * pol_names.c); other stages use pol.h. */
#ifndef INFRAC_POL_IMPL_H
#define INFRAC_POL_IMPL_H

#include "pol.h"

typedef struct pol_pack {
    const char *name, *extends;
    const ast_item *decl;
    bool enabled;
} pol_pack;

typedef struct finding {
    const pol_rule *rule;
    src_loc loc;
    const char *msg;
    ptrvec envs;                /* const char*: where it holds (empty: workflows) */
    const char *reason;         /* suppressed: the reason given */
} finding;

typedef struct allow_rec {
    const ast_annot *an;
    const char *rule;           /* the rule it allows ("naming.convention" for @legacy);
                                   NULL when the annotation is invalid (reported) */
    bool used;
} allow_rec;

typedef struct match_ref {
    const pol_rule *rule;
    const pol_match *m;
} match_ref;

struct pol_state {
    const program *p;
    arena *a;                   /* the compilation's: rules, findings, messages */
    diag_ctx *d;
    arena *scratch;             /* one block's evaluation, reset after each */
    pattern_cache *patterns;    /* rules match the same patterns in every block */
    const char *env;            /* the environment being checked; NULL for workflows */
    const char *env_name;       /* the name rules see where ENV_MARK stands (value.h) */
    ptrvec packs;               /* pol_pack* */
    ptrvec rules;               /* pol_rule* (all packs) */
    strmap by_id;               /* id -> pol_rule* */
    strmap exact[TARGET_COUNT]; /* per target: block type -> ptrvec* of match_ref (enabled rules) */
    ptrvec globbed[TARGET_COUNT]; /* per target: match_ref* whose type has a '*' */
    ptrvec findings;            /* finding*, first-found order */
    strmap finding_by_key;
    ptrvec annots;              /* allow_rec* of every annotation seen, first-seen order
                                   (a program has few: a list is enough) */
    strmap global_names;        /* naming.unique: globally scoped name -> first env using it */
    ptrmap checked;             /* ir_block* -> block_check* (pol_eval.c): a block that
                                   environments share is checked once */
    const value *limits;        /* the stdlib's resource_name_limits last indexed ... */
    strmap limits_by_type;      /* ... by block type (pol_names.c) */
    size_t nenvs_checked;
    eval_budget budget;         /* what the rules evaluated on the block being checked took */
    const ir_block *block;      /* the block being checked, whose annotations allow too */
};

/* pol.c: a finding of rule r about resource res (NULL: none) at loc; msg is copied. */
finding *pol_add_finding(pol_state *ps, const pol_rule *r, const resource *res, src_loc loc, const char *msg);

/* pol.c: validates the annotations written in a target block. */
void pol_note_block_annots(pol_state *ps, const ir_block *b);

/* pol.c: the finding holds in the environment being checked too. */
void pol_found_again(pol_state *ps, finding *f);

/* pol.c: a finding of the rule with this id, if it is enabled. */
void pol_name_finding(pol_state *ps, const char *id, const resource *res, src_loc loc, const char *msg);

/* pol.c: where the user wrote what produced a value of block b: the value's
 * own location when it is in the program, else the resource that was lowered. */
src_loc pol_user_loc(src_loc l, const ir_block *b);

/* pol_names.c: the names of es's instances against their kinds' limits,
 * scopes and the convention. */
void pol_names_check_env(pol_state *ps, env_state *es);

/* pol_names.c: the name attribute of an emitted block against the stdlib's
 * resource_name_limits for its type (messages in the arena a). */
void pol_names_check_block(pol_state *ps, env_state *es, arena *a, const ir_block *b, const char *type);

#endif
