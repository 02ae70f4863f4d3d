/* gitapi.c — opens and starts libgit2 on first use; see gitapi.h. */
#define GITAPI_IMPLEMENTATION
#include "gitapi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef INFRAC_LIBGIT2
#define INFRAC_LIBGIT2 "libgit2.so"     /* the Makefile passes the library's soname */
#endif

static gitapi api;
static bool loaded;

static void gitapi_fail(const char *what)
{
    fprintf(stderr, "infrac: cannot load %s (%s), which infrac needs to work with git\n", INFRAC_LIBGIT2, what);
    exit(2);
}

const gitapi *gitapi_get(void)
{
    if (loaded)
        return &api;
    void *lib = dlopen(INFRAC_LIBGIT2, RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        gitapi_fail(dlerror());
#define GITAPI_LOAD(name)                                     \
    *(void **)&api.name = dlsym(lib, #name);                  \
    if (!api.name)                                            \
        gitapi_fail("no " #name);
    GITAPI_FUNCTIONS(GITAPI_LOAD)
#undef GITAPI_LOAD
    if (api.git_libgit2_init() < 0)
        gitapi_fail("it would not start");
    loaded = true;
    return &api;
}

bool gitapi_loaded(void)
{
    return loaded;
}
