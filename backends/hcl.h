/* hcl.h — IR values and block bodies printed as Terraform HCL, laid out
 * byte for byte as `terraform fmt` lays them out.
 *
 * The layout rules, learnt from terraform fmt (hclwrite) itself:
 *   - consecutive `key = value` lines align their `=` one space after the
 *     widest key (widths count characters, not bytes);
 *   - a line whose value opens a bracket it does not close (`tags = {`), a
 *     blank line, a nested block and a closing bracket each end such a run;
 *   - fmt neither adds nor removes blank lines: the ones printed here (around
 *     nested blocks) are the idiomatic ones, and are used consistently.
 * Lists of scalars stay on one line while the line fits in HCL_WIDTH columns.
 */
#ifndef INFRAC_HCL_H
#define INFRAC_HCL_H

#include <stdbool.h>
#include "../compiler/ir.h"

#define HCL_WIDTH 100

typedef struct hcl_printer hcl_printer;

/* Prints an IR_REF. Only the Terraform printer knows which module a block
 * lives in, so it decides between a local address and a variable. */
typedef void (*hcl_ref_fn)(const hcl_printer *hp, strbuf *sb, const ir_value *ref);

struct hcl_printer {
    arena *a;
    diag_ctx *d;        /* names that HCL cannot spell are reported here */
    hcl_ref_fn ref;     /* NULL: every reference is printed as a local address */
    void *ctx;          /* the ref function's state */
    bool splat;         /* a conditional block's reference reads every instance ([*]) */
};

bool hcl_ident(const char *s);                      /* usable unquoted as a name */
size_t hcl_columns(const char *s);                  /* characters, as fmt counts them */
void hcl_quoted(strbuf *sb, const char *s);         /* "..." with HCL escapes */
void hcl_ref_address(const hcl_printer *hp, strbuf *sb, const ir_value *ref); /* [data.]type.name[0].path, module.x.path, local.x */
void hcl_block_address(strbuf *sb, const ir_block *b);  /* [data.]type.name, module.name */

/* Does v print over several lines when it starts at column col? */
bool hcl_multiline(const hcl_printer *hp, const ir_value *v, size_t col);

/* v starting at column col, continuation lines indented by indent. */
void hcl_value(const hcl_printer *hp, strbuf *sb, const ir_value *v, size_t col, int indent);

/* The entries of b, one per line at indent: attributes aligned, nested
 * blocks (`dynamic` ones where they have a condition) set off by blank lines. */
void hcl_body(const hcl_printer *hp, strbuf *sb, const ir_block *b, int indent);

/* `head {` + body + `}` at indent; an empty body closes on the same line. */
void hcl_block(const hcl_printer *hp, strbuf *sb, const char *head, const ir_block *body, int indent);

#endif
