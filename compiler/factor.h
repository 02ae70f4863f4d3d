/* factor.h — the environments' IR merged into one tree with parameters
 * (factor.c).
 *
 * Blocks are matched across environments by stack, kind, type and name;
 * entries of a block by key and occurrence. A value equal in every
 * environment stays literal; objects that differ are merged key by key, so
 * only the differing leaves become parameters; a string that differs only
 * where the environment's own name appears becomes an interpolation of the
 * `environment` parameter. Anything else that differs becomes a parameter
 * with one value per environment, and a block or entry missing in some
 * environments gets a bool parameter saying where it exists. One mechanism
 * serves Terraform variables, Bicep params and Kustomize patches.
 */
#ifndef INFRAC_FACTOR_H
#define INFRAC_FACTOR_H

#include "lower.h"

/* Merges per_env[0..nenvs) (of the environments named envs) into one
 * program, allocated in a; the workflows' stacks (lowered once) are added
 * as they are. Errors (a reference that differs between environments) go
 * to p->d. */
ir_program *env_factor(const program *p, arena *a, const lower_out *per_env, const char **envs, size_t nenvs,
                       const lower_out *workflows);

/* v with env's name where ENV_MARK stands (v itself when nothing in it
 * holds the mark). */
ir_value *factor_concrete(arena *a, ir_value *v, const char *env);

/* Does anything in ip still hold ENV_MARK? (A compiler bug: printers
 * must see each environment's name or the `environment` parameter.) */
bool factor_mentions_env(const ir_program *ip);

/* Every value of lo's blocks made concrete for env: for what is lowered
 * once (the workflows), which no environment's parameter can stand in. */
void factor_concrete_stacks(arena *a, const lower_out *lo, const char *env);

#endif
