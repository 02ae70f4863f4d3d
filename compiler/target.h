/* target.h — the targets a program compiles to, in one table.
 *
 * Every step that does something per target (reading a kind's lowerings,
 * raw blocks, stack declarations, policy matchers, grouping lowered blocks
 * into stacks, printing) iterates this table or looks a word up in it, so a
 * target is added here and in its printer, nowhere else.
 */
#ifndef INFRAC_TARGET_H
#define INFRAC_TARGET_H

#include <stdbool.h>

#include "diag.h"
#include "out.h"

typedef enum {
    TARGET_TERRAFORM, TARGET_BICEP, TARGET_KUBERNETES, TARGET_GITHUB, TARGET_COMPOSE, TARGET_FILES, TARGET_COUNT
} ir_target;

/* How a target's blocks are grouped into stacks (ir_stack). */
typedef enum {
    GROUP_DECLARED,             /* the resource's stack (`stack NAME { target = ... }`, else the project) */
    GROUP_PER_RESOURCE,         /* a stack per resource, named by its label (a Kustomize app group) */
    GROUP_ONE,                  /* one stack for the program, named by the target's `root_stack` */
} target_grouping;

struct ir_program;

typedef struct target_info {
    const char *name;           /* the word in the language: a kind's lowering block, a raw
                                   block, a stack's `target`, a rule's matcher */
    const char *title;          /* in messages: "Terraform" */
    const char *root;           /* where its files go in the target tree */
    target_grouping grouping;
    const char *root_stack;     /* GROUP_ONE: the stack's name */
    bool iac;                   /* infrastructure as code: a `stack` may choose it, and its
                                   blocks refer to each other by reference */
    bool typed_address;         /* a reference names the block's type: aws_s3_bucket.this.id */
    bool camel_names;           /* block names are camelCase (Bicep symbolic names) */
    bool bare_refs;             /* a bare word may name a block: `parent = this` */
    bool shared_lookups;        /* empty-bodied data blocks are one per stack (client config) */
    bool shared_names;          /* blocks are named as written (`this`: the resource's label), and
                                   equal blocks of one name are one (a LocalStack every AWS kind
                                   asks for) */
    bool per_env;               /* lowered in each environment; else once for the program
                                   (workflows belong to no environment) */
    bool local;                 /* lowered only in local environments (`target = compose`),
                                   which lower to nothing else */
    /* Why a block's name cannot be one in this target's syntax (an HCL or
     * Bicep identifier, a DNS-1123 name, a file name), or NULL. */
    const char *(*name_problem)(arena *a, const char *name);
    /* The printer: adds this target's files for every stack of the target. */
    void (*emit)(const struct ir_program *p, out_set *o, diag_ctx *d);
} target_info;

extern const target_info target_table[TARGET_COUNT];

/* Why name is not an HCL identifier (a letter or '_', then letters,
 * digits, '_' and '-'), or NULL: Terraform block, module and variable names. */
const char *target_hcl_name_problem(arena *a, const char *name);

/* Why name is not a Kubernetes DNS-1123 label (a namespace: at most 63
 * lowercase letters, digits and '-', starting and ending with a letter or
 * digit), or NULL. */
const char *target_dns_label_problem(arena *a, const char *name);

/* The target a word names, or -1. */
int target_by_name(const char *word);

/* "terraform or bicep": the targets a stack may choose, for messages. */
const char *target_iac_names(arena *a);
/* "terraform, bicep, ...": the targets whose files a project's layout places. */
const char *target_layout_names(arena *a);

/* root/rest, or rest when root is "" (the target tree's root). */
const char *target_path(arena *a, const char *root, const char *rest);

#endif
