// What a container sees, as data: env (values, valueFrom, $(VAR) expansion, the kubelet's service
// variables), ServiceAccount automount precedence, ConfigMap volumes (items, subPath), image profiles
// and runc's argv[0] lookup. Pure functions, no namespaces.
import assert from 'node:assert/strict';
import {
  automountsToken,
  containerEnv,
  expandRefs,
  hostsFile,
  imageProfile,
  kubernetesServiceEnv,
  profileExecutables,
  pythonPackageFiles,
  resolveExecutable,
  serviceAccountName,
  volumeFiles,
  type Container,
  type ObjectLookup,
} from '../sim/exec/pod-files.ts';
import { containerLayout, setupScript, shq, type ContainerSpec } from '../sim/exec/sandbox.ts';
import type { KubeObject } from '../sim/types.ts';

const cm: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'ns' },
  data: { 'airflow.cfg': '[core]\n', level: 'debug' },
};
const secret: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'ns' },
  data: { pw: Buffer.from('hunter2').toString('base64') },
};
const store: ObjectLookup = {
  get: (ref, ns, name) =>
    [cm, secret].find(
      (o) =>
        (ref === 'configmaps' ? o.kind === 'ConfigMap' : o.kind === 'Secret') &&
        o.metadata.name === name &&
        o.metadata.namespace === ns,
    ),
  all: () => [],
};
const pod = (spec: object, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'worker-0', namespace: 'ns', uid: 'u-1', labels: { tier: 'w' } },
  spec: { containers: [{ name: 'main' }], nodeName: 'n1', ...spec },
  status: { podIP: '10.244.0.9' },
  ...extra,
});

describe('sim exec: container environment', () => {
  it('the kubelet always injects the default/kubernetes variables', () => {
    assert.deepEqual(kubernetesServiceEnv({ host: '10.96.0.1', port: 443 }), {
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
    });
  });

  it('value, $(VAR) expansion, configMapKeyRef, secretKeyRef, fieldRef; container env beats the service env', () => {
    const c: Container = {
      name: 'main',
      env: [
        { name: 'A', value: 'x' },
        { name: 'B', value: '$(A)-$(UNDEFINED)-$$(A)' },
        { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'level' } } },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'pw' } } },
        { name: 'MISSING', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
        { name: 'KUBERNETES_SERVICE_HOST', value: '' },
      ],
    };
    const env = containerEnv(pod({}), c, store, { host: '10.96.0.1', port: 443 });
    assert.equal(env.A, 'x');
    assert.equal(env.B, 'x-$(UNDEFINED)-$(A)');
    assert.equal(env.LEVEL, 'debug');
    assert.equal(env.PW, 'hunter2');
    assert.ok(!('MISSING' in env));
    assert.equal(env.NS, 'ns');
    assert.equal(env.IP, '10.244.0.9');
    assert.equal(env.TIER, 'w');
    assert.equal(env.KUBERNETES_SERVICE_HOST, '', 'a blanked service host is what Airflow then sees');
    assert.equal(env.HOSTNAME, 'worker-0');
    assert.equal(expandRefs('$(A)', {}), '$(A)');
  });

  it('envFrom with a prefix', () => {
    const env = containerEnv(
      pod({}),
      { name: 'main', envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }] },
      store,
      { host: 'h', port: 1 },
    );
    assert.equal(env.CFG_level, 'debug');
  });
});

describe('sim exec: mounted files', () => {
  it('automount: the pod beats the ServiceAccount, default on', () => {
    const sa = (v?: boolean): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'x' },
      ...(v === undefined ? {} : { automountServiceAccountToken: v }),
    });
    assert.equal(automountsToken(pod({}), undefined), true);
    assert.equal(automountsToken(pod({}), sa(false)), false);
    assert.equal(automountsToken(pod({ automountServiceAccountToken: true }), sa(false)), true);
    assert.equal(automountsToken(pod({ automountServiceAccountToken: false }), sa(true)), false);
    assert.equal(serviceAccountName(pod({})), 'default');
    assert.equal(serviceAccountName(pod({ serviceAccountName: 'airflow-worker' })), 'airflow-worker');
  });

  it('ConfigMap volumes: all keys, items with paths, subPath files; missing ConfigMaps mount empty', () => {
    const p = pod({
      volumes: [
        { name: 'all', configMap: { name: 'cfg' } },
        { name: 'some', configMap: { name: 'cfg', items: [{ key: 'level', path: 'x/level' }] } },
        { name: 'gone', configMap: { name: 'nope', optional: true } },
        { name: 'scratch', emptyDir: {} },
      ],
    });
    const c: Container = {
      name: 'main',
      volumeMounts: [
        { name: 'all', mountPath: '/opt/airflow/config' },
        { name: 'some', mountPath: '/etc/app/' },
        { name: 'all', mountPath: '/opt/airflow/airflow.cfg', subPath: 'airflow.cfg' },
        { name: 'gone', mountPath: '/gone' },
        { name: 'scratch', mountPath: '/tmp/scratch' },
      ],
    };
    const v = volumeFiles(p, c, store);
    assert.deepEqual(
      v.files.map((f) => f.path),
      ['/opt/airflow/config/airflow.cfg', '/opt/airflow/config/level', '/etc/app/x/level', '/opt/airflow/airflow.cfg'],
    );
    assert.equal(v.files[3].content, '[core]\n');
    assert.deepEqual(v.dirs, ['/opt/airflow/config', '/etc/app', '/gone', '/tmp/scratch']);
  });

  it('python-packages: the metadata pip writes for each package, on PYTHONPATH; malformed entries ignored', () => {
    const p = pod(
      {},
      {
        metadata: {
          name: 'w',
          namespace: 'ns',
          annotations: {
            'sim.kubectl-airflow.dev/python-packages':
              'kubernetes=35.0.0, apache-airflow-providers-cncf-kubernetes = 10.1.0, bad name=1, urllib3=',
          },
        },
      },
    );
    assert.deepEqual(pythonPackageFiles(p), [
      {
        path: '/opt/python-packages/kubernetes-35.0.0.dist-info/METADATA',
        content: 'Metadata-Version: 2.1\nName: kubernetes\nVersion: 35.0.0\n',
      },
      {
        path: '/opt/python-packages/apache_airflow_providers_cncf_kubernetes-10.1.0.dist-info/METADATA',
        content: 'Metadata-Version: 2.1\nName: apache-airflow-providers-cncf-kubernetes\nVersion: 10.1.0\n',
      },
    ]);
    assert.equal(
      containerEnv(p, { name: 'main' }, store, { host: '10.96.0.1', port: 443 }).PYTHONPATH,
      '/opt/python-packages',
    );
    assert.deepEqual(pythonPackageFiles(pod({})), []);
    assert.equal(
      containerEnv(pod({}), { name: 'main' }, store, { host: '10.96.0.1', port: 443 }).PYTHONPATH,
      undefined,
    );
  });

  it('hosts file as the kubelet writes it', () => {
    assert.match(
      hostsFile(pod({})),
      /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n[\s\S]*10\.244\.0\.9\tworker-0\n$/,
    );
  });

  it("a hostNetwork pod gets the node's hosts file under the host-network header, and the node's hostname", () => {
    const p = pod({ hostNetwork: true }, { status: { podIP: '10.0.1.21', hostIP: '10.0.1.21' } });
    assert.equal(
      hostsFile(p, { name: 'n1', ip: '10.0.1.21' }),
      '# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.1.21\tn1\n',
    );
    assert.equal(containerEnv(p, { name: 'main' }, store, { host: '10.96.0.1', port: 443 }).HOSTNAME, 'n1');
    assert.equal(containerEnv(pod({}), { name: 'main' }, store, { host: '10.96.0.1', port: 443 }).HOSTNAME, 'worker-0');
  });
});

describe('sim exec: image profiles and argv[0]', () => {
  it('python has python3 and sh; shell has sh but no python; none has nothing', () => {
    const py = profileExecutables('python');
    const sh = profileExecutables('shell');
    assert.ok(py.has('python3') && py.has('sh') && py.has('cat'));
    assert.ok(sh.has('sh') && !sh.has('python3') && !sh.has('python'));
    assert.equal(profileExecutables('none').size, 0);
  });

  it('shell-curl is shell plus curl and openssl (a Debian image with curl): still no python, bash or nc', () => {
    const sh = profileExecutables('shell');
    const curl = profileExecutables('shell-curl');
    assert.deepEqual([...curl.keys()].filter((k) => !sh.has(k)).sort(), ['curl', 'openssl']);
    for (const t of ['sh', 'timeout', 'getent', 'base64']) assert.ok(curl.has(t), t);
    for (const t of ['python3', 'bash', 'nc', 'wget']) assert.ok(!curl.has(t) && !sh.has(t), t);
    assert.equal(curl.get('curl'), '/usr/bin/curl');
    assert.equal(
      imageProfile({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', annotations: { 'sim.kubectl-airflow.dev/image-profile': 'shell-curl' } },
      }),
      'shell-curl',
    );
    assert.equal(
      imageProfile({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', annotations: { 'sim.kubectl-airflow.dev/image-profile': 'alpine' } },
      }),
      'python',
      'unknown profiles fall back to the default',
    );
  });

  it('bare names are searched in the container PATH; paths must exist in the container', () => {
    const bins = new Set(['sh', 'python3']);
    assert.equal(resolveExecutable('python3', bins, new Set()), '/usr/bin/python3');
    assert.equal(resolveExecutable('/bin/sh', bins, new Set()), '/usr/bin/sh');
    assert.equal(resolveExecutable('bash', bins, new Set()), undefined);
    assert.equal(resolveExecutable('/bin/bash', bins, new Set()), undefined);
    assert.equal(resolveExecutable('/opt/run.sh', bins, new Set(['/opt/run.sh'])), '/opt/run.sh');
    assert.equal(resolveExecutable('python3', bins, new Set(), '/opt/bin'), undefined, 'not on the PATH');
  });
});

describe('sim exec: sandbox setup script', () => {
  it('quotes every value, mounts the tmpfs root first, overlays /etc, then holds the namespaces', () => {
    const s = setupScript({
      stage: '/tmp/kaf-exec-x',
      bins: '/tmp/bins/python',
      hostname: "it's",
      binds: [{ source: '/tmp/kaf-exec-x/binds/0', target: '/usr/share/app.cfg' }],
      hostHasLocal: { bin: true, sbin: false },
    });
    const lines = s.trim().split('\n');
    assert.equal(lines[0], 'set -e');
    assert.equal(lines[2], 'mount -t tmpfs -o mode=755 kaf-root "$R"');
    assert.ok(lines.includes(`mount --bind '/tmp/bins/python' "$R/usr/bin"`));
    assert.ok(lines.includes('mount -t tmpfs -o mode=755 kaf-local-bin "$R/usr/local/bin"'));
    assert.ok(!s.includes('local/sbin'));
    assert.ok(
      lines.includes(
        `mount -t overlay -o 'lowerdir=/etc,upperdir=/tmp/kaf-exec-x/etc,workdir=/tmp/kaf-exec-x/etc-work' kaf-etc "$R/etc"`,
      ),
    );
    assert.ok(lines.includes(`mount --bind '/tmp/kaf-exec-x/binds/0' "$R"'/usr/share/app.cfg'`));
    assert.equal(lines.at(-3), `hostname 'it'\\''s'`);
    assert.equal(lines.at(-2), 'echo kaf-container-ready');
    assert.equal(lines.at(-1), 'exec cat >/dev/null');
    assert.equal(shq("a'b"), `'a'\\''b'`);
  });
});

describe('sim exec: when an exec gets a new container', () => {
  const spec: ContainerSpec = {
    revision: '[{"name":"main"},{}]',
    env: { A: '1' },
    hostname: 'runner',
    workingDir: '/opt/app',
    executables: new Map([['sh', '/bin/sh']]),
    profileKey: 'shell',
    files: [
      { path: '/var/run/secrets/kubernetes.io/serviceaccount/token', content: 'a' },
      { path: '/usr/share/app.cfg', content: 'x', fixed: true },
    ],
    dirs: ['/etc/app-conf'],
    resolvConf: 'nameserver 10.96.0.10\n',
    hosts: '127.0.0.1 localhost\n',
  };
  it('not for new file contents, a rotated token or a new env (fixed at the start)', () => {
    const later = {
      ...spec,
      env: { A: '2' },
      files: [
        { ...spec.files[0]!, content: 'b' },
        { ...spec.files[1]!, content: 'y' },
      ],
    };
    assert.equal(containerLayout(later), containerLayout(spec));
  });
  it('for a new container definition, profile, hostname or file under a host directory (a bind mount)', () => {
    const base = containerLayout(spec);
    for (const changed of [
      { ...spec, revision: '[{"name":"main","image":"b"},{}]' },
      { ...spec, profileKey: 'python' },
      { ...spec, hostname: 'node-1' },
      { ...spec, files: [...spec.files, { path: '/usr/share/other.cfg', content: '' }] },
    ])
      assert.notEqual(containerLayout(changed), base);
  });
});

describe('sim exec: scratch directories', () => {
  it('directories of a process that is gone are swept; ours and live ones stay', async () => {
    const { mkdtempSync, mkdirSync, existsSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { spawnSync } = await import('node:child_process');
    const { sweepStale } = await import('../sim/exec/scratch.ts');
    const base = mkdtempSync(join(tmpdir(), 'kaf-sweep-test-'));
    try {
      const dead = spawnSync('true').pid!; // exited: its pid is free (reuse within the test is negligible)
      for (const d of [
        `kaf-exec-stage-${dead}-aaaaaa`,
        `kaf-exec-bins-${process.pid}-bbbbbb`,
        `kaf-exec-net-1-cccccc`,
        'unrelated',
      ])
        mkdirSync(join(base, d));
      assert.deepEqual(sweepStale(base), [`kaf-exec-stage-${dead}-aaaaaa`]);
      assert.ok(
        existsSync(join(base, `kaf-exec-bins-${process.pid}-bbbbbb`)) &&
          existsSync(join(base, 'kaf-exec-net-1-cccccc')) &&
          existsSync(join(base, 'unrelated')),
      );
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
