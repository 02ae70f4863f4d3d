/* naming.c — expanding naming templates and folding names into a kind's
 * character set; see naming.h. */
#include "naming.h"

#include <ctype.h>
#include <string.h>

#include "value.h"

/* A letter or digit, or the environment's name (value.h), which the
 * instance stage puts here only when it begins and ends with one. */
static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == ENV_MARK;
}

const char *naming_expand(arena *a, const char *tmpl, naming_token_fn token, void *ctx)
{
    strbuf sb;
    sb_init(&sb, a);
    for (const char *s = tmpl; *s;) {
        if (*s != '{') {
            sb_putc(&sb, *s++);
            continue;
        }
        const char *end = strchr(s, '}');
        if (!end)
            break;
        const char *val = token(ctx, s + 1, (size_t)(end - s - 1));
        if (!*val && sb.len && !word_char(sb.data[sb.len - 1]))
            sb.data[--sb.len] = '\0';
        sb_puts(&sb, val);
        s = end + 1;
    }
    const char *out = sb.data;
    while (*out && !word_char(*out))
        out++;      /* a leading empty token leaves its separator behind */
    return out;
}

bool naming_char_allowed(const char *chars, char c)
{
    for (const char *p = chars; *p; p++) {
        if (p[1] == '-' && p[2]) {
            if (c >= p[0] && c <= p[2])
                return true;
            p += 2;
        } else if (*p == c) {
            return true;
        }
    }
    return false;
}

const char *naming_fold(arena *a, const naming_rule *n, const char *name)
{
    const char *chars = n->chars ? n->chars : "a-z0-9-";
    strbuf sb;
    sb_init(&sb, a);
    for (const char *s = name; *s; s++) {
        char c = n->keep_case ? *s : (char)tolower((unsigned char)*s);
        if (c == ENV_MARK || naming_char_allowed(chars, c))
            sb_putc(&sb, c);
        else if ((c == '-' || c == '_' || c == '.') && naming_char_allowed(chars, '-'))
            sb_putc(&sb, '-');
    }
    return sb.data;
}
