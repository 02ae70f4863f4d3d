/* init.c — see init.h. The skeleton is one file a user reads top to bottom:
 * the project, its environments, a resource group, the baseline policy, and
 * the two workflows (plan on pull requests, the policy gate with its SARIF
 * report). tests/cli/run builds it and checks it is clean. */
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char skeleton[] =
    "# The %s platform. `infrac build` writes what this program describes\n"
    "# into this repository; `infrac kinds` lists what else it can hold.\n"
    "\n"
    "use policy.baseline\n"
    "\n"
    "project %s {\n"
    "  tags = { owner = \"platform\", cost_center = \"cc-0000\" }\n"
    "  azure { location = westeurope }\n"
    "}\n"
    "\n"
    "environments { dev prod }\n"
    "\n"
    "resource_group main {}\n"
    "\n"
    "# terraform plan on every pull request, logging in to Azure with OIDC.\n"
    "terraform_plan infra-plan {}\n"
    "\n"
    "# The policy gate: generated files must match this program, findings go to\n"
    "# code scanning. Point it at the infrac you build from, at a full commit SHA.\n"
    "infrac_check policy {\n"
    "  compiler_repository = \"infrac/infrac\"\n"
    "  compiler_ref        = \"0000000000000000000000000000000000000000\"\n"
    "}\n";

/* A project name is an identifier: DIR's name with anything else dropped. */
static void project_name(const char *dir, char *out, size_t n)
{
    char abs[PATH_MAX];
    const char *base = realpath(dir, abs) ? abs : dir;
    const char *slash = strrchr(base, '/');
    base = slash && slash[1] ? slash + 1 : base;
    size_t k = 0;
    for (const char *p = base; *p && k + 1 < n; p++) {
        char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9' && k) || (c == '_' && k))
            out[k++] = c;
    }
    out[k] = '\0';
    if (!k)
        snprintf(out, n, "platform");
}

static bool holds_infra(const char *dir)
{
    DIR *dh = opendir(dir);
    bool found = false;
    for (struct dirent *de; dh && !found && (de = readdir(dh));) {
        size_t len = strlen(de->d_name);
        found = len > 6 && strcmp(de->d_name + len - 6, ".infra") == 0;
    }
    if (dh)
        closedir(dh);
    return found;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int init_run(const char *dir, const char *name)
{
    if (make_dirs(dir) != 0) {
        fprintf(stderr, "infrac init: cannot create %s: %s\n", dir, strerror(errno));
        return 2;
    }
    if (holds_infra(dir)) {
        fprintf(stderr, "infrac init: %s already holds a program (.infra files); nothing written\n", dir);
        return 2;
    }
    char proj[64];
    if (name)
        snprintf(proj, sizeof proj, "%s", name);
    else
        project_name(dir, proj, sizeof proj);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/main.infra", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "infrac init: cannot create %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 2;
    }
    fprintf(f, skeleton, proj, proj);
    if (fclose(f) != 0) {
        fprintf(stderr, "infrac init: cannot write %s: %s\n", path, strerror(errno));
        unlink(path);
        return 2;
    }
    printf("infrac: wrote %s (project %s); next: infrac build %s\n", path, proj, dir);
    return 0;
}
