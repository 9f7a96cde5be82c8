// Which kubeconfig Airflow loads (remote-kubeconfig.ts, remote-plan.ts) and the Remote cluster
// layer's verdict (verdict-remote.ts), table-driven, no server.
import assert from 'node:assert/strict';
import type { AirflowConfig, Setting } from '../../src/airflow/airflow-cfg.ts';
import { remoteKubeconfigs, type RemoteInputs } from '../../src/airflow/remote-kubeconfig.ts';
import type { NetReport, ProbeDoc, RemoteResult } from '../../src/net/model.ts';
import { remotePlanFor } from '../../src/net/remote-plan.ts';
import { remoteLayer, remoteOutcome, withRemoteLayer } from '../../src/net/verdict-remote.ts';
import { networkLayer } from '../../src/doctor/verdicts.ts';

const CONN = 'AIRFLOW_CONN_KUBERNETES_DEFAULT';
const def = <T>(value: T): Setting<T> => ({ value, source: 'Airflow default' });
const cfg = (over: Partial<Pick<AirflowConfig, 'inCluster' | 'configFile' | 'clusterContext'>> = {}) => ({
  inCluster: def(true),
  configFile: def<string | undefined>(undefined),
  clusterContext: def<string | undefined>(undefined),
  ...over,
});

describe('remoteKubeconfigs: where Airflow points at a kubeconfig', () => {
  const cases: Array<{ name: string; in: RemoteInputs; want: Array<Record<string, unknown>>; notes?: RegExp }> = [
    { name: 'nothing configured: in-cluster, no target', in: { env: {}, config: cfg() }, want: [] },
    { name: 'no release config readable, no env: no target', in: { env: {} }, want: [] },
    {
      name: 'executor in_cluster False + config_file + cluster_context from airflow.cfg',
      in: {
        env: {},
        config: cfg({
          inCluster: { value: false, source: '[kubernetes_executor] in_cluster (airflow.cfg)' },
          configFile: { value: '/opt/kube/config', source: 'x' },
          clusterContext: { value: 'prod', source: 'y' },
        }),
      },
      want: [{ path: '/opt/kube/config', context: 'prod' }],
    },
    {
      name: 'executor in_cluster False without config_file: the client default ($KUBECONFIG, ~/.kube/config)',
      in: { env: { AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER: 'false' }, config: cfg() },
      want: [{ defaultLocation: true }],
    },
    {
      name: 'the deprecated [kubernetes] section in the container env (Airflow < 2.5)',
      in: {
        env: { AIRFLOW__KUBERNETES__IN_CLUSTER: 'False', AIRFLOW__KUBERNETES__CONFIG_FILE: '/k/c' },
        config: cfg(),
      },
      want: [{ path: '/k/c' }],
    },
    {
      name: "the container's env beats the release config",
      in: {
        env: { AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER: 'True' },
        config: cfg({ inCluster: { value: false, source: 'cfg' }, configFile: { value: '/x', source: 'cfg' } }),
      },
      want: [],
    },
    {
      name: 'in_cluster from a Secret the plugin did not read: unknown, said, no target',
      in: { env: { AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER: undefined }, config: cfg() },
      want: [],
      notes: /in_cluster .* is not known/,
    },
    {
      name: 'connection kube_config_path + cluster_context (JSON form)',
      in: {
        env: { [CONN]: '{"conn_type": "kubernetes", "extra": {"kube_config_path": "/k", "cluster_context": "c"}}' },
        config: cfg(),
      },
      want: [{ path: '/k', connEnv: CONN, field: 'kube_config_path', context: 'c' }],
    },
    {
      name: 'connection prefixed extras (before Airflow 2.3), URI form',
      in: { env: { [CONN]: 'kubernetes://?extra__kubernetes__kube_config_path=%2Fk' }, config: cfg() },
      want: [{ path: '/k', field: 'kube_config_path' }],
    },
    {
      name: 'executor verify_ssl False: certificate checks off after loading the kubeconfig',
      in: {
        env: { AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER: 'False', AIRFLOW__KUBERNETES_EXECUTOR__VERIFY_SSL: 'False' },
      },
      want: [{ defaultLocation: true, verify: false }],
    },
    {
      name: "executor ssl_ca_cert from airflow.cfg replaces the kubeconfig's CA",
      in: {
        env: {},
        config: {
          ...cfg({ inCluster: { value: false, source: 'cfg' }, configFile: { value: '/k', source: 'cfg' } }),
          verifySsl: def(true),
          sslCaCert: { value: '/ca/remote.crt', source: '[kubernetes_executor] ssl_ca_cert (airflow.cfg)' },
        },
      },
      want: [{ path: '/k', caFile: '/ca/remote.crt' }],
    },
    {
      name: 'connection disable_verify_ssl "True" (_get_bool: any case)',
      in: { env: { [CONN]: 'kubernetes://?kube_config_path=%2Fk&disable_verify_ssl=True' } },
      want: [{ path: '/k', verify: false }],
    },
    {
      name: 'connection disable_verify_ssl "yes" is no choice for _get_bool: verified',
      in: { env: { [CONN]: 'kubernetes://?kube_config_path=%2Fk&disable_verify_ssl=yes' } },
      want: [{ path: '/k', verify: undefined }],
    },
    {
      name: 'connection inline kube_config: read in the pod, no content passed',
      in: { env: { [CONN]: '{"extra": {"kube_config": "{\\"users\\": [{\\"user\\": {\\"token\\": \\"t0k\\"}}]}"}}' } },
      want: [{ connEnv: CONN, field: 'kube_config' }],
    },
    {
      name: 'connection from a Secret: the probe reads it and picks as the hook does',
      in: { env: { [CONN]: undefined } },
      want: [{ connEnv: CONN }],
    },
    {
      name: 'connection in_cluster: no target',
      in: { env: { [CONN]: 'kubernetes://?in_cluster=True' } },
      want: [],
    },
    {
      name: 'connection with mutually exclusive extras: no target, said',
      in: { env: { [CONN]: 'kubernetes://?in_cluster=True&kube_config_path=%2Fk' } },
      want: [],
      notes: /mutually exclusive/,
    },
    {
      name: 'connection that does not parse: no target, said without its value',
      in: { env: { [CONN]: '{"extra": oops-s3cret' } },
      want: [],
      notes: /neither a connection URI nor valid JSON/,
    },
    {
      name: 'executor and connection on the same file and context: one target, both origins',
      in: {
        env: {
          AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER: 'False',
          AIRFLOW__KUBERNETES_EXECUTOR__CONFIG_FILE: '/k',
          [CONN]: 'kubernetes://?kube_config_path=%2Fk',
        },
      },
      want: [{ path: '/k' }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = remoteKubeconfigs(c.in);
      assert.equal(plan.targets.length, c.want.length, JSON.stringify(plan));
      c.want.forEach((w, i) => {
        for (const [k, v] of Object.entries(w))
          assert.deepEqual((plan.targets[i] as unknown as Record<string, unknown>)[k], v, k);
        // no target ever carries a kubeconfig's content or a connection's value
        assert.doesNotMatch(JSON.stringify(plan.targets[i]), /t0k|oops/);
      });
      if (c.notes) assert.match(plan.notes.join('\n'), c.notes);
      else assert.deepEqual(plan.notes, []);
    });
  }

  it('both origins are named when executor and connection share a kubeconfig', () => {
    const plan = remoteKubeconfigs({
      env: { AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER: 'False', AIRFLOW__KUBERNETES_EXECUTOR__CONFIG_FILE: '/k' },
      config: undefined,
    });
    assert.match(plan.targets[0].origin, /^executor: in_cluster False/);
  });
});

describe("remotePlanFor: the probed container's view", () => {
  const pod = (name: string, env: Array<{ name: string; value?: string; valueFrom?: unknown }>) => ({
    metadata: { name },
    spec: { containers: [{ name: 'base', env }] },
  });
  it("another pod's literal env in the release config is not this container's", () => {
    const config = cfg({
      inCluster: { value: false, source: 'AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER (pod other env)' },
      configFile: { value: '/k', source: 'AIRFLOW__KUBERNETES_EXECUTOR__CONFIG_FILE (pod other env)' },
    });
    assert.equal(remotePlanFor(pod('me', []), 'base', config).targets.length, 0);
    assert.equal(remotePlanFor(pod('other', []), 'base', config).targets[0]?.path, '/k');
  });
  it('airflow.cfg applies to every container of the release', () => {
    const config = cfg({
      inCluster: {
        value: false,
        source: '[kubernetes_executor] in_cluster (ConfigMap airflow-config key airflow.cfg)',
      },
    });
    assert.equal(remotePlanFor(pod('me', []), 'base', config).targets[0]?.defaultLocation, true);
  });
  it('--debug-image: nothing is given to the probe, the layer says why', () => {
    const p = pod('me', [{ name: CONN, value: 'kubernetes://?kube_config_path=%2Fk' }]);
    const plan = remotePlanFor(p, 'base', undefined, true);
    assert.deepEqual(plan.probed, []);
    assert.equal(plan.targets.length, 1);
    assert.equal(plan.ephemeral, true);
    assert.deepEqual(remotePlanFor(p, 'base', undefined).probed, remotePlanFor(p, 'base', undefined).targets);
  });
  it('a variable from a Secret in the container is read in the pod', () => {
    const p = pod('me', [{ name: CONN, valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]);
    assert.deepEqual(remotePlanFor(p, 'base', undefined).targets[0]?.connEnv, CONN);
  });
});

const base: RemoteResult = {
  origin: 'kubernetes_default connection extra kube_config_path (AIRFLOW_CONN_KUBERNETES_DEFAULT)',
  source: 'file',
  path: '/opt/airflow/kube/config',
  context: 'prod',
  contextFrom: 'named',
  server: 'https://api.example.com:443',
  host: 'api.example.com',
  port: 443,
  scheme: 'https',
  auth: { method: 'token' },
  dns: { name: 'api.example.com', addresses: ['10.1.2.3'] },
  tcp: { ok: true },
  tls: { ok: true, ca: 'certificate-authority-data' },
  call: { path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', status: 201, user: 'airflow' },
};

describe('remoteOutcome: one cause per failure kind', () => {
  const cases: Array<{ name: string; r: RemoteResult; verdict: string; first: RegExp; remedy?: RegExp }> = [
    { name: 'answered', r: base, verdict: 'OK', first: /SelfSubjectReview answered 201: authenticated as airflow/ },
    {
      name: 'GET /api after a 404 on the review (before 1.28)',
      r: { ...base, call: { path: '/api', status: 200 } },
      verdict: 'OK',
      first: /GET \/api answered 200/,
    },
    {
      name: '403 on the review is not a connectivity failure',
      r: { ...base, call: { path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', status: 403 } },
      verdict: 'OK',
      first: /answered 403: .*not a connectivity problem/,
    },
    {
      name: '401',
      r: { ...base, call: { path: '/apis/x', status: 401, message: 'Unauthorized' } },
      verdict: 'FAIL',
      first: /401 Unauthorized: the remote API server rejects these credentials/,
      remedy: /expired, revoked or for another cluster/,
    },
    {
      name: 'file missing',
      r: { origin: 'o', source: 'file', path: '/k', error: 'file-missing', file: { present: false } },
      verdict: 'FAIL',
      first: /kubeconfig \/k does not exist in the container: .*No configuration found/,
      remedy: /Mount the kubeconfig/,
    },
    {
      name: 'file unreadable',
      r: {
        origin: 'o',
        source: 'file',
        path: '/k',
        error: 'file-unreadable',
        file: { present: true, error: 'Permission denied' },
      },
      verdict: 'FAIL',
      first: /cannot be read \(Permission denied\)/,
    },
    {
      name: 'context not found: the contexts it has are named',
      r: { origin: 'o', source: 'file', path: '/k', context: 'x', error: 'context-not-found', contexts: ['a', 'b'] },
      verdict: 'FAIL',
      first: /context "x" is not in the kubeconfig \/k \(it has: a, b\)/,
      remedy: /Set cluster_context to a context of that kubeconfig \(a, b\)/,
    },
    {
      name: 'no current-context',
      r: { origin: 'o', source: 'inline', error: 'no-current-context' },
      verdict: 'FAIL',
      first: /inline kubeconfig of the connection has no current-context/,
    },
    {
      name: 'DNS: NXDOMAIN',
      r: {
        ...base,
        dns: { name: 'api.example.com', error: 'nxdomain' },
        tcp: undefined,
        tls: undefined,
        call: undefined,
      },
      verdict: 'FAIL',
      first: /api\.example\.com does not resolve from the pod: NXDOMAIN/,
      remedy: /DNS zone/,
    },
    {
      name: 'TCP refused',
      r: { ...base, tcp: { ok: false, error: 'refused' }, tls: undefined, call: undefined },
      verdict: 'FAIL',
      first: /no connection to api\.example\.com:443: refused/,
      remedy: /nothing listens on that port.*authorized networks/,
    },
    {
      name: 'TCP timeout',
      r: { ...base, tcp: { ok: false, error: 'timeout' }, tls: undefined, call: undefined },
      verdict: 'FAIL',
      first: /timed out/,
    },
    {
      name: 'TCP network unreachable',
      r: { ...base, tcp: { ok: false, error: 'net-unreachable' }, tls: undefined, call: undefined },
      verdict: 'FAIL',
      first: /network unreachable/,
    },
    {
      name: "TLS: not signed by the kubeconfig's CA",
      r: { ...base, tls: { ok: false, error: 'unknown-authority', ca: 'certificate-authority-data' }, call: undefined },
      verdict: 'FAIL',
      first: /not signed by certificate-authority-data/,
      remedy: /certificate-authority-data/,
    },
    {
      name: 'TLS: hostname mismatch',
      r: { ...base, tls: { ok: false, error: 'name-mismatch', ca: 'system' }, call: undefined },
      verdict: 'FAIL',
      first: /not issued for api\.example\.com/,
      remedy: /server address the API server certificate is issued for/,
    },
    {
      name: "TLS off by Airflow's verify_ssl: OK, said",
      r: { ...base, tls: { ok: true, ca: 'not verified', airflow: 'verify_ssl = False (env)' } },
      verdict: 'OK',
      first: /authenticated as airflow/,
    },
    {
      name: "TLS with Airflow's ssl_ca_cert: unknown CA names it",
      r: {
        ...base,
        tls: {
          ok: false,
          error: 'unknown-authority',
          ca: 'ssl_ca_cert',
          caFile: '/ca.crt',
          airflow: 'ssl_ca_cert (x)',
        },
        call: undefined,
      },
      verdict: 'FAIL',
      first: /not signed by Airflow's ssl_ca_cert \(x\), \/ca\.crt/,
    },
    {
      name: 'TLS: the CA file is missing',
      r: { ...base, tls: { ca: 'certificate-authority', caFile: '/ca.crt', caError: 'file-missing' }, call: undefined },
      verdict: 'FAIL',
      first:
        /certificate-authority \/ca\.crt does not exist in the container: the client fails with "File does not exist/,
    },
    {
      name: 'exec plugin missing: the binary and the PATH named, the fix given',
      r: {
        ...base,
        auth: { method: 'exec', exec: { command: 'aws', found: null, path: '/usr/local/bin:/usr/bin' } },
        call: { skipped: 'exec plugin aws not found' },
      },
      verdict: 'FAIL',
      first: /exec credential plugin "aws" is not in the image: not found on the PATH .*\/usr\/local\/bin:\/usr\/bin/,
      remedy: /Install the AWS CLI .* or give the kubeconfig a token instead/,
    },
    {
      name: 'gke-gcloud-auth-plugin missing',
      r: {
        ...base,
        auth: { method: 'exec', exec: { command: 'gke-gcloud-auth-plugin', found: null, installHint: 'Install it' } },
      },
      verdict: 'FAIL',
      first: /"gke-gcloud-auth-plugin" is not in the image/,
      remedy: /google-cloud-cli-gke-gcloud-auth-plugin.*installHint: Install it/,
    },
    {
      name: 'kubelogin missing',
      r: { ...base, auth: { method: 'exec', exec: { command: 'kubelogin', found: null } } },
      verdict: 'FAIL',
      first: /"kubelogin" is not in the image/,
      remedy: /Azure\/kubelogin/,
    },
    {
      name: 'exec plugin exits non-zero: its output never shown',
      r: {
        ...base,
        auth: {
          method: 'exec',
          exec: { command: 'aws', found: '/usr/bin/aws', run: { ok: false, error: 'exit', exitCode: 255 } },
        },
        call: { skipped: 'the exec plugin gave no credential' },
      },
      verdict: 'FAIL',
      first: /aws exited 255 \(its output is not shown: it holds credentials\)/,
      remedy: /IRSA or Pod Identity/,
    },
    {
      name: 'exec plugin gives a token: the call is made',
      r: {
        ...base,
        auth: { method: 'exec', exec: { command: 'aws', found: '/usr/bin/aws', run: { ok: true, gave: 'token' } } },
      },
      verdict: 'OK',
      first: /authenticated as airflow/,
    },
    {
      name: 'auth-provider: the call is not replayed (SKIP, said)',
      r: { ...base, auth: { method: 'auth-provider', provider: 'gcp' }, call: { skipped: 'auth-provider gcp: ...' } },
      verdict: 'SKIP',
      first: /authenticated call not made: auth-provider gcp/,
    },
    {
      name: 'tokenFile missing',
      r: {
        ...base,
        auth: { method: 'tokenFile', tokenFile: { path: '/t', present: false } },
        call: { path: '/apis/x', status: 403 },
      },
      verdict: 'FAIL',
      first: /tokenFile \/t does not exist/,
    },
    {
      name: 'connection exclusive extras (read in the pod)',
      r: { origin: 'o', error: 'connection-exclusive', set: ['in_cluster', 'kube_config'] },
      verdict: 'FAIL',
      first: /sets in_cluster, kube_config: .*mutually exclusive/,
    },
    {
      name: 'connection uses in_cluster after all (read in the pod)',
      r: { origin: 'o', connection: 'in_cluster' },
      verdict: 'OK',
      first: /uses the in-cluster configuration/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = remoteOutcome(c.r);
      assert.equal(o.verdict, c.verdict, o.lines.join('\n'));
      // the cause first (what doctor shows), the kubeconfig right after it
      const layerDoc = { probe: 'python3', remote: [c.r] } as unknown as ProbeDoc;
      const l = remoteLayer(layerDoc, { targets: [{ origin: 'o' }], notes: [] });
      assert.match(l!.evidence[0], c.first);
      assert.equal(l!.verdict, c.verdict);
      if (c.remedy) assert.match(l!.remedy ?? '', c.remedy);
      if (c.verdict !== 'FAIL') assert.equal(l!.remedy, undefined);
    });
  }
});

describe('remoteLayer and the report', () => {
  const report: NetReport = {
    pod: 'p',
    namespace: 'airflow',
    container: 'base',
    serviceAccount: 'sa',
    probe: 'python3',
    layers: [
      { id: 'env', title: 'Service env', verdict: 'OK', evidence: [] },
      { id: 'watch', title: 'Watch', verdict: 'OK', evidence: [] },
    ],
    ok: true,
  };
  const plan = { targets: [{ origin: 'executor', path: '/k' }], notes: [] };
  it('absent when every client runs in-cluster: the report is unchanged', () => {
    const doc = { probe: 'python3' } as unknown as ProbeDoc;
    assert.equal(remoteLayer(doc, { targets: [], notes: [] }), undefined);
    assert.equal(withRemoteLayer(report, doc, undefined), report);
  });
  it('the sh probe: SKIP, needs python3, the kubeconfig named', () => {
    const l = remoteLayer({ probe: 'sh' } as unknown as ProbeDoc, plan);
    assert.equal(l?.verdict, 'SKIP');
    assert.match(l!.evidence.join('\n'), /needs python3[\s\S]*executor: \/k/);
  });
  it('an ephemeral container: SKIP, not checkable', () => {
    const l = remoteLayer({ probe: 'python3' } as unknown as ProbeDoc, { ...plan, ephemeral: true });
    assert.match(l!.evidence[0], /not checkable: the ephemeral container/);
  });
  it('a failing remote fails the report, after the in-cluster layers and before the watch', () => {
    const doc = {
      probe: 'python3',
      remote: [{ ...base, tcp: { ok: false, error: 'refused' } }],
    } as unknown as ProbeDoc;
    const r = withRemoteLayer(report, doc, plan);
    assert.deepEqual(
      r.layers.map((l) => l.id),
      ['env', 'remote', 'watch'],
    );
    assert.equal(r.ok, false);
    assert.equal(r.firstFailure, 'remote');
  });
  it('the handshake is described: verified with which CA, or not verified and by which setting', () => {
    const ev = (tls: RemoteResult['tls']) =>
      remoteLayer({ probe: 'python3', remote: [{ ...base, tls }] } as unknown as ProbeDoc, plan)!.evidence.join('\n');
    assert.match(
      ev({ ok: true, ca: 'not verified', airflow: 'verify_ssl = False (env)' }),
      /TLS not verified \(Airflow's verify_ssl = False \(env\)\)/,
    );
    assert.match(
      ev({ ok: true, ca: 'insecure-skip-tls-verify' }),
      /TLS not verified \(insecure-skip-tls-verify: true in the kubeconfig\)/,
    );
    assert.match(
      ev({ ok: true, ca: 'certificate-authority', caFile: '/c' }),
      /TLS verified with certificate-authority \/c/,
    );
    assert.match(ev({ ok: true, ca: 'system' }), /TLS verified with the image's system CAs/);
  });
  it('one failing kubeconfig of two: FAIL, its cause first', () => {
    const doc = {
      probe: 'python3',
      remote: [base, { ...base, path: '/other', dns: { name: 'x', error: 'nxdomain' } }],
    } as unknown as ProbeDoc;
    const l = remoteLayer(doc, { targets: [{ origin: 'a' }, { origin: 'b' }], notes: [] });
    assert.equal(l?.verdict, 'FAIL');
    assert.match(l!.evidence[0], /does not resolve/);
    assert.ok(l!.evidence.some((e) => /authenticated as airflow/.test(e)));
  });
});

describe("doctor's network layer carries the remote verdict", () => {
  const report = (remote?: 'OK' | 'FAIL' | 'SKIP'): NetReport => {
    const ids = ['env', 'files', 'dns', 'tcp', 'tls', 'http', 'access', 'policy'] as const;
    const layers = ids.map((id) => ({ id, title: id, verdict: 'OK' as const, evidence: [`${id} ok`] }));
    const all = remote
      ? [
          ...layers,
          {
            id: 'remote' as const,
            title: 'Remote cluster',
            verdict: remote,
            evidence: ['the exec credential plugin "aws" is not in the image'],
            ...(remote === 'FAIL' ? { remedy: 'Install the AWS CLI' } : {}),
          },
        ]
      : layers;
    return {
      pod: 'w',
      namespace: 'airflow',
      container: 'base',
      serviceAccount: 'sa',
      probe: 'python3',
      layers: all,
      ok: remote !== 'FAIL',
    };
  };
  it('FAIL when the remote layer fails, its cause and fix', () => {
    const l = networkLayer(report('FAIL'), {});
    assert.equal(l.verdict, 'FAIL');
    assert.match(l.summary, /Remote cluster fails: the exec credential plugin "aws" is not in the image/);
    assert.equal(l.remedy, 'Install the AWS CLI');
  });
  it('OK names the remote cluster; WARN when it could not be checked; nothing said without one', () => {
    assert.match(networkLayer(report('OK'), {}).summary, /and the remote cluster its kubeconfig names/);
    const skip = networkLayer(report('SKIP'), {});
    assert.equal(skip.verdict, 'WARN');
    assert.match(skip.summary, /not checked: Remote cluster/);
    const none = networkLayer(report(), {});
    assert.equal(none.verdict, 'OK');
    assert.doesNotMatch(none.summary, /remote/);
  });
});
