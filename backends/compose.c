/* compose.c — the Docker Compose printer. */
#include "backends.h"

void compose_emit(const ir_program *p, out_set *o, diag_ctx *d)
{
    (void)p;
    (void)o;
    (void)d;
}
