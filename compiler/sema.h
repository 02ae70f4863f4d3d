/* sema.h — the resolved program: kinds, the project, environments, and the
 * resource instances of one environment with their checked attributes.
 *
 * Pipeline (see docs/ARCHITECTURE.md):
 *   load    files -> ast_file*            (load.c: stdlib, PATHs, imports)
 *   sema    ast -> kinds, project, envs   (sema.c)
 *   inst    per env: declarations -> instances with typed attributes (inst.c)
 *   lower   per env: instance -> IR blocks through its kind (lower.c)
 *   factor  per-env IR -> one IR with parameters (factor.c)
 */
#ifndef INFRAC_SEMA_H
#define INFRAC_SEMA_H

#include "ast.h"
#include "ir.h"
#include "value.h"

typedef enum {
    T_ANY, T_STRING, T_BOOL, T_NUMBER, T_DURATION, T_PERCENT, T_SIZE, T_CIDR, T_IP,
    T_RANGE, T_SECRET, T_ENUM, T_LIST, T_MAP, T_REF,
} type_kind;

typedef struct attr_type {
    type_kind kind;
    bool optional;
    const char **enum_vals;     /* T_ENUM */
    size_t nenum;
    struct attr_type *elem;          /* T_LIST, T_MAP */
    const char *ref_kind;       /* T_REF: kind name, or NULL for ref(any) */
} attr_type;

typedef struct attr_decl {
    const char *name;
    attr_type *t;
    const ast_expr *dflt;       /* default expression, evaluated with self bound */
    const char *doc;            /* @doc("..."): one line for `infrac describe`, or NULL */
    src_loc loc;
} attr_decl;

/* The attributes and nested block types of a kind or of one of its blocks. */
typedef struct schema {
    const char *name;
    const char *doc;            /* blocks: `doc = "..."`, or NULL */
    bool labelled;              /* blocks only: written `type LABEL { }`, repeatable */
    ptrvec attrs;               /* attr_decl* */
    ptrvec blocks;              /* schema* */
} schema;

typedef struct naming_rule {
    const char *abbrev;
    const char *tmpl;           /* the kind's own naming template, else the project's */
    const char *chars;          /* "a-z0-9-" style character set */
    bool keep_case;             /* case = any */
    bool regional;              /* include {region} */
    const char *scope;          /* "global", "resource_group", "parent" */
    int min_len, max_len;       /* 0 = unconstrained */
} naming_rule;

typedef struct kind {
    const char *name;
    const char *doc;
    const char *provider;       /* "azure", "aws", "kubernetes", "github", or NULL */
    naming_rule naming;
    schema sch;
    const ast_item *lower[TARGET_COUNT]; /* per target: the lowering block, or NULL */
    const ast_item *decl;
} kind;

/* Attributes and nested blocks of one evaluated body (a resource's, or a
 * nested block's), after `when` overrides are merged in. */
typedef struct ebody {
    ptrvec names;               /* const char* */
    ptrvec vals;                /* value* */
    ptrvec locs;                /* src_loc* of each attribute's value */
    ptrvec blocks;              /* eblock* */
    ptrvec annots;              /* eannot*: the block's own and its attributes' */
    const schema *sch;          /* what it was checked against */
    struct instance *owner;     /* the resource it belongs to (defaults see it as self) */
    int overriding;             /* inside a `when`: setting again is an override */
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

typedef struct scope scope;

/* A resource in one environment. */
typedef struct instance {
    const kind *k;
    const char *label;          /* as written: "conversation-logs" */
    const char *path;           /* "core.workload" for children */
    const char *ident;          /* unique snake_case identifier: "core_workload" */
    const char *stack;          /* stack name */
    ir_target target;           /* the stack's IaC target */
    struct instance *parent;
    const ast_item *decl;
    ptrvec items;               /* ast_item* of its body (whens included) */
    scope *sc;                  /* bindings where it was declared (loop vars) */
    ebody *body;                /* evaluated and checked attributes */
    int state;                  /* 0 new, 1 evaluating, 2 done (cycle detection) */
    ptrvec children;            /* instance* */
    /* lowering results, per target */
    ptrvec blocks;              /* ir_block* this instance lowered to */
    ptrvec locals;              /* const char* lowering-local names, parallel to blocks */
    ptrvec targets;             /* ir_target of each block (as uintptr_t), parallel to blocks */
    int lowered;                /* 0 no, 1 in progress, 2 done */
    bool raw;                   /* a raw target block written in the program: names as written */
    bool cut;                   /* its body was not evaluated (chain too long): no further checks */
} instance;

typedef struct stack_decl {
    const char *name;
    ir_target target;
    src_loc loc;
} stack_decl;

typedef struct program program;
typedef struct lower_out lower_out;

/* Variable bindings: a linked chain of name -> value. */
struct scope {
    const char *name;
    value *val;
    scope *up;
};

struct program {
    arena *a;                   /* where evaluation allocates (a scratch arena while rules run) */
    arena *perm;                /* the compilation's arena, whatever a is */
    strmap patterns[2];         /* pattern text -> compiled pattern, in perm (rules match many
                                   blocks); [1]: ignoring case */
    diag_ctx *d;
    ptrvec files;               /* ast_file* */
    ptrvec kinds;               /* kind* */
    ptrvec lets;                /* ast_item* (top-level let) */
    ptrvec decls;               /* ast_item* top-level declarations (resources, for, when, if, stack) */
    ptrvec uses;                /* ast_item* */
    ptrvec policies;            /* ast_item* of `policy NAME { rule ... }` packs */
    const ast_item *project;
    const char *project_name;
    ptrvec envs;                /* const char*: the environments compiled (--env narrows them) */
    ptrvec declared_envs;       /* const char*: every environment the program declares */
    ptrvec env_items;           /* ast_item* per env (its settings body), parallel */
    ptrvec stacks;              /* stack_decl* */
    value *project_val;         /* project settings as a map, evaluated once */
    value *region_codes;        /* stdlib's region_codes map */
    value *name_limits;         /* stdlib's resource_name_limits: block type -> {field, length, chars} */
    const char *naming_template;
    const char *source_desc;
    /* per-environment state, reset by inst_build */
    const char *env;            /* current environment, NULL for workflows */
    int env_index;
    ptrvec instances;           /* instance* of the current env, declaration order */
    strmap inst_by_path;        /* path -> instance*, current env */
    strmap kind_count;          /* kind name -> number of its instances (as uintptr_t) */
    strmap first_of_kind;       /* kind name -> its first instance, for sole() */
    value *lets_val;            /* map of let values for the current env */
    scope *globals;
    ptrvec secret_params;       /* ir_param* of secret(): shared by every environment */
    int body_depth;             /* resources being evaluated on demand, nested */
    struct lower_out *cur_out;  /* where lower_instance puts blocks */
    strmap global_names;        /* naming: globally scoped name -> first env using it */
};

/* sema.c */
program *sema_program(arena *a, diag_ctx *d, ptrvec *files);
const kind *sema_find_kind(const program *p, const char *name);
const schema *sema_find_block(const schema *s, const char *name);
const attr_decl *sema_find_attr(const schema *s, const char *name);
const char *sema_type_name(arena *a, const attr_type *t);
/* A setting that must be a plain word or string (ast_word); reports what
 * it is otherwise and returns NULL. */
const char *sema_literal(program *p, const ast_expr *e, const char *what);

/* eval.c */
typedef struct eval_ctx {
    program *p;
    scope *sc;
    instance *self;             /* inside a lowering or a default: the resource */
    int target;                 /* -1 outside lowerings, else ir_target */
    int depth;
    bool sealed;                /* names are only what the scope binds (policy rules) */
} eval_ctx;
value *eval_expr(eval_ctx *cx, const ast_expr *e);
scope *scope_bind(arena *a, scope *up, const char *name, value *v);
/* Checks v against t, converting where the language allows (an enum word
 * given as a string, a string for a secret name). Reports and returns NULL on
 * a mismatch. */
value *eval_check_type(eval_ctx *cx, value *v, const attr_type *t, src_loc loc, const char *what);
value *eval_member(eval_ctx *cx, value *obj, const char *name, src_loc loc);

/* naming.c */
void naming_rule_from_ast(program *p, naming_rule *n, const ast_item *blk);
const char *naming_resource_name(program *p, instance *in);
const char *naming_region_of(program *p, instance *in);

/* inst.c */
value *inst_body_get(const ebody *b, const char *name);
void inst_build(program *p, int env_index);
ebody *inst_body(program *p, instance *in);  /* evaluates on demand, cycle-safe */
value *inst_attr(program *p, instance *in, const char *name);

/* lower.c */
struct lower_out {
    ptrvec stacks;              /* ir_stack* for this env (or for workflows) */
};
void lower_env(program *p, lower_out *out);
void lower_workflows(program *p, lower_out *out);
void lower_instance(program *p, instance *in);

/* factor.c */
ir_program *env_factor(program *p, lower_out *per_env, size_t nenvs, lower_out *workflows);

#endif
