/* test_moved.c — moved blocks from the previous build's Terraform: which
 * pairs of gone and new addresses are one resource, what is kept of the
 * earlier moved blocks, and what is left alone. The trees are small
 * Terraform files in infrac's layout, held in memory. */
#include "unit.h"

#include "moved.h"

#define ROOT "infra/terraform/environments/dev/"
#define MOD "infra/terraform/modules/app/"
#define HEADER "# header\n\n"

static const char root_main[] =
    "module \"app\" {\n"
    "  source = \"../../modules/app\"\n"
    "\n"
    "  environment = \"dev\"\n"
    "}\n";

typedef struct files {
    const char *paths[4];
    const char *texts[4];
} files;

static char *read_file(void *ctx, arena *a, const char *path, size_t *len)
{
    const files *f = ctx;
    for (int i = 0; i < 4 && f->paths[i]; i++) {
        if (strcmp(f->paths[i], path) == 0) {
            *len = strlen(f->texts[i]);
            return arena_strdup(a, f->texts[i]);
        }
    }
    return NULL;
}

/* The moved.tf a build of now makes after a build of before (NULL: none). */
static const char *moved_after(arena *a, const files *before, const files *now)
{
    out_set o;
    out_init(&o, a);
    ptrvec paths = {0};
    for (int i = 0; i < 4 && before->paths[i]; i++)
        vec_push(a, &paths, (void *)before->paths[i]);
    for (int i = 0; i < 4 && now->paths[i]; i++)
        out_add(&o, now->paths[i], now->texts[i], strlen(now->texts[i]), "#");
    moved_add(&o, &paths, read_file, (void *)before, HEADER);
    const out_file *f = out_find(&o, ROOT "moved.tf");
    return f ? f->data : NULL;
}

static const char rg_body[] = "  name     = \"rg-app\"\n  location = \"westeurope\"\n";

TEST(moved_a_renamed_resource_with_the_same_body_is_moved)
{
    arena *a = arena_new();
    files before = {{ROOT "main.tf", MOD "main.tf"},
                    {root_main, arena_printf(a, "resource \"azurerm_resource_group\" \"main\" {\n%s}\n", rg_body)}};
    files now = {{ROOT "main.tf", MOD "main.tf"},
                 {root_main, arena_printf(a, "resource \"azurerm_resource_group\" \"core\" {\n%s}\n", rg_body)}};
    CHECK_STR(moved_after(a, &before, &now), HEADER
              "moved {\n"
              "  from = module.app.azurerm_resource_group.main\n"
              "  to   = module.app.azurerm_resource_group.core\n"
              "}\n");
    arena_free(a);
}

TEST(moved_nothing_when_the_body_changed_or_the_type_differs)
{
    arena *a = arena_new();
    files before = {{ROOT "main.tf", MOD "main.tf"},
                    {root_main, arena_printf(a, "resource \"azurerm_resource_group\" \"main\" {\n%s}\n", rg_body)}};
    files renamed_and_changed = {{ROOT "main.tf", MOD "main.tf"},
                                 {root_main, "resource \"azurerm_resource_group\" \"core\" {\n  name = \"rg-core\"\n}\n"}};
    CHECK(moved_after(a, &before, &renamed_and_changed) == NULL);
    files other_type = {{ROOT "main.tf", MOD "main.tf"},
                        {root_main, arena_printf(a, "resource \"azurerm_network_watcher\" \"core\" {\n%s}\n", rg_body)}};
    CHECK(moved_after(a, &before, &other_type) == NULL);
    arena_free(a);
}

/* Two gone resources with one body, and one new: which was renamed is not
 * known, so nothing is guessed. */
TEST(moved_nothing_when_two_old_resources_are_alike)
{
    arena *a = arena_new();
    const char *body = "  input = \"x\"\n";
    files before = {{ROOT "main.tf", MOD "main.tf"},
                    {root_main, arena_printf(a, "resource \"terraform_data\" \"a\" {\n%s}\n\n"
                                                "resource \"terraform_data\" \"b\" {\n%s}\n", body, body)}};
    files now = {{ROOT "main.tf", MOD "main.tf"},
                 {root_main, arena_printf(a, "resource \"terraform_data\" \"c\" {\n%s}\n", body)}};
    CHECK(moved_after(a, &before, &now) == NULL);
    arena_free(a);
}

/* Earlier moved blocks stay while what they move to exists; one whose old
 * address is declared again goes (Terraform refuses it). */
TEST(moved_earlier_blocks_stay_while_they_apply)
{
    arena *a = arena_new();
    const char *old_moved = HEADER "moved {\n  from = module.app.terraform_data.x\n  to   = module.app.terraform_data.y\n}\n"
                                   "\nmoved {\n  from = module.app.terraform_data.p\n  to   = module.app.terraform_data.q\n}\n";
    files before = {{ROOT "main.tf", ROOT "moved.tf", MOD "main.tf"},
                    {root_main, old_moved,
                     "resource \"terraform_data\" \"y\" {}\n\nresource \"terraform_data\" \"q\" {}\n"}};
    files now = {{ROOT "main.tf", MOD "main.tf"},
                 {root_main, "resource \"terraform_data\" \"y\" {}\n\nresource \"terraform_data\" \"p\" {\n  input = 1\n}\n"}};
    CHECK_STR(moved_after(a, &before, &now), HEADER
              "moved {\n  from = module.app.terraform_data.x\n  to   = module.app.terraform_data.y\n}\n");
    arena_free(a);
}

/* No previous build, or a root this build keeps as it was (--env), gets none. */
TEST(moved_nothing_without_a_previous_build)
{
    arena *a = arena_new();
    files before = {{NULL}, {NULL}};
    files now = {{ROOT "main.tf", MOD "main.tf"}, {root_main, "resource \"terraform_data\" \"y\" {}\n"}};
    CHECK(moved_after(a, &before, &now) == NULL);
    arena_free(a);
}
