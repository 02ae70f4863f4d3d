/* test_kinds.c — what kinds share: traits (`with NAME { }`), shared blocks
 * made once per stack, target function calls and references to a
 * resource's block itself, through whole compilations with a stdlib of the
 * test's own, read back from the files the printers write. */
#include "unit.h"

#include "unit_compile.h"

static const char kinds_stdlib[] =
    "let region_codes = { westeurope = \"euw\" }\n"
    "provider azure {\n"
    "  region = \"location\"\n"
    "  terraform azurerm { source = \"hashicorp/azurerm\"  version = \"~> 4.0\"  config { features {} } }\n"
    "}\n"
    "kind net {\n"
    "  provider = azure\n"
    "  naming { abbrev = \"vnet\" }\n"
    "  terraform { resource azurerm_virtual_network this { name = self.name } }\n"
    "  bicep { resource this \"Microsoft.Network/virtualNetworks@2025-05-01\" { name = self.name } }\n"
    "}\n"
    /* one mechanism, taken by two kinds with their own settings */
    "trait linked {\n"
    "  doc = \"Reached through a link in a network.\"\n"
    "  takes { zone = \"the DNS zone of the link\"  also = \"more zones\" }\n"
    "  attr link_in : ref(net)?  @doc(\"The network it is linked into\")\n"
    "  check zone_dotted { that = self.link_in == null || length(replace(zone, \".\", \"\")) < length(zone)\n"
    "    message = \"${self.label}: zone ${zone} has no dot\"  at = \"link_in\" }\n"
    "  terraform {\n"
    "    if self.link_in != null {\n"
    "      shared resource azurerm_private_dns_zone zone \"${replace(zone, \".\", \"_\")}\" { name = zone }\n"
    "      resource azurerm_private_endpoint link {\n"
    "        name     = \"pe-${self.name}\"\n"
    "        target   = self.id\n"
    "        zone_ids = [azurerm_private_dns_zone.zone.id]\n"
    "        network  = self.link_in.id\n"
    "      }\n"
    /* a loop making a shared block and referring to it: each turn its own */
    "      for z in also {\n"
    "        shared resource azurerm_private_dns_zone zone \"${replace(z, \".\", \"_\")}\" { name = z }\n"
    "        resource azurerm_private_endpoint \"link_${replace(z, \".\", \"_\")}\" {\n"
    "          zone_ids = [azurerm_private_dns_zone.zone.id]\n"
    "        }\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "  bicep {\n"
    "    if self.link_in != null {\n"
    "      resource link \"Microsoft.Network/privateEndpoints@2025-05-01\" {\n"
    "        name  = call(\"guid\", ref(self, \"id\"), zone)\n"
    "        scope = ref(self)\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n"
    "kind vault {\n"
    "  provider = azure\n"
    "  naming { abbrev = \"kv\" }\n"
    "  with linked { zone = \"privatelink.vaultcore.azure.net\"  also = [] }\n"
    "  terraform { resource azurerm_key_vault this { name = self.name } }\n"
    "  bicep { resource this \"Microsoft.KeyVault/vaults@2026-02-01\" { name = self.name } }\n"
    "}\n"
    "kind cache {\n"
    "  provider = azure\n"
    "  naming { abbrev = \"redis\" }\n"
    "  attr zone_name : string = \"privatelink.redis.cache.windows.net\"  @doc(\"The zone\")\n"
    "  with linked { zone = self.zone_name  also = [\"a.net\", \"b.net\"] }\n"
    "  terraform { resource azurerm_redis_cache this { name = self.name } }\n"
    "}\n";

typedef unit_run krun;

static krun compile_kinds(const char *source)
{
    return unit_compile(kinds_stdlib, "project demo { azure { location = westeurope } }\nenvironments { dev prod }\n",
                        source);
}

static const char *file_text(const krun *r, const char *suffix)
{
    return unit_file_text(r, suffix);
}

static int count(const char *text, const char *sub)
{
    int n = 0;
    for (const char *p = strstr(text, sub); p; p = strstr(p + 1, sub))
        n++;
    return n;
}

TEST(traits_add_their_attributes_and_lowerings_to_each_kind)
{
    krun r = compile_kinds("net core {}\n"
                           "vault a { link_in = core }\n"
                           "vault b {}\n"
                           "cache c { link_in = core }\n");
    CHECK_STR(r.diags, "");
    const char *tf = file_text(&r, "modules/demo/main.tf");
    /* the trait's lowering ran for a and c (which set link_in), not for b */
    CHECK_CONTAINS(tf, "resource \"azurerm_private_endpoint\" \"a_link\"");
    CHECK_CONTAINS(tf, "resource \"azurerm_private_endpoint\" \"c_link\"");
    CHECK(strstr(tf, "\"b_link\"") == NULL);
    /* with self bound to the resource, and each kind's own setting */
    CHECK_CONTAINS(tf, "target   = azurerm_key_vault.a.id");
    CHECK_CONTAINS(tf, "name = \"privatelink.redis.cache.windows.net\"");
    compile_free(&r.c);
}

TEST(shared_blocks_are_made_once_per_stack_and_referred_to_by_their_local_name)
{
    krun r = compile_kinds("net core {}\n"
                           "vault a { link_in = core }\n"
                           "vault b { link_in = core }\n");
    CHECK_STR(r.diags, "");
    const char *tf = file_text(&r, "modules/demo/main.tf");
    CHECK(count(tf, "resource \"azurerm_private_dns_zone\"") == 1);
    CHECK_CONTAINS(tf, "resource \"azurerm_private_dns_zone\" \"privatelink_vaultcore_azure_net\"");
    CHECK(count(tf, "zone_ids = [azurerm_private_dns_zone.privatelink_vaultcore_azure_net.id]") == 2);
    compile_free(&r.c);
}

TEST(a_reference_in_a_loop_is_to_the_block_of_the_same_name_its_turn_made)
{
    krun r = compile_kinds("net core {}\n"
                           "cache c { link_in = core }\n");
    CHECK_STR(r.diags, "");
    const char *tf = file_text(&r, "modules/demo/main.tf");
    CHECK_CONTAINS(tf, "resource \"azurerm_private_endpoint\" \"c_link_a_net\" {\n"
                       "  zone_ids = [azurerm_private_dns_zone.a_net.id]");
    CHECK_CONTAINS(tf, "resource \"azurerm_private_endpoint\" \"c_link_b_net\" {\n"
                       "  zone_ids = [azurerm_private_dns_zone.b_net.id]");
    compile_free(&r.c);
}

TEST(a_shared_block_made_differently_is_an_error)
{
    /* the same key (dots become underscores), another body: the zone's name differs */
    krun r = compile_kinds("net core {}\n"
                           "cache c { link_in = core  zone_name = \"privatelink.vault.net\" }\n"
                           "cache d { link_in = core  zone_name = \"privatelink_vault.net\" }\n");
    CHECK(r.rc == 2);
    CHECK_CONTAINS(r.diags, "3:1: cache 'c' and cache 'd' make the shared block azurerm_private_dns_zone.");
    compile_free(&r.c);
}

TEST(trait_checks_see_self_and_the_traits_settings)
{
    krun r = compile_kinds("net core {}\n"
                           "cache c {\n"
                           "  link_in   = core\n"
                           "  zone_name = \"localhost\"\n"
                           "}\n");
    CHECK(r.rc == 2);
    CHECK_CONTAINS(r.diags, "3:15: c: zone localhost has no dot");
    compile_free(&r.c);
}

TEST(call_and_a_reference_to_a_block_itself_print_in_the_targets_syntax)
{
    krun r = compile_kinds("net core {}\n"
                           "stack app {\n"
                           "  target = bicep\n"
                           "  net core2 {}\n"
                           "  vault a { link_in = core2 }\n"
                           "}\n");
    CHECK_STR(r.diags, "");
    const char *bicep = file_text(&r, "bicep/app/main.bicep");
    CHECK_CONTAINS(bicep, "name: guid(a.id, 'privatelink.vaultcore.azure.net')");
    CHECK_CONTAINS(bicep, "scope: a\n");
    compile_free(&r.c);
}

TEST(traits_are_taken_with_exactly_their_parameters)
{
    const char *std_kind = "kind bad {\n"
                           "  provider = azure\n"
                           "  attr link_in : string?\n"
                           "  with linked { zones = \"x\" }\n"
                           "  with nothing {}\n"
                           "  terraform { resource x this { name = self.name } }\n"
                           "}\n";
    krun r = compile_kinds(std_kind);
    CHECK(r.rc == 2);
    CHECK_CONTAINS(r.diags, "4:17: trait linked takes no 'zones'");
    CHECK_CONTAINS(r.diags, "4:3: trait linked needs 'zone' (the DNS zone of the link)");
    CHECK_CONTAINS(r.diags, "4:3: trait linked needs 'also' (more zones)");
    CHECK_CONTAINS(r.diags, "4:3: kind bad and its trait linked both have attribute 'link_in'");
    CHECK_CONTAINS(r.diags, "5:3: unknown trait 'nothing'");
    compile_free(&r.c);
}

TEST(a_duration_is_written_in_iso_8601_in_its_largest_whole_unit)
{
    krun r = compile_kinds("kind clock {\n"
                           "  provider = azure\n"
                           "  attr every : list(duration)\n"
                           "  terraform { resource azurerm_clock this { periods = [for d in self.every : d.iso8601] } }\n"
                           "}\n"
                           "clock c { every = [14d, 36h, 90m, 60s, 90s, 1d] }\n");
    CHECK_STR(r.diags, "");
    CHECK_CONTAINS(file_text(&r, "modules/demo/main.tf"),
                   "periods = [\"P14D\", \"PT36H\", \"PT90M\", \"PT1M\", \"PT90S\", \"P1D\"]");
    compile_free(&r.c);
}

TEST(range_counts_from_zero_for_loops_that_need_each_items_place)
{
    krun r = compile_kinds("kind regions {\n"
                           "  provider = azure\n"
                           "  attr names : list(string)\n"
                           "  terraform { resource azurerm_regions this {\n"
                           "    for i in range(length(self.names)) { geo { name = self.names[i]  priority = i + 1 } } } }\n"
                           "}\n"
                           "regions r { names = [\"westus3\", \"eastus2\"] }\n");
    CHECK_STR(r.diags, "");
    const char *tf = file_text(&r, "modules/demo/main.tf");
    CHECK_CONTAINS(tf, "name     = \"westus3\"\n    priority = 1");
    CHECK_CONTAINS(tf, "name     = \"eastus2\"\n    priority = 2");
    compile_free(&r.c);
}

/* A lowering's references to its own blocks are not captured by resources
 * of the program that share their first word. */
TEST(a_resource_named_like_a_lowering_block_does_not_capture_its_references)
{
    krun r = compile_kinds("kind lookup {\n"
                           "  provider = azure\n"
                           "  terraform {\n"
                           "    data azurerm_client_config current {}\n"
                           "    resource azurerm_thing this { tenant = data.azurerm_client_config.current.tenant_id }\n"
                           "  }\n"
                           "  bicep {\n"
                           "    resource this \"Microsoft.Network/virtualNetworks@2025-05-01\" { name = self.name }\n"
                           "    resource other \"Microsoft.Network/virtualNetworks@2025-05-01\" { name = this.name }\n"
                           "  }\n"
                           "}\n"
                           "net data {}\n"
                           "lookup l {}\n"
                           "stack b {\n"
                           "  target = bicep\n"
                           "  net this {}\n"
                           "  lookup m {}\n"
                           "}\n");
    CHECK_STR(r.diags, "");
    CHECK_CONTAINS(file_text(&r, "modules/demo/main.tf"), "tenant = data.azurerm_client_config.current.tenant_id");
    CHECK_CONTAINS(file_text(&r, "bicep/b/main.bicep"), "name: m.name");
    compile_free(&r.c);
}
