/* test_backends.c — printer details that golden trees show only by example:
 * escaping in each target syntax and YAML scalar styles. */
#include "unit.h"

#include "backends.h"
#include "out_yaml.h"

static ir_program *one_stack(arena *a, ir_target t, ir_block *b)
{
    static const char *envs[] = {"dev"};
    ir_program *p = arena_alloc(a, sizeof *p);
    p->project = "demo";
    p->envs = envs;
    p->nenvs = 1;
    ir_stack *s = arena_alloc(a, sizeof *s);
    s->name = "demo";
    s->target = t;
    s->env_param = arena_alloc(a, sizeof *s->env_param);
    s->env_param->name = "environment";
    s->env_param->is_environment = true;
    vec_push(a, &s->blocks, b);
    vec_push(a, &p->stacks, s);
    return p;
}

static const char *file(const out_set *o, const char *path)
{
    const out_file *f = out_find(o, path);
    return f ? f->data : NULL;
}

TEST(terraform_strings_escape_quotes_and_template_sequences)
{
    arena *a = arena_new();
    ir_block *b = ir_block_new(a, IRB_RESOURCE, "aws_s3_bucket", "x", (src_loc){0});
    ir_block_attr(a, b, "bucket", ir_string(a, "say \"${hi}\" 100%{x}\n", (src_loc){0}));
    out_set o;
    out_init(&o, a);
    diag_ctx d;
    diag_init(&d, a);
    tf_emit(one_stack(a, TARGET_TERRAFORM, b), &o, &d);
    CHECK_CONTAINS(file(&o, "infra/terraform/modules/demo/main.tf"),
                   "bucket = \"say \\\"$${hi}\\\" 100%%{x}\\n\"");
    arena_free(a);
}

TEST(terraform_aligns_a_run_of_attributes_and_not_a_multiline_one)
{
    arena *a = arena_new();
    ir_block *b = ir_block_new(a, IRB_RESOURCE, "t", "x", (src_loc){0});
    ir_block_attr(a, b, "a", ir_number(a, "1", (src_loc){0}));
    ir_block_attr(a, b, "longer", ir_number(a, "2", (src_loc){0}));
    ir_value *tags = ir_object(a, (src_loc){0});
    ir_object_set(a, tags, "k", ir_string(a, "v", (src_loc){0}));
    ir_block_attr(a, b, "tags", tags);
    out_set o;
    out_init(&o, a);
    diag_ctx d;
    diag_init(&d, a);
    tf_emit(one_stack(a, TARGET_TERRAFORM, b), &o, &d);
    CHECK_STR(file(&o, "infra/terraform/modules/demo/main.tf"),
              "resource \"t\" \"x\" {\n  a      = 1\n  longer = 2\n  tags = {\n    k = \"v\"\n  }\n}\n");
    arena_free(a);
}

TEST(bicep_strings_escape_quotes_and_interpolation)
{
    arena *a = arena_new();
    ir_block *b = ir_block_new(a, IRB_RESOURCE, "Microsoft.Storage/storageAccounts@2025-01-01", "st", (src_loc){0});
    ir_block_attr(a, b, "name", ir_string(a, "it's ${x}", (src_loc){0}));
    out_set o;
    out_init(&o, a);
    diag_ctx d;
    diag_init(&d, a);
    bicep_emit(one_stack(a, TARGET_BICEP, b), &o, &d);
    CHECK_CONTAINS(file(&o, "infra/bicep/demo/main.bicep"), "name: 'it\\'s \\${x}'");
    arena_free(a);
}

/* A list environments take a count of (factoring's prefix lists) is
 * Bicep's take(), the count a parameter. */
TEST(bicep_list_taken_by_count_is_take)
{
    arena *a = arena_new();
    ir_block *b = ir_block_new(a, IRB_RESOURCE, "Microsoft.Search/searchServices@2025-05-01", "s", (src_loc){0});
    ir_value *l = ir_list(a, (src_loc){0});
    ir_list_push(a, l, ir_string(a, "a", (src_loc){0}));
    ir_list_push(a, l, ir_string(a, "b", (src_loc){0}));
    l->take = arena_alloc(a, sizeof *l->take);
    l->take->name = "s_zones_count";
    l->take->type = IRT_NUMBER;
    ir_block_attr(a, b, "zones", l);
    ir_program *p = one_stack(a, TARGET_BICEP, b);
    vec_push(a, &((ir_stack *)p->stacks.items[0])->params, l->take);
    l->take->values = arena_alloc(a, sizeof *l->take->values);
    l->take->values[0] = ir_number(a, "1", (src_loc){0});
    out_set o;
    out_init(&o, a);
    diag_ctx d;
    diag_init(&d, a);
    bicep_emit(p, &o, &d);
    CHECK_CONTAINS(file(&o, "infra/bicep/demo/main.bicep"), "zones: take([\n    'a'\n    'b'\n  ], sZonesCount)");
    arena_free(a);
}

TEST(yaml_quotes_strings_a_yaml_1_1_reader_would_retype)
{
    arena *a = arena_new();
    ir_value *v = ir_object(a, (src_loc){0});
    const char *typed[] = {"on", "yes", "No", "1.0", "0x1F", "12:30", "~", "", "null", "1e3"};
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++)
        ir_object_set(a, v, arena_printf(a, "k%zu", i), ir_string(a, typed[i], (src_loc){0}));
    ir_object_set(a, v, "plain", ir_string(a, "ghcr.io/x/y:1.2.3", (src_loc){0}));
    ir_object_set(a, v, "number", ir_number(a, "3", (src_loc){0}));
    strbuf sb;
    sb_init(&sb, a);
    diag_ctx d;
    diag_init(&d, a);
    out_yaml_opts opts = {0};
    CHECK(out_yaml_value(&sb, v, &opts, &d) == 0);
    CHECK_STR(sb.data, "---\nk0: \"on\"\nk1: \"yes\"\nk2: \"No\"\nk3: \"1.0\"\nk4: \"0x1F\"\nk5: \"12:30\"\n"
                       "k6: \"~\"\nk7: \"\"\nk8: \"null\"\nk9: \"1e3\"\nplain: ghcr.io/x/y:1.2.3\nnumber: 3\n");
    arena_free(a);
}

TEST(yaml_keeps_the_workflow_key_on_plain_and_the_action_version_comment)
{
    arena *a = arena_new();
    ir_block *wf = ir_block_new(a, IRB_WORKFLOW, "workflow", "ci", (src_loc){0});
    ir_block_attr(a, wf, "on", ir_string(a, "push", (src_loc){0}));
    ir_value *step = ir_object(a, (src_loc){0});
    ir_object_set(a, step, "uses", ir_string(a, "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", (src_loc){0}));
    ir_block_attr(a, wf, "step", step);
    strbuf sb;
    sb_init(&sb, a);
    diag_ctx d;
    diag_init(&d, a);
    out_yaml_opts opts = {.workflow = true};
    CHECK(out_yaml_block(&sb, wf, &opts, &d) == 0);
    CHECK_STR(sb.data, "---\non: push\nstep:\n  uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2\n");
    arena_free(a);
}

/* yamllint's defaults and prettier want `key:` then `  - item`; a block
 * scalar's lines that look like a sequence are text and stay as written. */
TEST(yaml_indents_sequences_in_mappings_but_not_block_scalar_text)
{
    arena *a = arena_new();
    ir_value *v = ir_object(a, (src_loc){0}), *list = ir_list(a, (src_loc){0}), *inner = ir_object(a, (src_loc){0});
    ir_value *nested = ir_list(a, (src_loc){0});
    ir_list_push(a, nested, ir_string(a, "a", (src_loc){0}));
    ir_object_set(a, inner, "args", nested);
    ir_object_set(a, inner, "run", ir_string(a, "key:\n- not an item", (src_loc){0}));
    ir_list_push(a, list, inner);
    ir_object_set(a, v, "steps", list);
    ir_object_set(a, v, "after", ir_number(a, "1", (src_loc){0}));
    strbuf sb;
    sb_init(&sb, a);
    diag_ctx d;
    diag_init(&d, a);
    out_yaml_opts opts = {0};
    CHECK(out_yaml_value(&sb, v, &opts, &d) == 0);
    CHECK_STR(sb.data, "---\nsteps:\n  - args:\n      - a\n    run: |-\n      key:\n      - not an item\nafter: 1\n");
    arena_free(a);
}
