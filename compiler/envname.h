/* envname.h — the placeholder for the environment's name.
 *
 * `env` evaluates to ENV_MARK, and a string built from it holds ENV_MARK
 * where the name goes, so a name or a tag that carries the environment is
 * the same value in every environment. Whatever looks at such a text
 * (compares it, uses it as a key or a label, measures it, prints it in a
 * message) reads it with the name put in (env_subst); the factoring stage
 * turns what remains into the `environment` parameter. Sources cannot hold
 * the byte (load.c refuses control characters).
 */
#ifndef INFRAC_ENVNAME_H
#define INFRAC_ENVNAME_H

#include <stdbool.h>
#include <string.h>

#include "arena.h"

#define ENV_MARK '\x01'
#define ENV_MARK_STR "\x01"

static inline bool env_marked(const char *text)
{
    return text && strchr(text, ENV_MARK) != NULL;
}

/* text with env's name where ENV_MARK stands (text itself when it has none). */
static inline const char *env_subst(arena *a, const char *text, const char *env)
{
    if (!env_marked(text))
        return text;
    strbuf sb;
    sb_init(&sb, a);
    for (const char *s = text; *s; s++) {
        if (*s == ENV_MARK)
            sb_puts(&sb, env ? env : "");
        else
            sb_putc(&sb, *s);
    }
    return sb.data;
}

#endif
