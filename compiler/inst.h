/* inst.h — the resources of one environment (inst.c).
 *
 * inst_gather walks the program's declarations for one environment, with
 * for/when/if expanded, and creates an instance per resource (children of
 * resources included). Bodies are evaluated lazily, on first use, so a
 * resource can refer to another declared later; a reference cycle is
 * reported instead of recursing forever. An attribute is type-checked
 * against its kind as it is evaluated; missing required attributes and the
 * kinds' `check` blocks are checked once every instance exists.
 *
 * Everything an environment evaluates lives in its env_state, passed to
 * every function that needs it; the program itself is only read. The
 * env_state is also the evaluator's host (eval.h): it says what the
 * program's names mean in this environment.
 *
 * Environments as differences. The first environment evaluates and lowers
 * everything, noting for each resource whether what it evaluated looked at
 * the environment (the name itself is a placeholder, envname.h, that values
 * carry without looking: names and tags do not count), read something that
 * did, or depended on declarations that differ between environments. Every
 * other environment shares the first's body (and lowered blocks) of each
 * resource that did none of that, by pointer, and evaluates only the rest.
 */
#ifndef INFRAC_INST_H
#define INFRAC_INST_H

#include "eval.h"
#include "resource.h"

/* Attributes and nested blocks of one evaluated body (a resource's, or a
 * nested block's), after `when` overrides are merged in. */
typedef struct ebody {
    ptrvec names;               /* const char* */
    ptrvec vals;                /* value* */
    ptrvec locs;                /* src_loc* of each attribute's value */
    ptrvec depths;              /* holding `when`s each was set in (as uintptr_t): expand_clash */
    ptrvec blocks;              /* eblock* */
    ptrvec annots;              /* eannot*: the block's own and its attributes' */
    const schema *sch;          /* what it was checked against */
    struct instance *owner;     /* the resource it belongs to (defaults see it as self) */
} ebody;

/* An annotation in an evaluated body: on the block itself (attr NULL) or on
 * one of its attributes. */
typedef struct eannot {
    const ast_annot *an;
    const char *attr;
} eannot;

typedef struct eblock {
    const char *type;
    const char *label;          /* NULL when unlabelled */
    ebody *body;
    const schema *sch;
    src_loc loc;
} eblock;

/* The same resource declared again inside holding `when`s: its body is
 * expanded over the resource's own, overriding it (eval.h, expand_clash). */
typedef struct inst_layer {
    const ast_item *decl;
    scope *sc;
    int depth;                  /* holding `when`s the declaration stands in */
} inst_layer;

/* A resource in one environment. */
typedef struct instance instance;
struct instance {
    resource r;                 /* what other stages see of it (first: see inst_of) */
    struct env_state *es;       /* the environment it belongs to */
    const kind *k;
    const char *ident;          /* unique snake_case identifier: "core_workload" */
    const ast_item *decl;
    ptrvec items;               /* ast_item* of its body (whens included) */
    scope *sc;                  /* bindings where it was declared (loop vars) */
    int depth;                  /* holding `when`s its declaration stands in */
    ptrvec overrides;           /* inst_layer*, by depth: declarations of it in more `when`s */
    ebody *body;                /* evaluated and checked attributes */
    int state;                  /* 0 new, 1 evaluating, 2 done (cycle detection) */
    ptrvec children;            /* instance* */
    /* lowering (lower.c): r.blocks holds the blocks */
    ptrvec locals;              /* const char* lowering-local names, parallel to r.blocks */
    ptrvec targets;             /* ir_target of each block (as uintptr_t), parallel to r.blocks */
    int lowered;                /* 0 no, 1 in progress, 2 done */
    ptrvec deps;                /* instance* whose blocks its lowering referred to, lowered first */
    bool raw;                   /* a raw target block written in the program: names as written */
    const ast_item *stack_decl; /* the `stack` block it stands in, or NULL (the default stack) */
    scope *stack_sc;            /* the bindings where that block stands */
    bool cut;                   /* its body was not evaluated (chain too long): no further checks */
    /* environments as differences (see the top of this file) */
    bool body_varies;           /* its body or checks looked at the environment */
    bool defaults_vary;         /* a default it was given did */
    bool lowering_varies;       /* its lowering did (reading its own body does not count:
                                   two environments with equal bodies lower it alike) */
    struct instance *twin;      /* the first environment's instance whose body (and, unless
                                   that lowering varies, blocks) this one shares */
};

/* The identifier of a resource path in target names: core.workload -> core_workload. */
const char *inst_ident(arena *a, const char *path);

/* The instance a resource belongs to: every resource is an instance's first member. */
static inline instance *inst_of(const resource *r)
{
    return (instance *)r;
}

static inline instance *inst_parent(const instance *in)
{
    return in->r.parent ? inst_of(in->r.parent) : NULL;
}

/* One environment: its instances and what it evaluated. */
typedef struct env_state env_state;
struct env_state {
    const program *p;
    arena *a;                   /* where this environment allocates */
    diag_ctx *d;
    const char *env;            /* its name */
    int index;                  /* in p->envs */
    bool local;                 /* a local environment: lowered to the local targets only */
    ptrvec instances;           /* instance*, declaration order */
    strmap by_path;             /* path -> instance* */
    strmap kind_count;          /* kind name -> number of its instances (as uintptr_t) */
    strmap first_of_kind;       /* kind name -> its first instance, for sole() */
    strmap kind_in_stack;       /* "kind\x1fstack" -> number of its instances in that stack */
    strmap first_in_stack;      /* "kind\x1fstack" -> its first instance there, for sole() */
    value *lets;                /* top-level lets evaluated so far */
    scope *globals;             /* env, envs */
    value *project;             /* the project's settings as a map */
    value *region_codes;        /* stdlib's region_codes: region -> short code */
    value *name_limits;         /* stdlib's resource_name_limits: block type -> {field, length, chars} */
    value *sensitive;           /* stdlib's sensitive_attributes: block type -> [attribute] */
    value *write_only;          /* stdlib's write_only_attributes: block type -> {attribute = its write-only twin} */
    const char *naming_template;
    int body_depth;             /* resources being evaluated on demand, nested */
    ptrvec watch;               /* bool*: the *_varies flags of what is being evaluated, nested */
    bool settings_vary;         /* the project's settings or the naming data looked at the environment */
    strmap lets_varying;        /* names of the lets whose evaluation did */
    const strmap *varying_kinds; /* kinds whose number of resources differs between environments */
    const strmap *partial_paths; /* paths of resources some environment does not have */
    struct env_state **all;     /* every environment, in order (index is this one's) */
    arena *scratch;             /* what a lowering evaluates, given back after each resource
                                   (lower.c): only the blocks it makes are kept */
    const ptrvec *secrets;      /* ir_param* of every secret() lowered so far, for
                                   secret_names(); set by whoever lowers */
    pattern_cache *patterns;
    strmap referrers;           /* attribute name -> who names whom in it (referrers()),
                                   built on the first call for that attribute */
    eval_budget budget;         /* what every evaluation of this environment may still take */
    strmap raw_blocks;          /* the raw target blocks written with a plain name, by address
                                   (inst_raw_key) -> inst_raw_block* */
    ptrvec raw_list;            /* the same, in the order written (for "did you mean") */
};

/* A raw target block the program can name: the raw instance that writes
 * it, and its type. */
typedef struct inst_raw_block {
    instance *in;
    const char *type;
    ir_target target;
    const char *address;        /* as a reference writes it: data.TYPE.NAME, TYPE.NAME, NAME */
} inst_raw_block;

/* The key of a raw block's address in raw_blocks: its target, whether it
 * is a data source, its type (typed addresses) and its name. */
const char *inst_raw_key(arena *a, ir_target t, bool data, const char *type, const char *name);

/* Creates the instances of environment env_index (bodies not evaluated);
 * errors go to d. */
env_state *inst_gather(const program *p, arena *a, diag_ctx *d, int env_index);

/* After every environment is gathered: what differs between their
 * declarations (resources only some have, kinds whose count differs). */
void inst_compare_envs(env_state **envs, size_t n);

/* Evaluates and checks the bodies of es's instances, sharing those of
 * first's that can be shared (first NULL: es is the first). */
void inst_evaluate(env_state *es, env_state *first);

/* Evaluation under flag, until inst_unwatch: looking at the environment
 * sets the innermost flag being watched. */
void inst_watch(env_state *es, bool *flag);
void inst_unwatch(env_state *es);

/* What is being evaluated looked at the environment. */
void inst_observed(env_state *es);

/* The instance of es at r's path: r may be another environment's (a shared
 * body refers to the first environment's resources). NULL if es has none. */
instance *inst_in_env(env_state *es, const resource *r);

/* Are x and y (of two environments) the same declaration in the same
 * bindings, with equal bodies (defaults aside)? Then whatever reads only
 * their bodies reads the same. */
bool inst_same_body(const instance *x, const instance *y);

/* An evaluation context whose names are this environment's. target is the
 * ir_target being lowered to, or -1. */
eval_ctx inst_eval_ctx(env_state *es, scope *sc, instance *self, int target);

/* sc with the parameters of trait use u bound to the values its `with`
 * gives them, evaluated in cx (where the trait's check or lowering runs). */
scope *inst_trait_scope(eval_ctx *cx, const trait_use *u, scope *sc);

ebody *inst_body(env_state *es, instance *in);  /* evaluates on demand, cycle-safe */
/* An attribute with its default applied (null when optional and unset);
 * NULL when the kind has no such attribute. */
value *inst_attr(env_state *es, instance *in, const char *name);
value *inst_body_get(const ebody *b, const char *name);
/* Where an attribute of b was set, or dflt. */
src_loc inst_attr_loc(const ebody *b, const char *name, src_loc dflt);

/* text as this environment has it: with its name where ENV_MARK stands
 * (value.h). Reading the name this way makes what is being evaluated
 * depend on the environment. */
const char *inst_env_text(env_state *es, const char *text);

/* The resource's cloud name: its own `name`, else its conventional one. */
const char *inst_name(env_state *es, instance *in);
/* What the naming convention names it, whatever name it was given. */
const char *inst_conventional_name(env_state *es, instance *in);
/* A raw block's name by the naming convention (@convention): the project's
 * template with abbrev, the block's label, the region the project gives its
 * provider pd (NULL: none), folded into chars (NULL: "a-z0-9-"). */
const char *inst_convention_name(env_state *es, const char *abbrev, const char *label, const provider_decl *pd,
                                 const char *chars, src_loc at);
/* Is it named in a cloud (its kind's provider names resources, as clouds do)? */
bool inst_cloud_named(const instance *in);
/* Where its provider places it: its own region setting (location,
 * region), else its stack's, else the project's; NULL when its provider
 * has no regions. */
const char *inst_region(env_state *es, instance *in);
/* Does it stand in a global stack (deployed once, as an environment named global)? */
bool inst_global(const instance *in);
/* A setting of the stack in stands in (`path = "shared/db"`), or NULL. */
const ast_expr *inst_stack_setting(const instance *in, const char *name);
/* The region the project sets for a provider (project.azure.location), or NULL. */
const char *inst_default_region(env_state *es, const provider_decl *pd);
/* The project's tags as every resource carries them (environment and
 * project included), allocated in a. */
value *inst_project_tags(env_state *es, arena *a, src_loc loc);

#endif
