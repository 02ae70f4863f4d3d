// platform.libsonnet — the jsonnet side of bench/scale's comparison: the
// platform bench/gen writes as .infra, written the way a jsonnet user would
// write it (a function per kind, an environment as a parameter, overrides
// as object merges), rendering per environment the Terraform JSON and the
// Kubernetes objects infrac writes for the same program. bench/gen N DIR
// also writes DIR/main.jsonnet, one call per resource as in main.infra.
local envs = ['dev', 'stg', 'prod'];
local project = 'bn';
local regionCode = 'euw';
local tags(env) = { owner: 'platform', cost_center: 'cc-1', environment: env, project: project };
local name(abbrev, label, env, chars='a-z0-9-') =
  local raw = std.join('-', [abbrev, project, label, env, regionCode]);
  if chars == 'a-z0-9' then std.strReplace(raw, '-', '') else raw;

// A kind returns its Terraform resources as {type, name, body} triples.
local res(type, id, body) = { type: type, name: id, body: body };

{
  network(u, env)::
    local label = 'net' + u.n;
    [res('azurerm_virtual_network', label, {
      name: name('vnet', label, env),
      address_space: [u.net],
      location: 'westeurope',
      resource_group_name: '${azurerm_resource_group.main.name}',
      tags: tags(env),
    })] + [
      res('azurerm_subnet', label + '_' + s.name, {
        name: name('snet', label + '-' + s.name, env),
        virtual_network_name: '${azurerm_virtual_network.' + label + '.name}',
        resource_group_name: '${azurerm_resource_group.main.name}',
        address_prefixes: [s.address],
      })
      for s in u.subnets
    ],

  bucket(label, encryption, env, overrides={})::
    local settings = { versioning: true, force_destroy: false } + overrides;
    local id = std.strReplace(label, '-', '_');
    [
      res('aws_s3_bucket', id, { bucket: name('s3', label, env), force_destroy: settings.force_destroy, tags: tags(env) }),
      res('aws_s3_bucket_versioning', id, {
        bucket: '${aws_s3_bucket.' + id + '.id}',
        versioning_configuration: { status: if settings.versioning then 'Enabled' else 'Suspended' },
      }),
      res('aws_s3_bucket_server_side_encryption_configuration', id, {
        bucket: '${aws_s3_bucket.' + id + '.id}',
        rule: { apply_server_side_encryption_by_default: { sse_algorithm: if encryption == 'kms' then 'aws:kms' else 'AES256' } },
      }),
      res('aws_s3_bucket_public_access_block', id, {
        bucket: '${aws_s3_bucket.' + id + '.id}',
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      }),
    ],

  logs(label, env, retention):: [res('azurerm_log_analytics_workspace', label, {
    name: name('log', label, env),
    location: 'westeurope',
    resource_group_name: '${azurerm_resource_group.main.name}',
    sku: 'PerGB2018',
    retention_in_days: retention,
    tags: tags(env),
  })],

  vault(label, env, sku):: [res('azurerm_key_vault', label, {
    name: name('kv', label, env),
    location: 'westeurope',
    resource_group_name: '${azurerm_resource_group.main.name}',
    tenant_id: '${data.azurerm_client_config.current.tenant_id}',
    sku_name: sku,
    purge_protection_enabled: true,
    soft_delete_retention_days: 90,
    network_acls: { default_action: 'Deny', bypass: 'AzureServices', ip_rules: ['203.0.113.0/24'] },
    tags: tags(env),
  })],

  service(label, image, env, vars, replicas):: [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: label, namespace: 'apps', labels: { app: label, environment: env } },
      spec: {
        replicas: replicas,
        selector: { matchLabels: { app: label } },
        template: {
          metadata: { labels: { app: label } },
          spec: {
            containers: [{
              name: label,
              image: image,
              env: [{ name: k, value: vars[k] } for k in std.objectFields(vars)],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
            }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: label, namespace: 'apps' },
      spec: { selector: { app: label }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ],

  cluster(u, env)::
    local label = 'cluster' + u.n;
    [
      res('azurerm_kubernetes_cluster', label, {
        name: name('aks', label, env),
        location: 'westeurope',
        resource_group_name: '${azurerm_resource_group.main.name}',
        dns_prefix: label,
        api_server_access_profile: { authorized_ip_ranges: ['203.0.113.0/24'] },
        default_node_pool: { name: 'system', vm_size: 'Standard_D2s_v5', vnet_subnet_id: '${azurerm_subnet.net' + u.n + '_app.id}' },
        oms_agent: { log_analytics_workspace_id: '${azurerm_log_analytics_workspace.logs' + u.n + '.id}' },
        tags: tags(env),
      }),
      res('azurerm_kubernetes_cluster_node_pool', label + '_work', {
        name: 'work',
        kubernetes_cluster_id: '${azurerm_kubernetes_cluster.' + label + '.id}',
        vm_size: 'Standard_D4s_v5',
        min_count: if env == 'prod' then 3 else 2,
        max_count: if env == 'prod' then 12 else 6,
      }),
    ],

  // One unit of bench/gen: a network, two buckets, logs, a vault, and every
  // hundredth unit a cluster, with gen's per-environment overrides.
  unit(u, env)::
    $.network(u, env)
    + $.bucket('b' + u.n + '-raw', 'kms', env)
    + $.bucket('b' + u.n + '-archive', 'aes256', env,
               (if env == 'prod' then { versioning: true } else {}) + (if env == 'dev' then { force_destroy: true } else {}))
    + $.logs('logs' + u.n, env, if env == 'prod' then 90 else 30)
    + $.vault('kv' + u.n, env, if env == 'prod' then 'premium' else 'standard')
    + (if u.cluster then $.cluster(u, env) else []),

  // Terraform's JSON syntax takes a block type's blocks as a list of
  // objects, so each resource is written where it is made.
  terraform(units, env):: { resource: [{ [r.type]: { [r.name]: r.body } } for u in units for r in $.unit(u, env)] },

  // Every environment's files: its Terraform JSON, and the Kubernetes
  // objects of every service.
  platform(units):: {
    ['terraform/' + env + '/main.tf.json']: $.terraform(units, env)
    for env in envs
  } + {
    ['kubernetes/' + env + '/svc' + u.n + '.json']:
      $.service('svc' + u.n, u.image, env, { UNIT: std.toString(u.n), NET: u.net }, if env == 'prod' then 4 else 1)
    for env in envs
    for u in units
  },
}
