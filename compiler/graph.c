/* graph.c — see graph.h.
 *
 * The one place that reads the middle's data is graph_collect: it builds the
 * instances of each environment (inst_gather, inst_evaluate) and turns them into plain nodes
 * and edges; everything after it prints those. A resource or reference that
 * exists in only some environments says which.
 */
#include "graph.h"

#include <jansson.h>
#include <string.h>

#include "inst.h"
#include "load.h"

typedef struct graph_node {
    const char *path, *kind, *stack, *target;
    unsigned envs;              /* bit per environment it exists in */
} graph_node;

typedef struct graph_edge {
    const char *from, *to, *attr;   /* attr "" for a parent holding a child */
    unsigned envs;
} graph_edge;

typedef struct graph {
    arena *a;
    ptrvec nodes, edges;        /* graph_node*, graph_edge* in first-seen order */
    strmap node_by_path, edge_by_key;
    ptrvec envs;                /* const char* */
} graph;

static void add_node(graph *g, const instance *in, unsigned bit)
{
    graph_node *n = strmap_get(&g->node_by_path, in->r.path);
    if (!n) {
        n = arena_alloc(g->a, sizeof *n);
        *n = (graph_node){arena_strdup(g->a, in->r.path), in->k->name, in->r.stack, target_table[in->r.target].name, 0};
        strmap_put(&g->node_by_path, n->path, n);
        vec_push(g->a, &g->nodes, n);
    }
    n->envs |= bit;
}

static void add_edge(graph *g, const char *from, const char *to, const char *attr, unsigned bit)
{
    const char *key = arena_printf(g->a, "%s\n%s\n%s", from, to, attr);
    graph_edge *e = strmap_get(&g->edge_by_key, key);
    if (!e) {
        e = arena_alloc(g->a, sizeof *e);
        *e = (graph_edge){arena_strdup(g->a, from), arena_strdup(g->a, to), arena_strdup(g->a, attr), 0};
        strmap_put(&g->edge_by_key, key, e);
        vec_push(g->a, &g->edges, e);
    }
    e->envs |= bit;
}

/* Every resource a value refers to, through lists, maps and nested blocks. */
static void refs_in(graph *g, const instance *from, const char *attr, const value *v, unsigned bit)
{
    if (!v)
        return;
    if (v->kind == V_RESOURCE && v->res && v->res != &from->r) {
        add_edge(g, from->r.path, v->res->path, attr, bit);
    } else if (v->kind == V_LIST || v->kind == V_MAP) {
        for (size_t i = 0; i < v->items.len; i++)
            refs_in(g, from, attr, v->items.items[i], bit);
    }
}

static void collect_env(graph *g, env_state *es, unsigned bit)
{
    for (size_t i = 0; i < es->instances.len; i++) {
        instance *in = es->instances.items[i];
        if (in->raw || in->cut)
            continue;
        add_node(g, in, bit);
        if (in->r.parent)
            add_edge(g, in->r.parent->path, in->r.path, "", bit);
        for (size_t j = 0; j < in->k->sch.attrs.len; j++) {
            const attr_decl *ad = in->k->sch.attrs.items[j];
            if (in->r.parent && !strcmp(ad->name, "parent"))
                continue;       /* drawn as the parent's edge */
            refs_in(g, in, ad->name, inst_attr(es, in, ad->name), bit);
        }
    }
}

/* Loads the program and builds every selected environment's instances. */
static int graph_collect(graph *g, const graph_opts *o, diag_ctx *d)
{
    ptrvec files = {0};
    load_program(g->a, d, o->stdlib_dir, o->paths, o->npaths, &files);
    program *p = sema_program(g->a, d, &files);
    if (!d->errors && (!p->project || !p->envs.len))
        diag_error(d, (src_loc){0}, "the program has no project or no environments");
    for (int i = 0; i < o->nenvs; i++) {
        bool known = false;
        for (size_t e = 0; e < p->envs.len; e++)
            known |= !strcmp(p->envs.items[e], o->envs[i]);
        if (!known)
            diag_error(d, (src_loc){0}, "--env %s: no such environment", o->envs[i]);
    }
    for (size_t e = 0; !d->errors && e < p->envs.len && e < 32; e++) {
        bool wanted = !o->nenvs;
        for (int i = 0; i < o->nenvs; i++)
            wanted |= !strcmp(p->envs.items[e], o->envs[i]);
        if (!wanted)
            continue;
        d->env = p->envs.items[e];      /* messages name this environment (envname.h) */
        env_state *es = inst_gather(p, g->a, d, (int)e);
        inst_evaluate(es, NULL);        /* each environment whole: a graph shares nothing */
        vec_push(g->a, &g->envs, p->envs.items[e]);
        if (!d->errors)
            collect_env(g, es, 1u << (g->envs.len - 1));
    }
    return d->errors ? 2 : 0;
}

/* "(prod only)", "(dev, prod)", or "" when in every environment. */
static const char *env_note(graph *g, unsigned envs)
{
    if (envs == (1u << g->envs.len) - 1)
        return "";
    strbuf sb;
    sb_init(&sb, g->a);
    int n = 0;
    for (size_t e = 0; e < g->envs.len; e++)
        if (envs & (1u << e))
            sb_printf(&sb, "%s%s", n++ ? ", " : " (", (const char *)g->envs.items[e]);
    sb_puts(&sb, n == 1 ? " only)" : ")");
    return sb.data;
}

/* ---- printers ---- */

/* A quoted DOT string; a newline becomes DOT's line break. */
static void dot_id(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '\n') {
            fputs("\\n", out);
            continue;
        }
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* newrank: dot ranks the whole graph at once rather than cluster by
 * cluster, so stacks that refer to each other both ways (a network's NSGs
 * log to the monitoring stack, whose policies name the network's group)
 * still lay out; graphviz 2.43 otherwise stops with "trouble in init_rank". */
static void print_dot(graph *g, FILE *out)
{
    fputs("digraph infra {\n  rankdir=LR;\n  newrank=true;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
          "  edge [fontname=\"Helvetica\", fontsize=10];\n", out);
    ptrvec stacks = {0};
    for (size_t i = 0; i < g->nodes.len; i++) {
        const graph_node *n = g->nodes.items[i];
        bool seen = false;
        for (size_t s = 0; s < stacks.len; s++)
            seen |= !strcmp(stacks.items[s], n->stack);
        if (!seen)
            vec_push(g->a, &stacks, (void *)n->stack);
    }
    for (size_t s = 0; s < stacks.len; s++) {
        fprintf(out, "  subgraph ");
        dot_id(out, arena_printf(g->a, "cluster_%s", (const char *)stacks.items[s]));
        fputs(" {\n    label=", out);
        dot_id(out, arena_printf(g->a, "stack %s", (const char *)stacks.items[s]));
        fputs(";\n", out);
        for (size_t i = 0; i < g->nodes.len; i++) {
            const graph_node *n = g->nodes.items[i];
            if (strcmp(n->stack, stacks.items[s]) != 0)
                continue;
            fputs("    ", out);
            dot_id(out, n->path);
            fputs(" [label=", out);
            dot_id(out, arena_printf(g->a, "%s\n%s%s", n->path, n->kind, env_note(g, n->envs)));
            fprintf(out, "%s];\n", n->envs == (1u << g->envs.len) - 1 ? "" : ", style=\"rounded,dashed\"");
        }
        fputs("  }\n", out);
    }
    for (size_t i = 0; i < g->edges.len; i++) {
        const graph_edge *e = g->edges.items[i];
        fputs("  ", out);
        dot_id(out, e->from);
        fputs(" -> ", out);
        dot_id(out, e->to);
        if (*e->attr) {
            fputs(" [label=", out);
            dot_id(out, arena_printf(g->a, "%s%s", e->attr, env_note(g, e->envs)));
            fputs("]", out);
        } else {
            fputs(" [style=dotted, arrowhead=none]", out);
        }
        fputs(";\n", out);
    }
    fputs("}\n", out);
}

/* Mermaid ids are plain words: the node's index. Labels are quoted, with
 * the characters Mermaid would read written as entities. */
static void mermaid_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '"')
            fputs("#quot;", out);
        else
            fputc(*s, out);
    }
}

static size_t node_index(graph *g, const char *path)
{
    for (size_t i = 0; i < g->nodes.len; i++)
        if (!strcmp(((const graph_node *)g->nodes.items[i])->path, path))
            return i;
    return 0;
}

static void print_mermaid(graph *g, FILE *out)
{
    fputs("flowchart LR\n", out);
    ptrvec done = {0};
    for (size_t i = 0; i < g->nodes.len; i++) {
        const graph_node *first = g->nodes.items[i];
        bool seen = false;
        for (size_t s = 0; s < done.len; s++)
            seen |= !strcmp(done.items[s], first->stack);
        if (seen)
            continue;
        vec_push(g->a, &done, (void *)first->stack);
        fprintf(out, "  subgraph stack_%zu [\"stack ", done.len);
        mermaid_text(out, first->stack);
        fputs("\"]\n", out);
        for (size_t j = i; j < g->nodes.len; j++) {
            const graph_node *n = g->nodes.items[j];
            if (strcmp(n->stack, first->stack) != 0)
                continue;
            fprintf(out, "    n%zu[\"", j);
            mermaid_text(out, arena_printf(g->a, "%s<br/>%s%s", n->path, n->kind, env_note(g, n->envs)));
            fputs("\"]\n", out);
        }
        fputs("  end\n", out);
    }
    for (size_t i = 0; i < g->edges.len; i++) {
        const graph_edge *e = g->edges.items[i];
        fprintf(out, "  n%zu ", node_index(g, e->from));
        if (*e->attr) {
            fputs("-->|\"", out);
            mermaid_text(out, arena_printf(g->a, "%s%s", e->attr, env_note(g, e->envs)));
            fputs("\"| ", out);
        } else {
            fputs("-.- ", out);
        }
        fprintf(out, "n%zu\n", node_index(g, e->to));
    }
}

static json_t *env_list(graph *g, unsigned envs)
{
    json_t *a = json_array();
    for (size_t e = 0; e < g->envs.len; e++)
        if (envs & (1u << e))
            json_array_append_new(a, json_string(g->envs.items[e]));
    return a;
}

static void print_json(graph *g, FILE *out)
{
    json_t *root = json_object(), *nodes = json_array(), *edges = json_array();
    for (size_t i = 0; i < g->nodes.len; i++) {
        const graph_node *n = g->nodes.items[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(n->path));
        json_object_set_new(o, "kind", json_string(n->kind));
        json_object_set_new(o, "stack", json_string(n->stack));
        json_object_set_new(o, "target", json_string(n->target));
        json_object_set_new(o, "environments", env_list(g, n->envs));
        json_array_append_new(nodes, o);
    }
    for (size_t i = 0; i < g->edges.len; i++) {
        const graph_edge *e = g->edges.items[i];
        json_t *o = json_object();
        json_object_set_new(o, "from", json_string(e->from));
        json_object_set_new(o, "to", json_string(e->to));
        json_object_set_new(o, "relation", json_string(*e->attr ? "reference" : "contains"));
        if (*e->attr)
            json_object_set_new(o, "attribute", json_string(e->attr));
        json_object_set_new(o, "environments", env_list(g, e->envs));
        json_array_append_new(edges, o);
    }
    json_object_set_new(root, "nodes", nodes);
    json_object_set_new(root, "edges", edges);
    json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(root);
}

int graph_run(const graph_opts *o, FILE *out)
{
    graph g = {.a = arena_new()};
    strmap_init(&g.node_by_path, g.a);
    strmap_init(&g.edge_by_key, g.a);
    diag_ctx d;
    diag_init(&d, g.a);
    int rc = graph_collect(&g, o, &d);
    if (rc)
        diag_print(&d, stderr, diag_want_colour(stderr));
    else if (o->format == GRAPH_MERMAID)
        print_mermaid(&g, out);
    else if (o->format == GRAPH_JSON)
        print_json(&g, out);
    else
        print_dot(&g, out);
    arena_free(g.a);
    return rc;
}
