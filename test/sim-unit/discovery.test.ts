// Discovery: legacy and aggregated answers agree, the format follows the Accept header and the
// scenario's version; health endpoints print kube-apiserver's check lines.
import assert from 'node:assert/strict';
import { discovery } from '../sim/discovery.ts';
import { parseScenario } from '../sim/scenario.ts';

const scenario = (version: string) =>
  parseScenario(`apiVersion: sim.kubectl-airflow.dev/v1alpha1
kind: Scenario
metadata: {name: d}
spec: {kubernetesVersion: ${version}, identities: [{name: a, user: u}]}
`);
const V2 =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const V2BETA1_ONLY = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const q = new URLSearchParams();

interface Agg {
  kind: string;
  apiVersion: string;
  items: {
    metadata: { name?: string };
    versions: {
      version: string;
      resources: { resource: string; scope: string; verbs: string[]; subresources?: { subresource: string }[] }[];
    }[];
  }[];
}

function get(path: string, version: string, accept = ''): { contentType: string; body: any } {
  // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = discovery(path, q, scenario(version), '127.0.0.1:6443', accept)!;
  return { contentType: r.contentType, body: JSON.parse(String(r.body)) };
}

describe('sim discovery', () => {
  it('answers aggregated v2 to kubectl >= 1.30 on a 1.32 server, legacy to plain JSON', () => {
    const agg = get('/apis', 'v1.32.0', V2);
    assert.equal(agg.contentType, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    assert.equal(agg.body.kind, 'APIGroupDiscoveryList');
    assert.equal(agg.body.apiVersion, 'apidiscovery.k8s.io/v2');
    const legacy = get('/apis', 'v1.32.0', 'application/json');
    assert.equal(legacy.body.kind, 'APIGroupList');
    assert.equal(get('/api', 'v1.32.0').body.kind, 'APIVersions');
  });

  it('v2beta1 for clients that only accept it (kubectl 1.27-1.29), nothing aggregated before 1.27', () => {
    assert.equal(get('/api', 'v1.29.0', V2BETA1_ONLY).body.apiVersion, 'apidiscovery.k8s.io/v2beta1');
    assert.equal(get('/api', 'v1.29.0', V2).body.apiVersion, 'apidiscovery.k8s.io/v2beta1', 'a 1.29 server has no v2');
    assert.equal(get('/api', 'v1.33.0', V2BETA1_ONLY).body.kind, 'APIVersions', 'a 1.33 server dropped v2beta1');
    assert.equal(get('/apis', 'v1.26.0', V2).body.kind, 'APIGroupList');
  });

  it('aggregated and legacy list the same groups, resources, scopes, verbs and subresources', () => {
    const agg = get('/apis', 'v1.32.0', V2).body as Agg;
    const core = get('/api', 'v1.32.0', V2).body as Agg;
    const legacyGroups = (
      get('/apis', 'v1.32.0').body as { groups: { name: string; preferredVersion: { groupVersion: string } }[] }
    ).groups;
    assert.deepEqual(
      agg.items.map((i) => i.metadata.name),
      legacyGroups.map((g) => g.name),
    );
    const pairs: [Agg['items'][number], string][] = [
      [core.items[0], '/api/v1'],
      ...agg.items.map((i, n): [Agg['items'][number], string] => [
        i,
        `/apis/${legacyGroups[n].preferredVersion.groupVersion}`,
      ]),
    ];
    for (const [item, path] of pairs) {
      const list = get(path, 'v1.32.0').body as { resources: { name: string; namespaced: boolean; verbs: string[] }[] };
      const fromLegacy = list.resources.map((r) => `${r.name} ${r.namespaced} ${r.verbs.join(',')}`).sort();
      const fromAgg = item.versions[0].resources
        .flatMap((r) => [
          `${r.resource} ${r.scope === 'Namespaced'} ${r.verbs.join(',')}`,
          ...(r.subresources ?? []).map(
            (s) =>
              `${r.resource}/${s.subresource} ${r.scope === 'Namespaced'} ${(s as unknown as { verbs: string[] }).verbs.join(',')}`,
          ),
        ])
        .sort();
      assert.deepEqual(fromAgg, fromLegacy, path);
    }
  });

  it('SelfSubjectReview is served from 1.28 (v1) only: v1alpha1 and v1beta1 never by default, so not in any discovery answer', () => {
    const has = (version: string) => {
      const legacyGroups = (
        get('/apis', version).body as { groups: { name: string; versions: { groupVersion: string }[] }[] }
      ).groups;
      const authn = legacyGroups.find((g) => g.name === 'authentication.k8s.io');
      const list = discovery('/apis/authentication.k8s.io/v1', q, scenario(version), '');
      const agg = (get('/apis', version, V2).body as Agg).items?.find(
        (i) => i.metadata.name === 'authentication.k8s.io',
      );
      const openapi = (get('/openapi/v3', version).body as { paths: Record<string, unknown> }).paths;
      return {
        groupVersions: authn?.versions.map((v) => v.groupVersion) ?? [],
        legacy: list
          ? (JSON.parse(String(list.body)) as { resources: { name: string }[] }).resources.map((r) => r.name)
          : [],
        aggregated: agg?.versions.flatMap((v) => v.resources.map((r) => `${v.version}/${r.resource}`)) ?? [],
        openapi: Object.keys(openapi).filter((k) => k.startsWith('apis/authentication.k8s.io/')),
      };
    };
    for (const v of ['v1.28.0', 'v1.32.0', 'v1.33.1']) {
      assert.deepEqual(
        has(v),
        {
          groupVersions: ['authentication.k8s.io/v1'],
          legacy: ['selfsubjectreviews'],
          aggregated: ['v1/selfsubjectreviews'],
          openapi: ['apis/authentication.k8s.io/v1'],
        },
        v,
      );
    }
    for (const v of ['v1.27.3', 'v1.21.0'])
      assert.deepEqual(has(v), { groupVersions: [], legacy: [], aggregated: [], openapi: [] }, v);
    for (const gv of ['v1alpha1', 'v1beta1'])
      assert.equal(discovery(`/apis/authentication.k8s.io/${gv}`, q, scenario('v1.32.0'), ''), undefined, gv);
  });

  it('readyz?verbose prints the check lines, honours exclude, and names the result', () => {
    const r = discovery('/readyz', new URLSearchParams('verbose&exclude=etcd'), scenario('v1.32.0'), '')!;
    const lines = String(r.body).trim().split('\n');
    assert.equal(lines[0], '[+]ping ok');
    assert.ok(lines.includes('[+]etcd excluded: ok'));
    assert.ok(lines.includes('[+]informer-sync ok'));
    assert.equal(lines.at(-1), 'readyz check passed');
    assert.equal(String(discovery('/livez', q, scenario('v1.32.0'), '')!.body), 'ok');
    assert.equal(String(discovery('/readyz/ping', q, scenario('v1.32.0'), '')!.body), 'ok');
    assert.equal(discovery('/readyz/nope', q, scenario('v1.32.0'), ''), undefined);
  });

  it('/version reflects the scenario', () => {
    const v = get('/version', 'v1.29.4').body as { major: string; minor: string; gitVersion: string };
    assert.deepEqual([v.major, v.minor, v.gitVersion], ['1', '29', 'v1.29.4']);
  });
});
