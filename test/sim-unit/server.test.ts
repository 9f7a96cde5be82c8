// The request pipeline through the real HTTPS server: faults before authentication, 401/403 order,
// anonymous requests, ServiceAccount tokens, the request log, list shapes and tables.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { startSim, type Sim } from '../sim/index.ts';

interface Res {
  code: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  sim: Sim,
  path: string,
  opts: { token?: string; method?: string; accept?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.accept) headers.accept = opts.accept;
    if (opts.body) headers['content-type'] ??= 'application/json';
    const req = request(
      `${sim.url}${path}`,
      { method: opts.method ?? 'GET', ca: sim.caPem, headers, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ code: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('sim server pipeline', function () {
  this.timeout(20_000);
  let sim: Sim;
  let alice: string;
  before(async () => {
    sim = await startSim({ scenario: 'minimal' });
    alice = sim.tokenFor('alice')!;
  });
  after(async () => {
    await sim.stop();
  });
  afterEach(() => sim.faults.clear());

  it('lists with List kind, resourceVersion, items without TypeMeta, and pages with continue', async () => {
    const r = await call(sim, '/api/v1/namespaces/team-a/pods?limit=1', { token: alice });
    assert.equal(r.code, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const list = JSON.parse(r.body) as {
      kind: string;
      apiVersion: string;
      metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
      items: Record<string, unknown>[];
    };
    assert.equal(list.kind, 'PodList');
    assert.equal(list.apiVersion, 'v1');
    assert.match(list.metadata.resourceVersion, /^\d+$/);
    assert.equal(list.metadata.remainingItemCount, 1);
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0].kind, undefined);
    const next = JSON.parse(
      (
        await call(
          sim,
          `/api/v1/namespaces/team-a/pods?limit=1&continue=${encodeURIComponent(list.metadata.continue!)}`,
          { token: alice },
        )
      ).body,
    ) as typeof list;
    assert.equal((next.items[0].metadata as { name: string }).name, 'web');
    assert.equal(next.metadata.continue, undefined);
  });

  it('answers a Table when asked with as=Table', async () => {
    const r = await call(sim, '/api/v1/namespaces', {
      token: alice,
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    // alice may not list namespaces: the 403 comes before any handler.
    assert.equal(r.code, 403);
    sim.store.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'ns-reader' },
      rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['list'] }],
    });
    sim.store.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'alice-ns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ns-reader' },
      subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const t = await call(sim, '/api/v1/namespaces', {
      token: alice,
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    assert.equal(t.code, 200, t.body);
    assert.equal(t.headers['content-type'], 'application/json;as=Table;v=v1;g=meta.k8s.io');
    const table = JSON.parse(t.body) as {
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: string[]; object: { kind: string } }[];
    };
    assert.equal(table.kind, 'Table');
    assert.deepEqual(
      table.columnDefinitions.map((c) => c.name),
      ['Name', 'Status', 'Age'],
    );
    assert.deepEqual(
      table.rows.map((r) => r.cells.slice(0, 2)),
      [
        ['default', 'Active'],
        ['kube-node-lease', 'Active'],
        ['kube-public', 'Active'],
        ['kube-system', 'Active'],
        ['team-a', 'Active'],
      ],
    );
    assert.equal(table.rows[0].object.kind, 'PartialObjectMetadata');
  });

  it('anonymous requests may read /version and /readyz but not resources', async () => {
    assert.equal((await call(sim, '/version')).code, 200);
    assert.equal((await call(sim, '/readyz')).body, 'ok');
    const r = await call(sim, '/api/v1/namespaces/team-a/pods');
    assert.equal(r.code, 403);
    assert.equal(
      (JSON.parse(r.body) as { message: string }).message,
      'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "team-a"',
    );
    const nr = await call(sim, '/metrics');
    assert.equal(
      (JSON.parse(nr.body) as { message: string }).message,
      'forbidden: User "system:anonymous" cannot get path "/metrics"',
    );
  });

  it('ServiceAccount tokens the sim issues authenticate; expired ones get 401', async () => {
    sim.store.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'worker', namespace: 'team-a' } });
    const good = sim.issueServiceAccountToken('team-a', 'worker', 'web');
    const r = await call(sim, '/api/v1/namespaces/team-a/pods', { token: good });
    assert.equal(r.code, 403);
    assert.match(r.body, /User \\"system:serviceaccount:team-a:worker\\" cannot list/);
    const expired = sim.issueServiceAccountToken('team-a', 'worker', 'web', { state: 'expired' });
    const e = await call(sim, '/api/v1/namespaces/team-a/pods', { token: expired });
    assert.equal(e.code, 401);
    assert.equal(
      e.body,
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
    );
  });

  it('every namespace gets a default ServiceAccount and kube-root-ca.crt holding the CA', async () => {
    assert.ok(sim.store.get('serviceaccounts', 'team-a', 'default'));
    assert.equal(
      (sim.store.get('configmaps', 'team-a', 'kube-root-ca.crt')!.data as Record<string, string>)['ca.crt'],
      sim.caPem,
    );
    sim.store.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'later' } });
    assert.ok(sim.store.get('serviceaccounts', 'later', 'default'));
  });

  it('faults come before authentication: 429 with Retry-After even without credentials', async () => {
    sim.faults.set([{ path: '^/api/v1/namespaces/team-a/pods$', status: 429, retryAfterSeconds: 3 }]);
    const r = await call(sim, '/api/v1/namespaces/team-a/pods', { token: 'bogus' });
    assert.equal(r.code, 429);
    assert.equal(r.headers['retry-after'], '3');
    assert.equal((JSON.parse(r.body) as { reason: string }).reason, 'TooManyRequests');
    assert.equal((await call(sim, '/api/v1/namespaces/team-a/configmaps', { token: 'bogus' })).code, 401);
  });

  it('a reset fault drops the connection; a hang never answers until the client gives up', async () => {
    sim.faults.set([
      { path: '^/reset$', reset: true },
      { path: '^/hang$', hang: true },
    ]);
    await assert.rejects(
      call(sim, '/reset'),
      (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET' || e.code === 'EPIPE',
    );
    const started = Date.now();
    const hung = new Promise<string>((resolve) => {
      const req = request(`${sim.url}/hang`, { ca: sim.caPem, agent: false, timeout: 300 }, () => resolve('answered'));
      req.on('timeout', () => {
        req.destroy();
        resolve('timeout');
      });
      req.on('error', () => resolve('timeout'));
      req.end();
    });
    assert.equal(await hung, 'timeout');
    assert.ok(Date.now() - started >= 290);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sim.log.count({ path: '/hang', code: 0 }), 1);
  });

  it('the request log records user, verb, code and concurrency', async () => {
    sim.log.reset();
    sim.faults.set([{ path: '^/api/v1/namespaces/team-a/pods$', latencyMs: 150 }]);
    await Promise.all([1, 2, 3].map(() => call(sim, '/api/v1/namespaces/team-a/pods', { token: alice })));
    assert.equal(sim.log.count({ user: 'alice', verb: 'list', resource: 'pods', namespace: 'team-a', code: 200 }), 3);
    assert.equal(sim.log.maxInFlight, 3);
    assert.equal(sim.log.inFlight, 0);
    assert.ok(sim.log.entries.every((e) => e.ms >= 140));
  });

  it('creates, refuses duplicates, checks the namespace and deletes', async () => {
    sim.store.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'alice-edit', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' }, data: { a: '1' } });
    const c = await call(sim, '/api/v1/namespaces/team-a/configmaps', { token: alice, method: 'POST', body: cm });
    assert.equal(c.code, 201, c.body);
    const created = JSON.parse(c.body) as { metadata: { namespace: string; uid: string } };
    assert.equal(created.metadata.namespace, 'team-a');
    const dup = await call(sim, '/api/v1/namespaces/team-a/configmaps', { token: alice, method: 'POST', body: cm });
    assert.equal(dup.code, 409);
    assert.equal((JSON.parse(dup.body) as { message: string }).message, 'configmaps "c1" already exists');
    const wrongNs = await call(sim, '/api/v1/namespaces/team-a/configmaps', {
      token: alice,
      method: 'POST',
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c2', namespace: 'other' } }),
    });
    assert.equal(wrongNs.code, 400);
    assert.equal(
      (JSON.parse(wrongNs.body) as { message: string }).message,
      'the namespace of the provided object does not match the namespace sent on the request',
    );
    const d = await call(sim, '/api/v1/namespaces/team-a/configmaps/c1', { token: alice, method: 'DELETE' });
    assert.equal(d.code, 200);
    assert.deepEqual((JSON.parse(d.body) as { details: unknown }).details, {
      name: 'c1',
      kind: 'configmaps',
      uid: created.metadata.uid,
    });
    assert.equal((await call(sim, '/api/v1/namespaces/team-a/configmaps/c1', { token: alice })).code, 404);
  });

  it('DELETE on a collection removes what the selector matches and lists it', async () => {
    sim.store.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'alice-edit', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    for (const [name, gone] of [
      ['d1', 'yes'],
      ['d2', 'yes'],
      ['d3', 'no'],
    ]) {
      sim.store.apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'team-a', labels: { gone } },
      });
    }
    const r = await call(sim, '/api/v1/namespaces/team-a/configmaps?labelSelector=gone%3Dyes', {
      token: alice,
      method: 'DELETE',
    });
    assert.equal(r.code, 200, r.body);
    const list = JSON.parse(r.body) as { kind: string; items: { metadata: { name: string } }[] };
    assert.equal(list.kind, 'ConfigMapList');
    assert.deepEqual(
      list.items.map((i) => i.metadata.name),
      ['d1', 'd2'],
    );
    assert.equal(sim.store.get('configmaps', 'team-a', 'd1'), undefined);
    assert.ok(sim.store.get('configmaps', 'team-a', 'd3'));
    assert.equal(sim.log.count({ user: 'alice', verb: 'deletecollection', resource: 'configmaps' }), 1);
  });

  it('unknown resources are authorized first (403), then answer the plain 404 page', async () => {
    assert.equal((await call(sim, '/api/v1/namespaces/team-a/widgets', { token: alice })).code, 403);
    sim.store.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'alice-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const r = await call(sim, '/api/v1/namespaces/team-a/widgets', { token: alice });
    assert.equal(r.code, 404);
    assert.equal(r.body, '404 page not found\n');
  });

  it('PATCH: merge, JSON and strategic merge (containers merged by name) keep uid and bump resourceVersion', async () => {
    sim.store.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'alice-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const before = sim.store.get('pods', 'team-a', 'web')!;
    const patch = (type: string, body: unknown) =>
      call(sim, '/api/v1/namespaces/team-a/pods/web', {
        token: alice,
        method: 'PATCH',
        body: JSON.stringify(body),
        headers: { 'content-type': type },
      });
    const m = await patch('application/merge-patch+json', { metadata: { labels: { a: null, tier: 'x' } } });
    assert.equal(m.code, 200, m.body);
    const j = await patch('application/json-patch+json', [
      { op: 'add', path: '/metadata/annotations', value: { n: '1' } },
      { op: 'test', path: '/metadata/labels/tier', value: 'x' },
    ]);
    assert.equal(j.code, 200, j.body);
    const sm = await patch('application/strategic-merge-patch+json', {
      spec: {
        containers: [
          { name: 'main', image: 'python:3.13' },
          { name: 'side', image: 'busybox' },
        ],
      },
    });
    assert.equal(sm.code, 200, sm.body);
    const after = sim.store.get('pods', 'team-a', 'web')! as unknown as {
      metadata: {
        uid: string;
        resourceVersion: string;
        labels: Record<string, string>;
        annotations: Record<string, string>;
      };
      spec: { containers: { name: string; image: string }[] };
    };
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.ok(Number(after.metadata.resourceVersion) > Number(before.metadata.resourceVersion));
    assert.deepEqual(after.metadata.labels, { app: 'web', tier: 'x' });
    assert.deepEqual(after.metadata.annotations, { n: '1' });
    assert.deepEqual(
      after.spec.containers.map((c) => `${c.name}=${c.image}`),
      ['main=python:3.13', 'side=busybox'],
    );
    const failedTest = await patch('application/json-patch+json', [
      { op: 'test', path: '/metadata/labels/tier', value: 'nope' },
    ]);
    assert.equal(failedTest.code, 422);
    const missing = await call(sim, '/api/v1/namespaces/team-a/pods/ghost', {
      token: alice,
      method: 'PATCH',
      body: '{}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(missing.code, 404);
  });

  it('watch streams current objects as ADDED, then changes, filtered by selector', async () => {
    const events: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = request(
        `${sim.url}/api/v1/namespaces/team-a/configmaps?watch=true&labelSelector=w%3D1`,
        { ca: sim.caPem, agent: false, headers: { authorization: `Bearer ${alice}` } },
        (res) => {
          assert.equal(res.statusCode, 200);
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString();
            let i;
            while ((i = buf.indexOf('\n')) >= 0) {
              const ev = JSON.parse(buf.slice(0, i)) as {
                type: string;
                object: { kind: string; metadata: { name: string } };
              };
              buf = buf.slice(i + 1);
              events.push(`${ev.type} ${ev.object.kind}/${ev.object.metadata.name}`);
              if (ev.type === 'DELETED') {
                req.destroy();
                resolve();
              }
            }
          });
        },
      );
      req.on('error', (e) => (events.length ? resolve() : reject(e)));
      req.end();
    });
    sim.store.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'w0', namespace: 'team-a', labels: { w: '1' } },
    });
    await new Promise((r) => setTimeout(r, 150));
    sim.store.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'w1', namespace: 'team-a', labels: { w: '1' } },
    });
    sim.store.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'team-a' } });
    sim.store.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'w1', namespace: 'team-a', labels: { w: '1' } },
      data: { x: 'y' },
    });
    sim.store.delete('configmaps', 'team-a', 'w1');
    await done;
    assert.deepEqual(events, [
      'ADDED ConfigMap/w0',
      'ADDED ConfigMap/w1',
      'MODIFIED ConfigMap/w1',
      'DELETED ConfigMap/w1',
    ]);
  });
});

describe('sim deprecation warnings', function () {
  this.timeout(20_000);
  it('v1 Endpoints carry the Warning header from 1.33 on, not before', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync('test/scenarios/minimal.yaml', 'utf8');
    for (const [version, warned] of [
      ['v1.33.1', true],
      ['v1.32.0', false],
    ] as const) {
      const sim = await startSim({
        scenario: 'minimal',
        scenarioText: text.replace('kubernetesVersion: v1.32.0', `kubernetesVersion: ${version}`),
      });
      try {
        sim.store.apply({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'alice-view' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
        });
        const r = await call(sim, '/api/v1/namespaces/default/endpoints', { token: sim.tokenFor('alice') });
        assert.equal(r.code, 200);
        const slices = await call(sim, '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
          token: sim.tokenFor('alice'),
        });
        assert.equal(
          r.headers.warning,
          warned ? '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"' : undefined,
          version,
        );
        assert.equal(slices.headers.warning, undefined);
      } finally {
        await sim.stop();
      }
    }
  });
});

describe('sim CLI (npm run -s sim)', function () {
  this.timeout(20_000);
  it('prints ready <url>, serves the kubeconfig it wrote, and exits 0 on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    const kc = join(dir, 'kubeconfig');
    const child = spawn(process.execPath, ['test/sim/main.ts', '--scenario', 'minimal', '--kubeconfig', kc], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const m = /^ready (https:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      assert.ok(m, line);
      assert.ok(readFileSync(kc, 'utf8').includes(`server: ${m[1]}`));
      const code = await new Promise<number | null>((resolve) => {
        child.on('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a missing --scenario with a usage line and exit 2', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['test/sim/main.ts'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^sim: --scenario is required\nusage: npm run -s sim -- --scenario/);
  });
});
