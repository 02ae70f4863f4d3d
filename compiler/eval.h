/* eval.h — expressions to values (eval.c), the built-in functions
 * (builtins.c), and the one expander of for/when/if/let (eval.c).
 *
 * The evaluator knows expressions, values and types; it does not know what
 * a program's names mean. That comes from a host: the instances of one
 * environment (inst.c) resolve a name no scope binds to a let, a resource or
 * the project, read resources' members, and provide the functions that read
 * the program (sole, earlier_siblings, secret_names, referrers). Policy
 * rules evaluate without a host, so they see only what their scope binds.
 *
 * Names are resolved, never guessed. An identifier is, in order: a word of
 * the enum the context expects (`encryption = kms`, `location =
 * westeurope`: an attribute's type, a comparison with an enum-typed
 * value), a binding in scope (loop variables, lets, self, env, envs), what
 * the host says (top-level lets, resources, project); inside a lowering,
 * one followed by a member starts a reference to a target block
 * (`aws_s3_bucket.this.id`), and in a target whose blocks are named by
 * their bare symbolic name, one alone names a block (`parent = this`).
 * Anything else is an error at the identifier, with the nearest name in
 * scope suggested. In a kind's lowering, the words it names its own blocks
 * with (`roots`: Terraform block types, `data`, `module`, `local`, Bicep
 * block names) come before the program's names: a resource called `data`
 * or `this` does not capture `data.x` or `this.id`. A map has the keys it was given: reading another is an
 * error too (but for the blocks policy rules read, VAL_OPEN).
 */
#ifndef INFRAC_EVAL_H
#define INFRAC_EVAL_H

#include "sema.h"
#include "value.h"

#define EVAL_MAX_DEPTH 400      /* expression nesting; deeper is reported */

/* How far values may grow: a program that doubles a string or a list in
 * a chain of lets, or nests loops over long lists, is stopped with an
 * error at the expression that went past a limit, not by the memory or
 * time it would take. */
#define EVAL_MAX_STRING (16u << 20)     /* bytes of one string (a source file's limit) */
#define EVAL_MAX_WEIGHT 100000          /* values in one value, as a tree (value.weight) */
#define EVAL_MAX_STEPS 5000000          /* expressions evaluated and loop iterations run, per
                                           environment or per block a policy checks
                                           (MindWell's environments take about 2,000 each,
                                           a synthetic platform of 1,000 resources 60,000) */

/* The steps evaluation has taken, shared by every evaluation of one
 * environment (or of the policy rules on one block). */
typedef struct eval_budget {
    unsigned long steps;
    bool spent;                 /* reported once; evaluation then yields null */
} eval_budget;

/* Variable bindings: a linked chain of name -> value. */
typedef struct scope scope;
struct scope {
    const char *name;
    value *val;
    scope *up;
};

scope *scope_bind(arena *a, scope *up, const char *name, value *v);

typedef struct eval_ctx eval_ctx;
typedef struct pattern_cache pattern_cache;
struct env_state;

/* A built-in function: its arguments are evaluated; it checks them itself. */
typedef value *(*eval_fn)(eval_ctx *cx, const ast_expr *call, value **args, size_t n);

/* What the program's names mean (see the top of this file). */
typedef struct eval_host {
    /* A name no scope binds: a value, or NULL when the host has none. */
    value *(*name)(eval_ctx *cx, const char *name, src_loc loc);
    /* The names it would resolve, for "did you mean" (added to out as const char*). */
    void (*names)(eval_ctx *cx, ptrvec *out);
    /* A member of a V_RESOURCE or V_BLOCK value; reports and returns null when there is none. */
    value *(*member)(eval_ctx *cx, value *obj, const char *name, src_loc loc);
    /* The host's function of that name, or NULL; *passes: it takes strings
     * that hold the environment's name as they are (in_env puts another's
     * in), rather than read as this environment has them. */
    eval_fn (*function)(const char *name, bool *passes);
    /* Evaluation looked at the environment's name (see eval_text): what is
     * being evaluated differs between environments. */
    void (*observed)(eval_ctx *cx);
    /* A raw target block of the program by its address (type NULL: a
     * target whose blocks are named alone), as a reference; or NULL. */
    value *(*raw_block)(eval_ctx *cx, bool data, const char *type, const char *name, src_loc loc);
} eval_host;

struct eval_ctx {
    arena *a;                   /* where values are allocated */
    diag_ctx *d;
    scope *sc;
    const eval_host *host;      /* NULL: names are only what sc binds (policy rules) */
    struct env_state *es;       /* the host's environment (opaque here) */
    const resource *self;       /* inside a lowering or a default: the resource */
    int target;                 /* the ir_target being lowered to; -1 outside lowerings */
    const char *env;            /* the environment's name, put where ENV_MARK stands */
    bool *looked;               /* set when evaluation looks at the environment (as the host
                                   is told): for evaluation without a host (policy rules) */
    int depth;
    pattern_cache *patterns;    /* compiled regular expressions; NULL: compiled per call */
    eval_budget *budget;        /* NULL: no limit on steps */
    const attr_type *expect;    /* the type the expression being evaluated is for, or NULL:
                                   set by eval_typed, passed down only where the value is
                                   the expression's own (a condition's branches, list items) */
    bool interpolating;         /* inside ${...}: an unknown name may be a literal ${ */
    const strmap *roots;        /* in a kind's lowering: the words its block references begin
                                   with (see the top of this file); NULL elsewhere */
};

value *eval_expr(eval_ctx *cx, const ast_expr *e);

/* e evaluated for a value of type t (which says what its words mean). */
value *eval_typed(eval_ctx *cx, const ast_expr *e, const attr_type *t);

/* What a type check names in its messages: prefix'name' ("default of 'retention'"). */
typedef struct eval_what {
    const char *prefix;         /* NULL or "default of " */
    const char *name;
} eval_what;

/* Checks v against t, converting where the language allows (an enum word
 * given as a string, a number as a range). Reports and returns NULL on a
 * mismatch. */
value *eval_check_type(eval_ctx *cx, value *v, const attr_type *t, src_loc loc, eval_what what);

/* obj.name for any value: maps, typed literals' accessors, the host's
 * resources and blocks, references being built. */
value *eval_member(eval_ctx *cx, value *obj, const char *name, src_loc loc);

/* The text of a string value as the current environment has it: with the
 * environment's name where ENV_MARK stands. Reading the name this way tells
 * the host (its observed hook). */
const char *eval_text(eval_ctx *cx, const value *v);

/* v with every string in it read through eval_text (v itself when none
 * holds ENV_MARK): for comparisons. */
value *eval_concrete(eval_ctx *cx, value *v);

/* Does v, or anything in it, hold ENV_MARK? */
bool eval_mentions_env(const value *v);

/* The address range of a CIDR block; false when it is not one. */
bool eval_cidr(const char *text, unsigned *lo, unsigned *hi);

/* builtins.c: a call of a built-in function (or the host's). */
value *eval_call(eval_ctx *cx, const ast_expr *e);

/* builtins.c: the first built-in out of order in its (sorted) table, or
 * NULL: for a unit test. */
const char *eval_builtins_unsorted(void);

/* A cache of compiled regular expressions for matches() and find_keys(),
 * freed with the arena. */
pattern_cache *pattern_cache_new(arena *a);

/* ---- the expander ---- */

/* The one expander of for/when/if/let, for declarations, resource bodies,
 * the project, lowerings, raw blocks and workflows alike:
 *   for x in LIST|MAP { }   the items once per element (a map's: {key, value});
 *   when ENV, ... { }       the items where the environment is one of those;
 *   if COND { } else { }    the items of the branch that holds;
 *   let x = EXPR            x bound for the items after it.
 * Every other item goes to ex->item with the scope it stands in, and with
 * ex->overriding, how many `when`s that hold it stands in. Whoever receives
 * a setting resolves it against an earlier one of the same thing with
 * expand_clash: what a holding `when` sets overrides what its surroundings
 * set, wherever it is written. */
typedef struct expander expander;
struct expander {
    eval_ctx cx;                /* conditions and lists are evaluated here (cx.sc per item) */
    const char *env;            /* `when` holds where it names env; NULL: nowhere */
    bool per_env_loops;         /* made once for every environment (workflows): in `for env
                                   in LIST { }`, env is each environment in turn */
    int overriding;             /* holding `when`s around the item being handed over */
    /* Every other item, with the scope it stands in. */
    void (*item)(expander *ex, const ast_item *it, scope *sc);
    void *ctx;                  /* the item function's */
    /* When set, `for` and `if` items are handed here unexpanded (with the
     * scope they stand in), to be expanded later with expand_items. */
    void (*defer)(expander *ex, const ast_item *it, scope *sc);
};

/* Expands for/when/if/let in items, handing every other item to ex->item. */
void expand_items(expander *ex, const ptrvec *items, scope *sc);

/* Two settings of one thing (an attribute, a nested block, a resource) at
 * `when` depths earlier and later: */
typedef enum {
    CLASH_REPLACE,              /* the later one wins: it is in more holding `when`s, or as many (> 0) */
    CLASH_KEEP,                 /* the earlier one stays: it is in more */
    CLASH_TWICE,                /* neither is in a `when`: the thing is set twice, an error */
} expand_clash;

expand_clash expand_clash_of(int earlier, int later);

#endif
