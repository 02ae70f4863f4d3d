/* diag.c — collecting and rendering diagnostics; see diag.h. */
#include "diag.h"

#include "envname.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void diag_init(diag_ctx *d, arena *a)
{
    memset(d, 0, sizeof *d);
    d->a = a;
    d->max_errors = 100;
}

/* The program is evaluated once per environment, so the same problem is
 * found once per environment; it is reported once. */
static int already_reported(diag_ctx *d, diag_severity sev, src_loc loc, const char *msg)
{
    if (!d->seen.a)
        strmap_init(&d->seen, d->a);
    const char *key = arena_printf(d->a, "%d:%p:%d:%d:%s", (int)sev, (const void *)loc.file, loc.line, loc.col, msg);
    if (strmap_get(&d->seen, key))
        return 1;
    strmap_put(&d->seen, key, (void *)key);
    return 0;
}

static diag *diag_push(diag_ctx *d, diag_severity sev, src_loc loc, const char *msg)
{
    diag *g = arena_alloc(d->a, sizeof *g);
    g->severity = sev;
    g->loc = loc;
    g->message = msg;
    vec_push(d->a, &d->items, g);
    return g;
}

static void diag_add(diag_ctx *d, diag_severity sev, src_loc loc, const char *msg)
{
    if (already_reported(d, sev, loc, msg))
        return;
    if (sev == DIAG_ERROR) {
        d->errors++;
        if (d->max_errors && d->errors == d->max_errors + 1)
            diag_push(d, DIAG_NOTE, (src_loc){0},
                      arena_printf(d->a, "too many errors (%d); stopping here", d->max_errors));
        if (d->max_errors && d->errors > d->max_errors)
            return;
    } else if (sev == DIAG_WARNING) {
        d->warnings++;
    }
    diag_push(d, sev, loc, msg);
}

/* Edits from x to y (optimal string alignment: insertions, deletions,
 * substitutions, transpositions of neighbours), or more than max. */
static size_t edits(const char *x, const char *y, size_t max)
{
    size_t n = strlen(x), m = strlen(y);
    if ((n > m ? n - m : m - n) > max || n > 64 || m > 64)
        return max + 1;
    size_t d[65][65];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = x[i - 1] != y[j - 1], best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[n][m];
}

const char *diag_did_you_mean(arena *a, const char *word, const ptrvec *cands)
{
    size_t len = strlen(word), max = len < 3 ? 1 : len / 3, best_d = max + 1;
    const char *best = NULL;
    if (len < 2)
        return "";     /* every short name is one edit from a one-letter word */
    for (size_t i = 0; i < cands->len; i++) {
        const char *c = cands->items[i];
        if (!c || strcmp(c, word) == 0)
            continue;
        size_t e = edits(word, c, max);
        if (e < best_d || (e == best_d && best && strcmp(c, best) < 0)) {
            best_d = e;
            best = c;
        }
    }
    return best && best_d <= max ? arena_printf(a, " (did you mean '%s'?)", best) : "";
}

void diag_append(diag_ctx *d, const diag_ctx *from)
{
    for (size_t i = 0; i < from->items.len; i++) {
        const diag *g = from->items.items[i];
        diag_add(d, g->severity, g->loc, arena_strdup(d->a, g->message));
    }
}

void diag_finding(diag_ctx *d, diag_severity sev, src_loc loc, const diag_rule *rule, const char *msg,
                  const char *suppressed)
{
    if (already_reported(d, sev, loc, arena_printf(d->a, "%s|%s", rule->id, msg)))
        return;
    if (sev == DIAG_ERROR && !suppressed)
        d->violations++;
    else if (sev == DIAG_WARNING && !suppressed)
        d->warnings++;
    diag *g = diag_push(d, sev, loc, msg);
    g->id = rule->id;
    g->rule = rule;
    g->suppressed = suppressed;
}

static void diag_vreport(diag_ctx *d, diag_severity sev, src_loc loc, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *msg = arena_alloc(d->a, (size_t)n + 1);
    vsnprintf(msg, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    diag_add(d, sev, loc, env_subst(d->a, msg, d->env));
}

#define DIAG_FN(fn, sev)                                                   \
    void fn(diag_ctx *d, src_loc loc, const char *fmt, ...)                \
    {                                                                      \
        va_list ap;                                                        \
        va_start(ap, fmt);                                                 \
        diag_vreport(d, sev, loc, fmt, ap);                                \
        va_end(ap);                                                        \
    }
DIAG_FN(diag_error, DIAG_ERROR)
DIAG_FN(diag_warning, DIAG_WARNING)
DIAG_FN(diag_note, DIAG_NOTE)

static int style_colour = -1, style_quiet;

void diag_set_style(int colour, int quiet)
{
    style_colour = colour;
    style_quiet = quiet;
}

int diag_want_colour(FILE *out)
{
    if (style_colour >= 0)
        return style_colour;
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    if ((nc && *nc) || (term && strcmp(term, "dumb") == 0))
        return 0;
    return isatty(fileno(out));
}

/* The text of line `line` of f (without its newline), for quoting. */
static const char *line_start(const src_file *f, int line, size_t *len)
{
    const char *p = f->text, *end = f->text + f->len;
    for (int l = 1; l < line && p < end; p++)
        if (*p == '\n')
            l++;
    const char *e = p;
    while (e < end && *e != '\n')
        e++;
    *len = (size_t)(e - p);
    return p;
}

static void print_caret(FILE *out, const diag *g, int colour)
{
    const src_loc *l = &g->loc;
    if (!l->file || l->line <= 0 || !l->file->text)
        return;
    size_t len;
    const char *text = line_start(l->file, l->line, &len);
    if (len > 400 || l->col > 400)
        return;     /* a line that long quotes badly; the location says enough */
    fprintf(out, "%5d | %.*s\n      | ", l->line, (int)len, text);
    for (int i = 1; i < l->col && (size_t)(i - 1) < len; i++)
        fputc(text[i - 1] == '\t' ? '\t' : ' ', out);
    int width = 1;
    if (l->end_line == l->line && l->end_col > l->col)
        width = l->end_col - l->col;
    if (colour)
        fputs("\033[1;32m", out);
    fputc('^', out);
    for (int i = 1; i < width; i++)
        fputc('~', out);
    if (colour)
        fputs("\033[0m", out);
    fputc('\n', out);
}

void diag_print(const diag_ctx *d, FILE *out, int colour)
{
    static const char *names[] = {"error", "warning", "note"};
    static const char *colours[] = {"\033[1;31m", "\033[1;35m", "\033[1;36m"};
    for (size_t i = 0; i < d->items.len; i++) {
        const diag *g = d->items.items[i];
        if (style_quiet && (g->severity != DIAG_ERROR || g->suppressed))
            continue;
        if (colour)
            fputs("\033[1m", out);
        if (g->loc.file)
            fprintf(out, "%s:%d:%d: ", g->loc.file->path, g->loc.line, g->loc.col);
        else
            fputs("infrac: ", out);
        if (colour)
            fputs(colours[g->severity], out);
        fputs(g->suppressed ? "suppressed" : names[g->severity], out);
        if (g->id)
            fprintf(out, "[%s]", g->id);
        if (colour)
            fputs("\033[0m\033[1m", out);
        fprintf(out, ": %s\n", g->message);
        if (colour)
            fputs("\033[0m", out);
        print_caret(out, g, colour);
        if (g->suppressed)
            fprintf(out, "      = allowed: %s\n", g->suppressed);
        else if (g->rule && g->rule->fix)
            fprintf(out, "      = fix: %s\n", g->rule->fix);
    }
}
