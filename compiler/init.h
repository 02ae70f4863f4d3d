/* init.h — `infrac init [DIR]`: a new project that builds clean as it is. */
#ifndef INFRAC_INIT_H
#define INFRAC_INIT_H

/* Writes DIR/main.infra for project `name` (NULL: from DIR's name). Refuses
 * (exit 2) when DIR already holds .infra files; 0 when written. */
int init_run(const char *dir, const char *name);

#endif
