/* target.c — the table of targets; see target.h. */
#include "target.h"

#include <string.h>

#include "backends.h"

static const char *bicep_name_problem(arena *a, const char *name);
static const char *dns_subdomain_problem(arena *a, const char *name);

const target_info target_table[TARGET_COUNT] = {
    [TARGET_TERRAFORM] = {.name = "terraform", .title = "Terraform", .root = "infra/terraform",
                          .grouping = GROUP_DECLARED, .iac = true, .typed_address = true,
                          .shared_lookups = true, .per_env = true, .name_problem = target_hcl_name_problem,
                          .emit = tf_emit},
    [TARGET_BICEP] = {.name = "bicep", .title = "Bicep", .root = "infra/bicep", .grouping = GROUP_DECLARED,
                      .iac = true, .camel_names = true, .bare_refs = true, .per_env = true,
                      .name_problem = bicep_name_problem, .emit = bicep_emit},
    [TARGET_KUBERNETES] = {.name = "kubernetes", .title = "Kubernetes", .root = "infra/kubernetes",
                           .grouping = GROUP_PER_RESOURCE, .per_env = true, .name_problem = dns_subdomain_problem,
                           .emit = kust_emit},
    [TARGET_GITHUB] = {.name = "github", .title = "GitHub Actions", .root = ".github", .grouping = GROUP_ONE,
                       .root_stack = "workflows", .name_problem = out_name_problem, .emit = gha_emit},
    [TARGET_COMPOSE] = {.name = "compose", .title = "Docker Compose", .root = "", .grouping = GROUP_ONE,
                        .root_stack = "compose", .shared_names = true, .per_env = true, .local = true,
                        .name_problem = out_name_problem, .emit = compose_emit},
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

static bool letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The first character of name that is not in the set an identifier
 * continues with, said as the messages say it; NULL if there is none. */
static const char *identifier_problem(arena *a, const char *name, bool hyphens)
{
    if (!*name)
        return "it is empty";
    if (!letter(*name))
        return arena_printf(a, "it starts with '%c', not a letter or '_'", *name);
    for (const char *c = name; *c; c++)
        if (!letter(*c) && !digit(*c) && !(hyphens && *c == '-'))
            return arena_printf(a, "it holds '%c' (only letters, digits%s and '_')", *c, hyphens ? ", '-'" : "");
    return NULL;
}

const char *target_hcl_name_problem(arena *a, const char *name)
{
    return identifier_problem(a, name, true);
}

static const char *bicep_name_problem(arena *a, const char *name)
{
    return identifier_problem(a, name, false);
}

/* One DNS-1123 label of at most max bytes. */
static const char *dns_label(arena *a, const char *name, size_t n, size_t max)
{
    if (!n)
        return "it is empty (or has an empty part between dots)";
    if (n > max)
        return arena_printf(a, "it is longer than %zu characters", max);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z')
            return arena_printf(a, "it holds the uppercase letter '%c' (DNS-1123 names have only lowercase letters, "
                                   "digits and '-')", c);
        if (!((c >= 'a' && c <= 'z') || digit(c) || (c == '-' && i && i + 1 < n)))
            return c == '-' ? "it starts or ends with '-'"
                            : arena_printf(a, "it holds '%c' (DNS-1123 names have only lowercase letters, digits and '-')", c);
    }
    return NULL;
}

const char *target_dns_label_problem(arena *a, const char *name)
{
    return dns_label(a, name, strlen(name), 63);
}

/* A Kubernetes object name: a DNS-1123 subdomain, dot-separated labels,
 * at most 253 bytes. */
static const char *dns_subdomain_problem(arena *a, const char *name)
{
    if (strlen(name) > 253)
        return "it is longer than 253 characters";
    for (const char *part = name;;) {
        const char *dot = strchr(part, '.');
        size_t n = dot ? (size_t)(dot - part) : strlen(part);
        const char *why = dns_label(a, part, n, 63);
        if (why)
            return why;
        if (!dot)
            return NULL;
        part = dot + 1;
    }
}
