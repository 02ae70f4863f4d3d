/* pol.c — policy packs and findings; see pol.h.
 *
 * The rules themselves (what to check, ids, severities, fixes) are stdlib
 * data; this file only reads their declarations, matches them to lowered
 * blocks, evaluates their expressions and reports what fails. A finding is
 * kept once per rule, location and message, with the environments it holds
 * in, so a violation present everywhere is reported once.
 */
#include "pol.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct pol_pack {
    const char *name, *extends;
    const ast_item *decl;
    bool enabled;
} pol_pack;

typedef struct finding {
    const pol_rule *rule;
    src_loc loc;
    const char *msg;
    ptrvec envs;                /* const char*: where it holds (empty: workflows) */
    const char *reason;         /* suppressed: the reason given */
} finding;

typedef struct allow_rec {
    const ast_annot *an;
    const char *rule;           /* the rule it allows ("naming.convention" for @legacy);
                                   NULL when the annotation is invalid (reported) */
    bool used;
} allow_rec;

typedef struct match_ref {
    const pol_rule *rule;
    const pol_match *m;
} match_ref;

struct pol_state {
    program *p;
    arena *a;                   /* the compilation's: rules, findings, messages */
    arena *scratch;             /* one block's evaluation, reset after each */
    const char *env;            /* the environment being checked; NULL for workflows */
    ptrvec packs;               /* pol_pack* */
    ptrvec rules;               /* pol_rule* (all packs) */
    strmap by_id;               /* id -> pol_rule* */
    strmap exact[TARGET_COUNT]; /* per target: block type -> ptrvec* of match_ref (enabled rules) */
    ptrvec globbed[TARGET_COUNT]; /* per target: match_ref* whose type has a '*' */
    ptrvec findings;            /* finding*, first-found order */
    strmap finding_by_key;
    ptrvec annots;              /* allow_rec* of every annotation seen, first-seen order
                                   (a program has few: a list is enough) */
    size_t nenvs_checked;
};


const char *pol_severity_name(pol_severity s)
{
    static const char *names[] = {"off", "info", "warning", "error"};
    return names[s];
}

static int severity_from(const char *w)
{
    for (int s = POL_OFF; s <= POL_ERROR; s++)
        if (strcmp(w, pol_severity_name((pol_severity)s)) == 0)
            return s;
    return -1;
}

/* A rule id as written in @allow: a word, a dotted name or a string. */
static const char *rule_ref(arena *a, const ast_expr *e)
{
    if (e && e->kind == EX_MEMBER) {
        const char *base = rule_ref(a, e->lhs);
        return base ? arena_printf(a, "%s.%s", base, e->text) : NULL;
    }
    return ast_word(e);
}

/* ---- declarations ---- */

static bool match_setting(pol_match *m, const ast_item *it)
{
    const ast_expr **slot = !strcmp(it->name, "only") ? &m->only : !strcmp(it->name, "each") ? &m->each
                          : !strcmp(it->name, "that") ? &m->that : !strcmp(it->name, "at") ? &m->at
                          : !strcmp(it->name, "message") ? &m->message : NULL;
    if (slot)
        *slot = it->value;
    return slot != NULL;
}

static void read_matcher(pol_state *ps, pol_rule *r, const ast_item *blk, int target)
{
    pol_match *m = arena_alloc(ps->a, sizeof *m);
    m->target = (ir_target)target;
    m->loc = blk->loc;
    for (size_t i = 0; i < blk->labels.len; i++) {
        const char *t = ast_word(blk->labels.items[i]);
        if (t)
            vec_push(ps->a, &m->types, (void *)t);
    }
    if (!m->types.len)
        diag_error(ps->p->d, blk->loc, "rule %s: say which %s blocks it applies to", r->id, target_table[target].name);
    for (size_t i = 0; i < blk->body.len; i++) {
        const ast_item *it = blk->body.items[i];
        if (it->kind != IT_ATTR || !match_setting(m, it))
            diag_error(ps->p->d, it->loc, "a rule's %s block takes only, each, that, at and message",
                       target_table[target].name);
    }
    vec_push(ps->a, &r->matches, m);
}

static void read_rule_item(pol_state *ps, pol_rule *r, const ast_item *it)
{
    int t;
    if (it->kind == IT_BLOCK && (t = target_by_name(it->name)) >= 0) {
        read_matcher(ps, r, it, t);
        return;
    }
    if (it->kind != IT_ATTR) {
        diag_error(ps->p->d, it->loc, "unexpected item in rule %s", r->id);
        return;
    }
    const char *n = it->name;
    if (match_setting(&r->dflt, it))
        return;
    if (!strcmp(n, "severity")) {
        const char *w = ast_word(it->value);
        int s = w ? severity_from(w) : -1;
        if (s <= POL_OFF)
            diag_error(ps->p->d, it->value->loc, "a rule's severity is error, warning or info");
        else
            r->declared = r->severity = (pol_severity)s;
        return;
    }
    const char **slot = !strcmp(n, "title") ? &r->title : !strcmp(n, "rationale") ? &r->rationale
                      : !strcmp(n, "fix") ? &r->fix : !strcmp(n, "checkov") ? &r->checkov
                      : !strcmp(n, "trivy") ? &r->trivy : NULL;
    if (slot)
        *slot = sema_literal(ps->p, it->value, it->name);
    else
        diag_error(ps->p->d, it->name_loc, "unknown rule setting '%s'", n);
}

static void read_rule(pol_state *ps, pol_pack *pk, const ast_item *it)
{
    const char *id = it->labels.len == 1 ? ast_word(it->labels.items[0]) : NULL;
    if (!id || !*id) {
        diag_error(ps->p->d, it->loc, "a rule is written `rule \"family.name\" { ... }`");
        return;
    }
    const pol_rule *other = strmap_get(&ps->by_id, id);
    if (other) {
        diag_error(ps->p->d, it->loc, "rule %s is declared twice (also at %s:%d)", id,
                   other->loc.file->path, other->loc.line);
        return;
    }
    pol_rule *r = arena_alloc(ps->a, sizeof *r);
    r->id = id;
    r->pack = pk->name;
    r->loc = it->loc;
    r->declared = r->severity = POL_ERROR;
    for (size_t i = 0; i < it->body.len; i++)
        read_rule_item(ps, r, it->body.items[i]);
    if (!r->title || !r->fix || !r->rationale)
        diag_error(ps->p->d, it->loc, "rule %s needs a title, a rationale and a fix", id);
    for (size_t i = 0; i < r->matches.len; i++) {
        const pol_match *m = r->matches.items[i];
        if (!m->that && !r->dflt.that)
            diag_error(ps->p->d, m->loc, "rule %s: what must hold? (that = ...)", id);
    }
    r->info = (diag_rule){.id = r->id, .title = r->title, .rationale = r->rationale, .fix = r->fix,
                          .checkov = r->checkov, .trivy = r->trivy, .pack = r->pack,
                          .level = pol_severity_name(r->declared)};
    strmap_put(&ps->by_id, id, r);
    vec_push(ps->a, &ps->rules, r);
}

static pol_pack *find_pack(pol_state *ps, const char *name);

/* A pack may be declared in several files (one per cloud): they add up. */
static void read_pack(pol_state *ps, const ast_item *it)
{
    const char *name = it->labels.len == 1 ? ast_word(it->labels.items[0]) : NULL;
    if (!name) {
        diag_error(ps->p->d, it->loc, "a policy pack is written `policy NAME { rule \"id\" { ... } }`");
        return;
    }
    pol_pack *pk = find_pack(ps, name);
    if (!pk) {
        pk = arena_alloc(ps->a, sizeof *pk);
        pk->decl = it;
        pk->name = name;
        vec_push(ps->a, &ps->packs, pk);
    }
    for (size_t i = 0; i < it->body.len; i++) {
        const ast_item *ri = it->body.items[i];
        if (ri->kind == IT_BLOCK && !strcmp(ri->name, "rule"))
            read_rule(ps, pk, ri);
        else if (ri->kind == IT_ATTR && !strcmp(ri->name, "extends"))
            pk->extends = sema_literal(ps->p, ri->value, ri->name);
        else if (!(ri->kind == IT_ATTR && !strcmp(ri->name, "doc")))
            diag_error(ps->p->d, ri->loc, "a policy pack holds rules (and doc, extends)");
    }
}

static pol_pack *find_pack(pol_state *ps, const char *name)
{
    for (size_t i = 0; i < ps->packs.len; i++) {
        pol_pack *pk = ps->packs.items[i];
        if (!strcmp(pk->name, name))
            return pk;
    }
    return NULL;
}

static void enable_pack(pol_state *ps, pol_pack *pk)
{
    for (int depth = 0; pk && !pk->enabled && depth < 32; depth++) {
        pk->enabled = true;
        pk = pk->extends ? find_pack(ps, pk->extends) : NULL;
    }
}

static void choose_packs(pol_state *ps)
{
    enable_pack(ps, find_pack(ps, "core"));
    for (size_t i = 0; i < ps->p->uses.len; i++) {
        const ast_item *u = ps->p->uses.items[i];
        if (strncmp(u->name, "policy.", 7) != 0)
            continue;
        pol_pack *pk = find_pack(ps, u->name + 7);
        if (!pk)
            diag_error(ps->p->d, u->name_loc, "no policy pack named '%s'", u->name + 7);
        enable_pack(ps, pk);
    }
}

/* project { rule_severity = { "s3.access_logging" = "warning" } } */
static void apply_overrides(pol_state *ps)
{
    const ast_item *proj = ps->p->project;
    for (size_t i = 0; proj && i < proj->body.len; i++) {
        const ast_item *it = proj->body.items[i];
        if (it->kind != IT_ATTR || strcmp(it->name, "rule_severity") != 0)
            continue;
        if (it->value->kind != EX_MAP) {
            diag_error(ps->p->d, it->value->loc, "rule_severity is a map of rule id to error, warning, info or off");
            continue;
        }
        for (size_t k = 0; k < it->value->keys.len; k++) {
            const char *id = it->value->keys.items[k];
            const ast_expr *v = it->value->items.items[k];
            pol_rule *r = strmap_get(&ps->by_id, id);
            const char *w = ast_word(v);
            int s = w ? severity_from(w) : -1;
            if (!r)
                diag_error(ps->p->d, v->loc, "rule_severity: no rule named '%s' (infrac explain --list)", id);
            else if (s < 0)
                diag_error(ps->p->d, v->loc, "rule_severity: '%s' is not error, warning, info or off", w ? w : "?");
            else
                r->severity = (pol_severity)s;
        }
    }
}

static bool mentions(const ast_expr *e, const char *name)
{
    if (!e)
        return false;
    if (e->kind == EX_IDENT && !strcmp(e->text, name))
        return true;
    if (mentions(e->lhs, name) || mentions(e->rhs, name) || mentions(e->cond, name))
        return true;
    for (size_t i = 0; i < e->items.len; i++)
        if (mentions(e->items.items[i], name))
            return true;
    return false;
}

static bool match_reads(const pol_match *m, const char *name)
{
    return mentions(m->only, name) || mentions(m->each, name) || mentions(m->that, name) ||
           mentions(m->message, name);
}

/* Does the rule read `related`? Converting a resource's other blocks is
 * the costliest part of a check, so only rules that read them pay for it. */
static bool reads_related(const pol_rule *r)
{
    bool reads = match_reads(&r->dflt, "related");
    for (size_t i = 0; !reads && i < r->matches.len; i++)
        reads = match_reads(r->matches.items[i], "related");
    return reads;
}

static void index_match(pol_state *ps, const pol_rule *r, const pol_match *m)
{
    for (size_t i = 0; i < m->types.len; i++) {
        const char *t = m->types.items[i];
        match_ref *mr = arena_alloc(ps->a, sizeof *mr);
        mr->rule = r;
        mr->m = m;
        if (strchr(t, '*')) {
            vec_push(ps->a, &ps->globbed[m->target], mr);
            continue;
        }
        ptrvec *list = strmap_get(&ps->exact[m->target], t);
        if (!list) {
            list = arena_alloc(ps->a, sizeof *list);
            strmap_put(&ps->exact[m->target], t, list);
        }
        vec_push(ps->a, list, mr);
    }
}

pol_state *pol_begin(program *p)
{
    pol_state *ps = arena_alloc(p->a, sizeof *ps);
    ps->p = p;
    ps->a = p->a;
    ps->scratch = arena_new();
    arena_defer(p->a, (void (*)(void *))arena_free, ps->scratch);
    strmap_init(&ps->by_id, p->a);
    strmap_init(&ps->finding_by_key, p->a);
    for (int t = 0; t < TARGET_COUNT; t++)
        strmap_init(&ps->exact[t], p->a);
    for (size_t i = 0; i < p->policies.len; i++)
        read_pack(ps, p->policies.items[i]);
    choose_packs(ps);
    apply_overrides(ps);
    for (size_t i = 0; i < ps->rules.len; i++) {
        pol_rule *r = ps->rules.items[i];
        r->needs_related = reads_related(r);
        const pol_pack *pk = find_pack(ps, r->pack);
        for (size_t j = 0; pk && pk->enabled && r->severity != POL_OFF && j < r->matches.len; j++)
            index_match(ps, r, r->matches.items[j]);
    }
    return ps;
}

const ptrvec *pol_rules(const pol_state *ps) { return &ps->rules; }

const pol_rule *pol_find(const pol_state *ps, const char *id) { return strmap_get(&ps->by_id, id); }

static bool rule_enabled(pol_state *ps, const pol_rule *r)
{
    const pol_pack *pk = find_pack(ps, r->pack);
    return pk && pk->enabled && r->severity != POL_OFF;
}

/* ---- annotations ---- */

static allow_rec *find_annot(const pol_state *ps, const ast_annot *an)
{
    for (size_t i = 0; i < ps->annots.len; i++)
        if (((allow_rec *)ps->annots.items[i])->an == an)
            return ps->annots.items[i];
    return NULL;
}

static const char *reason_of(pol_state *ps, const ast_annot *an, size_t idx)
{
    const char *why = an->args.len > idx ? ast_word(an->args.items[idx]) : NULL;
    if (!why || !*why) {
        diag_error(ps->p->d, an->loc, "@%s needs a reason: @%s(%s\"why this is acceptable\")", an->name,
                   an->name, idx ? "RULE, " : "");
        return NULL;
    }
    return why;
}

/* Validates an annotation once (it is seen in every environment) and
 * remembers it, so unused ones can be named. */
static void note_annot(pol_state *ps, const ast_annot *an)
{
    if (find_annot(ps, an))
        return;
    allow_rec *rec = arena_alloc(ps->a, sizeof *rec);
    rec->an = an;
    vec_push(ps->a, &ps->annots, rec);
    bool allow = !strcmp(an->name, "allow"), legacy = !strcmp(an->name, "legacy");
    if (!allow && !legacy) {
        diag_error(ps->p->d, an->loc, "unknown annotation @%s (there are @allow(RULE, \"reason\") and @legacy(\"reason\"))", an->name);
        return;
    }
    const char *rule = allow && an->args.len ? rule_ref(ps->a, an->args.items[0]) : "naming.convention";
    if (!rule || (allow && an->args.len != 2) || (legacy && an->args.len != 1)) {
        diag_error(ps->p->d, an->loc, allow ? "@allow takes a rule id and a reason: @allow(RULE, \"why\")"
                                            : "@legacy takes a reason: @legacy(\"why the old name stays\")");
        return;
    }
    if (!reason_of(ps, an, allow ? 1 : 0))
        return;
    if (!strmap_get(&ps->by_id, rule)) {
        diag_error(ps->p->d, an->args.len ? ((const ast_expr *)an->args.items[0])->loc : an->loc,
                   "@allow names no known rule '%s' (infrac explain --list)", rule);
        return;
    }
    rec->rule = rule;
}

static void note_body_annots(pol_state *ps, const ebody *b)
{
    for (size_t i = 0; b && i < b->annots.len; i++)
        note_annot(ps, ((const eannot *)b->annots.items[i])->an);
    for (size_t i = 0; b && i < b->blocks.len; i++)
        note_body_annots(ps, ((const eblock *)b->blocks.items[i])->body);
}

/* The reason a resource (or one it is part of) gives for allowing rule id. */
static const char *allowed(pol_state *ps, const instance *in, const char *id)
{
    for (; in; in = in->parent) {
        for (size_t i = 0; in->body && i < in->body->annots.len; i++) {
            const eannot *ea = in->body->annots.items[i];
            allow_rec *rec = find_annot(ps, ea->an);
            if (rec && rec->rule && !strcmp(rec->rule, id)) {
                rec->used = true;
                return ast_word(ea->an->args.items[ea->an->args.len - 1]);
            }
        }
    }
    return NULL;
}

/* ---- findings ---- */

static void add_finding(pol_state *ps, const pol_rule *r, const instance *in, src_loc loc, const char *msg)
{
    /* one finding per rule and place: an environment's own wording (its
     * names) does not make it another finding */
    const char *key = arena_printf(ps->a, "%s|%p|%d|%d", r->id, (const void *)loc.file, loc.line, loc.col);
    finding *f = strmap_get(&ps->finding_by_key, key);
    if (!f) {
        f = arena_alloc(ps->a, sizeof *f);
        f->rule = r;
        f->loc = loc;
        f->msg = arena_strdup(ps->a, msg);     /* msg may live in the scratch arena */
        strmap_put(&ps->finding_by_key, key, f);
        vec_push(ps->a, &ps->findings, f);
    }
    const char *why = allowed(ps, in, r->id);
    if (why)
        f->reason = why;
    if (ps->env)
        vec_push(ps->a, &f->envs, (void *)ps->env);
}

void pol_name_finding(pol_state *ps, const char *id, const instance *in, src_loc loc, const char *msg)
{
    const pol_rule *r = strmap_get(&ps->by_id, id);
    if (!r) {
        diag_error(ps->p->d, loc, "%s (the stdlib declares no rule %s)", msg, id);
        return;
    }
    if (rule_enabled(ps, r))
        add_finding(ps, r, in, loc, msg);
}

/* A stdlib default or a computed setting has no line of the user's: the
 * resource that used it stands for it. */
src_loc pol_user_loc(src_loc l, const ir_block *b)
{
    if (l.file && strncmp(l.file->path, "<stdlib>", 8) != 0)
        return l;
    const instance *in = b->origin;
    if (in && in->decl)
        return in->decl->loc;
    return b->loc;
}

/* ---- IR as values, for rule expressions ---- */

static value *ir_as_value(pol_state *ps, const ir_value *v);

static value *interp_text(pol_state *ps, const ir_value *v)
{
    strbuf sb;
    sb_init(&sb, ps->scratch);
    for (size_t i = 0; i < v->items.len; i++) {
        const ir_value *part = v->items.items[i];
        if (part->kind == IR_STRING)
            sb_puts(&sb, part->text);
        else
            sb_puts(&sb, "${...}");
    }
    value *out = val_new(ps->scratch, V_INTERP, v->loc);
    out->text = sb.len ? sb.data : "";
    return out;
}

static value *ir_as_value(pol_state *ps, const ir_value *v)
{
    arena *a = ps->scratch;
    switch (v->kind) {
    case IR_NULL: return val_null(a, v->loc);
    case IR_BOOL: return val_bool(a, v->boolean, v->loc);
    case IR_NUMBER: return val_number(a, strtod(v->text, NULL), v->loc);
    case IR_STRING: return val_string(a, v->text, v->loc);
    case IR_JSON: return v->items.len ? ir_as_value(ps, v->items.items[0]) : val_null(a, v->loc);
    case IR_INTERP: return interp_text(ps, v);
    case IR_LIST:
    case IR_OBJECT: {
        value *out = val_new(a, v->kind == IR_LIST ? V_LIST : V_MAP, v->loc);
        for (size_t i = 0; i < v->items.len; i++) {
            if (v->kind == IR_OBJECT)
                vec_push(a, &out->keys, v->keys.items[i]);
            vec_push(a, &out->items, ir_as_value(ps, v->items.items[i]));
        }
        return out;
    }
    case IR_PARAM: {
        value *out = val_new(a, v->param->sensitive ? V_SECRET : V_RAW, v->loc);
        out->text = v->param->name;
        return out;
    }
    case IR_REF:
    case IR_RAW:
    default: {
        value *out = val_new(a, V_RAW, v->loc);
        out->text = v->kind == IR_RAW ? v->text : v->ref_path ? v->ref_path : "";
        return out;
    }
    }
}

/* A block's attributes and nested blocks as a map; a nested block that
 * repeats becomes a list of maps. */
static value *block_as_value(pol_state *ps, const ir_block *b)
{
    value *m = val_new(ps->scratch, V_MAP, b->loc);
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        value *v = e->block ? block_as_value(ps, e->block) : ir_as_value(ps, e->value);
        value *old = e->block ? val_map_get(m, e->key) : NULL;
        if (old && (old->flags & VAL_REPEATED)) {
            vec_push(ps->scratch, &old->items, v);
        } else if (old) {
            value *list = val_new(ps->scratch, V_LIST, old->loc);
            list->flags |= VAL_REPEATED;
            vec_push(ps->scratch, &list->items, old);
            vec_push(ps->scratch, &list->items, v);
            val_map_set(ps->scratch, m, e->key, list);
        } else {
            val_map_set(ps->scratch, m, e->key, v);
        }
    }
    return m;
}

/* ---- evaluation ---- */

static const char *bare_type(pol_state *ps, const ir_block *b)
{
    const char *at = strchr(b->type, '@');
    return at ? arena_strndup(ps->scratch, b->type, (size_t)(at - b->type)) : b->type;
}

static bool glob_match(const char *pat, const char *s)
{
    const char *star = strchr(pat, '*');
    if (!star)
        return strcmp(pat, s) == 0;
    size_t pre = (size_t)(star - pat);
    return strncmp(pat, s, pre) == 0 && strlen(s) >= pre + strlen(star + 1) &&
           strcmp(s + strlen(s) - strlen(star + 1), star + 1) == 0;
}

static const ast_expr *pick(const ast_expr *own, const ast_expr *dflt) { return own ? own : dflt; }

/* The value at a dotted path below root, or NULL. */
static const value *value_at(const value *root, const char *path)
{
    const char *s = path;
    while (root && *s) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        if (root->kind == V_LIST && root->items.len)
            root = root->items.items[0];
        const value *next = NULL;
        for (size_t i = 0; root->kind == V_MAP && i < root->keys.len; i++)
            if (strlen(root->keys.items[i]) == n && !strncmp(root->keys.items[i], s, n))
                next = root->items.items[i];
        root = next;
        s = dot ? dot + 1 : s + n;
    }
    return root;
}

typedef struct rule_ctx {
    pol_state *ps;
    const pol_rule *r;
    const pol_match *m;
    const ir_block *b;
    eval_ctx cx;
} rule_ctx;

static void judge(rule_ctx *rc, const value *root)
{
    const ast_expr *that = pick(rc->m->that, rc->r->dflt.that);
    if (val_truthy(eval_expr(&rc->cx, that)))
        return;
    const ast_expr *msg = pick(rc->m->message, rc->r->dflt.message);
    value *mv = msg ? eval_expr(&rc->cx, msg) : NULL;
    const char *text = mv && mv->kind == V_STRING ? mv->text
                     : arena_printf(rc->ps->scratch, "%s '%s' fails \"%s\"", bare_type(rc->ps, rc->b), rc->b->name, rc->r->title);
    const char *at = ast_word(pick(rc->m->at, rc->r->dflt.at));
    const value *spot = at ? value_at(root, at) : NULL;
    src_loc loc = pol_user_loc(spot ? spot->loc : root->loc, rc->b);
    add_finding(rc->ps, rc->r, rc->b->origin, loc, text);
}

/* The other blocks lowered from the same resource (for raw blocks, written
 * in the same raw target block), by type:
 * `related.aws_s3_bucket_public_access_block`. */
static value *related_blocks(pol_state *ps, const ir_stack *s, const ir_block *b)
{
    const instance *in = b->origin;
    const ptrvec *pool = in ? &in->blocks : &s->blocks;
    value *m = val_new(ps->scratch, V_MAP, b->loc);
    for (size_t i = 0; i < pool->len; i++) {
        const ir_block *o = pool->items[i];
        if (o == b || o->kind == IRB_NESTED || o->kind == IRB_OUTPUT)
            continue;
        const char *type = bare_type(ps, o);
        value *list = val_map_get(m, type);
        if (!list) {
            list = val_new(ps->scratch, V_LIST, o->loc);
            val_map_set(ps->scratch, m, type, list);
        }
        vec_push(ps->scratch, &list->items, block_as_value(ps, o));
    }
    return m;
}

static void apply(pol_state *ps, const match_ref *mr, const ir_block *b, value *self, value *related)
{
    program *p = ps->p;
    const instance *in = b->origin;
    scope *sc = scope_bind(ps->scratch, p->globals, "self", self);
    sc = scope_bind(ps->scratch, sc, "related", related);
    sc = scope_bind(ps->scratch, sc, "resource", val_string(ps->scratch, in ? in->path : b->name, b->loc));
    sc = scope_bind(ps->scratch, sc, "block", val_string(ps->scratch, b->name, b->loc));
    rule_ctx rc = {.ps = ps, .r = mr->rule, .m = mr->m, .b = b,
                   .cx = {.p = p, .sc = sc, .self = NULL, .target = -1, .sealed = true}};
    /* `only` narrows the blocks, or with `each` the items */
    const ast_expr *only = pick(mr->m->only, mr->rule->dflt.only);
    const ast_expr *each = pick(mr->m->each, mr->rule->dflt.each);
    if (!each) {
        if (!only || val_truthy(eval_expr(&rc.cx, only)))
            judge(&rc, self);
        return;
    }
    value *items = eval_expr(&rc.cx, each);
    if (items->kind != V_LIST) {
        value *one = val_new(ps->scratch, V_LIST, items->loc);
        if (items->kind != V_NULL)
            vec_push(ps->scratch, &one->items, items);
        items = one;
    }
    for (size_t i = 0; i < items->items.len; i++) {
        value *it = items->items.items[i];
        rc.cx.sc = scope_bind(ps->scratch, sc, "it", it);
        if (!only || val_truthy(eval_expr(&rc.cx, only)))
            judge(&rc, it);
    }
}

/* Applies one matching rule, converting the block (and, for rules that read
 * them, its related blocks) on first need. */
static void apply_lazily(pol_state *ps, const ir_stack *s, const match_ref *mr, const ir_block *b,
                         value **self, value **related)
{
    if (!*self)
        *self = block_as_value(ps, b);
    if (!*related && mr->rule->needs_related)
        *related = related_blocks(ps, s, b);
    apply(ps, mr, b, *self, *related ? *related : val_null(ps->scratch, b->loc));
}

static bool type_hit(const match_ref *mr, const char *type)
{
    for (size_t j = 0; j < mr->m->types.len; j++)
        if (glob_match(mr->m->types.items[j], type))
            return true;
    return false;
}

/* Rule expressions evaluate in a scratch arena, given back after each block:
 * the program's arena only keeps what findings say. */
static void check_block(pol_state *ps, const ir_stack *s, const ir_block *b)
{
    if (b->kind == IRB_DATA || b->kind == IRB_OUTPUT || b->kind == IRB_NESTED)
        return;
    program *p = ps->p;
    arena *keep = p->a;
    p->a = ps->scratch;
    ir_target t = s->target;
    const char *type = bare_type(ps, b);
    const ptrvec *exact = strmap_get(&ps->exact[t], type);
    naming_check_block(p, ps, b, type);
    value *self = NULL, *related = NULL;
    for (size_t i = 0; exact && i < exact->len; i++)
        apply_lazily(ps, s, exact->items[i], b, &self, &related);
    for (size_t i = 0; i < ps->globbed[t].len; i++)
        if (type_hit(ps->globbed[t].items[i], type))
            apply_lazily(ps, s, ps->globbed[t].items[i], b, &self, &related);
    p->a = keep;
    arena_reset(ps->scratch);
}

void pol_check_blocks(pol_state *ps, const lower_out *lo, const char *env)
{
    ps->env = env;
    if (env)
        ps->nenvs_checked++;
    for (size_t i = 0; i < lo->stacks.len; i++) {
        const ir_stack *s = lo->stacks.items[i];
        for (size_t j = 0; j < s->blocks.len; j++)
            check_block(ps, s, s->blocks.items[j]);
    }
}

void pol_check_names(pol_state *ps)
{
    program *p = ps->p;
    ps->env = p->env;
    for (size_t i = 0; i < p->instances.len; i++) {
        const instance *in = p->instances.items[i];
        if (!in->cut)
            note_body_annots(ps, in->body);
    }
    naming_check_env(p, ps);
}

/* ---- the report ---- */

static const char *env_note(pol_state *ps, const finding *f)
{
    if (!f->envs.len || f->envs.len >= ps->nenvs_checked)
        return "";
    strbuf sb;
    sb_init(&sb, ps->a);
    sb_puts(&sb, " (in ");
    for (size_t i = 0; i < f->envs.len; i++)
        sb_printf(&sb, "%s%s", i ? ", " : "", (const char *)f->envs.items[i]);
    sb_putc(&sb, ')');
    return sb.data;
}

void pol_finish(pol_state *ps)
{
    static const diag_severity sev[] = {DIAG_NOTE, DIAG_NOTE, DIAG_WARNING, DIAG_ERROR};
    diag_ctx *d = ps->p->d;
    for (size_t i = 0; i < ps->findings.len; i++) {
        const finding *f = ps->findings.items[i];
        const char *msg = arena_printf(ps->a, "%s%s", f->msg, env_note(ps, f));
        diag_finding(d, sev[f->rule->severity], f->loc, &f->rule->info, msg, f->reason);
    }
    const pol_rule *unused = strmap_get(&ps->by_id, "policy.unused_allow");
    for (size_t i = 0; i < ps->annots.len; i++) {
        const allow_rec *rec = ps->annots.items[i];
        if (!rec->rule || rec->used || !unused || !rule_enabled(ps, unused))
            continue;
        diag_finding(d, sev[unused->severity], rec->an->loc, &unused->info,
                     arena_printf(ps->a, "@%s(%s) suppresses nothing here: the rule %s", rec->an->name, rec->rule,
                                  rule_enabled(ps, strmap_get(&ps->by_id, rec->rule))
                                      ? "finds nothing to allow" : "is not enabled"),
                     NULL);
    }
}
