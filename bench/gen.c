/* gen.c — writes a synthetic program of about N resources into DIR, shaped
 * like a real platform: several files joined by imports, three environments
 * with `when` overrides, `for` loops, references between resources, and a
 * mix of Azure, AWS, Kubernetes and pipeline kinds from the stdlib. It also
 * writes DIR/main.jsonnet, the same platform for bench/platform.libsonnet
 * (the jsonnet comparison): one entry per unit, as main.infra declares them.
 * usage: gen N DIR     (deterministic: the same N gives the same program) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define PER_FILE 1000   /* resources per file */

/* The second octet of unit u's network 10.A.B.0/24: 1 to 240, clear of the
 * ranges AKS takes by default (services 10.0.0.0/16, pods 10.244.0.0/16), which
 * a cluster's network must not overlap. */
static int net_octet(int u)
{
    return 1 + (u / 256) % 240;
}

/* The same unit for the jsonnet program. */
static void unit_jsonnet(FILE *f, int u)
{
    int a = net_octet(u), b = u % 256;
    fprintf(f, "  { n: %d, net: '10.%d.%d.0/24', subnets: [{ name: 'app', address: '10.%d.%d.0/26' }, "
               "{ name: 'data', address: '10.%d.%d.64/26' }], image: 'ghcr.io/example/svc%d:1.0.%d', cluster: %s },\n",
            u, a, b, a, b, a, b, u, u % 50, u % 100 == 0 ? "true" : "false");
}

/* One unit: a network with two subnets, two buckets (one in a loop), a log
 * workspace, a key vault, a Kubernetes service: 8 resources, 9 with the
 * per-100-units cluster. */
static int unit(FILE *f, int u)
{
    int a = net_octet(u), b = u % 256;
    fprintf(f, "network net%d {\n  address = 10.%d.%d.0/24\n", u, a, b);
    fprintf(f, "  subnet app  { address = 10.%d.%d.0/26 }\n  subnet data { address = 10.%d.%d.64/26 }\n}\n", a, b, a, b);
    fprintf(f, "for tier in [\"raw\"] { s3_bucket \"b%d-${tier}\" { encryption = kms } }\n", u);
    fprintf(f, "s3_bucket b%d-archive {\n  encryption = aes256\n  when prod { versioning = true }\n  when dev { force_destroy = true }\n}\n", u);
    fprintf(f, "log_analytics logs%d {\n  retention = 30d\n  when prod { retention = 90d }\n}\n", u);
    fprintf(f, "key_vault kv%d {\n  allowed_ips = [203.0.113.0/24]\n  when prod { sku = premium }\n}\n", u);
    fprintf(f, "service svc%d {\n  image = \"ghcr.io/example/svc%d:1.0.%d\"\n  namespace = \"apps\"\n"
               "  env = { UNIT = \"%d\", NET = \"${net%d.address}\" }\n  when prod { replicas = 4 }\n}\n", u, u, u % 50, u, u);
    int n = 8;
    if (u % 100 == 0) {
        fprintf(f, "aks cluster%d {\n  subnet = net%d.app\n  logs = logs%d\n  api_allowed_ips = [203.0.113.0/24]\n"
                   "  pool system { vm = \"Standard_D2s_v5\" }\n  pool work { vm = \"Standard_D4s_v5\"  nodes = 2..6 }\n"
                   "  when prod { pool work { nodes = 3..12 } }\n}\n", u, u, u);
        n++;
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: gen N DIR\n", stderr);
        return 2;
    }
    long target = atol(argv[1]);
    const char *dir = argv[2];
    mkdir(dir, 0777);
    char path[4096];
    snprintf(path, sizeof path, "%s/main.infra", dir);
    FILE *main_f = fopen(path, "w");
    if (!main_f) {
        perror(path);
        return 1;
    }
    fputs("use policy.baseline\n\nproject bn {\n  org = \"bn\"\n  tags = { owner = \"platform\", cost_center = \"cc-1\" }\n"
          "  azure { location = westeurope }\n  aws { region = eu-west-1 }\n}\n"
          "environments { dev stg prod }\nresource_group main {}\nnamespace apps {}\n"
          "terraform_plan plan { aws = true }\n", main_f);
    snprintf(path, sizeof path, "%s/main.jsonnet", dir);
    FILE *js = fopen(path, "w");
    if (!js) {
        perror(path);
        return 1;
    }
    fputs("local platform = import 'platform.libsonnet';\nplatform.platform([\n", js);
    long made = 3;
    int u = 0;
    for (int file = 0; made < target; file++) {
        snprintf(path, sizeof path, "%s/part%04d.infra", dir, file);
        FILE *f = fopen(path, "w");
        if (!f) {
            perror(path);
            return 1;
        }
        fprintf(main_f, "import \"part%04d.infra\"\n", file);
        for (long here = 0; here < PER_FILE && made < target; u++) {
            int n = unit(f, u);
            unit_jsonnet(js, u);
            here += n;
            made += n;
        }
        fclose(f);
    }
    fclose(main_f);
    fputs("])\n", js);
    fclose(js);
    printf("%ld resources in %s\n", made, dir);
    return 0;
}
