/* test_names.c — which names may become one segment of a generated file's
 * path (stacks, namespaces, environments, resources, objects, workflows). */
#include "unit.h"

#include "out.h"

TEST(out_name_problem_accepts_one_path_segment_only)
{
    arena *a = arena_new();
    CHECK(out_name_problem(a, "conversation-logs") == NULL);
    CHECK(out_name_problem(a, "Backend_2.v1") == NULL);
    CHECK_STR(out_name_problem(a, "../../../../elsewhere/sub"), "it starts with '.'");
    CHECK_STR(out_name_problem(a, "a/b"), "it holds '/'");
    CHECK_STR(out_name_problem(a, "a\nb"), "it holds a control character");
    CHECK_STR(out_name_problem(a, "$(id)"), "it starts with '$'");
    CHECK_STR(out_name_problem(a, "x$(id)"), "it holds '$'");
    CHECK_STR(out_name_problem(a, "a b"), "it holds ' '");
    CHECK_STR(out_name_problem(a, "-rf"), "it starts with '-'");
    CHECK_STR(out_name_problem(a, ""), "it is empty");
    CHECK_STR(out_name_problem(a, "caf\xc3\xa9"), "it holds a non-ASCII character");
    arena_free(a);
}
