/* ir.h — the lowered, environment-factored program that the backends print.
 *
 * The evaluator lowers every resource instance through its kind into target
 * blocks (a Terraform resource, a Bicep resource, a Kubernetes object, a
 * workflow), once per environment. env_factor() then merges the per-environment
 * trees into one tree per stack: values equal in every environment stay
 * literal, values that differ become IR_PARAM leaves that point at an ir_param
 * holding one value per environment, and blocks present in only some
 * environments carry a `cond` parameter (a bool per environment).
 *
 * Backends only print this tree; they make no decisions about the program.
 * Every node carries the source location that produced it, so policy findings
 * can be reported at the .infra line.
 */
#ifndef INFRAC_IR_H
#define INFRAC_IR_H

#include <stdbool.h>
#include <stddef.h>
#include "arena.h"
#include "diag.h"
#include "resource.h"
#include "target.h"

typedef struct ir_value ir_value;
typedef struct ir_block ir_block;
typedef struct ir_param ir_param;

typedef enum {
    IR_NULL,
    IR_BOOL,
    IR_NUMBER,      /* text holds the canonical decimal spelling ("3", "0.5") */
    IR_STRING,
    IR_LIST,        /* items */
    IR_OBJECT,      /* keys[i] -> items[i], in source order (maps, tags, k8s objects) */
    IR_REF,         /* attribute of another block of the same stack: ref_block.ref_path */
    IR_RAW,         /* an expression in the target's own syntax, printed verbatim */
    IR_PARAM,       /* differs per environment: printed as var.X / a Bicep param */
    IR_INTERP,      /* a string with embedded non-literal parts: items are the parts,
                       each an IR_STRING (literal text) or a REF/RAW/PARAM */
    IR_JSON,        /* the JSON text of items[0]: Terraform jsonencode(...), Bicep string(...),
                       YAML a JSON string */
    IR_CALL,        /* the target's function `text` applied to items: Bicep guid(a.id, b) */
} ir_value_kind;

struct ir_value {
    ir_value_kind kind;
    src_loc loc;
    bool boolean;               /* IR_BOOL */
    const char *text;           /* IR_NUMBER, IR_STRING, IR_RAW; IR_CALL: the function */
    ptrvec items;               /* IR_LIST, IR_OBJECT values, IR_INTERP parts */
    ptrvec keys;                /* IR_OBJECT: const char* keys, parallel to items */
    const ir_block *ref_block;  /* IR_REF: the block referred to */
    const char *ref_path;       /* IR_REF: attribute path after the block, "id" or
                                   "identity.0.principal_id"; NULL = the block itself */
    ir_param *param;            /* IR_PARAM */
    bool sensitive;             /* IR_REF: to an attribute the provider marks sensitive (the
                                   stdlib's sensitive_attributes): what shows it must say so */
    ir_param *take;             /* IR_LIST: only the first var.take items hold (environments
                                   that differ in how many of the same references they list) */
};

/* What an IR_PARAM's values are, for typed variables and params. */
typedef enum {
    IRT_STRING, IRT_NUMBER, IRT_BOOL,
    IRT_LIST_STRING, IRT_LIST_NUMBER, IRT_MAP_STRING,
    IRT_ANY,        /* objects and mixed lists: Terraform `any`, Bicep `object`/`array` */
} ir_type;

struct ir_param {
    const char *name;           /* unique within its stack, snake_case ("aks_cluster_node_count") */
    ir_type type;
    bool sensitive;             /* secret: Terraform `sensitive = true`, Bicep @secure() */
    bool is_environment;        /* the stack's `environment` name parameter itself */
    const char *doc;            /* one-line description, may be NULL */
    ir_value **values;          /* one per environment (ir_program.envs order); for a
                                   sensitive param with no values, NULL: the value is
                                   supplied at deploy time (TF_VAR_x, Key Vault ref) */
    const char *kv_id;          /* sensitive + Bicep: Key Vault resource id the value is read
                                   from at deployment (params file "reference"), else NULL */
    const char *kv_secret;      /* the secret's name in that vault */
    ir_value *dflt;             /* a value supplied at deploy time: its default, or NULL */
    src_loc loc;
};

/* The entry of a Bicep resource that says which resource group it is
 * deployed to (a reference to the group's block, or its name): from its
 * lowering's `scope = self.group`. Not a Bicep property: the printer reads
 * it to place modules and `existing` references; no program can spell it. */
#define IR_DEPLOY_SCOPE "@scope"
#define IR_DEPLOY_PART "@part"     /* Bicep: the part of its resource's lowering it is in */
#define IR_DEPLOY_AWAY "@away"     /* Bicep: its part names a scope of its own (another group) */

/* A key/value attribute or a nested block inside a block. */
typedef struct ir_entry {
    const char *key;            /* attribute name, or the nested block's type */
    ir_value *value;            /* attribute: the value; NULL for a nested block */
    ir_block *block;            /* nested block, else NULL */
    ir_param *cond;             /* present only where this bool param is true; NULL = always */
} ir_entry;

typedef enum {
    IRB_RESOURCE,       /* Terraform resource / Bicep resource */
    IRB_DATA,           /* Terraform data source / Bicep `existing` resource */
    IRB_OUTPUT,         /* stack output: entries has one attribute "value" */
    IRB_NESTED,         /* a nested block inside another block */
    IRB_K8S_OBJECT,     /* a Kubernetes object: entries are its top-level fields */
    IRB_WORKFLOW,       /* a GitHub Actions workflow: entries are its top-level keys */
    IRB_PROVIDER,       /* a Terraform provider configuration (type: the provider's name;
                           an `alias` entry names a second one): goes to the root modules */
    IRB_MODULE,         /* a Terraform module call (type "module"): `source` pinned */
    IRB_LOCALS,         /* Terraform `locals`: a reference to one is `local.<key>` */
    IRB_MOVED,          /* Terraform `moved { from  to }` */
    IRB_IMPORT,         /* Terraform `import { to  id }`: goes to the root modules */
    IRB_REMOVED,        /* Terraform `removed { from  lifecycle { destroy } }` */
    IRB_FILE,           /* a plain file: entries path, content, executable, comment(s) */
    IRB_SERVICE,        /* a Compose service (name: the service's name) */
    IRB_VOLUME,         /* a Compose named volume */
} ir_block_kind;

struct ir_block {
    ir_block_kind kind;
    const char *type;           /* "aws_s3_bucket", "Microsoft.KeyVault/vaults@2024-11-01",
                                   nested block type, "Deployment", workflow file stem */
    const char *name;           /* unique target name ("conversation_logs"); for Bicep the
                                   symbolic name; for K8s the object's metadata.name */
    ptrvec entries;             /* ir_entry*, in order */
    ir_param *cond;             /* exists only where this bool param is true; NULL = always */
    const ir_block *parent;     /* Bicep: child resource's parent resource, else NULL */
    const char *group;          /* K8s: the app/service it belongs to; workflow: NULL */
    bool generated;             /* K8s: a ConfigMap Kustomize generates (configMapGenerator):
                                   its name gets a hash of its data, and the objects that
                                   name it follow, so a change rolls the pods that use it */
    const char *source;         /* .infra path of the lowering that produced it */
    const resource *origin;     /* the resource it was lowered from (NULL for blocks a
                                   printer makes up): its stack, place and annotations */
    src_loc loc;
    const char *placed;         /* Terraform: the region of the provider configuration it uses
                                   when its provider is regional and it is placed elsewhere */
    int depends_count;          /* explicit ordering edges are rare; refs imply order */
    const ir_block **depends_on;
    ptrvec annots;              /* const ast_annot* written in the block (@allow, @legacy, ...):
                                   a raw block's own, as a resource's are its */
    const char *conventional;   /* @convention: the name the naming convention gives it (its
                                   own, if it sets one, is checked against it), else NULL */
    bool shared;                /* `shared resource`: one per stack, whoever makes it (lower.c) */
};

/* A deployable unit with one target: a Terraform module + env roots, a Bicep
 * template + params files, a Kustomize base + overlays, or the workflows. */
typedef struct ir_stack {
    const char *name;           /* "mindwell", "observability"; for K8s the app group */
    const char *path;           /* its directory under the target's modules: the name, or
                                   the stack's `path` ("shared/postgresql") */
    ir_target target;
    ptrvec blocks;              /* ir_block*, in program order */
    ptrvec params;              /* ir_param*, in first-use order */
    ir_param *env_param;        /* the `environment` param (always present for IaC stacks) */
    const char *scope;          /* Bicep: the deployment's targetScope ("resourceGroup",
                                   "subscription", "managementGroup") */
    bool modules;               /* Bicep: a module file per resource (with its children) */
    bool params_json;           /* Bicep: params.<env>.json files */
    bool params_bicepparam;     /* Bicep: params.<env>.bicepparam files */
    bool global;                /* `global = true`: deployed once for every environment, as an
                                   environment of its own named "global"; the environments refer
                                   to it (remote state, `existing`) */
    const char *root;           /* Terraform: `root = "addons"`: deployed from a root module
                                   of its own in each environment (environments/<env>/addons),
                                   after the environment's; NULL: the environment's */
} ir_stack;

/* Terraform root-module settings, per environment (from the project block). */
typedef struct ir_tf_settings {
    const char *backend_type;       /* "azurerm", "s3", or NULL for local state */
    ir_value *backend_config;       /* IR_OBJECT of the backend's attributes (no key); with
                                       none, a partial configuration given at `init` */
    const char *modules_dir;        /* under the Terraform root: "modules" */
    const char *envs_dir;           /* under the Terraform root: "environments" */
    bool tfvars;                    /* root modules read their values from terraform.tfvars */
    bool split;                     /* a module's blocks in a file per .infra file that
                                       declared them (network.tf, cluster.tf, ...) */
} ir_tf_settings;

/* A Terraform provider the program's blocks use, and its configuration
 * (stdlib/providers.infra, or a raw `provider` block). The root modules
 * configure it; every module that uses it requires it. */
typedef struct ir_provider {
    const char *name;               /* "aws": its local name, the prefix of its types */
    const char *alias;              /* NULL: the default configuration */
    const char *source;             /* "hashicorp/aws"; NULL: built into Terraform */
    const char *version;            /* its version constraint */
    ir_block **config;              /* per environment: the configuration's body, NULL
                                       where none is written (or it is not used there) */
    src_loc loc;
} ir_provider;

typedef struct ir_program {
    const char *project;            /* project name */
    const char **envs;              /* environment names, in declaration order */
    size_t nenvs;
    ptrvec local_envs;              /* const char*: every local environment the program
                                       declares (whether compiled or not) */
    ptrvec stacks;                  /* ir_stack*, in program order (all targets) */
    ptrvec providers;               /* ir_provider*, by name then alias (default first) */
    const char *roots[TARGET_COUNT];/* where each target's files go in the target tree
                                       (the project's layout, else the table's); "" = its root */
    src_loc layout_loc;             /* where the project sets the layout (else the project) */
    ir_tf_settings tf;
    const char *source_desc;        /* "examples/mindwell" — the input, for headers */
} ir_program;

/* Helpers shared by passes and backends. All allocate from the arena. */
ir_value *ir_null(arena *a, src_loc loc);
ir_value *ir_bool(arena *a, bool b, src_loc loc);
ir_value *ir_number(arena *a, const char *text, src_loc loc);
ir_value *ir_string(arena *a, const char *s, src_loc loc);
ir_value *ir_raw(arena *a, const char *text, src_loc loc);
ir_value *ir_list(arena *a, src_loc loc);
ir_value *ir_object(arena *a, src_loc loc);
void ir_list_push(arena *a, ir_value *list, ir_value *item);
void ir_object_set(arena *a, ir_value *obj, const char *key, ir_value *val); /* replaces */
ir_value *ir_object_get(const ir_value *obj, const char *key);

ir_block *ir_block_new(arena *a, ir_block_kind kind, const char *type, const char *name, src_loc loc);
ir_entry *ir_block_attr(arena *a, ir_block *b, const char *key, ir_value *v);
ir_entry *ir_block_nested(arena *a, ir_block *b, const char *type, ir_block *child);
const ir_entry *ir_block_get(const ir_block *b, const char *key); /* first entry with key */

/* Where target t's files go (ir_program.roots, else the target table's). */
const char *ir_root(const ir_program *p, ir_target t);

bool ir_value_equal(const ir_value *x, const ir_value *y);
/* Does v show a secret: a sensitive input, or an attribute the provider
 * marks sensitive (anywhere inside it)? */
bool ir_value_secret(const ir_value *v);
bool ir_block_equal(const ir_block *x, const ir_block *y);

#endif
