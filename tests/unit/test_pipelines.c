/* test_pipelines.c — the stdlib's pipeline kinds, compiled whole with the
 * embedded stdlib: each generated workflow is read back as YAML (libyaml)
 * and its job graph (`needs`) and environments checked, and the action pins
 * a project overrides. */
#include "unit.h"
#include "unit_compile.h"

#include <yaml.h>

static const char *project =
    "project shop {\n"
    "  org  = \"sh\"\n"
    "  tags = { owner = \"platform\", cost_center = \"cc-1\" }\n"
    "  azure { location = westeurope }\n"
    "}\n"
    "environments { dev staging prod }\n";

/* ---- a workflow read back ---- */

typedef struct wf {
    yaml_document_t doc;
    bool ok;
} wf;

static wf wf_read(const char *text)
{
    wf w = {.ok = false};
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
    w.ok = yaml_parser_load(&p, &w.doc) && yaml_document_get_root_node(&w.doc);
    yaml_parser_delete(&p);
    return w;
}

static void wf_free(wf *w)
{
    yaml_document_delete(&w->doc);
}

/* The value of key in a mapping node, or NULL. */
static yaml_node_t *member(wf *w, yaml_node_t *n, const char *key)
{
    if (!n || n->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&w->doc, p->key);
        if (k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(&w->doc, p->value);
    }
    return NULL;
}

static yaml_node_t *job(wf *w, const char *name)
{
    return member(w, member(w, yaml_document_get_root_node(&w->doc), "jobs"), name);
}

/* The job names in order, space-separated. */
static const char *job_names(wf *w, char *buf, size_t size)
{
    yaml_node_t *jobs = member(w, yaml_document_get_root_node(&w->doc), "jobs");
    buf[0] = '\0';
    for (yaml_node_pair_t *p = jobs ? jobs->data.mapping.pairs.start : NULL; p && p < jobs->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&w->doc, p->key);
        if (buf[0])
            strncat(buf, " ", size - strlen(buf) - 1);
        strncat(buf, (const char *)k->data.scalar.value, size - strlen(buf) - 1);
    }
    return buf;
}

/* A scalar's text, or a sequence of scalars space-separated; "" for none. */
static const char *text_of(wf *w, yaml_node_t *n, char *buf, size_t size)
{
    buf[0] = '\0';
    if (n && n->type == YAML_SCALAR_NODE)
        snprintf(buf, size, "%s", (const char *)n->data.scalar.value);
    else if (n && n->type == YAML_SEQUENCE_NODE)
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
            yaml_node_t *it = yaml_document_get_node(&w->doc, *i);
            if (buf[0])
                strncat(buf, " ", size - strlen(buf) - 1);
            if (it->type == YAML_SCALAR_NODE)
                strncat(buf, (const char *)it->data.scalar.value, size - strlen(buf) - 1);
        }
    return buf;
}

static char buf[1024];
#define NEEDS(w, j) text_of(w, member(w, job(w, j), "needs"), buf, sizeof buf)
#define ENVIRONMENT(w, j) text_of(w, member(w, job(w, j), "environment"), buf, sizeof buf)

/* Every `uses:` of every step of every job, space-separated. */
static const char *uses_of(wf *w, char *out, size_t size)
{
    yaml_node_t *jobs = member(w, yaml_document_get_root_node(&w->doc), "jobs");
    out[0] = '\0';
    for (yaml_node_pair_t *p = jobs ? jobs->data.mapping.pairs.start : NULL; p && p < jobs->data.mapping.pairs.top; p++) {
        yaml_node_t *steps = member(w, yaml_document_get_node(&w->doc, p->value), "steps");
        for (yaml_node_item_t *i = steps ? steps->data.sequence.items.start : NULL; i && i < steps->data.sequence.items.top; i++) {
            yaml_node_t *u = member(w, yaml_document_get_node(&w->doc, *i), "uses");
            if (u && u->type == YAML_SCALAR_NODE) {
                strncat(out, (const char *)u->data.scalar.value, size - strlen(out) - 1);
                strncat(out, " ", size - strlen(out) - 1);
            }
        }
    }
    return out;
}

/* ---- the promotion chain ---- */

TEST(pipeline_chains_the_environments_in_order_each_deploy_bound_to_its_environment)
{
    unit_run r = unit_compile(NULL, project,
        "pipeline ship {\n"
        "  terraform = true\n"
        "  azure     = true\n"
        "  smoke     = \"make smoke\"\n"
        "  test unit { run = \"make test\" }\n"
        "  image app { registry = ghcr  repository = \"shop/app\" }\n"
        "  when prod { smoke = \"make e2e\" }\n"
        "}\n");
    CHECK(r.rc == 0);
    CHECK_STR(r.diags, "");
    wf w = wf_read(unit_file_text(&r, ".github/workflows/ship.yml"));
    CHECK(w.ok);
    char names[512];
    CHECK_STR(job_names(&w, names, sizeof names),
              "static-analysis unit scan image-app plan-dev deploy-dev plan-staging deploy-staging plan-prod deploy-prod");
    CHECK_STR(NEEDS(&w, "image-app"), "static-analysis unit scan");
    CHECK_STR(NEEDS(&w, "plan-dev"), "static-analysis unit scan image-app");
    CHECK_STR(NEEDS(&w, "deploy-dev"), "plan-dev image-app");
    CHECK_STR(NEEDS(&w, "plan-staging"), "deploy-dev");
    CHECK_STR(NEEDS(&w, "deploy-staging"), "plan-staging");
    CHECK_STR(NEEDS(&w, "plan-prod"), "deploy-staging");
    CHECK_STR(NEEDS(&w, "deploy-prod"), "plan-prod");
    /* each deployment is bound to its GitHub environment (its reviewers are
     * the gate); nothing else is, so no other job waits for approval */
    CHECK_STR(ENVIRONMENT(&w, "deploy-dev"), "dev");
    CHECK_STR(ENVIRONMENT(&w, "deploy-staging"), "staging");
    CHECK_STR(ENVIRONMENT(&w, "deploy-prod"), "prod");
    const char *unbound[] = {"static-analysis", "unit", "scan", "image-app", "plan-dev", "plan-staging", "plan-prod"};
    for (size_t i = 0; i < sizeof unbound / sizeof unbound[0]; i++)
        CHECK(!member(&w, job(&w, unbound[i]), "environment"));
    /* the pipeline's own `when` reaches prod's job only */
    const char *yml = unit_file_text(&r, ".github/workflows/ship.yml");
    CHECK_CONTAINS(yml, "      - name: Tests of prod\n        run: make e2e\n");
    CHECK_CONTAINS(yml, "      - name: Tests of staging\n        run: make smoke\n");
    /* the apply applies the saved plan, which the plan job kept */
    CHECK_CONTAINS(yml, "name: tfplan-prod\n");
    CHECK_CONTAINS(yml, "run: terraform apply -input=false -no-color tfplan\n");
    wf_free(&w);
    compile_free(&r.c);
}

TEST(pipeline_per_environment_is_a_workflow_per_environment_on_its_branches)
{
    unit_run r = unit_compile(NULL, project,
        "pipeline app {\n"
        "  per_environment = true\n"
        "  secret_scan     = false\n"
        "  trivy           = false\n"
        "  deploy_run      = \"./deploy.sh\"\n"
        "  when dev { branches = [\"dev\"] }\n"
        "}\n");
    CHECK(r.rc == 0);
    const char *envs[] = {"dev", "staging", "prod"}, *branch[] = {"dev", "main", "main"};
    for (int e = 0; e < 3; e++) {
        char path[64], name[32];
        snprintf(path, sizeof path, ".github/workflows/app-%s.yml", envs[e]);
        wf w = wf_read(unit_file_text(&r, path));
        CHECK(w.ok);
        snprintf(name, sizeof name, "deploy-%s", envs[e]);
        char names[256];
        CHECK_STR(job_names(&w, names, sizeof names), name);
        CHECK_STR(ENVIRONMENT(&w, name), envs[e]);
        CHECK(!member(&w, job(&w, name), "needs"));
        yaml_node_t *push = member(&w, member(&w, yaml_document_get_root_node(&w.doc), "on"), "push");
        CHECK_STR(text_of(&w, member(&w, push, "branches"), buf, sizeof buf), branch[e]);
        wf_free(&w);
    }
    CHECK_STR(unit_file_text(&r, ".github/workflows/app.yml"), "");
    compile_free(&r.c);
}

TEST(pipeline_with_nothing_to_deploy_has_no_environment_jobs)
{
    unit_run r = unit_compile(NULL, project,
        "pipeline ci {\n"
        "  lint = \"make lint\"\n"
        "  test unit { run = \"make test\" }\n"
        "}\n");
    CHECK(r.rc == 0);
    wf w = wf_read(unit_file_text(&r, ".github/workflows/ci.yml"));
    char names[256];
    CHECK_STR(job_names(&w, names, sizeof names), "static-analysis unit scan");
    wf_free(&w);
    compile_free(&r.c);
}

TEST(github_environment_gives_only_prod_its_reviewers)
{
    unit_run r = unit_compile(NULL, project,
        "github_environment gate {\n"
        "  repository = \"shop\"\n"
        "  when prod { reviewers = [4711] }\n"
        "}\n");
    CHECK(r.rc == 0);
    CHECK_STR(r.diags, "");
    const char *tf = unit_file_text(&r, "modules/shop/main.tf");
    CHECK_CONTAINS(tf, "resource \"github_repository_environment\" \"gate\"");
    CHECK_CONTAINS(tf, "environment         = var.environment");
    CHECK_CONTAINS(tf, "dynamic \"reviewers\"");
    CHECK_CONTAINS(tf, "users = [4711]");
    CHECK_CONTAINS(unit_file_text(&r, "environments/prod/main.tf"), "gate_reviewers_enabled = true");
    CHECK_CONTAINS(unit_file_text(&r, "environments/dev/main.tf"), "gate_reviewers_enabled = false");
    compile_free(&r.c);
}

/* ---- pins ---- */

TEST(a_project_overrides_one_action_pin_and_the_others_stay)
{
    const char *v6 = "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd";
    unit_run base = unit_compile(NULL, project, "terraform_plan plan {}\n");
    CHECK(base.rc == 0);
    wf w = wf_read(unit_file_text(&base, ".github/workflows/plan.yml"));
    char before[1024];
    uses_of(&w, before, sizeof before);
    wf_free(&w);
    CHECK(!strstr(before, v6));

    char overridden[2048];
    snprintf(overridden, sizeof overridden, "%s",
             "project shop {\n"
             "  org  = \"sh\"\n"
             "  tags = { owner = \"platform\", cost_center = \"cc-1\" }\n"
             "  azure { location = westeurope }\n"
             "  github {\n"
             "    actions { checkout = \"actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2\" }\n"
             "  }\n"
             "}\n"
             "environments { dev staging prod }\n");
    unit_run r = unit_compile(NULL, overridden, "terraform_plan plan {}\n");
    CHECK(r.rc == 0);
    CHECK_STR(r.diags, "");
    const char *yml = unit_file_text(&r, ".github/workflows/plan.yml");
    CHECK_CONTAINS(yml, "uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd  # v6.0.2\n");
    w = wf_read(yml);
    char after[1024];
    uses_of(&w, after, sizeof after);
    wf_free(&w);
    /* every other action keeps the stdlib's pin: the same uses: lines but checkout's */
    char *c = strstr(before, "actions/checkout@");
    CHECK(c != NULL);
    char expect[1024];
    snprintf(expect, sizeof expect, "%.*s%s%s", (int)(c - before), before, v6, c + strlen(v6));
    CHECK_STR(after, expect);
    CHECK_CONTAINS(after, "hashicorp/setup-terraform@");
    compile_free(&base.c);
    compile_free(&r.c);
}

TEST(a_programs_let_does_not_replace_the_stdlibs_pins)
{
    unit_run r = unit_compile(NULL, project,
        "let actions = { checkout = \"actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2\" }\n"
        "terraform_plan plan {}\n");
    CHECK(r.rc == 2);
    CHECK_CONTAINS(r.diags, "1:1: `let actions` is the stdlib's");
    CHECK_CONTAINS(r.diags, "github { actions { checkout =");
    compile_free(&r.c);
}

TEST(a_misspelt_action_pin_is_an_error)
{
    unit_run r = unit_compile(NULL,
        "project shop {\n"
        "  github { actions { chekout = \"actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2\" } }\n"
        "}\n"
        "environments { dev }\n",
        "terraform_plan plan {}\n");
    CHECK(r.rc == 2);
    CHECK_CONTAINS(r.diags, "did you mean 'checkout'");
    compile_free(&r.c);
}

/* ---- images across environments ---- */

TEST(an_image_whose_repository_is_each_environments_is_built_once_and_promoted)
{
    unit_run r = unit_compile(NULL,
        "project shop {\n"
        "  org  = \"sh\"\n"
        "  tags = { owner = \"platform\", cost_center = \"cc-1\" }\n"
        "  aws { region = eu-west-1 }\n"
        "}\n"
        "environments { dev staging prod }\n",
        "pipeline ship {\n"
        "  secret_scan = false\n"
        "  trivy       = false\n"
        "  deploy_run  = \"./deploy.sh\"\n"
        "  image api { registry = ecr  server = \"1.dkr.ecr.eu-west-1.amazonaws.com\"  repository = \"shop/${env}/api\" }\n"
        "}\n");
    CHECK(r.rc == 0);
    CHECK_STR(r.diags, "");
    const char *yml = unit_file_text(&r, ".github/workflows/ship.yml");
    /* built into the first environment's repository */
    CHECK_CONTAINS(yml, "images: 1.dkr.ecr.eu-west-1.amazonaws.com/shop/dev/api\n");
    CHECK(!strstr(yml, "shop/staging/api:scan"));
    /* each later environment copies it into its own, the first needs none */
    CHECK_CONTAINS(yml, "docker buildx imagetools create --tag \"1.dkr.ecr.eu-west-1.amazonaws.com/shop/staging/api:$IMAGE_TAG\" "
                        "\"1.dkr.ecr.eu-west-1.amazonaws.com/shop/dev/api:$IMAGE_TAG\"\n");
    CHECK_CONTAINS(yml, "--tag \"1.dkr.ecr.eu-west-1.amazonaws.com/shop/prod/api:$IMAGE_TAG\"");
    CHECK(!strstr(yml, "--tag \"1.dkr.ecr.eu-west-1.amazonaws.com/shop/dev/api"));
    wf w = wf_read(yml);
    CHECK_STR(NEEDS(&w, "deploy-dev"), "image-api");
    CHECK_STR(NEEDS(&w, "deploy-staging"), "deploy-dev");
    wf_free(&w);
    compile_free(&r.c);
}

/* ---- Container Apps ---- */

static const char *container_apps =
    "resource_group main {}\n"
    "network core {\n"
    "  address = 10.40.0.0/16\n"
    "  subnet apps { address = 10.40.0.0/23  delegate = container_apps }\n"
    "}\n"
    "container_env platform { subnet = core.apps }\n"
    "identity api-id {}\n"
    "identity worker-id {}\n"
    "container_registry images { pull = [api-id, worker-id] }\n"
    "container_app api {\n"
    "  environment = platform  identity = api-id  registry = images\n"
    "  image = \"shop/api:1.0.0\"  port = 8000\n"
    "}\n"
    "container_app worker {\n"
    "  environment = platform  identity = worker-id  registry = images\n"
    "  image = \"shop/worker:1.0.0\"\n"
    "}\n";

TEST(pipeline_deploys_container_apps_with_a_canary_revision_in_prod_only)
{
    char *src = malloc(4096);
    snprintf(src, 4096, "%s"
        "pipeline ship {\n"
        "  terraform = true\n"
        "  azure     = true\n"
        "  chain     = [\"dev\", \"prod\"]\n"
        "  apps      = [api, worker]\n"
        "  test unit { run = \"make test\" }\n"
        "  image api { registry = acr  server = \"crshop.azurecr.io\"  repository = \"shop/api\" }\n"
        "  image worker { registry = acr  server = \"crshop.azurecr.io\"  repository = \"shop/worker\" }\n"
        "  when prod { canary { apps = [api]  weight = 20%%  threshold = 0.02  wait = 10m } }\n"
        "}\n", container_apps);
    unit_run r = unit_compile(NULL, project, src);
    CHECK(r.rc == 0);
    CHECK_STR(r.diags, "");
    const char *yml = unit_file_text(&r, ".github/workflows/ship.yml");
    wf w = wf_read(yml);
    CHECK(w.ok);
    char names[512];
    /* staging is out of the chain: prod follows dev */
    CHECK_STR(job_names(&w, names, sizeof names),
              "static-analysis unit scan image-api image-worker plan-dev deploy-dev plan-prod deploy-prod");
    CHECK_STR(NEEDS(&w, "deploy-dev"), "plan-dev image-api image-worker");
    CHECK_STR(NEEDS(&w, "plan-prod"), "deploy-dev");
    CHECK_STR(NEEDS(&w, "deploy-prod"), "plan-prod");
    CHECK_STR(ENVIRONMENT(&w, "deploy-dev"), "dev");
    CHECK_STR(ENVIRONMENT(&w, "deploy-prod"), "prod");
    CHECK(!member(&w, job(&w, "plan-prod"), "environment"));
    /* the canary's wait is in prod's timeout */
    CHECK_STR(text_of(&w, member(&w, job(&w, "deploy-prod"), "timeout-minutes"), buf, sizeof buf), "40");
    CHECK_STR(text_of(&w, member(&w, job(&w, "deploy-dev"), "timeout-minutes"), buf, sizeof buf), "30");
    /* each app gets the image of its repository, by the commit's SHA */
    CHECK_CONTAINS(yml, "az containerapp update --name \"ca-shop-worker-dev-euw\" --resource-group \"rg-shop-dev-euw\" "
                        "--image \"crshop.azurecr.io/shop/worker:$IMAGE_TAG\" --output none\n");
    /* prod's API: a new revision beside the previous one, at 20%, its 5xx
     * share checked, then all the traffic; dev's has no canary */
    CHECK_CONTAINS(yml, "--revision-weight \"$previous=80\" \"$canary=20\"");
    CHECK_CONTAINS(yml, "statusCodeCategory eq '5xx'");
    CHECK_CONTAINS(yml, "--revision-weight \"$CANARY_API=100\"");
    CHECK_CONTAINS(yml, "canary=\"ca-shop-api-prod-euw--r$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT\"\n");
    CHECK(!strstr(yml, "ca-shop-api-dev-euw--r"));
    wf_free(&w);
    /* Terraform leaves the image, revisions and traffic to the pipeline;
     * the canary app keeps revisions side by side where it has a canary */
    const char *tf = unit_file_text(&r, "infra/terraform/modules/shop/main.tf");
    CHECK_CONTAINS(tf, "template[0].container[0].image");
    CHECK_CONTAINS(tf, "ingress[0].traffic_weight");
    compile_free(&r.c);
    free(src);
}

TEST(a_container_app_no_pipeline_deploys_keeps_its_image_in_terraform)
{
    unit_run r = unit_compile(NULL, project, container_apps);
    CHECK(r.rc == 0);
    CHECK(!strstr(unit_file_text(&r, "infra/terraform/modules/shop/main.tf"), "ignore_changes"));
    compile_free(&r.c);
}

TEST(a_pipeline_app_without_an_image_block_is_an_error)
{
    char *src = malloc(4096);
    snprintf(src, 4096, "%s"
        "pipeline ship {\n"
        "  apps = [api]\n"
        "  image other { registry = acr  server = \"crshop.azurecr.io\"  repository = \"shop/other\" }\n"
        "}\n", container_apps);
    unit_run r = unit_compile(NULL, project, src);
    CHECK(r.rc == 2);
    CHECK_CONTAINS(r.diags, "pipeline ship deploys api, whose image no `image` block builds");
    compile_free(&r.c);
    free(src);
}
