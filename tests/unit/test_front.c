/* test_front.c — the scanner, parser, evaluator and factoring, through
 * compile-in-memory of small programs with a tiny stdlib of their own. */
#include "unit.h"
#include "unit_compile.h"

#include <stdio.h>
#include <stdlib.h>

#include "ast.h"
#include "backends.h"
#include "compile.h"
#include "eval.h"
#include "sema.h"
#include "stdlib_files.h"

static ast_file *parse_text(arena *a, diag_ctx *d, const char *text)
{
    src_file *src = arena_alloc(a, sizeof *src);
    src->path = "t.infra";
    src->text = text;
    src->len = strlen(text);
    return parse_file(a, d, src);
}

TEST(parse_typed_literals)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    ast_file *f = parse_text(a, &d, "x { r = 14d  p = 33%  s = 6GB  c = 10.20.0.0/16  i = 1.2.3.4  n = 1..3 }");
    CHECK(d.errors == 0);
    ast_item *blk = f->items.items[0];
    CHECK(blk->body.len == 6);
    const ast_expr *r = ((ast_item *)blk->body.items[0])->value;
    CHECK(r->kind == EX_DURATION && r->num == 14 * 86400);
    CHECK(((ast_item *)blk->body.items[1])->value->kind == EX_PERCENT);
    CHECK(((ast_item *)blk->body.items[2])->value->num == 6e9);
    CHECK(((ast_item *)blk->body.items[3])->value->kind == EX_CIDR);
    CHECK(((ast_item *)blk->body.items[4])->value->kind == EX_IP);
    const ast_expr *rng = ((ast_item *)blk->body.items[5])->value;
    CHECK(rng->kind == EX_RANGE && rng->lhs->num == 1 && rng->rhs->num == 3);
    arena_free(a);
}

TEST(parse_interpolation_nests_strings_and_braces)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    ast_file *f = parse_text(a, &d, "x = \"a${ c ? \"{${d}}\" : { k = 1 }.k }b\\n\"");
    CHECK_STR(unit_diag_lines(a, &d), "");
    const ast_expr *s = ((ast_item *)f->items.items[0])->value;
    CHECK(s->kind == EX_STRING && s->items.len == 3);
    CHECK_STR(((ast_expr *)s->items.items[2])->text, "b\n");
    arena_free(a);
}

TEST(parse_reports_several_syntax_errors)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    parse_text(a, &d, "a x {\n  b = \n}\nc y { d = [1,, ] }\ne z { f = 1 }\n");
    CHECK(d.errors == 2);
    CHECK_CONTAINS(unit_diag_lines(a, &d), "3:1: syntax error, unexpected '}'");
    CHECK_CONTAINS(unit_diag_lines(a, &d), "4:14: syntax error, unexpected ','");
    arena_free(a);
}

TEST(parse_unterminated_string_is_located_at_its_start)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    parse_text(a, &d, "x {\n  y = \"abc\n");
    CHECK_CONTAINS(unit_diag_lines(a, &d), "2:7: unterminated string");
    arena_free(a);
}

TEST(parse_deep_nesting_is_refused_not_crashed)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    strbuf sb;
    sb_init(&sb, a);
    sb_puts(&sb, "x = ");
    for (int i = 0; i < 10000; i++)
        sb_putc(&sb, '[');
    parse_text(a, &d, sb.data);
    CHECK_CONTAINS(unit_diag_lines(a, &d), "nesting deeper than 200 levels");
    arena_free(a);
}

/* ---- whole compilations with a stdlib of the test's own ---- */

static const char test_stdlib[] =
    "let region_codes = { westeurope = \"euw\" }\n"
    "provider azure {\n"
    "  region = \"location\"\n"
    "  terraform azurerm { source = \"hashicorp/azurerm\"  version = \"~> 4.0\"  config { features {} } }\n"
    "}\n"
    "provider kubernetes { named = false }\n"
    "settings project { attr tags : map(string) = {}  block azure { attr location : region? } }\n"
    "kind network {\n"
    "  provider = azure\n"
    "  naming { abbrev = \"vnet\" }\n"
    "  attr address : cidr\n"
    "  terraform { resource azurerm_virtual_network this { name = self.name  address_space = [self.address] } }\n"
    "}\n"
    "kind subnet {\n"
    "  provider = azure\n"
    "  naming { abbrev = \"snet\" }\n"
    "  attr parent : ref(network)\n"
    "  attr address : cidr\n"
    "  check inside { that = cidr_within(self.address, self.parent.address)  at = \"address\"\n"
    "    message = \"subnet ${self.label} (${self.address}) lies outside its network ${self.parent.address}\" }\n"
    "  check overlap { that = cidr_overlaps(self.address, pluck(earlier_siblings(self), \"address\")) == null\n"
    "    at = \"address\"  message = \"subnet ${self.label} (${self.address}) overlaps a sibling subnet\" }\n"
    "  terraform { resource azurerm_subnet this {\n"
    "    name = self.name  virtual_network_name = ref(self.parent, \"name\")  address_prefixes = [self.address] } }\n"
    "}\n"
    "kind store {\n"
    "  provider = azure\n"
    "  naming { abbrev = \"st\"  chars = \"a-z0-9\" }\n"
    "  attr subnet : ref(subnet)\n"
    "  attr versioning : bool = true\n"
    "  attr size : number = 1\n"
    "  attr tier : enum(hot, cool) = hot\n"
    "  block rule { labelled = true  attr days : duration }\n"
    "  terraform { resource azurerm_storage_account this {\n"
    "    name = self.name  subnet_id = self.subnet.id  size = self.size  tags = self.tags\n"
    "    access_tier = self.tier == cool ? \"Cool\" : \"Hot\"\n"
    "    for r in self.rule { rule { name = r.label  days = r.days.days } } } }\n"
    "}\n";

static const char test_project[] =
    "project demo { azure { location = westeurope }  tags = { owner = \"platform\", tier = \"gold\" } }\n"
    "environments { dev prod }\n";

typedef unit_run run;

static run compile_text(const char *source)
{
    return unit_compile(test_stdlib, test_project, source);
}

static const ir_stack *stack0(const run *r)
{
    return r->c.ir && r->c.ir->stacks.len ? r->c.ir->stacks.items[0] : NULL;
}

static const ir_block *block_named(const ir_stack *s, const char *name)
{
    for (size_t i = 0; s && i < s->blocks.len; i++) {
        const ir_block *b = s->blocks.items[i];
        if (strcmp(b->name, name) == 0)
            return b;
    }
    return NULL;
}

TEST(compile_names_follow_the_template_and_fold_to_the_charset)
{
    run r = compile_text("network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                         "store logs { subnet = core.a }\n");
    CHECK(r.rc == 0);
    CHECK_STR(r.diags, "");
    const ir_block *st = block_named(stack0(&r), "logs");
    CHECK(st != NULL);
    const ir_value *name = st ? ir_block_get(st, "name")->value : NULL;
    /* differs only by the environment's name: an interpolation of it */
    CHECK(name && name->kind == IR_INTERP);
    CHECK(name && name->items.len == 3);
    CHECK_STR(name ? ((ir_value *)name->items.items[0])->text : NULL, "stdemo");
    CHECK_STR(name ? ((ir_value *)name->items.items[2])->text : NULL, "euw");
    const ir_value *sub = st ? ir_block_get(st, "subnet_id")->value : NULL;
    CHECK(sub && sub->kind == IR_REF && strcmp(sub->ref_block->name, "core_a") == 0);
    CHECK_STR(sub ? sub->ref_path : NULL, "id");
    compile_free(&r.c);
}

/* A `for` may range over resources declared below it, inside a `when`
 * too, as a `let` may. */
TEST(compile_for_over_resources_declared_later)
{
    run r = compile_text("when prod {\n"
                         "  for n in [core.a, edge.b] { store \"${n.parent.label}-logs\" { subnet = n } }\n"
                         "}\n"
                         "for n in [core.a] { store \"${n.parent.label}-all\" { subnet = n } }\n"
                         "network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                         "network edge { address = 10.1.0.0/16  subnet b { address = 10.1.1.0/24 } }\n");
    CHECK(r.rc == 0);
    CHECK_STR(r.diags, "");
    const ir_stack *s = stack0(&r);
    const ir_block *logs = block_named(s, "edge_logs");
    CHECK(logs && logs->cond && logs->cond->values[0]->boolean == false && logs->cond->values[1]->boolean == true);
    const ir_value *sub = logs ? ir_block_get(logs, "subnet_id")->value : NULL;
    CHECK(sub && sub->kind == IR_REF && strcmp(sub->ref_block->name, "edge_b") == 0);
    CHECK(block_named(s, "core_all") != NULL);
    compile_free(&r.c);
}

/* The index of the block named so in the stack's program order, or -1. */
static long block_index(const ir_stack *s, const char *name)
{
    for (size_t i = 0; s && i < s->blocks.len; i++)
        if (strcmp(((const ir_block *)s->blocks.items[i])->name, name) == 0)
            return (long)i;
    return -1;
}

TEST(compile_if_naming_resources_declared_later)
{
    run r = compile_text("if edge.label == \"edge\" { store first { subnet = edge.b } } else { store never { subnet = edge.b } }\n"
                         "for n in [kept] { store \"${n.label}-copy\" { subnet = n.subnet } }\n"
                         "if core.label == \"other\" { store never2 { subnet = core.a } } else { store kept { subnet = core.a } }\n"
                         "network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                         "network edge { address = 10.1.0.0/16  subnet b { address = 10.1.1.0/24 } }\n");
    CHECK(r.rc == 0);
    CHECK_STR(r.diags, "");
    const ir_stack *s = stack0(&r);
    CHECK(block_named(s, "never") == NULL && block_named(s, "never2") == NULL);
    /* what the ifs and the for declare stands in the order it is written */
    long first = block_index(s, "first"), copy = block_index(s, "kept_copy"), kept = block_index(s, "kept");
    CHECK(first >= 0 && copy > first && kept > copy);
    compile_free(&r.c);
}

TEST(compile_unknown_name_in_a_comparison_reported_once)
{
    run r = compile_text("if nowhere.size > 3 { store x { subnet = core.a } }\n"
                         "network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n");
    CHECK(r.rc == 2);
    CHECK(strstr(r.diags, "unknown name 'nowhere'") != NULL);
    CHECK(strstr(r.diags, "cannot order") == NULL);
    compile_free(&r.c);
}

/* The stack's parameter of that name, or NULL. */
static const ir_param *param_named(const ir_stack *s, const char *name)
{
    for (size_t i = 0; s && i < s->params.len; i++)
        if (strcmp(((const ir_param *)s->params.items[i])->name, name) == 0)
            return s->params.items[i];
    return NULL;
}

TEST(compile_parameters_are_named_after_the_block_they_are_in)
{
    /* the second rule's days differ: its parameter says which rule, by its
     * name, so that one added before it does not shift what it means */
    run r = compile_text("network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                         "store logs {\n"
                         "  subnet = core.a\n"
                         "  rule keep { days = 7d }\n"
                         "  rule purge { days = 30d  when prod { days = 90d } }\n"
                         "}\n");
    CHECK_STR(r.diags, "");
    const ir_param *pm = param_named(stack0(&r), "logs_rule_purge_days");
    CHECK(pm != NULL);
    CHECK_STR(pm ? pm->doc : "", "Per-environment value of logs.rule[purge].days.");
    CHECK(param_named(stack0(&r), "logs_rule_1_days") == NULL);
    compile_free(&r.c);
}

TEST(compile_values_that_differ_become_parameters)
{
    run r = compile_text("network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                         "store logs { subnet = core.a  when prod { size = 3 } }\n"
                         "when prod { store extra { subnet = core.a } }\n");
    CHECK_STR(r.diags, "");
    const ir_stack *s = stack0(&r);
    const ir_block *st = block_named(s, "logs");
    const ir_value *size = st ? ir_block_get(st, "size")->value : NULL;
    CHECK(size && size->kind == IR_PARAM);
    CHECK_STR(size ? size->param->name : NULL, "logs_size");
    CHECK(size && size->param->type == IRT_NUMBER);
    CHECK_STR(size ? size->param->values[0]->text : NULL, "1");
    CHECK_STR(size ? size->param->values[1]->text : NULL, "3");
    const ir_block *extra = block_named(s, "extra");
    CHECK(extra && extra->cond && extra->cond->values[0]->boolean == false &&
          extra->cond->values[1]->boolean == true);
    compile_free(&r.c);
}

TEST(compile_reports_type_errors_at_their_source)
{
    run r = compile_text("network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                         "store logs { subnet = core.a  versioning = \"yes\"  colour = 1 }\n"
                         "store other { versioning = true }\n"
                         "store third { subnet = nope }\n");
    CHECK(r.rc == 2);
    CHECK_CONTAINS(r.diags, "2:44: wrong type for 'versioning': expected bool, got string");
    CHECK_CONTAINS(r.diags, "2:51: unknown attribute 'colour' in store 'logs'");
    CHECK_CONTAINS(r.diags, "3:1: missing required attribute 'subnet' in store 'other'");
    CHECK_CONTAINS(r.diags, "4:24: unknown name 'nope'");
    /* an attribute given with a bad value is not also reported missing */
    CHECK(strstr(r.diags, "missing required attribute 'subnet' in store 'third'") == NULL);
    compile_free(&r.c);
}

TEST(compile_checks_subnets_against_their_network)
{
    run r = compile_text("network core {\n"
                         "  address = 10.0.0.0/16\n"
                         "  subnet a { address = 10.0.1.0/24 }\n"
                         "  subnet b { address = 10.1.0.0/24 }\n"
                         "  subnet c { address = 10.0.1.128/25 }\n"
                         "}\n");
    CHECK(r.rc == 2);
    CHECK_CONTAINS(r.diags, "4:24: subnet b (10.1.0.0/24) lies outside its network 10.0.0.0/16");
    CHECK_CONTAINS(r.diags, "5:24: subnet c (10.0.1.128/25) overlaps a sibling subnet");
    compile_free(&r.c);
}

TEST(compile_duplicate_names_and_reference_cycles_are_errors)
{
    run r = compile_text("network core { address = 10.0.0.0/16 }\n"
                         "network core { address = 10.1.0.0/16 }\n");
    CHECK_CONTAINS(r.diags, "2:9: duplicate resource name 'core'");
    compile_free(&r.c);
}

/* A resource's own tags are merged over the project's (and the
 * environment and project tags every resource has), not put in their place. */
TEST(compile_a_resources_tags_merge_with_the_projects)
{
    run r = compile_text("network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                         "store logs { subnet = core.a  tags = { tier = \"silver\", team = \"data\" } }\n");
    CHECK_STR(r.diags, "");
    const ir_block *st = block_named(stack0(&r), "logs");
    const ir_value *tags = st ? ir_block_get(st, "tags")->value : NULL;
    CHECK(tags && tags->kind == IR_OBJECT);
    const ir_value *owner = tags ? ir_object_get(tags, "owner") : NULL, *tier = tags ? ir_object_get(tags, "tier") : NULL;
    const ir_value *team = tags ? ir_object_get(tags, "team") : NULL, *proj = tags ? ir_object_get(tags, "project") : NULL;
    CHECK_STR(owner ? owner->text : NULL, "platform");
    CHECK_STR(tier ? tier->text : NULL, "silver");
    CHECK_STR(team ? team->text : NULL, "data");
    CHECK_STR(proj ? proj->text : NULL, "demo");
    CHECK(tags && ir_object_get(tags, "environment") != NULL);
    compile_free(&r.c);
}

/* The one expander's override, in declarations: a resource declared again
 * inside a holding `when` overrides its declaration, wherever it is
 * written; declared twice at the same depth, it is a duplicate. */
TEST(compile_a_resource_declared_again_in_a_when_overrides_it)
{
    run r = compile_text("network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                         "when prod { store logs { size = 3  rule keep { days = 7d } } }\n"
                         "store logs { subnet = core.a  size = 2 }\n");
    CHECK_STR(r.diags, "");
    const ir_block *st = block_named(stack0(&r), "logs");
    const ir_value *size = st ? ir_block_get(st, "size")->value : NULL;
    CHECK(size && size->kind == IR_PARAM);
    CHECK_STR(size ? size->param->values[0]->text : NULL, "2");
    CHECK_STR(size ? size->param->values[1]->text : NULL, "3");
    const ir_entry *rule = st ? ir_block_get(st, "rule") : NULL;
    CHECK(rule && rule->cond && rule->cond->values[1]->boolean && !rule->cond->values[0]->boolean);
    compile_free(&r.c);
    r = compile_text("network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                     "when prod { store logs { size = 3 } }\n"
                     "when prod { store logs { size = 4 } }\n"
                     "store logs { subnet = core.a }\n");
    CHECK_CONTAINS(r.diags, "3:19: duplicate resource name 'logs'");
    compile_free(&r.c);
}

/* And in bodies: what a holding `when` sets wins wherever it is written;
 * set twice outside any `when`, an attribute is an error. */
TEST(compile_a_when_overrides_wherever_it_is_written)
{
    run r = compile_text("network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                         "store logs { when prod { size = 3 }  subnet = core.a  size = 2 }\n"
                         "store more { subnet = core.a  size = 2  size = 3 }\n");
    CHECK_CONTAINS(r.diags, "3:48: 'size' is set twice (first at line 3)");
    compile_free(&r.c);
    r = compile_text("network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                     "store logs { when prod { size = 3 }  subnet = core.a  size = 2 }\n");
    const ir_block *st = block_named(stack0(&r), "logs");
    const ir_value *size = st ? ir_block_get(st, "size")->value : NULL;
    CHECK(size && size->kind == IR_PARAM);
    CHECK_STR(size ? size->param->values[1]->text : NULL, "3");
    compile_free(&r.c);
}

TEST(compile_is_deterministic)
{
    const char *prog = "network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                       "store logs { subnet = core.a  when prod { size = 3 } }\n";
    run x = compile_text(prog), y = compile_text(prog);
    CHECK(x.c.out.files.len == y.c.out.files.len);
    for (size_t i = 0; i < x.c.out.files.len && i < y.c.out.files.len; i++) {
        const out_file *f = x.c.out.files.items[i], *g = y.c.out.files.items[i];
        CHECK_STR(f->path, g->path);
        /* past the header, which names the (temporary) source directory */
        const char *bf = strstr(f->data, "\n\n"), *bg = strstr(g->data, "\n\n");
        CHECK_STR(bf ? bf : f->data, bg ? bg : g->data);
    }
    compile_free(&x.c);
    compile_free(&y.c);
}

TEST(compile_raw_target_blocks_are_the_escape_hatch)
{
    run r = compile_text("network core { address = 10.0.0.0/16 }\n"
                         "terraform {\n"
                         "  resource azurerm_network_watcher main { name = \"nw-${env}\"  vnet = ref(core, \"id\") }\n"
                         "  resource azurerm_x other { watcher = azurerm_network_watcher.main.id }\n"
                         "}\n");
    CHECK_STR(r.diags, "");
    const ir_block *nw = block_named(stack0(&r), "main");
    CHECK(nw && strcmp(nw->type, "azurerm_network_watcher") == 0);
    const ir_value *vnet = nw ? ir_block_get(nw, "vnet")->value : NULL;
    CHECK(vnet && vnet->kind == IR_REF && strcmp(vnet->ref_block->name, "core") == 0);
    const ir_block *other = block_named(stack0(&r), "other");
    const ir_value *w = other ? ir_block_get(other, "watcher")->value : NULL;
    CHECK(w && w->kind == IR_REF && w->ref_block == nw);
    compile_free(&r.c);
}

TEST(compile_enum_words_compare_inside_lowerings)
{
    run r = compile_text("network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                         "store hot { subnet = core.a }\n"
                         "store cold { subnet = core.a  tier = cool }\n");
    CHECK_STR(r.diags, "");
    const ir_block *hot = block_named(stack0(&r), "hot"), *cold = block_named(stack0(&r), "cold");
    CHECK_STR(hot ? ir_block_get(hot, "access_tier")->value->text : NULL, "Hot");
    CHECK_STR(cold ? ir_block_get(cold, "access_tier")->value->text : NULL, "Cool");
    compile_free(&r.c);
}

/* `env` stands for each environment's name; whatever looks at it (compares
 * it, indexes with it, measures it, names a resource with it) sees the
 * environment's own, and a name that only carries it is written once, as an
 * interpolation of the environment, or as it is where one environment has it. */
TEST(compile_the_environments_name_is_each_environments_own)
{
    run r = compile_text("network core { address = 10.0.0.0/16  subnet a { address = 10.0.1.0/24 } }\n"
                         "store a { subnet = core.a  size = { dev = 1, prod = 3 }[env] }\n"
                         "store b { subnet = core.a  size = env == \"prod\" ? 5 : length(upper(env)) }\n"
                         "store \"c${env}\" { subnet = core.a }\n"
                         "when prod { store extra { subnet = core.a } }\n");
    CHECK_STR(r.diags, "");
    const ir_stack *s = stack0(&r);
    const ir_block *a = block_named(s, "a"), *b = block_named(s, "b");
    const ir_value *size_a = a ? ir_block_get(a, "size")->value : NULL;
    CHECK(size_a && size_a->kind == IR_PARAM);
    CHECK_STR(size_a ? size_a->param->values[0]->text : NULL, "1");
    CHECK_STR(size_a ? size_a->param->values[1]->text : NULL, "3");
    const ir_value *size_b = b ? ir_block_get(b, "size")->value : NULL;
    CHECK(size_b && size_b->kind == IR_PARAM);
    CHECK_STR(size_b ? size_b->param->values[0]->text : NULL, "3");
    CHECK_STR(size_b ? size_b->param->values[1]->text : NULL, "5");
    const ir_block *cdev = block_named(s, "cdev"), *cprod = block_named(s, "cprod");
    CHECK(cdev && cdev->cond && cdev->cond->values[0]->boolean && !cdev->cond->values[1]->boolean);
    CHECK(cprod && cprod->cond && !cprod->cond->values[0]->boolean);
    const ir_value *name = a ? ir_block_get(a, "name")->value : NULL;
    CHECK(name && name->kind == IR_INTERP && name->items.len == 3);
    const ir_block *extra = block_named(s, "extra");
    const ir_value *extra_name = extra ? ir_block_get(extra, "name")->value : NULL;
    CHECK(extra_name && extra_name->kind == IR_STRING);
    CHECK_STR(extra_name ? extra_name->text : NULL, "stdemoextraprodeuw");
    compile_free(&r.c);
}

static const char *cat(const char *x, const char *y)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s%s", x, y);
    return buf;
}

/* A string interpolating a reference and a name that carries the
 * environment is the same template everywhere: merged part by part, the
 * name's environment becomes the environment parameter, not an error. */
TEST(compile_interpolations_with_references_take_the_environment_parameter)
{
    run r = compile_text("kind arn {\n"
                         "  provider = azure\n"
                         "  naming { abbrev = \"arn\" }\n"
                         "  terraform {\n"
                         "    resource azurerm_key first { name = self.name }\n"
                         "    resource azurerm_thing this { arn = \"x:${azurerm_key.first.id}:${self.name}/*\" }\n"
                         "  }\n"
                         "}\n"
                         "arn a {}\n");
    CHECK_STR(r.diags, "");
    const ir_block *b = block_named(stack0(&r), "a");
    const ir_value *arn = b ? ir_block_get(b, "arn")->value : NULL;
    CHECK(arn && arn->kind == IR_INTERP);
    bool ref = false, env = false;
    for (size_t i = 0; arn && i < arn->items.len; i++) {
        const ir_value *part = arn->items.items[i];
        ref |= part->kind == IR_REF;
        env |= part->kind == IR_PARAM && part->param->is_environment;
        CHECK(part->kind != IR_INTERP);
    }
    CHECK(ref && env);
    compile_free(&r.c);
    /* a reference that differs still cannot be a parameter */
    run bad = compile_text("kind arn {\n"
                           "  provider = azure\n"
                           "  terraform {\n"
                           "    resource azurerm_key first { name = self.name }\n"
                           "    resource azurerm_key second { name = self.name }\n"
                           "    resource azurerm_thing this { arn = env == \"prod\" ? \"x:${azurerm_key.first.id}\" : \"x:${azurerm_key.second.id}\" }\n"
                           "  }\n"
                           "}\n"
                           "arn a {}\n");
    CHECK_CONTAINS(bad.diags, "differs between environments");
    compile_free(&bad.c);
}

/* Environments listing the first n of the same references (one zone's
 * subnet in dev, three in prod) share the longest list and take their count
 * of it: a parameter cannot hold references, but it can hold how many. */
TEST(compile_lists_of_references_of_different_lengths_take_a_count)
{
    run r = compile_text("kind zoned {\n"
                         "  provider = azure\n"
                         "  attr n : number = 1\n"
                         "  terraform {\n"
                         "    for i in range(3) { resource azurerm_subnet \"s${i}\" { name = \"s${i}\" } }\n"
                         "    resource azurerm_thing this { subnets = [for i in range(self.n) : ref(self, \"azurerm_subnet.s${i}\", \"id\")] }\n"
                         "  }\n"
                         "}\n"
                         "zoned z { when prod { n = 3 } }\n");
    CHECK_STR(r.diags, "");
    const ir_block *b = block_named(stack0(&r), "z");
    const ir_value *subnets = b ? ir_block_get(b, "subnets")->value : NULL;
    CHECK(subnets && subnets->kind == IR_LIST && subnets->items.len == 3 && subnets->take);
    CHECK_STR(subnets && subnets->take ? subnets->take->values[0]->text : NULL, "1");
    CHECK_STR(subnets && subnets->take ? subnets->take->values[1]->text : NULL, "3");
    out_set o;
    out_init(&o, r.c.a);
    tf_emit(r.c.ir, &o, &r.c.d);
    const out_file *f = out_find(&o, "infra/terraform/modules/demo/main.tf");
    CHECK_CONTAINS(f ? f->data : NULL, "  subnets = slice([azurerm_subnet.z_s0.id, azurerm_subnet.z_s1.id, "
                                       "azurerm_subnet.z_s2.id], 0, var.z_subnets_count)\n");
    const out_file *vars = out_find(&o, "infra/terraform/modules/demo/variables.tf");
    CHECK_CONTAINS(vars ? vars->data : NULL, "variable \"z_subnets_count\" {\n  type        = number\n");
    compile_free(&r.c);
    /* lists that are not prefixes of one another stay an error */
    run bad = compile_text("kind zoned {\n"
                           "  provider = azure\n"
                           "  attr first : number = 0\n"
                           "  terraform {\n"
                           "    for i in range(2) { resource azurerm_subnet \"s${i}\" { name = \"s${i}\" } }\n"
                           "    resource azurerm_thing this { subnets = [ref(self, \"azurerm_subnet.s${self.first}\", \"id\")] }\n"
                           "  }\n"
                           "}\n"
                           "zoned z { when prod { first = 1 } }\n");
    CHECK_CONTAINS(bad.diags, "differs between environments");
    compile_free(&bad.c);
}

/* Arithmetic, list comprehensions and the counting built-ins, as a kind's
 * check uses them: addresses a pool needs against what its subnet holds. */
TEST(compile_checks_can_count_with_comprehensions_and_arithmetic)
{
    const char *pools = "kind pools {\n"
                       "  provider = azure\n"
                       "  attr net : cidr\n"
                       "  block pool { labelled = true  attr nodes : number  attr pods : number = 30 }\n"
                       "  check fits {\n"
                       "    that    = sum([for p in self.pool : p.nodes * (p.pods + 1)]) + 5 <= cidr_size(self.net)\n"
                       "    message = \"needs ${sum([for p in self.pool : p.nodes * (p.pods + 1)]) + 5} of ${cidr_size(self.net)}\"\n"
                       "  }\n"
                       "  check big {\n"
                       "    that    = length([for p in self.pool : p.label if p.nodes > 5]) == 0\n"
                       "    message = \"big: ${join(\"-\", [for p in self.pool : p.label if p.nodes > 5])}\"\n"
                       "  }\n"
                       "  check rounding {\n"
                       "    that    = ceil(12 * 0.33) == 4 && ceil(3.2) == 4 && ceil(2) == 2 && length(distinct([1, 2, 1])) == 2\n"
                       "    message = \"rounding\"\n"
                       "  }\n"
                       "}\n";
    run ok = compile_text(cat(pools, "pools a { net = 10.0.0.0/24  pool x { nodes = 3 }  pool y { nodes = 5 } }\n"));
    CHECK_STR(ok.diags, "");
    compile_free(&ok.c);
    /* 3 x 31 + 6 x 31 + 5 = 284 addresses; a /24 has 256 */
    run bad = compile_text(cat(pools, "pools a { net = 10.0.0.0/24  pool x { nodes = 3 }  pool y { nodes = 6 } }\n"));
    CHECK(bad.rc == 2);
    CHECK_CONTAINS(bad.diags, "needs 284 of 256");
    CHECK_CONTAINS(bad.diags, "big: y");
    compile_free(&bad.c);
    run typo = compile_text(cat(pools, "pools a { net = 10.0.0.0/24  pool x { nodes = 3  pods = \"many\" } }\n"));
    CHECK(typo.rc == 2);
    compile_free(&typo.c);
}

/* ref(resource, "type.name", "attr") reaches a block a kind makes beside its
 * primary one, and lowers that resource first. */
TEST(compile_ref_reaches_another_resources_named_block)
{
    run r = compile_text("kind keyed {\n"
                         "  provider = azure\n"
                         "  terraform {\n"
                         "    resource azurerm_thing this { name = self.name }\n"
                         "    resource azurerm_key this { thing = azurerm_thing.this.id }\n"
                         "  }\n"
                         "}\n"
                         "kind user {\n"
                         "  provider = azure\n"
                         "  attr of : list(ref(keyed))\n"
                         "  terraform { resource azurerm_grant this { keys = [for k in self.of : ref(k, \"azurerm_key.this\", \"arn\")] } }\n"
                         "}\n"
                         "user u { of = [k] }\n"
                         "keyed k {}\n");
    CHECK_STR(r.diags, "");
    const ir_stack *s = stack0(&r);
    const ir_block *g = block_named(s, "u");
    const ir_value *keys = g ? ir_block_get(g, "keys")->value : NULL;
    const ir_value *k0 = keys && keys->items.len == 1 ? keys->items.items[0] : NULL;
    CHECK(k0 && k0->kind == IR_REF && strcmp(k0->ref_block->type, "azurerm_key") == 0);
    CHECK_STR(k0 ? k0->ref_path : NULL, "arn");
    compile_free(&r.c);
    /* an empty path is the block itself, as depends_on names it */
    run dep = compile_text("kind keyed {\n"
                           "  provider = azure\n"
                           "  terraform {\n"
                           "    resource azurerm_key first { name = self.name }\n"
                           "    resource azurerm_thing this { depends_on = [ref(self, \"azurerm_key.first\", \"\")] }\n"
                           "  }\n"
                           "}\n"
                           "keyed k {}\n");
    CHECK_STR(dep.diags, "");
    const ir_block *t = block_named(stack0(&dep), "k");
    const ir_value *deps = t ? ir_block_get(t, "depends_on")->value : NULL;
    const ir_value *d0 = deps && deps->items.len == 1 ? deps->items.items[0] : NULL;
    CHECK(d0 && d0->kind == IR_REF && d0->ref_path == NULL && strcmp(d0->ref_block->type, "azurerm_key") == 0);
    compile_free(&dep.c);
    run bad = compile_text("kind keyed { provider = azure  terraform { resource azurerm_thing this { name = self.name } } }\n"
                           "kind user { provider = azure  attr of : ref(keyed)\n"
                           "  terraform { resource azurerm_grant this { key = ref(self.of, \"azurerm_key.this\", \"arn\") } } }\n"
                           "keyed k {}\n"
                           "user u { of = k }\n");
    CHECK_CONTAINS(bad.diags, "keyed 'k' makes no block azurerm_key.this");
    compile_free(&bad.c);
}

/* referrers(resource, "attr") lists who names a resource in that attribute
 * (as a value, a list item or a map value), as each environment has it. */
TEST(compile_referrers_lists_who_names_a_resource)
{
    run r = compile_text("kind app {\n"
                         "  provider = kubernetes\n"
                         "  attr uses   : list(ref(any)) = []\n"
                         "  attr routes : map(ref(any)) = {}\n"
                         "  kubernetes { object cm {\n"
                         "    apiVersion = \"v1\"  kind = \"ConfigMap\"  metadata { name = self.label }\n"
                         "    data = { by = join(\",\", pluck(concat(referrers(self, \"uses\"), referrers(self, \"routes\")), \"label\")),\n"
                         "             kinds = join(\",\", [for x in referrers(self, \"uses\") : x.kind_name]) }\n"
                         "  } }\n"
                         "}\n"
                         "app a { uses = [c] }\n"
                         "app b { when prod { uses = [a, c] } }\n"
                         "app c { routes = { \"/\" = a } }\n"
                         "app d { uses = [a] }\n");
    CHECK_STR(r.diags, "");
    const ir_block *c = NULL, *a = NULL;
    for (size_t i = 0; r.c.ir && i < r.c.ir->stacks.len; i++) {
        const ir_stack *s = r.c.ir->stacks.items[i];
        if (!c)
            c = strcmp(s->name, "c") == 0 ? block_named(s, "c") : NULL;
        if (!a)
            a = strcmp(s->name, "a") == 0 ? block_named(s, "a") : NULL;
    }
    const ir_value *data = c ? ir_block_get(c, "data")->value : NULL;
    const ir_value *by = data ? ir_object_get(data, "by") : NULL;
    /* b uses c only in prod: a parameter, "a" in dev and "a,b" in prod */
    CHECK(by && by->kind == IR_PARAM);
    CHECK_STR(by && by->kind == IR_PARAM ? by->param->values[0]->text : NULL, "a");
    CHECK_STR(by && by->kind == IR_PARAM ? by->param->values[1]->text : NULL, "a,b");
    const ir_value *kinds = data ? ir_object_get(data, "kinds") : NULL;     /* what each is, for a lowering */
    CHECK_STR(kinds && kinds->kind == IR_PARAM ? kinds->param->values[1]->text : NULL, "app,app");
    const ir_value *abyv = a ? ir_object_get(ir_block_get(a, "data")->value, "by") : NULL;
    CHECK(abyv && abyv->kind == IR_PARAM);
    CHECK_STR(abyv && abyv->kind == IR_PARAM ? abyv->param->values[0]->text : NULL, "d,c");
    CHECK_STR(abyv && abyv->kind == IR_PARAM ? abyv->param->values[1]->text : NULL, "b,d,c");
    compile_free(&r.c);
    run bad = compile_text("kind app { provider = kubernetes  attr uses : list(ref(any)) = []\n"
                           "  kubernetes { object cm { apiVersion = \"v1\"  kind = \"ConfigMap\"  metadata { name = self.label }\n"
                           "    data = { n = tostring(length(referrers(\"a\", \"uses\"))) } } } }\n"
                           "app a {}\n");
    CHECK_CONTAINS(bad.diags, "referrers(): takes a resource and an attribute name");
    compile_free(&bad.c);
}

/* `data.T.N` in a Terraform lowering is a data source even when the program
 * has a resource named data. */
TEST(compile_data_sources_are_not_shadowed_by_a_resource_named_data)
{
    run r = compile_text("kind who { provider = azure\n"
                         "  terraform {\n"
                         "    data azurerm_client_config current {}\n"
                         "    resource azurerm_thing this { name = self.name  tenant = data.azurerm_client_config.current.tenant_id }\n"
                         "  }\n"
                         "}\n"
                         "who data {}\n");
    CHECK_STR(r.diags, "");
    const ir_block *b = block_named(stack0(&r), "data");
    const ir_value *t = b ? ir_block_get(b, "tenant")->value : NULL;
    CHECK(t && t->kind == IR_REF && t->ref_block && t->ref_block->kind == IRB_DATA);
    compile_free(&r.c);
}

/* A `generated` object is a ConfigMap Kustomize makes (with a hash in its
 * name); anything else is refused at its lowering. */
TEST(compile_generated_objects_are_configmaps)
{
    run r = compile_text("kubernetes { generated cfg { apiVersion = \"v1\"  kind = \"ConfigMap\"\n"
                         "  metadata { name = \"app-config\" }  data = { LEVEL = env } } }\n");
    CHECK_STR(r.diags, "");
    const ir_block *b = block_named(stack0(&r), "app-config");
    CHECK(b && b->generated && b->kind == IRB_K8S_OBJECT);
    compile_free(&r.c);
    run bad = compile_text("kubernetes { generated s { apiVersion = \"v1\"  kind = \"Secret\"  metadata { name = \"s\" } } }\n");
    CHECK(bad.rc == 2);
    CHECK_CONTAINS(bad.diags, "1:14: only a ConfigMap can be generated (this is a Secret); write it as an object");
    compile_free(&bad.c);
}

/* cidr_subnet carves a range as Terraform's cidrsubnet does, and range(n)
 * numbers the blocks: three /20s per tier out of one /16. */
TEST(compile_cidr_subnet_and_range_carve_a_range)
{
    const char *carve = "kind carve {\n"
                        "  provider = azure\n"
                        "  attr net  : cidr\n"
                        "  attr bits : number = 4\n"
                        "  terraform { resource azurerm_thing this { nets = [for i in range(3) : cidr_subnet(self.net, self.bits, i + 3)] } }\n"
                        "}\n";
    run r = compile_text(cat(carve, "carve c { net = 10.20.0.0/16 }\n"));
    CHECK_STR(r.diags, "");
    const ir_block *b = block_named(stack0(&r), "c");
    const ir_value *nets = b ? ir_block_get(b, "nets")->value : NULL;
    CHECK(nets && nets->items.len == 3);
    CHECK_STR(nets && nets->items.len == 3 ? ((const ir_value *)nets->items.items[0])->text : NULL, "10.20.48.0/20");
    CHECK_STR(nets && nets->items.len == 3 ? ((const ir_value *)nets->items.items[2])->text : NULL, "10.20.80.0/20");
    compile_free(&r.c);
    /* a /28 split in 16 is 16 /32s; a 17th block or a /33 does not exist */
    run odd = compile_text(cat(carve, "carve c { net = 10.0.0.240/28  bits = 4 }\n"));
    CHECK_STR(odd.diags, "");
    b = block_named(stack0(&odd), "c");
    nets = b ? ir_block_get(b, "nets")->value : NULL;
    CHECK_STR(nets && nets->items.len == 3 ? ((const ir_value *)nets->items.items[0])->text : NULL, "10.0.0.243/32");
    compile_free(&odd.c);
    run many = compile_text(cat(carve, "carve c { net = 10.0.0.0/30  bits = 1 }\n"));
    CHECK(many.rc == 2);
    CHECK_CONTAINS(many.diags, "block 3 does not exist: a /30 holds 2 blocks of /31");
    compile_free(&many.c);
    run deep = compile_text(cat(carve, "carve c { net = 10.0.0.0/30  bits = 3 }\n"));
    CHECK_CONTAINS(deep.diags, "cannot add 3 bits to a /30 prefix");
    compile_free(&deep.c);
    run neg = compile_text(cat(carve, "carve c { net = 10.0.0.0/16  bits = 1 }\n"
                                      "kind counted { provider = azure  terraform { resource azurerm_x this { n = range(-1) } } }\n"
                                      "counted k {}\n"));
    CHECK_CONTAINS(neg.diags, "range(): takes a whole number from 0 to 100000");
    compile_free(&neg.c);
}

/* Calls find built-ins by binary search in a table sorted by hand. */
TEST(builtins_table_is_sorted)
{
    CHECK(eval_builtins_unsorted() == NULL);
}

/* ---- the stdlib parsed at build time (tools/stdlib_ast.c) ---- */

static bool same_loc(src_loc x, src_loc y)
{
    return x.line == y.line && x.col == y.col && x.end_line == y.end_line && x.end_col == y.end_col &&
           !x.file == !y.file;
}

static bool same_text(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

static bool same_expr(const ast_expr *x, const ast_expr *y);
static bool same_item(const ast_item *x, const ast_item *y);

/* Two lists whose items are alike, item by item. */
static bool same_list(const ptrvec *x, const ptrvec *y, bool (*same)(const void *, const void *))
{
    if (x->len != y->len)
        return false;
    for (size_t i = 0; i < x->len; i++)
        if (!same(x->items[i], y->items[i]))
            return false;
    return true;
}

static bool expr_alike(const void *x, const void *y) { return same_expr(x, y); }
static bool text_alike(const void *x, const void *y) { return same_text(x, y); }
static bool item_alike(const void *x, const void *y) { return same_item(x, y); }

static bool same_exprs(const ptrvec *x, const ptrvec *y) { return same_list(x, y, expr_alike); }
static bool same_texts(const ptrvec *x, const ptrvec *y) { return same_list(x, y, text_alike); }
static bool same_items(const ptrvec *x, const ptrvec *y) { return same_list(x, y, item_alike); }

static bool same_expr(const ast_expr *x, const ast_expr *y)
{
    if (!x || !y)
        return x == y;
    return x->kind == y->kind && same_loc(x->loc, y->loc) && same_text(x->text, y->text) && x->num == y->num &&
           same_expr(x->lhs, y->lhs) && same_expr(x->rhs, y->rhs) && same_expr(x->cond, y->cond) &&
           same_exprs(&x->items, &y->items) && same_texts(&x->keys, &y->keys);
}

static bool same_type(const ast_type *x, const ast_type *y)
{
    if (!x || !y)
        return x == y;
    if (!same_text(x->name, y->name) || x->optional != y->optional || !same_loc(x->loc, y->loc) ||
        x->args.len != y->args.len)
        return false;
    for (size_t i = 0; i < x->args.len; i++)
        if (!same_type(x->args.items[i], y->args.items[i]))
            return false;
    return true;
}

static bool same_item(const ast_item *x, const ast_item *y)
{
    if (x->kind != y->kind || !same_loc(x->loc, y->loc) || !same_loc(x->name_loc, y->name_loc) ||
        !same_text(x->name, y->name) || !x->file != !y->file || !same_exprs(&x->labels, &y->labels) ||
        !same_expr(x->value, y->value) || !same_expr(x->name_expr, y->name_expr) || !same_type(x->type, y->type) ||
        !same_items(&x->body, &y->body) ||
        !same_items(&x->else_body, &y->else_body) || x->annots.len != y->annots.len)
        return false;
    if (!(x->kind == IT_ENVIRONMENTS ? same_items(&x->envs, &y->envs) : same_texts(&x->envs, &y->envs)))
        return false;
    for (size_t i = 0; i < x->annots.len; i++) {
        const ast_annot *a = x->annots.items[i], *b = y->annots.items[i];
        if (!same_text(a->name, b->name) || !same_loc(a->loc, b->loc) || !same_exprs(&a->args, &b->args))
            return false;
    }
    return true;
}

TEST(stdlib_built_in_trees_are_what_parsing_gives)
{
    arena *a = arena_new();
    size_t n = 0;
    for (ast_file *const *f = stdlib_ast; *f; f++, n++) {
        diag_ctx d;
        diag_init(&d, a);
        ast_file *fresh = parse_file(a, &d, (*f)->src);
        CHECK(d.errors == 0);
        CHECK(same_items(&(*f)->items, &fresh->items));
        CHECK_CONTAINS((*f)->src->path, "<stdlib>/");
        CHECK((*f)->src->stdlib);      /* provenance is marked, not read from the path */
    }
    CHECK(n >= 10);
    arena_free(a);
}
