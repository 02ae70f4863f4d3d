/* pol.c — policy packs, suppressions and findings; see pol.h.
 *
 * The rules themselves (what to check, ids, severities, fixes) are stdlib
 * data; this file reads their declarations and indexes them by block type
 * for pol_eval.c. A finding is kept once per rule, location and message,
 * with the environments it holds in, so a violation present everywhere is
 * reported once.
 */
#include "pol_impl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
        diag_error(ps->d, blk->loc, "rule %s: say which %s blocks it applies to", r->id, target_table[target].name);
    for (size_t i = 0; i < blk->body.len; i++) {
        const ast_item *it = blk->body.items[i];
        if (it->kind != IT_ATTR || !match_setting(m, it))
            diag_error(ps->d, it->loc, "a rule's %s block takes only, each, that, at and message",
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
        diag_error(ps->d, it->loc, "unexpected item in rule %s", r->id);
        return;
    }
    const char *n = it->name;
    if (match_setting(&r->dflt, it))
        return;
    if (!strcmp(n, "severity")) {
        const char *w = ast_word(it->value);
        int s = w ? severity_from(w) : -1;
        if (s <= POL_OFF)
            diag_error(ps->d, it->value->loc, "a rule's severity is error, warning or info");
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
        diag_error(ps->d, it->name_loc, "unknown rule setting '%s'", n);
}

static void read_rule(pol_state *ps, pol_pack *pk, const ast_item *it)
{
    const char *id = it->labels.len == 1 ? ast_word(it->labels.items[0]) : NULL;
    if (!id || !*id) {
        diag_error(ps->d, it->loc, "a rule is written `rule \"family.name\" { ... }`");
        return;
    }
    const pol_rule *other = strmap_get(&ps->by_id, id);
    if (other) {
        diag_error(ps->d, it->loc, "rule %s is declared twice (also at %s:%d)", id,
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
        diag_error(ps->d, it->loc, "rule %s needs a title, a rationale and a fix", id);
    for (size_t i = 0; i < r->matches.len; i++) {
        const pol_match *m = r->matches.items[i];
        if (!m->that && !r->dflt.that)
            diag_error(ps->d, m->loc, "rule %s: what must hold? (that = ...)", id);
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
        diag_error(ps->d, it->loc, "a policy pack is written `policy NAME { rule \"id\" { ... } }`");
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
            diag_error(ps->d, ri->loc, "a policy pack holds rules (and doc, extends)");
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
            diag_error(ps->d, u->name_loc, "no policy pack named '%s'", u->name + 7);
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
            diag_error(ps->d, it->value->loc, "rule_severity is a map of rule id to error, warning, info or off");
            continue;
        }
        for (size_t k = 0; k < it->value->keys.len; k++) {
            const char *id = it->value->keys.items[k];
            const ast_expr *v = it->value->items.items[k];
            pol_rule *r = strmap_get(&ps->by_id, id);
            const char *w = ast_word(v);
            int s = w ? severity_from(w) : -1;
            if (!r)
                diag_error(ps->d, v->loc, "rule_severity: no rule named '%s' (infrac explain --list)", id);
            else if (s < 0)
                diag_error(ps->d, v->loc, "rule_severity: '%s' is not error, warning, info or off", w ? w : "?");
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

pol_state *pol_begin(const program *p)
{
    pol_state *ps = arena_alloc(p->a, sizeof *ps);
    ps->p = p;
    ps->a = p->a;
    ps->d = p->d;
    ps->patterns = pattern_cache_new(p->a);
    strmap_init(&ps->global_names, p->a);
    ptrmap_init(&ps->checked, p->a);
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
        diag_error(ps->d, an->loc, "@%s needs a reason: @%s(%s\"why this is acceptable\")", an->name,
                   an->name, idx ? "RULE, " : "");
        return NULL;
    }
    return why;
}

/* Validates an annotation once (it is seen in every environment) and
 * remembers it, so unused ones can be named. */
static void note_annot(pol_state *ps, const ast_annot *an, bool in_block)
{
    if (find_annot(ps, an))
        return;
    allow_rec *rec = arena_alloc(ps->a, sizeof *rec);
    rec->an = an;
    vec_push(ps->a, &ps->annots, rec);
    bool allow = !strcmp(an->name, "allow"), legacy = !strcmp(an->name, "legacy");
    if (!strcmp(an->name, "moved_from") || !strcmp(an->name, "adopt"))
        return;     /* not policy: Terraform blocks, checked where they are lowered */
    if (!strcmp(an->name, "convention") && in_block)
        return;     /* read by the lowering (lower.c, by_convention) */
    if (!allow && !legacy) {
        diag_error(ps->d, an->loc, "unknown annotation @%s (there are @allow(RULE, \"reason\"), @legacy(\"reason\"), "
                   "@moved_from(\"old-name\") and @adopt(\"id\")%s)", an->name,
                   in_block ? ", and in a raw target block @convention(\"abbrev\")" : "");
        return;
    }
    const char *rule = allow && an->args.len ? rule_ref(ps->a, an->args.items[0]) : "naming.convention";
    if (!rule || (allow && an->args.len != 2) || (legacy && an->args.len != 1)) {
        diag_error(ps->d, an->loc, allow ? "@allow takes a rule id and a reason: @allow(RULE, \"why\")"
                                            : "@legacy takes a reason: @legacy(\"why the old name stays\")");
        return;
    }
    if (!reason_of(ps, an, allow ? 1 : 0))
        return;
    if (!strmap_get(&ps->by_id, rule)) {
        diag_error(ps->d, an->args.len ? ((const ast_expr *)an->args.items[0])->loc : an->loc,
                   "@allow names no known rule '%s' (infrac explain --list)", rule);
        return;
    }
    rec->rule = rule;
}

static void note_body_annots(pol_state *ps, const ebody *b)
{
    for (size_t i = 0; b && i < b->annots.len; i++)
        note_annot(ps, ((const eannot *)b->annots.items[i])->an, false);
    for (size_t i = 0; b && i < b->blocks.len; i++)
        note_body_annots(ps, ((const eblock *)b->blocks.items[i])->body);
}

void pol_note_block_annots(pol_state *ps, const ir_block *b)
{
    for (size_t i = 0; i < b->annots.len; i++)
        note_annot(ps, b->annots.items[i], true);
}

/* The reason one of annots gives for allowing rule id. */
static const char *allowed_by(pol_state *ps, const ptrvec *annots, const char *id)
{
    for (size_t i = 0; i < annots->len; i++) {
        const ast_annot *an = annots->items[i];
        allow_rec *rec = find_annot(ps, an);
        if (rec && rec->rule && !strcmp(rec->rule, id)) {
            rec->used = true;
            return ast_word(an->args.items[an->args.len - 1]);
        }
    }
    return NULL;
}

/* The reason the block being checked (a raw block's own annotations), its
 * resource or one the resource is part of gives for allowing rule id. */
static const char *allowed(pol_state *ps, const resource *res, const char *id)
{
    const char *why = ps->block ? allowed_by(ps, &ps->block->annots, id) : NULL;
    for (; res && !why; res = res->parent)
        why = allowed_by(ps, &res->annots, id);
    return why;
}

/* ---- findings ---- */

finding *pol_add_finding(pol_state *ps, const pol_rule *r, const resource *res, src_loc loc, const char *msg)
{
    /* one finding per rule and place: an environment's own wording (its
     * names) does not make it another finding */
    const char *key = arena_cat(ps->a, r->id, "|", arena_int(ps->a, (long long)(uintptr_t)loc.file), "|",
                                arena_int(ps->a, loc.line), "|", arena_int(ps->a, loc.col), NULL);
    finding *f = strmap_get(&ps->finding_by_key, key);
    if (!f) {
        f = arena_alloc(ps->a, sizeof *f);
        f->rule = r;
        f->loc = loc;
        f->msg = arena_strdup(ps->a, env_subst(ps->a, msg, ps->env_name));    /* msg may live in scratch */
        strmap_put(&ps->finding_by_key, key, f);
        vec_push(ps->a, &ps->findings, f);
    }
    const char *why = allowed(ps, res, r->id);
    if (why)
        f->reason = why;
    pol_found_again(ps, f);
    return f;
}

void pol_found_again(pol_state *ps, finding *f)
{
    if (ps->env)
        vec_push(ps->a, &f->envs, (void *)ps->env);
}

void pol_name_finding(pol_state *ps, const char *id, const resource *res, src_loc loc, const char *msg)
{
    const pol_rule *r = strmap_get(&ps->by_id, id);
    if (!r) {
        diag_error(ps->d, loc, "%s (the stdlib declares no rule %s)", msg, id);
        return;
    }
    if (rule_enabled(ps, r))
        pol_add_finding(ps, r, res, loc, msg);
}

/* A stdlib default or a computed setting has no line of the user's: the
 * resource that used it stands for it. */
src_loc pol_user_loc(src_loc l, const ir_block *b)
{
    if (l.file && !l.file->stdlib)
        return l;
    return b->origin ? b->origin->loc : b->loc;
}

void pol_check_names(pol_state *ps, env_state *es)
{
    ps->env = es->env;
    ps->env_name = es->env;
    for (size_t i = 0; i < es->instances.len; i++) {
        const instance *in = es->instances.items[i];
        if (!in->cut)
            note_body_annots(ps, in->body);
    }
    pol_names_check_env(ps, es);
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
    diag_ctx *d = ps->d;
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
