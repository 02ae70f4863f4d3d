/* resource.h — what every stage may know of a resource in one environment.
 *
 * The instance stage (inst.h) creates one per resource and environment and
 * builds its instance around it. Values refer to resources through it
 * (V_RESOURCE, references to their target blocks), and every IR block names
 * the one it was lowered from (ir_block.origin), so that factoring can tell
 * blocks of different stacks apart and a policy finding can reach the
 * resource's annotations and place.
 */
#ifndef INFRAC_RESOURCE_H
#define INFRAC_RESOURCE_H

#include "arena.h"
#include "diag.h"
#include "target.h"

struct ast_annot;

typedef struct resource resource;
struct resource {
    const char *kind;           /* its kind's name ("s3_bucket"; a raw block's target word) */
    const char *label;          /* as written: "conversation-logs" */
    const char *path;           /* unique in the environment: "core.workload" for children */
    const resource *parent;     /* the resource it is declared in, or NULL */
    src_loc loc;                /* its declaration */
    const char *stack;          /* its stack's name */
    ir_target target;           /* its stack's target */
    ptrvec blocks;              /* ir_block* it lowered to in this environment */
    ptrvec annots;              /* const struct ast_annot*: its annotations (its own and its
                                   attributes', `when`s applied): @allow, @legacy */
};

#endif
