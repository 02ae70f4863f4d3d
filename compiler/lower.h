/* lower.h — resources lowered through their kinds into IR blocks (lower.c).
 *
 * A kind's lowering for its resource's target is evaluated with `self`
 * bound to the instance. Its blocks get names unique in the stack (`this`
 * becomes the instance's identifier, other local names are prefixed with
 * it). References to target blocks are collected while the lowering runs
 * and resolved at its end, so a block may refer to one written after it; a
 * reference to another resource's primary block lowers that resource
 * first, so stacks come out in dependency order.
 */
#ifndef INFRAC_LOWER_H
#define INFRAC_LOWER_H

#include "inst.h"
#include "ir.h"

/* One environment's lowered program (or the workflows'): its stacks. */
typedef struct lower_out {
    ptrvec stacks;              /* ir_stack*, in order of first use */
    strmap by_name[TARGET_COUNT]; /* per target: name -> ir_stack* */
    ptrmap lookups;             /* ir_stack* -> strmap* of its shared data blocks by "type|name" */
    ptrvec providers;           /* ir_provider* of this environment (config[0] is its
                                   configuration), by name then alias */
    ptrmap roots;               /* a kind's lowering (ast_item*) -> strmap* of the words its
                                   references to its own blocks begin with */
} lower_out;

void lower_out_init(lower_out *lo, arena *a);

/* Deploy-time secrets: one ir_param per secret() name, shared by every
 * environment and stack (so allocated in an arena that outlives them). */
typedef struct lower_secrets {
    arena *a;
    ptrvec params;              /* ir_param*, in first-use order */
    ptrvec versions;            /* ir_param* `<secret>_version`: what a write-only attribute's
                                   version takes (bumped to send the secret again) */
} lower_secrets;

/* Lowers every instance of es for the targets lowered per environment. */
void lower_env(env_state *es, lower_secrets *secrets, lower_out *out);

/* Lowers, once, the targets that belong to no environment (workflows),
 * with es's values. */
void lower_once(env_state *es, lower_secrets *secrets, lower_out *out);

#endif
