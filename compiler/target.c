/* target.c — the table of targets; see target.h. */
#include "target.h"

#include <string.h>

#include "backends.h"

const target_info target_table[TARGET_COUNT] = {
    [TARGET_TERRAFORM] = {.name = "terraform", .title = "Terraform", .root = "infra/terraform",
                          .grouping = GROUP_DECLARED, .iac = true, .typed_address = true,
                          .shared_lookups = true, .per_env = true, .emit = tf_emit},
    [TARGET_BICEP] = {.name = "bicep", .title = "Bicep", .root = "infra/bicep", .grouping = GROUP_DECLARED,
                      .iac = true, .camel_names = true, .bare_refs = true, .per_env = true, .emit = bicep_emit},
    [TARGET_KUBERNETES] = {.name = "kubernetes", .title = "Kubernetes", .root = "infra/kubernetes",
                           .grouping = GROUP_PER_RESOURCE, .per_env = true, .emit = kust_emit},
    [TARGET_GITHUB] = {.name = "github", .title = "GitHub Actions", .root = ".github", .grouping = GROUP_ONE,
                       .root_stack = "workflows", .emit = gha_emit},
    [TARGET_COMPOSE] = {.name = "compose", .title = "Docker Compose", .root = "", .grouping = GROUP_ONE,
                        .root_stack = "compose", .shared_names = true, .per_env = true, .local = true,
                        .emit = compose_emit},
    [TARGET_FILES] = {.name = "files", .title = "files", .root = "", .grouping = GROUP_ONE, .root_stack = "files",
                      .emit = files_emit},
};

const char *target_iac_names(arena *a)
{
    strbuf sb;
    sb_init(&sb, a);
    for (int t = 0; t < TARGET_COUNT; t++) {
        if (!target_table[t].iac)
            continue;
        if (sb.len)
            sb_puts(&sb, " or ");
        sb_puts(&sb, target_table[t].name);
    }
    return sb.data;
}

int target_by_name(const char *word)
{
    for (int t = 0; t < TARGET_COUNT; t++)
        if (strcmp(word, target_table[t].name) == 0)
            return t;
    return -1;
}

const char *target_layout_names(arena *a)
{
    strbuf sb;
    sb_init(&sb, a);
    for (int t = 0; t < TARGET_COUNT; t++) {
        if (t == TARGET_GITHUB)
            continue;
        if (sb.len)
            sb_puts(&sb, ", ");
        sb_puts(&sb, target_table[t].name);
    }
    return sb.data;
}

const char *target_path(arena *a, const char *root, const char *rest)
{
    return *root ? arena_printf(a, "%s/%s", root, rest) : rest;
}
