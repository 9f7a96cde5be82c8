// Real kubectl against the whole simulator (TLS, the three kinds of credentials, discovery, list/get,
// health, errors): proves the server works end to end. The broad conformance suite lives beside it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startSim, type Sim } from '../sim/index.ts';

function findKubectl(): string | undefined {
  return (process.env['PATH'] ?? '')
    .split(':')
    .map((d) => join(d, 'kubectl'))
    .find((p) => existsSync(p));
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// kubectl caches discovery per host:port under ~/.kube/cache; every sim has a new port, so keep the
// cache in a temp dir that goes away with the run.
const CACHE = mkdtempSync(join(tmpdir(), 'sim-smoke-kubectl-cache-'));
after(() => rmSync(CACHE, { recursive: true, force: true }));

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      { env: { ...process.env, KUBECONFIG: '', KUBECACHEDIR: CACHE, ...env }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : -1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('sim smoke: real kubectl against the simulator', function () {
  this.timeout(60_000);
  let sim: Sim;
  let kubectl: string;
  const k = (...args: string[]) => run(kubectl, ['--kubeconfig', sim.kubeconfigPath, ...args]);

  before(async function () {
    const found = findKubectl();
    if (!found) {
      console.log('    skipped: no kubectl on PATH');
      this.skip();
    }
    kubectl = found!;
    sim = await startSim({ scenario: 'minimal' });
  });

  after(async () => {
    await sim?.stop();
  });

  it('lists pods of the context namespace as a table with real columns', async () => {
    const r = await k('get', 'pods');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    assert.match(lines[1], /^batch\s+0\/1\s+Pending\s+0\s+\d+s$/);
    assert.match(lines[2], /^web\s+1\/1\s+Running\s+0\s+\d+s$/);
    assert.equal(lines.length, 3);
    assert.ok(
      sim.log.count({ method: 'GET', path: '/api/v1/namespaces/team-a/pods', user: 'kubernetes-admin', code: 200 }) >=
        1,
    );
  });

  it('filters by label selector (-l a=b, set-based, and negative)', async () => {
    const eq = await k('get', 'pods', '-n', 'team-a', '-l', 'a=b', '-o', 'name');
    assert.equal(eq.stdout.trim(), 'pod/web');
    const inSet = await k('get', 'pods', '-l', 'a in (b,c)', '-o', 'name');
    assert.deepEqual(inSet.stdout.trim().split('\n'), ['pod/batch', 'pod/web']);
    const none = await k('get', 'pods', '-l', 'a=zzz');
    assert.equal(none.code, 0);
    assert.equal(none.stderr.trim(), 'No resources found in team-a namespace.');
  });

  it('filters by field selector and pages with --chunk-size', async () => {
    const running = await k('get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name');
    assert.equal(running.stdout.trim(), 'pod/web');
    sim.log.reset();
    const paged = await k('get', 'pods', '-A', '--chunk-size=1', '-o', 'name');
    assert.equal(paged.code, 0, paged.stderr);
    assert.ok(paged.stdout.includes('pod/web') && paged.stdout.includes('pod/batch'));
    assert.ok(
      sim.log.count((e) => e.path === '/api/v1/pods' && e.query.includes('continue=')) >= 2,
      'kubectl followed continue tokens',
    );
  });

  it('lists namespaces, including the system ones', async () => {
    const r = await k('get', 'ns', '-o', 'name');
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'namespace/default',
      'namespace/kube-node-lease',
      'namespace/kube-public',
      'namespace/kube-system',
      'namespace/team-a',
    ]);
  });

  it('gets one object as JSON and answers NotFound with the real message', async () => {
    const r = await k('get', 'pod', 'web', '-o', 'json');
    const pod = JSON.parse(r.stdout) as {
      kind: string;
      apiVersion: string;
      metadata: { uid: string; resourceVersion: string; creationTimestamp: string };
    };
    assert.equal(pod.kind, 'Pod');
    assert.equal(pod.apiVersion, 'v1');
    assert.match(pod.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(pod.metadata.resourceVersion, /^\d+$/);
    const missing = await k('get', 'pod', 'nope');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'Error from server (NotFound): pods "nope" not found');
  });

  it('serves discovery that api-resources understands', async () => {
    const r = await k('api-resources');
    assert.equal(r.code, 0, r.stderr);
    const row = (name: string, group: string) =>
      r.stdout.split('\n').find((l) => l.startsWith(name + ' ') && l.includes(` ${group} `));
    assert.match(row('pods', 'v1') ?? '', /^pods\s+po\s+v1\s+true\s+Pod$/);
    assert.match(row('nodes', 'v1') ?? '', /^nodes\s+no\s+v1\s+false\s+Node$/);
    assert.match(row('leases', 'coordination.k8s.io/v1') ?? '', /true\s+Lease$/);
    assert.match(row('endpointslices', 'discovery.k8s.io/v1') ?? '', /true\s+EndpointSlice$/);
    assert.match(row('clusterrolebindings', 'rbac.authorization.k8s.io/v1') ?? '', /false\s+ClusterRoleBinding$/);
    const sub = await k('get', '--raw', '/api/v1');
    const names = (JSON.parse(sub.stdout) as { resources: { name: string }[] }).resources.map((x) => x.name);
    for (const n of ['pods/exec', 'pods/log', 'pods/ephemeralcontainers', 'serviceaccounts/token'])
      assert.ok(names.includes(n), n);
  });

  it('reports the scenario version and verbose readiness', async () => {
    const v = await k('version', '-o', 'json');
    assert.equal(
      (JSON.parse(v.stdout) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion,
      'v1.32.0',
    );
    const ready = await k('get', '--raw', '/readyz?verbose');
    const lines = ready.stdout.trim().split('\n');
    assert.equal(lines[0], '[+]ping ok');
    assert.ok(lines.includes('[+]etcd ok'));
    assert.equal(lines[lines.length - 1], 'readyz check passed');
    assert.equal((await k('get', '--raw', '/livez')).stdout, 'ok');
  });

  it('authenticates a bearer-token identity and forbids with the real message', async () => {
    const pods = await k('--context', 'alice', 'get', 'pods', '-o', 'name');
    assert.equal(pods.code, 0, pods.stderr);
    const nodes = await k('--context', 'alice', 'get', 'nodes');
    assert.equal(nodes.code, 1);
    assert.equal(
      nodes.stderr.trim(),
      'Error from server (Forbidden): nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
    );
  });

  it('authenticates an exec-credential-plugin identity', async () => {
    const cfg = parse(readFileSync(sim.kubeconfigPath, 'utf8')) as {
      users: { name: string; user: { exec?: { interactiveMode: string } } }[];
    };
    assert.equal(cfg.users.find((u) => u.name === 'bob')?.user.exec?.interactiveMode, 'Never');
    const who = await k('--context', 'bob', 'auth', 'whoami', '-o', 'json');
    assert.equal(who.code, 0, who.stderr);
    const ui = (JSON.parse(who.stdout) as { status: { userInfo: { username: string; groups: string[] } } }).status
      .userInfo;
    assert.equal(ui.username, 'bob');
    assert.deepEqual(ui.groups, ['system:authenticated']);
  });

  it('answers 401 for an unknown token exactly as kube-apiserver does', async () => {
    const cfg = parse(readFileSync(sim.kubeconfigPath, 'utf8')) as {
      users: { name: string; user: Record<string, unknown> }[];
    };
    cfg.users.find((u) => u.name === 'alice')!.user = { token: 'not-a-valid-token' };
    const bad = join(dirname(sim.kubeconfigPath), 'bad-kubeconfig');
    writeFileSync(bad, stringify(cfg));
    const r = await run(kubectl, [
      '--kubeconfig',
      bad,
      '--context',
      'alice',
      'get',
      '--raw',
      '/api/v1/namespaces/team-a/pods',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Unauthorized/);
    const direct = await fetch401(sim);
    assert.deepEqual(direct, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('creates RBAC objects with kubectl create -f and refuses duplicates with AlreadyExists', async () => {
    const file = join(dirname(sim.kubeconfigPath), 'role.yaml');
    writeFileSync(
      file,
      [
        stringify({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'pod-reader', namespace: 'team-a' },
          rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }],
        }),
        stringify({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'alice-nodes' },
          subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
          roleRef: { kind: 'ClusterRole', name: 'view', apiGroup: 'rbac.authorization.k8s.io' },
        }),
      ].join('---\n'),
    );
    const c = await k('create', '-f', file);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(
      c.stdout.trim(),
      'role.rbac.authorization.k8s.io/pod-reader created\nclusterrolebinding.rbac.authorization.k8s.io/alice-nodes created',
    );
    const again = await k('create', '-f', file);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /Error from server \(AlreadyExists\): error when creating ".*": roles.rbac.authorization.k8s.io "pod-reader" already exists/,
    );
    assert.ok(sim.store.get('roles', 'team-a', 'pod-reader'));
    const del = await k('delete', '-f', file);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(sim.store.get('roles', 'team-a', 'pod-reader'), undefined);
  });

  it('kubectl create generators send protobuf bodies; RBAC made that way takes effect', async () => {
    const canBob = async (pod: string) =>
      (await k('--context', 'bob', 'auth', 'can-i', 'get', `pods/${pod}`, '--subresource=log')).stdout.trim();
    assert.equal(await canBob('web'), 'no');
    for (const args of [
      ['create', 'role', 'log-reader', '--verb=get,list', '--resource=pods/log,pods', '--resource-name=web'],
      ['create', 'rolebinding', 'alice-logs', '--role=log-reader', '--user=bob', '--serviceaccount=team-a:default'],
      ['create', 'configmap', 'cfg', '--from-literal=a=b'],
      ['create', 'secret', 'generic', 'sec', '--from-literal=k=v'],
      ['create', 'service', 'clusterip', 'svc1', '--tcp=80:8080'],
      ['create', 'serviceaccount', 'sa1'],
    ]) {
      const r = await k(...args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    assert.ok(
      sim.log.count(
        (e) =>
          e.method === 'POST' && String(e.headers['content-type']).startsWith('application/vnd.kubernetes.protobuf'),
      ) >= 6,
      'kubectl sent protobuf',
    );
    const role = sim.store.get('roles', 'team-a', 'log-reader') as unknown as { rules: unknown[] };
    assert.deepEqual(role.rules, [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods/log', 'pods'], resourceNames: ['web'] },
    ]);
    const rb = sim.store.get('rolebindings', 'team-a', 'alice-logs') as unknown as {
      subjects: unknown[];
      roleRef: unknown;
    };
    assert.deepEqual(rb.subjects, [
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' },
      { kind: 'ServiceAccount', name: 'default', namespace: 'team-a' },
    ]);
    assert.deepEqual(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'log-reader' });
    assert.equal(await canBob('web'), 'yes');
    assert.equal(await canBob('batch'), 'no', 'resourceNames limits the grant');
    assert.deepEqual(sim.store.get('configmaps', 'team-a', 'cfg')!.data, { a: 'b' });
    const sec = sim.store.get('secrets', 'team-a', 'sec') as unknown as { data: Record<string, string>; type: string };
    assert.deepEqual(sec.data, { k: Buffer.from('v').toString('base64') });
    assert.equal(sec.type, 'Opaque');
    const svc = await k(
      'get',
      'svc',
      'svc1',
      '-o',
      'jsonpath={.spec.ports[0].port}/{.spec.ports[0].targetPort}/{.spec.type}',
    );
    assert.equal(svc.stdout, '80/8080/ClusterIP');
    const dep = await k('create', 'deployment', 'd1', '--image=busybox');
    assert.equal(dep.code, 1, 'kinds without a known protobuf schema are refused, as 415');
    assert.match(dep.stderr, /the body of the request was in an unknown format/);
  });

  it('kubectl create token: a bound TokenRequest the server then accepts; foreign audiences and short durations refused', async () => {
    const t = await k(
      'create',
      'token',
      'default',
      '--duration=20m',
      '--bound-object-kind=Pod',
      '--bound-object-name=web',
    );
    assert.equal(t.code, 0, t.stderr);
    const token = t.stdout.trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
      exp: number;
      iat: number;
      'kubernetes.io': { pod: { name: string } };
    };
    assert.equal(claims.exp - claims.iat, 1200);
    assert.equal(claims['kubernetes.io'].pod.name, 'web');
    const who = await k(
      '--context',
      'alice',
      '--token',
      token,
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    );
    assert.equal(who.stdout, 'system:serviceaccount:team-a:default');
    const vault = (await k('create', 'token', 'default', '--audience=vault')).stdout.trim();
    const refused = await k('--context', 'alice', '--token', vault, 'get', '--raw', '/version');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Unauthorized|provide credentials/);
    const short = await k('create', 'token', 'default', '--duration=1m');
    assert.equal(
      short.stderr.trim(),
      'error: failed to create token: TokenRequest.authentication.k8s.io "default" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    );
  });
});

async function fetch401(sim: Sim): Promise<unknown> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${sim.url}/api/v1/pods`,
      { ca: sim.caPem, headers: { Authorization: 'Bearer nope' } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(JSON.parse(body)));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// kubectl binaries beside the default one (kubectl.1.27 ... kubectl.1.33) exercise older and newer clients.
describe('sim smoke: other kubectl versions', function () {
  this.timeout(60_000);
  let sim: Sim;
  let dir: string | undefined;
  before(async function () {
    const found = findKubectl();
    if (!found) {
      console.log('    skipped: no kubectl on PATH');
      this.skip();
    }
    dir = dirname(realpathSync(found!));
    sim = await startSim({ scenario: 'minimal' });
  });
  after(async () => {
    await sim?.stop();
  });
  for (const v of ['1.27', '1.33']) {
    it(`kubectl ${v} lists pods, reads discovery and version`, async function () {
      const bin = join(dir!, `kubectl.${v}`);
      if (!existsSync(bin)) {
        console.log(`    skipped: ${bin} not present`);
        this.skip();
      }
      const pods = await run(bin, ['--kubeconfig', sim.kubeconfigPath, 'get', 'pods', '-l', 'a=b']);
      assert.equal(pods.code, 0, pods.stderr);
      assert.match(pods.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nweb\s+1\/1\s+Running\s+0\s+\d+s\n$/);
      const res = await run(bin, [
        '--kubeconfig',
        sim.kubeconfigPath,
        'api-resources',
        '--api-group=apps',
        '-o',
        'name',
      ]);
      assert.deepEqual(res.stdout.trim().split('\n'), [
        'daemonsets.apps',
        'deployments.apps',
        'replicasets.apps',
        'statefulsets.apps',
      ]);
      const exec = await run(bin, ['--kubeconfig', sim.kubeconfigPath, '--context', 'bob', 'get', 'pods']);
      assert.equal(exec.code, 1);
      assert.match(
        exec.stderr,
        /pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "team-a"/,
      );
    });
  }
});
