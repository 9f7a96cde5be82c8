// TLS material per run (CA, server SANs, client subjects) and the kubeconfig written from it;
// plus the AGE formatting of server-side tables.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { kubeconfigObject, EXEC_PLUGIN } from '../sim/kubeconfig.ts';
import { humanDuration } from '../sim/tables.ts';
import { createCA, createClientCert, createServerCert } from '../sim/tls.ts';

describe('sim TLS and kubeconfig', () => {
  it('the server certificate is signed by the run CA and covers loopback, the service IP, replicas and service names', async () => {
    const ca = await createCA();
    const server = await createServerCert(ca, ['10.96.0.1', '10.0.0.11', '10.0.0.12']);
    const cert = new X509Certificate(server.certPem);
    const caCert = new X509Certificate(ca.certPem);
    assert.ok(cert.verify(caCert.publicKey));
    assert.ok(caCert.ca);
    for (const ip of ['127.0.0.1', '10.96.0.1', '10.0.0.11', '10.0.0.12']) assert.ok(cert.checkIP(ip), ip);
    for (const host of [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ])
      assert.ok(cert.checkHost(host), host);
    assert.equal(cert.checkIP('10.0.0.13'), undefined);
    const other = await createCA();
    assert.equal(cert.verify(new X509Certificate(other.certPem).publicKey), false);
  });

  it('client certificates carry the user as CN and each group as O', async () => {
    const ca = await createCA();
    const c = new X509Certificate((await createClientCert(ca, 'kubernetes-admin', ['system:masters', 'ops'])).certPem);
    assert.equal(c.subject, 'CN=kubernetes-admin\nO=system:masters\nO=ops');
    assert.ok(c.verify(new X509Certificate(ca.certPem).publicKey));
  });

  it('writes one cluster, and one user and context per identity in the scenario namespace', () => {
    const cfg = kubeconfigObject({
      clusterName: 'demo',
      server: 'https://127.0.0.1:1234',
      caPem: 'CA',
      namespace: 'airflow',
      currentContext: 'admin',
      credentials: [
        { identity: { name: 'admin', user: 'kubernetes-admin', auth: 'clientCertificate' }, certPem: 'C', keyPem: 'K' },
        { identity: { name: 'alice', user: 'alice', auth: 'token' }, token: 'tok-a' },
        { identity: { name: 'bob', user: 'bob', auth: 'exec' }, token: 'tok-b' },
      ],
    }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(cfg['current-context'], 'admin');
    assert.deepEqual(cfg.clusters, [
      {
        name: 'demo',
        cluster: {
          server: 'https://127.0.0.1:1234',
          'certificate-authority-data': Buffer.from('CA').toString('base64'),
        },
      },
    ]);
    assert.deepEqual(
      cfg.contexts.map((c: any) => [c.name, c.context.user, c.context.namespace, c.context.cluster]),
      [
        ['admin', 'admin', 'airflow', 'demo'],
        ['alice', 'alice', 'airflow', 'demo'],
        ['bob', 'bob', 'airflow', 'demo'],
      ],
    ); // eslint-disable-line @typescript-eslint/no-explicit-any
    const users = Object.fromEntries(cfg.users.map((u: any) => [u.name, u.user])); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(users.admin, {
      'client-certificate-data': Buffer.from('C').toString('base64'),
      'client-key-data': Buffer.from('K').toString('base64'),
    });
    assert.deepEqual(users.alice, { token: 'tok-a' });
    assert.equal(users.bob.exec.apiVersion, 'client.authentication.k8s.io/v1');
    assert.equal(users.bob.exec.interactiveMode, 'Never');
    assert.equal(users.bob.exec.command, process.execPath);
    assert.deepEqual(users.bob.exec.args, [EXEC_PLUGIN]);
    assert.deepEqual(users.bob.exec.env, [{ name: 'SIM_EXEC_TOKEN', value: 'tok-b' }]);
  });

  it('the exec plugin prints an ExecCredential with the token, and fails without one', async () => {
    const { spawnSync } = await import('node:child_process');
    const ok = spawnSync(process.execPath, [EXEC_PLUGIN], {
      env: {
        SIM_EXEC_TOKEN: 'tok-b',
        KUBERNETES_EXEC_INFO:
          '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}',
      },
      encoding: 'utf8',
    });
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), {
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1',
      spec: { interactive: false },
      status: { token: 'tok-b' },
    });
    const bad = spawnSync(process.execPath, [EXEC_PLUGIN], { env: {}, encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /SIM_EXEC_TOKEN is not set/);
  });

  it('AGE cells follow duration.HumanDuration', () => {
    const s = 1000,
      m = 60 * s,
      h = 60 * m,
      d = 24 * h;
    const cases: [number, string][] = [
      [-5 * s, '<invalid>'],
      [-500, '0s'],
      [0, '0s'],
      [119 * s, '119s'],
      [2 * m, '2m'],
      [3 * m + 5 * s, '3m5s'],
      [10 * m, '10m'],
      [179 * m, '179m'],
      [3 * h, '3h'],
      [5 * h + 30 * m, '5h30m'],
      [8 * h, '8h'],
      [47 * h, '47h'],
      [2 * d, '2d'],
      [3 * d + 4 * h, '3d4h'],
      [8 * d, '8d'],
      [400 * d, '400d'],
      [730 * d, '2y'],
      [800 * d, '2y70d'],
      [9 * 365 * d, '9y'],
    ];
    for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
  });
});
