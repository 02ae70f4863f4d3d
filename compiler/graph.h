/* graph.h — `infrac graph`: the program's resources and the references
 * between them, per stack, as Graphviz DOT, Mermaid or JSON. */
#ifndef INFRAC_GRAPH_H
#define INFRAC_GRAPH_H

#include <stdio.h>

typedef enum { GRAPH_DOT, GRAPH_MERMAID, GRAPH_JSON } graph_format;

typedef struct graph_opts {
    graph_format format;
    const char *stdlib_dir;
    char **paths;
    int npaths;
    char **envs;                /* --env: only these; none: every environment */
    int nenvs;
} graph_opts;

/* 0, or 2 when the program has errors (reported on stderr). */
int graph_run(const graph_opts *o, FILE *out);

#endif
