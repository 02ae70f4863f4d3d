/* test_report.c — the JSON and SARIF documents, read back with jansson. */
#include "unit.h"

#include <jansson.h>
#include <stdlib.h>

#include "report.h"

static json_t *emit(report_format f, const diag_ctx *d, const ptrvec *drift)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    report_emit(f, d, drift, out);
    fclose(out);
    json_t *doc = json_loadb(buf, len, 0, NULL);
    free(buf);
    return doc;
}

TEST(sarif_places_a_diagnostic_at_its_infra_line_and_drift_at_the_file)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    src_file f = {.path = "platform/main.infra", .text = "x", .len = 1};
    diag_error(&d, (src_loc){&f, 4, 31, 4, 36}, "wrong type for 'versioning': expected bool, got string");
    ptrvec drift = {0};
    report_drift r = {"infra/terraform/modules/shop/main.tf", DRIFT_EDITED};
    vec_push(a, &drift, &r);
    json_t *doc = emit(REPORT_SARIF, &d, &drift);
    CHECK(doc != NULL);
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    json_t *res = json_object_get(run, "results");
    CHECK(json_array_size(res) == 2);
    json_t *phys = json_object_get(json_array_get(json_object_get(json_array_get(res, 0), "locations"), 0),
                                   "physicalLocation");
    CHECK_STR(json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uri")),
              "platform/main.infra");
    CHECK(json_integer_value(json_object_get(json_object_get(phys, "region"), "startLine")) == 4);
    CHECK(json_integer_value(json_object_get(json_object_get(phys, "region"), "startColumn")) == 31);
    CHECK_STR(json_string_value(json_object_get(json_array_get(res, 1), "ruleId")), "drift/edited");
    CHECK_STR(json_string_value(json_object_get(doc, "version")), "2.1.0");
    json_decref(doc);
    arena_free(a);
}

TEST(json_report_lists_diagnostics_and_drift)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    diag_warning(&d, (src_loc){0}, "something to know");
    ptrvec drift = {0};
    report_drift r = {"a.tf", DRIFT_MISSING};
    vec_push(a, &drift, &r);
    json_t *doc = emit(REPORT_JSON, &d, &drift);
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(doc, "diagnostics"), 0), "severity")),
              "warning");
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(doc, "drift"), 0), "kind")), "missing");
    json_decref(doc);
    arena_free(a);
}
