// Non-resource endpoints: /version, health checks and legacy discovery (APIVersions, APIGroupList,
// APIResourceList) so kubectl's discovery, `api-resources` and resource name resolution work.
import { minorVersion, type Scenario } from './scenario.ts';
import { parseKubernetesVersion, servedMinor } from './version.ts';
import { GROUP_ORDER, gvString, servedResources, type ResourceType } from './resources.ts';
import { openapiV2, openapiV3 } from './openapi.ts';

/** An answer from a handler: status code, content type and body. */
export interface Reply {
  code: number;
  contentType: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

const json = (o: unknown, code = 200): Reply => ({ code, contentType: 'application/json', body: JSON.stringify(o) });
const text = (s: string, code = 200): Reply => ({
  code,
  contentType: 'text/plain; charset=utf-8',
  body: s,
  headers: { 'X-Content-Type-Options': 'nosniff' },
});

export function versionInfo(s: Scenario): object {
  const v = parseKubernetesVersion(s.spec.kubernetesVersion)!;
  return {
    major: String(v.major),
    minor: servedMinor(v),
    emulationMajor: String(v.major),
    emulationMinor: String(v.minor),
    minCompatibilityMajor: String(v.major),
    minCompatibilityMinor: String(Math.max(0, v.minor - 1)),
    gitVersion: s.spec.kubernetesVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-12-11T17:58:56Z',
    goVersion: 'go1.23.3',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

const POST_START_HOOKS = [
  'start-apiserver-admission-initializer',
  'generic-apiserver-start-informers',
  'priority-and-fairness-config-consumer',
  'priority-and-fairness-filter',
  'storage-object-count-tracker-hook',
  'start-apiextensions-informers',
  'start-apiextensions-controllers',
  'crd-informer-synced',
  'start-system-namespaces-controller',
  'start-cluster-authentication-info-controller',
  'start-kube-apiserver-identity-lease-controller',
  'start-kube-apiserver-identity-lease-garbage-collector',
  'start-legacy-token-tracking-controller',
  'start-service-ip-repair-controllers',
  'rbac/bootstrap-roles',
  'scheduling/bootstrap-system-priority-classes',
  'priority-and-fairness-config-producer',
  'bootstrap-controller',
  'aggregator-reload-proxy-client-cert',
  'start-kube-aggregator-informers',
  'apiservice-status-local-available-controller',
  'apiservice-status-remote-available-controller',
  'apiservice-registration-controller',
  'apiservice-discovery-controller',
  'kube-apiserver-autoregistration',
];

/** The checks of /livez, /readyz and /healthz in the order kube-apiserver 1.32 prints them. */
export function healthChecks(kind: 'livez' | 'readyz' | 'healthz'): string[] {
  const hooks = POST_START_HOOKS.map((h) => `poststarthook/${h}`);
  const tail = [
    'autoregister-completion',
    'poststarthook/apiservice-openapi-controller',
    'poststarthook/apiservice-openapiv3-controller',
  ];
  if (kind === 'readyz')
    return ['ping', 'log', 'etcd', 'etcd-readiness', 'informer-sync', ...hooks, ...tail, 'shutdown'];
  return ['ping', 'log', 'etcd', ...hooks, ...tail];
}

function health(kind: 'livez' | 'readyz' | 'healthz', sub: string, query: URLSearchParams): Reply | undefined {
  const checks = healthChecks(kind);
  if (sub) return checks.includes(sub) ? text('ok') : undefined;
  const excluded = new Set(query.getAll('exclude'));
  const verbose = query.has('verbose');
  if (!verbose) return text('ok');
  const lines = checks.map((c) => (excluded.has(c) ? `[+]${c} excluded: ok` : `[+]${c} ok`));
  return text(`${lines.join('\n')}\n${kind} check passed\n`);
}

function groups(minor: number): { name: string; version: string }[] {
  const seen = new Map<string, string>();
  for (const r of servedResources(minor)) if (r.group && !seen.has(r.group)) seen.set(r.group, r.version);
  const names = [...seen.keys()].sort((a, b) => {
    const ia = GROUP_ORDER.indexOf(a),
      ib = GROUP_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  return names.map((name) => ({ name, version: seen.get(name)! }));
}

export function apiGroupList(minor: number): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups(minor).map((g) => {
      const gv = { groupVersion: `${g.name}/${g.version}`, version: g.version };
      return { name: g.name, versions: [gv], preferredVersion: gv };
    }),
  };
}

function resourceEntries(rs: ResourceType[]): object[] {
  const out: object[] = [];
  for (const r of [...rs].sort((a, b) => a.resource.localeCompare(b.resource))) {
    out.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources ?? []) {
      out.push({
        name: `${r.resource}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group ? { group: s.group } : {}),
        ...(s.version ? { version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return out;
}

export function apiResourceList(group: string, version: string, minor: number): object | undefined {
  const rs = servedResources(minor).filter((r) => r.group === group && r.version === version);
  if (!rs.length) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gvString(group, version),
    resources: resourceEntries(rs),
  };
}

/** Answers a non-resource GET, or undefined when the path is not one of these. */
export function discovery(
  path: string,
  query: URLSearchParams,
  s: Scenario,
  serverAddress: string,
  accept = '',
): Reply | undefined {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const minor = minorVersion(s);
  if (p === '/api' || p === '/apis') {
    const version = aggregatedVersion(accept, s);
    if (version) return aggregated(p === '/api' ? 'core' : 'groups', version, minor);
  }
  if (p === '/version') return json(versionInfo(s));
  if (p === '/openapi/v3' || p.startsWith('/openapi/v3/')) return openapiV3(p, s);
  if (p === '/openapi/v2') return openapiV2(s);
  const h = /^\/(livez|readyz|healthz)(?:\/(.+))?$/.exec(p);
  if (h) return health(h[1] as 'livez' | 'readyz' | 'healthz', h[2] ?? '', query);
  if (p === '/api') {
    return json({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    });
  }
  if (p === '/api/v1') return json(apiResourceList('', 'v1', minor));
  if (p === '/apis') return json(apiGroupList(minor));
  const g = /^\/apis\/([^/]+)$/.exec(p);
  if (g) {
    const found = groups(minor).find((x) => x.name === g[1]);
    if (!found) return undefined;
    const gv = { groupVersion: `${found.name}/${found.version}`, version: found.version };
    return json({ kind: 'APIGroup', apiVersion: 'v1', name: found.name, versions: [gv], preferredVersion: gv });
  }
  const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
  if (gv) {
    const list = apiResourceList(gv[1], gv[2], minor);
    return list ? json(list) : undefined;
  }
  return undefined;
}

// ---- aggregated discovery (apidiscovery.k8s.io, KEP-3352): one answer per /api and /apis ----

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=%V;as=APIGroupDiscoveryList';

/** The aggregated format the client accepts and the scenario's server version serves: v2beta1 1.27-1.32, v2 from 1.30. */
function aggregatedVersion(accept: string, s: Scenario): 'v2' | 'v2beta1' | undefined {
  const minor = Number(/^v1\.(\d+)\./.exec(s.spec.kubernetesVersion)?.[1] ?? 0);
  const offered = accept.split(',').map((a) => a.replace(/\s+/g, ''));
  const wants = (v: string) =>
    offered.some(
      (a) =>
        a.startsWith('application/json;') &&
        a.includes('g=apidiscovery.k8s.io') &&
        a.includes(`v=${v};`) &&
        a.includes('as=APIGroupDiscoveryList'),
    );
  for (const v of offered) {
    // The client's order of preference decides.
    if (v.includes('v=v2;') && wants('v2') && minor >= 30) return 'v2';
    if (v.includes('v=v2beta1;') && wants('v2beta1') && minor >= 27 && minor <= 32) return 'v2beta1';
  }
  return undefined;
}

function resourceDiscovery(r: ResourceType): object {
  return {
    resource: r.resource,
    responseKind: { group: '', version: '', kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    ...(r.categories ? { categories: r.categories } : {}),
    ...(r.subresources?.length
      ? {
          subresources: r.subresources.map((sub) => ({
            subresource: sub.name,
            responseKind: { group: sub.group ?? '', version: sub.version ?? '', kind: sub.kind },
            verbs: sub.verbs,
          })),
        }
      : {}),
  };
}

function aggregated(which: 'core' | 'groups', version: 'v2' | 'v2beta1', minor: number): Reply {
  const versionEntry = (group: string, v: string) => ({
    version: v,
    resources: servedResources(minor)
      .filter((r) => r.group === group && r.version === v)
      .sort((a, b) => a.resource.localeCompare(b.resource))
      .map(resourceDiscovery),
    freshness: 'Current',
  });
  const items =
    which === 'core'
      ? [{ metadata: { creationTimestamp: null }, versions: [versionEntry('', 'v1')] }]
      : groups(minor).map((g) => ({
          metadata: { name: g.name, creationTimestamp: null },
          versions: [versionEntry(g.name, g.version)],
        }));
  const body = { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
  return { code: 200, contentType: AGGREGATED.replace('%V', version), body: JSON.stringify(body) };
}

/** Paths discovery answers (for request attributes: these are non-resource requests). */
export function isDiscoveryPath(path: string): boolean {
  return /^\/(version|api|apis|livez|readyz|healthz|openapi)(\/|$)/.test(path) && !isResourcePath(path);
}

function isResourcePath(path: string): boolean {
  return /^\/api\/v1\/.+/.test(path) || /^\/apis\/[^/]+\/[^/]+\/.+/.test(path);
}
