/* value.h — the values expressions evaluate to.
 *
 * Values are immutable once built and live in the arena of what evaluates them. Typed
 * literals keep their source spelling (`text`) so that "${x}" of `33%` is
 * `33%`, and their quantity (`num`: seconds, percent, bytes) for accessors.
 * Resources and target blocks are values too: `core.workload` is a V_RESOURCE,
 * `aws_s3_bucket.this.arn` inside a lowering is a V_TREF that the lowering
 * resolves to an IR reference once all of its blocks exist.
 */
#ifndef INFRAC_VALUE_H
#define INFRAC_VALUE_H

#include <stdbool.h>
#include "arena.h"
#include "diag.h"
#include "envname.h"
#include "resource.h"

struct ebody;
struct attr_type;

typedef enum {
    V_NULL, V_BOOL, V_NUMBER, V_STRING,
    V_DURATION, V_PERCENT, V_SIZE, V_CIDR, V_IP, V_RANGE,
    V_LIST, V_MAP,
    V_RESOURCE,     /* a resource instance */
    V_BLOCK,        /* a nested block of a resource (self.pool[0]): body + label */
    V_TREF,         /* a reference to a target block, being built member by member */
    V_RAW,          /* target-syntax expression text */
    V_SECRET,       /* sensitive input supplied at deploy time: text = param name */
    V_INTERP,       /* string with non-literal parts (TREF/RAW/SECRET): items */
    V_JSON,         /* jsonencode(items[0]), encoded by each target */
    V_CALL,         /* call("f", ...): the target's function text applied to items */
} value_kind;

typedef struct value value;

/* A reference into a lowering's blocks: [data.]type.local.path… (Terraform) or
 * local.path… (Bicep); for another resource, its primary block; or a raw
 * target block of the program, wherever it is written (`workspace =
 * azurerm_log_analytics_workspace.main` in a resource body). */
typedef struct tref {
    bool is_data;
    bool primary;               /* another resource's primary block (self.subnet.id) */
    bool raw;                   /* a raw target block of the program, named where it is used
                                   (owner is its raw block, raw_target its target) */
    ir_target raw_target;
    const char *type;           /* Terraform block type; NULL for Bicep */
    const char *local;          /* the lowering-local block name */
    const char *path;           /* target-syntax path after the block, or NULL */
    const resource *owner;      /* whose lowering the block is in */
    const char *output;         /* the owner's Terraform output of this name (`db.endpoint`
                                   in a program): its value once the owner is lowered */
} tref;

/* value.flags: each bit has one meaning. */
enum {
    VAL_BARE = 1,               /* a V_STRING written as a word where an enum (or a region)
                                   is expected: its type check says whether it is one */
    VAL_REPEATED = 2,           /* a V_LIST made of one block's repeated nested blocks */
    VAL_ERROR = 4,              /* a V_NULL standing for a value whose error was reported:
                                   what uses it says nothing more */
    VAL_OPEN = 8,               /* a V_MAP whose absent keys read as null (a block as policy
                                   rules see it); a program's map has the keys it was given */
};

struct value {
    value_kind kind;
    unsigned char flags;        /* VAL_* */
    src_loc loc;
    bool boolean;               /* V_BOOL */
    double num;                 /* number, duration (s), percent, size (bytes), range lo */
    double num2;                /* range hi */
    const char *text;           /* string, literal spellings, raw, secret name */
    ptrvec items;               /* list items, map values, interp parts */
    ptrvec keys;                /* map keys */
    resource *res;              /* V_RESOURCE */
    struct ebody *body;         /* V_BLOCK */
    const char *label;          /* V_BLOCK label */
    tref ref;                   /* V_TREF */
    const struct attr_type *enum_of; /* a value of an enum-typed attribute (null included): a
                                   word compared with it is one of that enum's */
    size_t weight;              /* values it holds, itself included, as a tree (a list
                                   that holds one list twice counts it twice); 0 until
                                   val_weight measures it */
};

value *val_new(arena *a, value_kind k, src_loc loc);
value *val_null(arena *a, src_loc loc);
value *val_bool(arena *a, bool b, src_loc loc);
value *val_number(arena *a, double n, src_loc loc);
value *val_string(arena *a, const char *s, src_loc loc);
void val_map_set(arena *a, value *m, const char *key, value *v);   /* replaces */
value *val_map_get(const value *m, const char *key);

const char *val_kind_name(value_kind k);
/* The canonical text of a scalar (numbers without trailing zeros, typed
 * literals as written). NULL for values that have no plain text. */
const char *val_to_text(arena *a, const value *v);
/* Number formatting shared with the IR: integers without a decimal point. */
const char *val_format_number(arena *a, double n);
bool val_equal(const value *x, const value *y);
/* v's weight (value.weight), measured once and kept; past cap it is cap + 1.
 * Only for finished values: a list still being built would keep a weight
 * that is too small. */
size_t val_weight(value *v, size_t cap);
bool val_truthy(const value *v);

#endif
