/* compile.c — the pipeline; see compile.h and docs/ARCHITECTURE.md. */
#include "compile.h"

#include <pthread.h>

#include <string.h>

#include "factor.h"
#include "load.h"
#include "pol.h"

static const char *source_desc(arena *a, const compile_opts *o)
{
    strbuf sb;
    sb_init(&sb, a);
    for (int i = 0; i < o->npaths; i++) {
        const char *p = o->paths[i];
        while (p[0] == '.' && p[1] == '/')
            p += 2;
        size_t n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
            n--;
        if (i)
            sb_puts(&sb, ", ");
        sb_putn(&sb, p, n);
    }
    return sb.data;
}

static void filter_envs(program *p, const compile_opts *o)
{
    if (!o->nonly_envs)
        return;
    for (int i = 0; i < o->nonly_envs; i++) {
        bool known = false;
        for (size_t j = 0; j < p->envs.len; j++)
            known |= strcmp(p->envs.items[j], o->only_envs[i]) == 0;
        if (!known)
            diag_error(p->d, (src_loc){0}, "--env %s: no such environment", o->only_envs[i]);
    }
    ptrvec kept = {0}, kept_items = {0};
    for (size_t j = 0; j < p->envs.len; j++) {
        for (int i = 0; i < o->nonly_envs; i++) {
            if (strcmp(p->envs.items[j], o->only_envs[i]) == 0) {
                vec_push(p->a, &kept, p->envs.items[j]);
                vec_push(p->a, &kept_items, p->env_items.items[j]);
                break;
            }
        }
    }
    p->envs = kept;
    p->env_items = kept_items;
}

static bool check_program_shape(const program *p, const ptrvec *files)
{
    src_loc first = {0};
    for (size_t i = 0; i < files->len && !first.file; i++) {
        const ast_file *af = files->items[i];
        if (!af->src->stdlib)
            first = (src_loc){af->src, 1, 1, 1, 1};
    }
    if (!p->project)
        diag_error(p->d, first, "the program has no project block (`project NAME { ... }`)");
    if (!p->envs.len)
        diag_error(p->d, first, "the program declares no environments (`environments { dev prod }`)");
    return p->project && p->envs.len;
}

/* A directory the project's layout names (key in settings), relative to the
 * target tree and confined to it; "" for "." (the tree's root). */
static const char *layout_path(const env_state *es, value *settings, const char *key, const char *dflt)
{
    value *v = settings && settings->kind == V_MAP ? val_map_get(settings, key) : NULL;
    if (!v || v->kind == V_NULL)
        return dflt;
    const char *why = v->kind != V_STRING ? "it is not a string"
                      : env_marked(v->text) ? "it names the environment (the layout is one for all of them)"
                      : out_path_problem(es->a, v->text);
    if (why) {
        diag_error(es->d, v->loc, "'%s' cannot be a directory of the output: %s", key, why);
        return dflt;
    }
    return strcmp(v->text, ".") == 0 ? "" : v->text;
}

static bool layout_flag(const env_state *es, value *settings, const char *key)
{
    value *v = settings && settings->kind == V_MAP ? val_map_get(settings, key) : NULL;
    if (v && v->kind != V_BOOL)
        diag_error(es->d, v->loc, "'%s' is true or false", key);
    return v && v->kind == V_BOOL && v->boolean;
}

/* Terraform root-module settings from the project block, as the first
 * environment reads it. */
static void tf_settings(const env_state *es, ir_program *ip)
{
    arena *a = es->a;
    value *tf = val_map_get(es->project, "terraform");
    value *backend = tf && tf->kind == V_MAP ? val_map_get(tf, "backend") : NULL;
    if (backend && backend->kind == V_MAP && backend->keys.len == 1) {
        ip->tf.backend_type = backend->keys.items[0];
        value *cfg = backend->items.items[0];
        ir_value *obj = ir_object(a, cfg->loc);
        for (size_t i = 0; i < cfg->keys.len; i++) {
            value *v = cfg->items.items[i];
            const char *t = env_subst(a, val_to_text(a, v), es->env);
            if (v->kind == V_BOOL)
                ir_object_set(a, obj, cfg->keys.items[i], ir_bool(a, v->boolean, v->loc));
            else if (t)
                ir_object_set(a, obj, cfg->keys.items[i], ir_string(a, t, v->loc));
        }
        ip->tf.backend_config = obj;
    }
    ip->tf.modules_dir = layout_path(es, tf, "modules", "modules");
    ip->tf.envs_dir = layout_path(es, tf, "environments", "environments");
    if (strcmp(ip->tf.modules_dir, ip->tf.envs_dir) == 0) {
        diag_error(es->d, val_map_get(tf, "environments")->loc,
                   "modules and environments need directories of their own");
        ip->tf.envs_dir = "environments";
        ip->tf.modules_dir = "modules";
    }
    ip->tf.tfvars = layout_flag(es, tf, "tfvars");
    ip->tf.split = layout_flag(es, tf, "split");
}

/* Where each target's files go: the project's `layout { terraform = "infra" }`,
 * else the target table's; always inside the target tree. */
static void layout_settings(const env_state *es, ir_program *ip)
{
    value *layout = val_map_get(es->project, "layout");
    for (int t = 0; t < TARGET_COUNT; t++)
        ip->roots[t] = target_table[t].root;
    ip->layout_loc = layout ? layout->loc : es->p->project->loc;
    for (size_t i = 0; layout && layout->kind == V_MAP && i < layout->keys.len; i++) {
        const char *key = layout->keys.items[i];
        value *v = layout->items.items[i];
        int t = target_by_name(key);
        if (t < 0 || t == TARGET_GITHUB)
            diag_error(es->d, v->loc, "layout sets where the files of %s go%s", target_layout_names(es->a),
                       t == TARGET_GITHUB ? " (GitHub reads workflows only from .github/workflows)" : "");
        else
            ip->roots[t] = layout_path(es, layout, key, target_table[t].root);
    }
}

/* The deployed environments' IR factored into one program; each local
 * environment's (its Compose stack) added as it is, named after it. */
static ir_program *factor_all(compilation *c, const program *p, env_state **envs, lower_out *per_env,
                              const lower_out *workflows)
{
    size_t nenvs = p->envs.len, ncloud = 0;
    lower_out *cloud = arena_alloc(c->a, nenvs * sizeof *cloud);
    const char **names = arena_alloc(c->a, nenvs * sizeof *names);
    ptrvec local = {0};
    for (size_t e = 0; e < nenvs; e++) {
        if (!envs[e]->local) {
            names[ncloud] = envs[e]->env;
            cloud[ncloud++] = per_env[e];
            continue;
        }
        factor_concrete_stacks(c->a, &per_env[e], envs[e]->env);
        for (size_t i = 0; i < per_env[e].stacks.len; i++) {
            ir_stack *s = per_env[e].stacks.items[i];
            s->name = envs[e]->env;
            vec_push(c->a, &local, s);
        }
    }
    ir_program *ip = env_factor(p, c->a, cloud, names, ncloud, workflows);
    for (size_t i = 0; i < local.len; i++)
        vec_push(c->a, &ip->stacks, local.items[i]);
    for (size_t i = 0; i < p->declared_envs.len; i++)
        if (sema_env_local(p, p->declared_envs.items[i]))
            vec_push(c->a, &ip->local_envs, p->declared_envs.items[i]);
    return ip;
}

/* The printers of targets [first, last), with their own arena, output set
 * and diagnostics: they share nothing but the (read-only) program. */
typedef struct print_job {
    const ir_program *ir;
    int first, last;
    arena *a;
    diag_ctx d;
    out_set out;
} print_job;

static void *print_targets(void *arg)
{
    print_job *job = arg;
    for (int t = job->first; t < job->last; t++) {
        size_t before = job->out.files.len;
        target_table[t].emit(job->ir, &job->out, &job->d);
        for (size_t i = before; i < job->out.files.len; i++)
            ((out_file *)job->out.files.items[i])->target = t;
    }
    return NULL;
}

/* The layout may put two targets' files in one directory: a path both
 * print is an error, not a file one of them loses. */
static void clashes(compilation *c, const out_set *later)
{
    for (size_t i = 0; i < later->files.len; i++) {
        const out_file *f = later->files.items[i], *g = out_find(&c->out, f->path);
        if (g)
            diag_error(&c->d, c->ir->layout_loc, "%s and %s would both write %s: give them directories of their own "
                       "(project { layout { ... } })", target_table[g->target].title, target_table[f->target].title,
                       f->path);
    }
}

/* The printers run on two threads, the first half of the target table on
 * this one (Terraform and Bicep), the second on another (Kustomize and the
 * workflows): they cost about the same. Files and diagnostics are joined in
 * table order, so the result is the serial one (out_sort orders the files). */
static void print_all(compilation *c)
{
    print_job jobs[2] = {{.ir = c->ir, .first = 0, .last = TARGET_COUNT / 2},
                         {.ir = c->ir, .first = TARGET_COUNT / 2, .last = TARGET_COUNT}};
    for (int j = 0; j < 2; j++) {
        jobs[j].a = arena_new();
        arena_defer(c->a, (void (*)(void *))arena_free, jobs[j].a);
        diag_init(&jobs[j].d, jobs[j].a);
        out_init(&jobs[j].out, jobs[j].a);
    }
    pthread_t other;
    bool threaded = pthread_create(&other, NULL, print_targets, &jobs[1]) == 0;
    print_targets(&jobs[0]);
    if (threaded)
        pthread_join(other, NULL);
    else
        print_targets(&jobs[1]);
    for (int j = 0; j < 2; j++) {
        diag_append(&c->d, &jobs[j].d);
        clashes(c, &jobs[j].out);
        if (!c->d.errors)
            out_take(&c->out, &jobs[j].out);
    }
}

const char *compile_header(const compilation *c, const char *comment, const char *source)
{
    return arena_printf(c->a, "%s " OUT_HEADER_BEGIN "%s" OUT_HEADER_END "\n\n", comment,
                        source ? source : c->ir->source_desc);
}

static void stamp_headers(compilation *c, const char *source)
{
    for (size_t i = 0; i < c->out.files.len; i++) {
        out_file *f = c->out.files.items[i];
        if (!f->comment)
            continue;
        /* the header, then the body copied as bytes (printf would scan it);
         * a script's #! line stays first */
        const char *head = compile_header(c, f->comment, source);
        size_t hn = strlen(head), at = 0;
        if (f->len > 2 && f->data[0] == '#' && f->data[1] == '!') {
            const char *nl = memchr(f->data, '\n', f->len);
            at = nl ? (size_t)(nl - f->data) + 1 : f->len;
        }
        char *data = arena_alloc(c->a, hn + f->len + 1);
        memcpy(data, f->data, at);
        memcpy(data + at, head, hn);
        memcpy(data + at + hn, f->data + at, f->len - at);
        f->data = data;
        f->len += hn;
    }
}

int compile_run(compilation *c, const compile_opts *o)
{
    *c = (compilation){0};
    c->a = arena_new();
    diag_init(&c->d, c->a);
    out_init(&c->out, c->a);
    ptrvec files = {0};
    load_program(c->a, &c->d, o->stdlib_dir, o->paths, o->npaths, &files);
    for (size_t i = 0; i < files.len; i++) {
        const src_file *src = ((const ast_file *)files.items[i])->src;
        if (!src->stdlib)
            vec_push(c->a, &c->inputs, (void *)src);
    }
    program *p = sema_program(c->a, &c->d, &files);
    p->source_desc = o->source_desc ? arena_strdup(c->a, o->source_desc) : source_desc(c->a, o);
    p->target_dir = o->target_dir && *o->target_dir ? arena_strdup(c->a, o->target_dir) : NULL;
    c->declared_envs = p->declared_envs;
    filter_envs(p, o);
    if (!check_program_shape(p, &files))
        return 2;
    size_t nenvs = p->envs.len;
    lower_out *per_env = arena_alloc(c->a, nenvs * sizeof *per_env);
    env_state **envs = arena_alloc(c->a, nenvs * sizeof *envs);
    lower_out workflows;
    lower_out_init(&workflows, c->a);
    lower_secrets secrets = {.a = c->a};
    pol_state *pol = pol_begin(p);
    for (size_t e = 0; e < nenvs; e++) {
        c->d.env = p->envs.items[e];
        envs[e] = inst_gather(p, c->a, &c->d, (int)e);
        envs[e]->secrets = &secrets.params;
    }
    inst_compare_envs(envs, nenvs);
    size_t first = 0;       /* the first deployed environment: the workflows' and settings' */
    while (first + 1 < nenvs && envs[first]->local)
        first++;
    /* The first environment evaluates everything; the others share what did
     * not look at the environment (inst.h). */
    for (size_t e = 0; e < nenvs; e++) {
        env_state *es = envs[e];
        c->d.env = es->env;
        inst_evaluate(es, e ? envs[0] : NULL);
        if (c->d.errors)
            continue;   /* check every environment, but lower nothing built on an error */
        pol_check_names(pol, es);
        lower_out_init(&per_env[e], c->a);
        lower_env(es, &secrets, &per_env[e]);
        pol_check_blocks(pol, &per_env[e], es, true);
    }
    c->d.env = NULL;
    if (c->d.errors)
        return 2;
    /* The workflows belong to no environment: lowered with the first
     * deployed one's values, once every environment is, so that
     * secret_names() sees the secrets of all of them. */
    lower_once(envs[first], &secrets, &workflows);
    factor_concrete_stacks(c->a, &workflows, envs[first]->env);
    if (c->d.errors)
        return 2;
    pol_check_blocks(pol, &workflows, envs[nenvs - 1], false);
    pol_finish(pol);
    if (c->d.errors)
        return 2;
    c->ir = factor_all(c, p, envs, per_env, &workflows);
    tf_settings(envs[first], c->ir);
    layout_settings(envs[first], c->ir);
    if (c->d.errors)
        return 2;
    /* The environment's placeholder (envname.h) must not reach a printer: a
     * compiler bug otherwise, reported rather than written. */
    if (factor_mentions_env(c->ir))
        diag_error(&c->d, (src_loc){0}, "internal error: the environment's name was left as a placeholder");
    print_all(c);
    if (c->d.errors) {
        c->out.files.len = 0;
        return 2;
    }
    if (c->d.violations) {
        c->out.files.len = 0;   /* a policy violation stops the build: nothing is written */
        return 1;
    }
    out_sort(&c->out);
    stamp_headers(c, p->source_desc);
    return 0;
}

void compile_free(compilation *c)
{
    arena_free(c->a);
    c->a = NULL;
}
