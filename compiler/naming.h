/* naming.h — cloud names from naming templates (naming.c).
 *
 * A resource's conventional name is the naming template (the kind's, else
 * the project's) with its tokens {abbrev} {project} {org} {env} {region}
 * {name} {label} {instance} filled in, folded into the kind's character
 * set; see docs/LANGUAGE.md (Names). This file knows the mechanics only:
 * what each token holds is the instance stage's to say (inst.c), and the
 * data (abbreviations, region short codes, limits) lives in the stdlib.
 */
#ifndef INFRAC_NAMING_H
#define INFRAC_NAMING_H

#include "sema.h"

/* The text of token tok (n bytes, without braces), or "" for an empty one. */
typedef const char *(*naming_token_fn)(void *ctx, const char *tok, size_t n);

/* Expands a template; an empty token drops the separator written before it,
 * and a leading empty token its separator after. */
const char *naming_expand(arena *a, const char *tmpl, naming_token_fn token, void *ctx);

/* Folds a name into a kind's character set: lowercase unless the kind keeps
 * case; a separator the set lacks becomes '-' if allowed, else goes; other
 * characters outside the set go. */
const char *naming_fold(arena *a, const naming_rule *n, const char *name);

/* Is c in a character class written like "a-z0-9-" (ranges, then single
 * characters; a '-' that cannot be a range is itself)? */
bool naming_char_allowed(const char *chars, char c);

#endif
