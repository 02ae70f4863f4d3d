/* sema.h — the program: its kinds, project, environments and top-level
 * declarations, sorted out of the parsed files (sema.c).
 *
 * The program is built once and not changed afterwards: every later stage
 * reads it, and what one environment evaluates lives in that environment's
 * own state (inst.h). Kinds are read into typed schemas, naming data and
 * lowerings (kept as syntax: they are evaluated per resource).
 *
 * Stages, each with its header (see docs/ARCHITECTURE.md):
 *   load.h    files -> ast_file*                        (load.c)
 *   sema.h    ast_file* -> program                      (sema.c)
 *   eval.h    expressions -> values; for/when/if/let    (eval.c, builtins.c)
 *   naming.h  naming templates -> cloud names           (naming.c)
 *   inst.h    program, one env -> instances             (inst.c)
 *   lower.h   instances -> IR blocks in stacks          (lower.c)
 *   pol.h     instances, IR -> findings                 (pol.c, pol_eval.c, pol_names.c)
 *   factor.h  IR of every env -> one IR with parameters (factor.c)
 *   backends.h IR -> files                              (backends/)
 */
#ifndef INFRAC_SEMA_H
#define INFRAC_SEMA_H

#include "ast.h"
#include "target.h"

typedef enum {
    T_ANY, T_STRING, T_BOOL, T_NUMBER, T_DURATION, T_PERCENT, T_SIZE, T_CIDR, T_IP,
    T_RANGE, T_SECRET, T_ENUM, T_LIST, T_MAP, T_REF,
} type_kind;

typedef struct attr_type {
    type_kind kind;
    bool optional;
    const char **enum_vals;     /* T_ENUM */
    size_t nenum;
    struct attr_type *elem;     /* T_LIST, T_MAP */
    const char *ref_kind;       /* T_REF: kind name, or NULL for ref(any) */
    const char *name;           /* a named enum: `region` (the keys of the stdlib's
                                   region_codes), NULL for enum(a, b) */
    const struct kind *ref_to;  /* T_REF: the kind ref_kind names (known once every kind is) */
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
    bool open;                  /* takes any attribute (of any type) and any block, open too:
                                   a backend's configuration, whose keys are the backend's */
    ptrvec attrs;               /* attr_decl* */
    ptrvec blocks;              /* schema* */
} schema;

/* A kind's `naming { ... }` block. */
typedef struct naming_rule {
    const char *abbrev;
    const char *tmpl;           /* the kind's own naming template, else the project's */
    const char *chars;          /* "a-z0-9-" style character set */
    bool keep_case;             /* case = any */
    bool regional;              /* include {region} */
    const char *scope;          /* "global", "resource_group", "parent" */
    int min_len, max_len;       /* 0 = unconstrained */
} naming_rule;

/* A Terraform provider, from a `terraform NAME { }` block of a provider
 * declaration: the blocks whose type begins with `NAME_` use it. */
typedef struct tf_provider_decl {
    const char *name;           /* "azurerm": its local name, the prefix of its types */
    const char *source;         /* registry address ("hashicorp/azurerm"); NULL: built into Terraform */
    const char *version;        /* version constraint; NULL only when built in */
    bool regional;              /* the region is a setting of its configuration, so a resource
                                   placed elsewhere uses a configuration with an alias */
    const ast_item *config;     /* `config { }`: its configuration, evaluated per environment
                                   with `region` and `tags` bound; NULL: none is written */
    const struct provider_decl *cloud;  /* the declaration it stands in */
    src_loc loc;
} tf_provider_decl;

/* A provider: what kinds name with `provider = NAME` (stdlib/providers.infra).
 * Everything the compiler knows of a cloud is here, as data: where its
 * region is set, whether its resources get cloud names, and the Terraform
 * providers its blocks use. */
typedef struct provider_decl {
    const char *name;           /* "azure": also the project's settings block (project.azure) */
    const char *doc;
    const char *region_key;     /* "location": the setting of project.NAME, of a stack and of a
                                   resource that places it; NULL: not placed in regions */
    bool named;                 /* resources get cloud names from the naming convention
                                   (false: named by their label, as Kubernetes objects) */
    ptrvec tf;                  /* tf_provider_decl* */
    const ast_item *decl;
} provider_decl;

/* A kind's `check NAME { that = COND  message = "..."  at = "attr" }`. */
typedef struct kind_check {
    const char *name;
    const ast_expr *that;       /* must hold for every resource, in every environment */
    const ast_expr *message;    /* what is reported when it does not */
    const char *at;             /* the attribute the report is placed at, or NULL: the resource */
    src_loc loc;
} kind_check;

typedef struct kind {
    const char *name;
    const char *doc;
    const char *provider;       /* its provider's name ("azure", "aws", ...), or NULL */
    const provider_decl *prov;  /* that provider's declaration, or NULL */
    src_loc provider_loc;
    naming_rule naming;
    schema sch;                 /* its attributes and blocks, its traits' included */
    const ast_item *lower[TARGET_COUNT]; /* per target: the lowering block, or NULL */
    ptrvec checks;              /* kind_check* */
    const char *primary[TARGET_COUNT]; /* per target: the type of the first resource block of its
                                   lowering (what a raw block must be to stand for one) */
    const ast_item *decl;
    ptrvec uses;                /* trait_use*: the traits it takes, in order */
    bool is_trait;              /* the kind part of a trait (below) */
} kind;

/* A trait: attributes, checks and lowerings that kinds take with `with
 * NAME { PARAM = EXPR ... }`, so that what many kinds do alike (a private
 * endpoint, role grants) is written once. Its lowerings run after the
 * kind's own, for the targets the kind lowers to, in the same lowering:
 * `self` is the resource, and each parameter is bound to the value its
 * `with` gives it. */
typedef struct trait {
    kind k;                     /* attributes, blocks, doc, checks and lowerings */
    ptrvec params;              /* ast_item*: `takes { NAME = "what it is" }` */
} trait;

typedef struct trait_use {
    const trait *t;
    const ast_item *with;       /* `with NAME { ... }`: attributes binding its params */
} trait_use;

typedef struct program {
    arena *a;                   /* the compilation's */
    diag_ctx *d;
    ptrvec files;               /* ast_file* */
    ptrvec kinds;               /* kind*, in declaration order */
    strmap kind_by_name;        /* name -> kind* (a later declaration wins: user kinds
                                   override the stdlib's) */
    ptrvec kind_names;          /* const char*: every kind's name, for "did you mean" */
    strmap trait_by_name;       /* name -> trait* (the same) */
    ptrvec lets;                /* ast_item* (top-level let) */
    ptrvec decls;               /* ast_item* top-level declarations (resources, for, when, if, stack) */
    ptrvec uses;                /* ast_item* */
    ptrvec policies;            /* ast_item* of `policy NAME { rule ... }` packs */
    ptrvec providers;           /* provider_decl*, in declaration order */
    strmap provider_by_name;    /* name -> provider_decl* (a later declaration wins) */
    strmap tf_provider_by_name; /* Terraform provider name -> tf_provider_decl* */
    ptrvec regions;             /* attr_type* of type `region`: filled from region_codes */
    const attr_type *region_type; /* `region`, for the settings that take one without a declaration
                                   (a provider's region key in a stack or a resource body) */
    ptrvec refs;                /* attr_type* of type ref(KIND): their kinds are found last */
    src_loc region_loc;         /* where the first is declared */
    const ast_item *project;
    const char *project_name;
    schema *project_schema;     /* what the project block may set: the stdlib's
                                   `settings project { ... }`, else one that takes anything */
    ptrvec envs;                /* const char*: the environments compiled (--env narrows them) */
    ptrvec declared_envs;       /* const char*: every environment the program declares */
    ptrvec env_items;           /* ast_item* per env (its settings body), parallel */
    strmap local_envs;          /* names of the local environments (`local { target = compose }`):
                                   lowered to their stand-ins only, deployed nowhere */
    const char *source_desc;    /* how generated headers name the program */
    const char *target_dir;     /* where the target lies in its repository, for the paths
                                   workflows name (repo_path()); NULL: at its root */
} program;

/* Sorts the files' top-level items into a program; errors go to d. `when`
 * items anywhere are checked against the declared environments here, once. */
program *sema_program(arena *a, diag_ctx *d, ptrvec *files);

const kind *sema_find_kind(const program *p, const char *name);
/* Is env a local environment (`target = compose`)? */
bool sema_env_local(const program *p, const char *env);
const provider_decl *sema_find_provider(const program *p, const char *name);
/* The Terraform provider a block type belongs to (the part before its
 * first `_`), or NULL when no provider declares it. */
const tf_provider_decl *sema_tf_provider_of(const program *p, const char *block_type);
const trait *sema_find_trait(const program *p, const char *name);
const schema *sema_find_block(const schema *s, const char *name);
const attr_decl *sema_find_attr(const schema *s, const char *name);
const char *sema_type_name(arena *a, const attr_type *t);

/* A setting that must be a plain word or string (ast_word); reports what
 * it is otherwise and returns NULL. */
const char *sema_literal(const program *p, const ast_expr *e, const char *what);

#endif
