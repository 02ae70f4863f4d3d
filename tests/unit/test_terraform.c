/* test_terraform.c — the Terraform printer on a hand-built factored IR: two
 * environments, an azurerm stack and an aws stack that refers to it, with
 * every construct the printer has a rule for (count and [0], dynamic blocks,
 * conditional attributes, aligned objects, long lists, templates, secrets,
 * data sources, outputs, escapes). The whole tree is also checked with
 * `terraform fmt -check` when terraform is installed. */
#include "unit.h"

#include <stdlib.h>

#include "backends.h"

#define NOLOC ((src_loc){0})

static const char *tf_test_envs[] = {"dev", "prod"};

static ir_value *str(arena *a, const char *s) { return ir_string(a, s, NOLOC); }

static ir_value *ref(arena *a, const ir_block *b, const char *path)
{
    ir_value *v = ir_null(a, NOLOC);
    v->kind = IR_REF;
    v->ref_block = b;
    v->ref_path = path;
    return v;
}

static ir_value *param_val(arena *a, ir_param *pm)
{
    ir_value *v = ir_null(a, NOLOC);
    v->kind = IR_PARAM;
    v->param = pm;
    return v;
}

static ir_value *strings(arena *a, const char *const *items)
{
    ir_value *l = ir_list(a, NOLOC);
    for (; *items; items++)
        ir_list_push(a, l, str(a, *items));
    return l;
}

/* A parameter with one value per environment (dev, prod); vals NULL makes a
 * secret supplied at deployment. */
static ir_param *param(arena *a, ir_stack *s, const char *name, ir_type t, ir_value *dev, ir_value *prod)
{
    ir_param *pm = arena_alloc(a, sizeof *pm);
    pm->name = name;
    pm->type = t;
    if (dev) {
        pm->values = arena_alloc(a, 2 * sizeof *pm->values);
        pm->values[0] = dev;
        pm->values[1] = prod;
        pm->doc = arena_printf(a, "Per-environment value of %s.", name);
    } else {
        pm->sensitive = true;
        pm->doc = arena_printf(a, "Secret %s, supplied at deployment.", name);
    }
    vec_push(a, &s->params, pm);
    return pm;
}

static ir_stack *stack(arena *a, ir_program *p, const char *name)
{
    ir_stack *s = arena_alloc(a, sizeof *s);
    s->name = name;
    s->target = TARGET_TERRAFORM;
    s->env_param = arena_alloc(a, sizeof *s->env_param);
    s->env_param->name = "environment";
    s->env_param->is_environment = true;
    s->env_param->doc = "Deployment environment name.";
    vec_push(a, &p->stacks, s);
    return s;
}

static ir_block *block(arena *a, ir_stack *s, ir_block_kind k, const char *type, const char *name)
{
    ir_block *b = ir_block_new(a, k, type, name, NOLOC);
    vec_push(a, &s->blocks, b);
    return b;
}

/* rg-app-${var.environment}-euw */
static ir_value *env_name(arena *a, ir_stack *s, const char *prefix)
{
    ir_value *v = ir_null(a, NOLOC);
    v->kind = IR_INTERP;
    ir_list_push(a, v, str(a, prefix));
    ir_list_push(a, v, param_val(a, s->env_param));
    ir_list_push(a, v, str(a, "-euw"));
    return v;
}

static ir_value *tags(arena *a, ir_stack *s)
{
    ir_value *t = ir_object(a, NOLOC);
    ir_object_set(a, t, "owner", str(a, "platform"));
    ir_object_set(a, t, "cost_center", str(a, "cc-1042"));
    ir_object_set(a, t, "environment", param_val(a, s->env_param));
    ir_object_set(a, t, "kubernetes.io/role", str(a, "say \"hi\" to ${x} at 100%{y}\n"));
    return t;
}

static ir_block *rg_and_network(arena *a, ir_stack *s, ir_block **subnet)
{
    ir_block *rg = block(a, s, IRB_RESOURCE, "azurerm_resource_group", "main");
    ir_block_attr(a, rg, "name", env_name(a, s, "rg-app-"));
    ir_block_attr(a, rg, "location", str(a, "westeurope"));
    ir_block_attr(a, rg, "tags", tags(a, s));

    ir_block *vnet = block(a, s, IRB_RESOURCE, "azurerm_virtual_network", "core");
    ir_block_attr(a, vnet, "name", env_name(a, s, "vnet-app-"));
    ir_block_attr(a, vnet, "location", ref(a, rg, "location"));
    ir_block_attr(a, vnet, "resource_group_name", ref(a, rg, "name"));
    ir_block_attr(a, vnet, "address_space", strings(a, (const char *[]){"10.20.0.0/16", NULL}));

    ir_block *sn = block(a, s, IRB_RESOURCE, "azurerm_subnet", "app");
    ir_block_attr(a, sn, "name", str(a, "snet-app"));
    ir_block_attr(a, sn, "resource_group_name", ref(a, rg, "name"));
    ir_block_attr(a, sn, "virtual_network_name", ref(a, vnet, "name"));
    ir_block_attr(a, sn, "address_prefixes", strings(a, (const char *[]){"10.20.1.0/24", NULL}));
    ir_block_attr(a, sn, "service_endpoints",
                  strings(a, (const char *[]){"Microsoft.Storage", "Microsoft.KeyVault", "Microsoft.ContainerRegistry",
                                              "Microsoft.ServiceBus", NULL}));
    ir_block *del = ir_block_new(a, IRB_NESTED, "delegation", NULL, NOLOC);
    ir_block_attr(a, del, "name", str(a, "postgres"));
    ir_block *sd = ir_block_new(a, IRB_NESTED, "service_delegation", NULL, NOLOC);
    ir_block_attr(a, sd, "name", str(a, "Microsoft.DBforPostgreSQL/flexibleServers"));
    ir_block_attr(a, sd, "actions", strings(a, (const char *[]){"Microsoft.Network/virtualNetworks/subnets/join/action", NULL}));
    ir_block_nested(a, del, "service_delegation", sd);
    ir_block_nested(a, sn, "delegation", del);
    *subnet = sn;
    return rg;
}

/* A public IP that exists only in prod, and a NIC that uses it there. */
static void conditional_ip(arena *a, ir_stack *s, ir_block *rg, ir_block *subnet)
{
    ir_param *on = param(a, s, "replica_enabled", IRT_BOOL, ir_bool(a, false, NOLOC), ir_bool(a, true, NOLOC));
    on->doc = "Whether replica exists in this environment.";
    ir_block *ip = block(a, s, IRB_RESOURCE, "azurerm_public_ip", "replica");
    ip->cond = on;
    ir_block_attr(a, ip, "name", env_name(a, s, "pip-app-"));
    ir_block_attr(a, ip, "location", ref(a, rg, "location"));
    ir_block_attr(a, ip, "resource_group_name", ref(a, rg, "name"));
    ir_block_attr(a, ip, "allocation_method", str(a, "Static"));
    ir_block_attr(a, ip, "sku", str(a, "Standard"));

    ir_block *nic = block(a, s, IRB_RESOURCE, "azurerm_network_interface", "app");
    ir_block_attr(a, nic, "name", env_name(a, s, "nic-app-"));
    ir_block_attr(a, nic, "location", ref(a, rg, "location"));
    ir_block_attr(a, nic, "resource_group_name", ref(a, rg, "name"));
    ir_block *ipc = ir_block_new(a, IRB_NESTED, "ip_configuration", NULL, NOLOC);
    ir_block_attr(a, ipc, "name", str(a, "internal"));
    ir_block_attr(a, ipc, "subnet_id", ref(a, subnet, "id"));
    ir_block_attr(a, ipc, "private_ip_address_allocation", str(a, "Dynamic"));
    ir_block_attr(a, ipc, "public_ip_address_id", ref(a, ip, "id"))->cond = on;
    ir_block_nested(a, nic, "ip_configuration", ipc);
}

static ir_block *vault(arena *a, ir_stack *s, ir_block *rg, ir_block *client)
{
    ir_param *sku = param(a, s, "vault_sku_name", IRT_STRING, str(a, "standard"), str(a, "premium"));
    ir_param *acls = param(a, s, "vault_network_acls_enabled", IRT_BOOL, ir_bool(a, false, NOLOC), ir_bool(a, true, NOLOC));
    ir_block *kv = block(a, s, IRB_RESOURCE, "azurerm_key_vault", "vault");
    ir_block_attr(a, kv, "name", env_name(a, s, "kv-app-"));
    ir_block_attr(a, kv, "location", ref(a, rg, "location"));
    ir_block_attr(a, kv, "resource_group_name", ref(a, rg, "name"));
    ir_block_attr(a, kv, "tenant_id", ref(a, client, "tenant_id"));
    ir_block_attr(a, kv, "sku_name", param_val(a, sku));
    ir_block_attr(a, kv, "purge_protection_enabled", ir_bool(a, true, NOLOC));
    ir_block_attr(a, kv, "soft_delete_retention_days", ir_number(a, "90", NOLOC));
    ir_block *acl = ir_block_new(a, IRB_NESTED, "network_acls", NULL, NOLOC);
    ir_block_attr(a, acl, "default_action", str(a, "Deny"));
    ir_block_attr(a, acl, "bypass", str(a, "AzureServices"));
    ir_block_attr(a, acl, "ip_rules", strings(a, (const char *[]){"203.0.113.0/24", NULL}));
    ir_block_nested(a, kv, "network_acls", acl)->cond = acls;
    return kv;
}

static void secret_and_outputs(arena *a, ir_stack *s, ir_block *kv, const ir_block *client)
{
    ir_param *pw = param(a, s, "db_password", IRT_STRING, NULL, NULL);
    ir_block *role = block(a, s, IRB_RESOURCE, "azurerm_role_assignment", "deployer");
    ir_block_attr(a, role, "scope", ref(a, kv, "id"));
    ir_block_attr(a, role, "role_definition_name", str(a, "Key Vault Secrets Officer"));
    ir_block_attr(a, role, "principal_id", ref(a, client, "object_id"));
    ir_block *sec = block(a, s, IRB_RESOURCE, "azurerm_key_vault_secret", "db_password");
    ir_block_attr(a, sec, "name", str(a, "db-password"));
    ir_block_attr(a, sec, "value", param_val(a, pw));
    ir_block_attr(a, sec, "key_vault_id", ref(a, kv, "id"));
    sec->depends_count = 1;
    sec->depends_on = arena_alloc(a, sizeof *sec->depends_on);
    sec->depends_on[0] = role;

    ir_block *out = block(a, s, IRB_OUTPUT, "output", "vault_uri");
    ir_block_attr(a, out, "value", ref(a, kv, "vault_uri"));
    out = block(a, s, IRB_OUTPUT, "output", "db_password");
    ir_block_attr(a, out, "value", param_val(a, pw));
}

/* The azurerm stack: resource group, network, a conditional IP, a vault with
 * a conditional nested block, a data source, a secret, outputs. */
static ir_block *app_stack(arena *a, ir_program *p)
{
    ir_stack *s = stack(a, p, "app");
    ir_block *subnet;
    ir_block *rg = rg_and_network(a, s, &subnet);
    ir_block *client = block(a, s, IRB_DATA, "azurerm_client_config", "current");
    conditional_ip(a, s, rg, subnet);
    ir_block *kv = vault(a, s, rg, client);
    secret_and_outputs(a, s, kv, client);
    return rg;
}

/* The aws stack: a bucket tagged with the azure resource group's name (a
 * reference across modules), a JSON policy, and versioning per environment. */
static void storage_stack(arena *a, ir_program *p, ir_block *rg)
{
    ir_stack *s = stack(a, p, "storage");
    ir_block *b = block(a, s, IRB_RESOURCE, "aws_s3_bucket", "logs");
    ir_block_attr(a, b, "bucket", env_name(a, s, "app-logs-"));
    ir_value *t = ir_object(a, NOLOC);
    ir_object_set(a, t, "azure_resource_group", ref(a, rg, "name"));
    ir_object_set(a, t, "for", str(a, "audit"));
    ir_block_attr(a, b, "tags", t);
    ir_param *st = param(a, s, "logs_versioning_status", IRT_STRING, str(a, "Suspended"), str(a, "Enabled"));
    ir_block *v = block(a, s, IRB_RESOURCE, "aws_s3_bucket_versioning", "logs");
    ir_block_attr(a, v, "bucket", ref(a, b, "id"));
    ir_block *cfg = ir_block_new(a, IRB_NESTED, "versioning_configuration", NULL, NOLOC);
    ir_block_attr(a, cfg, "status", param_val(a, st));
    ir_block_nested(a, v, "versioning_configuration", cfg);
    ir_param *days = param(a, s, "logs_expiration_days", IRT_NUMBER, ir_number(a, "30", NOLOC), ir_number(a, "365", NOLOC));
    ir_block *lc = block(a, s, IRB_RESOURCE, "aws_s3_bucket_lifecycle_configuration", "logs");
    ir_block_attr(a, lc, "bucket", ref(a, b, "id"));
    ir_block *rule = ir_block_new(a, IRB_NESTED, "rule", NULL, NOLOC);
    ir_block_attr(a, rule, "id", str(a, "expire"));
    ir_block_attr(a, rule, "status", str(a, "Enabled"));
    ir_block_nested(a, rule, "filter", ir_block_new(a, IRB_NESTED, "filter", NULL, NOLOC));
    ir_block *exp = ir_block_new(a, IRB_NESTED, "expiration", NULL, NOLOC);
    ir_block_attr(a, exp, "days", param_val(a, days));
    ir_block_nested(a, rule, "expiration", exp);
    ir_block_nested(a, lc, "rule", rule);
}

/* An empty program over the first nenvs of dev, prod. */
static ir_program *program(arena *a, const char *project, size_t nenvs)
{
    ir_program *p = arena_alloc(a, sizeof *p);
    p->project = project;
    p->envs = tf_test_envs;
    p->nenvs = nenvs;
    return p;
}

/* A provider of p, configured alike in every environment (config NULL: none is written). */
static void provider(arena *a, ir_program *p, const char *name, const char *source, const char *version,
                     ir_block *config)
{
    ir_provider *pv = arena_alloc(a, sizeof *pv);
    pv->name = name;
    pv->source = source;
    pv->version = version;
    pv->config = arena_alloc(a, p->nenvs * sizeof *pv->config);
    for (size_t e = 0; e < p->nenvs; e++)
        pv->config[e] = config;
    vec_push(a, &p->providers, pv);
}

static ir_program *sample(arena *a)
{
    ir_program *p = program(a, "demo", 2);
    p->tf.backend_type = "azurerm";
    p->tf.backend_config = ir_object(a, NOLOC);
    ir_object_set(a, p->tf.backend_config, "resource_group_name", str(a, "rg-tfstate"));
    ir_object_set(a, p->tf.backend_config, "storage_account_name", str(a, "sttfstatedemo"));
    ir_object_set(a, p->tf.backend_config, "container_name", str(a, "tfstate"));
    ir_object_set(a, p->tf.backend_config, "use_azuread_auth", ir_bool(a, true, NOLOC));
    ir_block *aws = ir_block_new(a, IRB_PROVIDER, "aws", "aws", NOLOC), *tags = ir_block_new(a, IRB_NESTED, "default_tags", NULL, NOLOC);
    ir_block_attr(a, aws, "region", str(a, "eu-west-1"));
    ir_value *tagv = ir_object(a, NOLOC);
    ir_object_set(a, tagv, "project", str(a, "demo"));
    ir_object_set(a, tagv, "managed_by", str(a, "infrac"));
    ir_block_attr(a, tags, "tags", tagv);
    ir_block_nested(a, aws, "default_tags", tags);
    provider(a, p, "aws", "hashicorp/aws", "~> 5.0", aws);
    ir_block *azurerm = ir_block_new(a, IRB_PROVIDER, "azurerm", "azurerm", NOLOC);
    ir_block_nested(a, azurerm, "features", ir_block_new(a, IRB_NESTED, "features", NULL, NOLOC));
    provider(a, p, "azurerm", "hashicorp/azurerm", ">= 4.42.0, < 5.0", azurerm);
    ir_block *rg = app_stack(a, p);
    storage_stack(a, p, rg);
    return p;
}

/* The files tf_emit writes for p. */
static out_set *print_tf(arena *a, const ir_program *p, diag_ctx *d)
{
    out_set *o = arena_alloc(a, sizeof *o);
    out_init(o, a);
    tf_emit(p, o, d);
    return o;
}

static out_set *emit(arena *a, diag_ctx *d)
{
    diag_init(d, a);
    out_set *o = print_tf(a, sample(a), d);
    out_sort(o);
    return o;
}

static const char *tf_file(const out_set *o, const char *path)
{
    const out_file *f = out_find(o, path);
    return f ? f->data : NULL;
}

#define MOD(s, f) "infra/terraform/modules/" s "/" f
#define ENV(e, f) "infra/terraform/environments/" e "/" f

TEST(terraform_resource_group_aligns_keys_and_quotes_keys_that_need_it)
{
    arena *a = arena_new();
    diag_ctx d;
    out_set *o = emit(a, &d);
    CHECK(d.errors == 0);
    CHECK_CONTAINS(tf_file(o, MOD("app", "main.tf")),
                   "resource \"azurerm_resource_group\" \"main\" {\n"
                   "  name     = \"rg-app-${var.environment}-euw\"\n"
                   "  location = \"westeurope\"\n"
                   "  tags = {\n"
                   "    owner                = \"platform\"\n"
                   "    cost_center          = \"cc-1042\"\n"
                   "    environment          = var.environment\n"
                   "    \"kubernetes.io/role\" = \"say \\\"hi\\\" to $${x} at 100%%{y}\\n\"\n"
                   "  }\n"
                   "}\n\n");
    arena_free(a);
}

TEST(terraform_references_and_long_lists_and_nested_blocks)
{
    arena *a = arena_new();
    diag_ctx d;
    out_set *o = emit(a, &d);
    CHECK_CONTAINS(tf_file(o, MOD("app", "main.tf")),
                   "resource \"azurerm_subnet\" \"app\" {\n"
                   "  name                 = \"snet-app\"\n"
                   "  resource_group_name  = azurerm_resource_group.main.name\n"
                   "  virtual_network_name = azurerm_virtual_network.core.name\n"
                   "  address_prefixes     = [\"10.20.1.0/24\"]\n"
                   "  service_endpoints = [\n"
                   "    \"Microsoft.Storage\",\n"
                   "    \"Microsoft.KeyVault\",\n"
                   "    \"Microsoft.ContainerRegistry\",\n"
                   "    \"Microsoft.ServiceBus\",\n"
                   "  ]\n"
                   "\n"
                   "  delegation {\n"
                   "    name = \"postgres\"\n"
                   "\n"
                   "    service_delegation {\n"
                   "      name    = \"Microsoft.DBforPostgreSQL/flexibleServers\"\n"
                   "      actions = [\"Microsoft.Network/virtualNetworks/subnets/join/action\"]\n"
                   "    }\n"
                   "  }\n"
                   "}\n");
    arena_free(a);
}

TEST(terraform_conditional_block_has_count_and_is_referenced_with_index)
{
    arena *a = arena_new();
    diag_ctx d;
    out_set *o = emit(a, &d);
    const char *main_tf = tf_file(o, MOD("app", "main.tf"));
    CHECK_CONTAINS(main_tf, "resource \"azurerm_public_ip\" \"replica\" {\n"
                            "  count = var.replica_enabled ? 1 : 0\n"
                            "\n"
                            "  name                = \"pip-app-${var.environment}-euw\"\n");
    CHECK_CONTAINS(main_tf, "  ip_configuration {\n"
                            "    name                          = \"internal\"\n"
                            "    subnet_id                     = azurerm_subnet.app.id\n"
                            "    private_ip_address_allocation = \"Dynamic\"\n"
                            "    public_ip_address_id          = var.replica_enabled ? azurerm_public_ip.replica[0].id : null\n"
                            "  }\n");
    arena_free(a);
}

TEST(terraform_conditional_nested_block_is_dynamic)
{
    arena *a = arena_new();
    diag_ctx d;
    out_set *o = emit(a, &d);
    CHECK_CONTAINS(tf_file(o, MOD("app", "main.tf")),
                   "  tenant_id                  = data.azurerm_client_config.current.tenant_id\n"
                   "  sku_name                   = var.vault_sku_name\n"
                   "  purge_protection_enabled   = true\n"
                   "  soft_delete_retention_days = 90\n"
                   "\n"
                   "  dynamic \"network_acls\" {\n"
                   "    for_each = var.vault_network_acls_enabled ? [1] : []\n"
                   "\n"
                   "    content {\n"
                   "      default_action = \"Deny\"\n"
                   "      bypass         = \"AzureServices\"\n"
                   "      ip_rules       = [\"203.0.113.0/24\"]\n"
                   "    }\n"
                   "  }\n"
                   "}\n");
    arena_free(a);
}

TEST(terraform_data_source_secret_and_depends_on)
{
    arena *a = arena_new();
    diag_ctx d;
    out_set *o = emit(a, &d);
    const char *main_tf = tf_file(o, MOD("app", "main.tf"));
    CHECK_CONTAINS(main_tf, "\ndata \"azurerm_client_config\" \"current\" {}\n\n");
    CHECK_CONTAINS(main_tf, "  principal_id         = data.azurerm_client_config.current.object_id\n");
    CHECK_CONTAINS(main_tf, "resource \"azurerm_key_vault_secret\" \"db_password\" {\n"
                            "  name         = \"db-password\"\n"
                            "  value        = var.db_password\n"
                            "  key_vault_id = azurerm_key_vault.vault.id\n"
                            "\n"
                            "  depends_on = [azurerm_role_assignment.deployer]\n"
                            "}\n");
    arena_free(a);
}

TEST(terraform_module_variables_outputs_and_versions)
{
    arena *a = arena_new();
    diag_ctx d;
    out_set *o = emit(a, &d);
    CHECK_STR(tf_file(o, MOD("app", "variables.tf")),
              "variable \"environment\" {\n"
              "  type        = string\n"
              "  description = \"Deployment environment name.\"\n"
              "}\n\n"
              "variable \"replica_enabled\" {\n"
              "  type        = bool\n"
              "  description = \"Whether replica exists in this environment.\"\n"
              "}\n\n"
              "variable \"vault_sku_name\" {\n"
              "  type        = string\n"
              "  description = \"Per-environment value of vault_sku_name.\"\n"
              "}\n\n"
              "variable \"vault_network_acls_enabled\" {\n"
              "  type        = bool\n"
              "  description = \"Per-environment value of vault_network_acls_enabled.\"\n"
              "}\n\n"
              "variable \"db_password\" {\n"
              "  type        = string\n"
              "  description = \"Secret db_password, supplied at deployment.\"\n"
              "  sensitive   = true\n"
              "}\n");
    CHECK_STR(tf_file(o, MOD("app", "outputs.tf")),
              "output \"vault_uri\" {\n"
              "  value = azurerm_key_vault.vault.vault_uri\n"
              "}\n\n"
              "output \"db_password\" {\n"
              "  value     = var.db_password\n"
              "  sensitive = true\n"
              "}\n\n"
              "output \"main_name\" {\n"
              "  value = azurerm_resource_group.main.name\n"
              "}\n");
    CHECK_STR(tf_file(o, MOD("app", "versions.tf")),
              "terraform {\n"
              "  required_version = \">= 1.11.0\"\n"
              "\n"
              "  required_providers {\n"
              "    azurerm = {\n"
              "      source  = \"hashicorp/azurerm\"\n"
              "      version = \">= 4.42.0, < 5.0\"\n"
              "    }\n"
              "  }\n"
              "}\n");
    arena_free(a);
}

TEST(terraform_reference_across_modules_becomes_a_variable)
{
    arena *a = arena_new();
    diag_ctx d;
    out_set *o = emit(a, &d);
    CHECK_CONTAINS(tf_file(o, MOD("storage", "main.tf")),
                   "  tags = {\n"
                   "    azure_resource_group = var.main_name\n"
                   "    \"for\"                = \"audit\"\n"
                   "  }\n");
    CHECK_CONTAINS(tf_file(o, MOD("storage", "variables.tf")),
                   "variable \"main_name\" {\n"
                   "  type        = string\n"
                   "  description = \"name of azurerm_resource_group.main, from module app.\"\n"
                   "}\n");
    CHECK_CONTAINS(tf_file(o, ENV("prod", "main.tf")),
                   "module \"storage\" {\n"
                   "  source = \"../../modules/storage\"\n"
                   "\n"
                   "  environment            = \"prod\"\n"
                   "  logs_versioning_status = \"Enabled\"\n"
                   "  logs_expiration_days   = 365\n"
                   "  main_name              = module.app.main_name\n"
                   "}\n");
    arena_free(a);
}

TEST(terraform_environment_root_calls_modules_with_its_values)
{
    arena *a = arena_new();
    diag_ctx d;
    out_set *o = emit(a, &d);
    CHECK_CONTAINS(tf_file(o, ENV("dev", "main.tf")),
                   "module \"app\" {\n"
                   "  source = \"../../modules/app\"\n"
                   "\n"
                   "  environment                = \"dev\"\n"
                   "  replica_enabled            = false\n"
                   "  vault_sku_name             = \"standard\"\n"
                   "  vault_network_acls_enabled = false\n"
                   "  db_password                = var.db_password\n"
                   "}\n");
    CHECK_STR(tf_file(o, ENV("dev", "variables.tf")),
              "variable \"db_password\" {\n"
              "  type        = string\n"
              "  description = \"Secret db_password, supplied at deployment.\"\n"
              "  sensitive   = true\n"
              "}\n");
    CHECK_CONTAINS(tf_file(o, ENV("dev", "outputs.tf")),
                   "output \"db_password\" {\n"
                   "  value     = module.app.db_password\n"
                   "  sensitive = true\n"
                   "}\n");
    arena_free(a);
}

TEST(terraform_environment_backend_providers_and_versions)
{
    arena *a = arena_new();
    diag_ctx d;
    out_set *o = emit(a, &d);
    CHECK_STR(tf_file(o, ENV("prod", "backend.tf")),
              "terraform {\n"
              "  backend \"azurerm\" {\n"
              "    resource_group_name  = \"rg-tfstate\"\n"
              "    storage_account_name = \"sttfstatedemo\"\n"
              "    container_name       = \"tfstate\"\n"
              "    use_azuread_auth     = true\n"
              "    key                  = \"demo/prod.tfstate\"\n"
              "  }\n"
              "}\n");
    CHECK_STR(tf_file(o, ENV("prod", "providers.tf")),
              "provider \"aws\" {\n"
              "  region = \"eu-west-1\"\n"
              "\n"
              "  default_tags {\n"
              "    tags = {\n"
              "      project    = \"demo\"\n"
              "      managed_by = \"infrac\"\n"
              "    }\n"
              "  }\n"
              "}\n\n"
              "provider \"azurerm\" {\n"
              "  features {}\n"
              "}\n");
    CHECK_STR(tf_file(o, ENV("prod", "versions.tf")),
              "terraform {\n"
              "  required_version = \">= 1.11.0\"\n"
              "\n"
              "  required_providers {\n"
              "    aws = {\n"
              "      source  = \"hashicorp/aws\"\n"
              "      version = \"~> 5.0\"\n"
              "    }\n"
              "    azurerm = {\n"
              "      source  = \"hashicorp/azurerm\"\n"
              "      version = \">= 4.42.0, < 5.0\"\n"
              "    }\n"
              "  }\n"
              "}\n");
    arena_free(a);
}

TEST(terraform_without_backend_or_outputs_omits_those_files)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    ir_program *p = program(a, "solo", 2);
    ir_stack *s = stack(a, p, "solo");
    ir_block *r = block(a, s, IRB_RESOURCE, "random_id", "suffix");
    ir_block_attr(a, r, "byte_length", ir_number(a, "4", NOLOC));
    provider(a, p, "random", "hashicorp/random", "~> 3.6", NULL);
    out_set *o = print_tf(a, p, &d);
    CHECK(out_find(o, MOD("solo", "outputs.tf")) == NULL);
    CHECK(out_find(o, ENV("dev", "backend.tf")) == NULL);
    CHECK(out_find(o, ENV("dev", "variables.tf")) == NULL);
    CHECK(out_find(o, ENV("dev", "providers.tf")) == NULL);
    CHECK_CONTAINS(tf_file(o, ENV("dev", "versions.tf")),
                   "    random = {\n      source  = \"hashicorp/random\"\n      version = \"~> 3.6\"\n    }\n");
    arena_free(a);
}

/* Lists and objects nest; an empty object and an empty nested block close
 * on their line; a list of objects goes one item per line. */
TEST(terraform_prints_nested_values_and_empty_containers)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    ir_program *p = program(a, "x", 1);
    ir_stack *s = stack(a, p, "x");
    ir_block *r = block(a, s, IRB_RESOURCE, "t_x", "y");
    ir_value *item = ir_object(a, NOLOC);
    ir_object_set(a, item, "a", ir_number(a, "1", NOLOC));
    ir_value *list = ir_list(a, NOLOC);
    ir_list_push(a, list, item);
    ir_list_push(a, list, ir_object(a, NOLOC));
    ir_block_attr(a, r, "items", list);
    ir_block_attr(a, r, "empty", ir_object(a, NOLOC));
    ir_block_attr(a, r, "none", ir_list(a, NOLOC));
    ir_block_attr(a, r, "n", ir_null(a, NOLOC));
    ir_block_nested(a, r, "features", ir_block_new(a, IRB_NESTED, "features", NULL, NOLOC));
    out_set *o = print_tf(a, p, &d);
    CHECK_STR(tf_file(o, MOD("x", "main.tf")),
              "resource \"t_x\" \"y\" {\n"
              "  items = [\n"
              "    {\n"
              "      a = 1\n"
              "    },\n"
              "    {},\n"
              "  ]\n"
              "  empty = {}\n"
              "  none  = []\n"
              "  n     = null\n"
              "\n"
              "  features {}\n"
              "}\n");
    arena_free(a);
}

/* The layout rules were learnt from terraform fmt; this holds the printer to
 * the tool itself on the whole sample tree. */
TEST(terraform_output_is_terraform_fmt_clean)
{
    if (system("command -v terraform >/dev/null 2>&1") != 0) {
        printf("skip terraform fmt: terraform not installed\n");
        return;
    }
    arena *a = arena_new();
    diag_ctx d;
    out_set *o = emit(a, &d);
    char dir[] = "/tmp/infrac-tf-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(out_write_plain(o, dir) == 0);
    char *cmd = arena_printf(a, "TF_CLI_CONFIG_FILE=/dev/null terraform fmt -check -recursive -diff '%s' >&2", dir);
    CHECK(system(cmd) == 0);
    CHECK(system(arena_printf(a, "rm -rf '%s'", dir)) == 0);
    arena_free(a);
}

/* One program with one module holding the block r (envs: dev). */
static ir_program *one_block(arena *a, ir_block **r)
{
    ir_program *p = program(a, "x", 1);
    ir_stack *s = stack(a, p, "x");
    *r = block(a, s, IRB_RESOURCE, "t_x", "y");
    return p;
}

static ir_value *long_list(arena *a, size_t len)
{
    char *s = arena_alloc(a, len + 1);
    memset(s, 'a', len);
    return strings(a, (const char *[]){s, NULL});
}

/* `  k = ["aaa…"]` is 6 + len + 4 columns: 90 letters make exactly 100. */
TEST(terraform_list_stays_on_one_line_up_to_100_columns)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    ir_block *r;
    ir_program *p = one_block(a, &r);
    ir_block_attr(a, r, "k", long_list(a, 90));
    ir_block_attr(a, r, "m", long_list(a, 91));
    out_set *o = print_tf(a, p, &d);
    const char *main_tf = tf_file(o, MOD("x", "main.tf"));
    CHECK_CONTAINS(main_tf, "  k = [\"aaaaaaaaaa");
    CHECK_CONTAINS(main_tf, "aaaaaaaaaa\"]\n  m = [\n    \"aaaaaaaaaa");
    arena_free(a);
}

/* fmt unwraps "${x}" to x, counts characters (not bytes) when it aligns,
 * and keys that HCL would read as keywords must be quoted. */
TEST(terraform_templates_unicode_keys_and_keyword_keys)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    ir_block *r;
    ir_program *p = one_block(a, &r);
    ir_stack *s = p->stacks.items[0];
    ir_value *lone = ir_null(a, NOLOC);
    lone->kind = IR_INTERP;
    ir_list_push(a, lone, str(a, ""));
    ir_list_push(a, lone, param_val(a, s->env_param));
    ir_block_attr(a, r, "env", lone);
    ir_value *num = ir_null(a, NOLOC);
    num->kind = IR_INTERP;
    ir_list_push(a, num, str(a, "port-"));
    ir_list_push(a, num, ir_number(a, "8080", NOLOC));
    ir_block_attr(a, r, "port", num);
    ir_value *obj = ir_object(a, NOLOC);
    ir_object_set(a, obj, "été", str(a, "summer"));
    ir_object_set(a, obj, "ab", str(a, "x"));
    ir_object_set(a, obj, "null", str(a, "y"));
    ir_block_attr(a, r, "labels", obj);
    out_set *o = print_tf(a, p, &d);
    CHECK_STR(tf_file(o, MOD("x", "main.tf")),
              "resource \"t_x\" \"y\" {\n"
              "  env  = var.environment\n"
              "  port = \"port-8080\"\n"
              "  labels = {\n"
              "    \"été\"  = \"summer\"\n"
              "    ab     = \"x\"\n"
              "    \"null\" = \"y\"\n"
              "  }\n"
              "}\n");
    arena_free(a);
}

/* Names made up for a reference across modules step aside for names the
 * modules already use: the owner's output main_name is something else, and
 * the user already has a variable main_name. */
TEST(terraform_cross_module_names_do_not_clash)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    ir_program *p = program(a, "x", 1);
    ir_stack *owner = stack(a, p, "net");
    ir_block *rg = block(a, owner, IRB_RESOURCE, "azurerm_resource_group", "main");
    ir_block_attr(a, rg, "name", str(a, "rg"));
    ir_block_attr(a, rg, "location", str(a, "westeurope"));
    ir_block *out = block(a, owner, IRB_OUTPUT, "output", "main_name");
    ir_block_attr(a, out, "value", ref(a, rg, "location"));
    out = block(a, owner, IRB_OUTPUT, "output", "rg_location");
    ir_block_attr(a, out, "value", ref(a, rg, "location"));
    ir_stack *user = stack(a, p, "app");
    param(a, user, "main_name", IRT_STRING, str(a, "v"), NULL);
    ir_block *sa = block(a, user, IRB_RESOURCE, "azurerm_storage_account", "st");
    ir_block_attr(a, sa, "resource_group_name", ref(a, rg, "name"));
    ir_block_attr(a, sa, "location", ref(a, rg, "location"));
    out_set *o = print_tf(a, p, &d);
    CHECK_CONTAINS(tf_file(o, MOD("net", "outputs.tf")),
                   "output \"main_name_2\" {\n  value = azurerm_resource_group.main.name\n}\n");
    CHECK_CONTAINS(tf_file(o, MOD("app", "main.tf")),
                   "  resource_group_name = var.main_name_2\n  location            = var.main_location\n");
    CHECK_CONTAINS(tf_file(o, ENV("dev", "main.tf")),
                   "  main_name     = \"v\"\n"
                   "  main_name_2   = module.net.main_name_2\n"
                   "  main_location = module.net.main_name\n");
    arena_free(a);
}

/* Terraform argument names are bare identifiers: one that is not cannot be
 * printed, and is reported. */
TEST(terraform_reports_an_argument_name_it_cannot_print)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    ir_block *r;
    ir_program *p = one_block(a, &r);
    ir_block_attr(a, r, "not.valid", str(a, "x"));
    print_tf(a, p, &d);
    CHECK(d.errors == 1);
    arena_free(a);
}
