import assert from 'node:assert/strict';
import type { ClusterFacts, PathResult, ProbeDoc } from '../../src/net/model.ts';
import { evaluateEgress } from '../../src/net/netpol.ts';
import { reportDocument, renderReport } from '../../src/net/render.ts';
import { palette } from '../../src/render/colour.ts';
import {
  accessLayer,
  diagnose,
  dnsLayer,
  envLayer,
  filesLayer,
  httpLayer,
  noProxyCovers,
  parseProbeDoc,
  policyLayer,
  tcpLayer,
  tlsLayer,
} from '../../src/net/verdict.ts';

const NOW = 1_800_000_000;
const ok = (ms = 1) => ({ ok: true, ms });
const fail = (error: string) => ({ ok: false, error, detail: error });

/** A healthy observation; each test breaks one thing. */
function healthy(): ProbeDoc {
  return {
    probe: 'python3',
    schema: 1,
    mode: 'net',
    now: NOW,
    env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
    files: {
      dir: '/var/run/secrets/kubernetes.io/serviceaccount',
      dirPresent: true,
      token: {
        present: true,
        readable: true,
        bytes: 900,
        claims: {
          exp: NOW + 3600 * 24 * 365,
          iat: NOW - 60,
          iss: 'https://kubernetes.default.svc.cluster.local',
          aud: ['https://kubernetes.default.svc.cluster.local'],
        },
      },
      'ca.crt': { present: true, readable: true, pem: true, certificates: 1 },
      namespace: { present: true, readable: true, value: 'airflow' },
    },
    resolv: {
      nameservers: ['10.96.0.10'],
      search: ['airflow.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: ['ndots:5'],
      ndots: 5,
    },
    dns: [
      { name: 'kubernetes.default.svc', addresses: ['10.96.0.1'] },
      { name: 'kubernetes.default.svc.cluster.local', addresses: ['10.96.0.1'] },
    ],
    tcp: [
      { target: 'service', host: '10.96.0.1', port: 443, attempts: [ok(), ok(), ok(), ok(), ok()] },
      { target: 'endpoint', host: '10.0.0.11', port: 6443, attempts: [ok(), ok()] },
      { target: 'endpoint', host: '10.0.0.12', port: 6443, attempts: [ok(), ok()] },
    ],
    tls: { ok: true, host: '10.96.0.1', port: 443, serverName: '10.96.0.1' },
    http: [
      { path: '/version', status: 200, gitVersion: 'v1.32.0' },
      { path: '/readyz', status: 200 },
    ],
    access: [
      {
        verb: 'create',
        group: '',
        resource: 'pods',
        subresource: '',
        namespace: 'airflow',
        allowed: true,
        httpStatus: 201,
      },
      {
        verb: 'get',
        group: '',
        resource: 'pods',
        subresource: 'exec',
        namespace: 'airflow',
        allowed: true,
        httpStatus: 201,
      },
    ],
  };
}

function facts(over: Partial<ClusterFacts> = {}): ClusterFacts {
  return {
    service: { ip: '10.96.0.1', port: 443 },
    endpoints: [
      { ip: '10.0.0.11', port: 6443 },
      { ip: '10.0.0.12', port: 6443 },
    ],
    automount: { serviceAccountName: 'airflow-worker' },
    policy: evaluateEgress([], {}, []),
    now: NOW,
    ...over,
  };
}

const who = { pod: 'p', namespace: 'airflow', container: 'base', serviceAccount: 'airflow-worker' };

describe('net: verdicts', () => {
  it('a healthy pod is OK on every layer, with no first failure', () => {
    const r = diagnose(healthy(), facts(), who);
    assert.deepEqual(
      r.layers.map((l) => [l.id, l.verdict]),
      [
        ['env', 'OK'],
        ['files', 'OK'],
        ['dns', 'OK'],
        ['tcp', 'OK'],
        ['tls', 'OK'],
        ['http', 'OK'],
        ['access', 'OK'],
        ['policy', 'OK'],
      ],
    );
    assert.equal(r.ok, true);
    assert.equal(r.firstFailure, undefined);
    assert.ok(r.layers.every((l) => l.remedy === undefined));
  });

  it('NO_PROXY matching follows exact, suffix, leading dot, * and CIDR', () => {
    assert.equal(noProxyCovers('10.96.0.1,.svc', '10.96.0.1'), true);
    assert.equal(noProxyCovers('.svc', 'kubernetes.default.svc'), true);
    assert.equal(noProxyCovers('svc', 'kubernetes.default.svc'), true);
    assert.equal(noProxyCovers('cluster.local', 'kubernetes.default.svc'), false);
    assert.equal(noProxyCovers('*', 'anything'), true);
    assert.equal(noProxyCovers('10.96.0.0/12', '10.96.0.1'), true);
    assert.equal(noProxyCovers('10.0.0.0/16', '10.96.0.1'), false);
    assert.equal(noProxyCovers('', '10.96.0.1'), false);
    // IPv6: CIDRs, any spelling of the address, brackets and a port
    assert.equal(noProxyCovers('fd00::/8', 'fd00:10:96::1'), true);
    assert.equal(noProxyCovers('fd00::/8', '[fd00:10:96::1]'), true);
    assert.equal(noProxyCovers('fc00::/8', 'fd00:10:96::1'), false);
    assert.equal(noProxyCovers('fd00:10:96:0:0:0:0:1', 'fd00:10:96::1'), true);
    assert.equal(noProxyCovers('[fd00:10:96::1]:443', 'fd00:10:96::1'), true);
    assert.equal(noProxyCovers('fd00:10:96::2', 'fd00:10:96::1'), false);
  });

  it('env: missing service env, and a proxy without NO_PROXY entries, each FAIL with the fix', () => {
    const d = healthy();
    d.env = {};
    const missing = envLayer(d);
    assert.equal(missing.verdict, 'FAIL');
    assert.match(missing.evidence[0], /Service host\/port is not set/);
    d.env = {
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      HTTPS_PROXY: 'http://***@proxy:3128',
      NO_PROXY: 'localhost,.svc',
    };
    d.proxy = { proxy: 'http://***@proxy:3128', target: '10.96.0.1:443', status: 407 };
    const proxy = envLayer(d);
    assert.equal(proxy.verdict, 'FAIL');
    assert.match(proxy.evidence[0], /NO_PROXY lacks 10\.96\.0\.1, \.cluster\.local/);
    assert.ok(proxy.evidence.some((e) => e.includes('answered 407 (Proxy Authentication Required)')));
    assert.match(proxy.remedy ?? '', /add 10\.96\.0\.1,\.cluster\.local to NO_PROXY/);
    d.env.no_proxy = '10.96.0.1,.svc,.cluster.local';
    delete d.env.NO_PROXY;
    assert.equal(envLayer(d).verdict, 'OK');
  });

  it('files: automount off names who disabled it (pod beats ServiceAccount) and the fix', () => {
    const d = healthy();
    d.files = {
      dir: d.files.dir,
      dirPresent: false,
      token: { present: false },
      'ca.crt': { present: false },
      namespace: { present: false },
    };
    const byPod = filesLayer(d, { automount: { pod: false, serviceAccount: true, serviceAccountName: 'w' }, now: NOW });
    assert.equal(byPod.verdict, 'FAIL');
    assert.match(byPod.evidence[0], /the pod sets automountServiceAccountToken: false/);
    assert.match(byPod.remedy ?? '', /spec\.automountServiceAccountToken: true/);
    const bySa = filesLayer(d, { automount: { serviceAccount: false, serviceAccountName: 'w' }, now: NOW });
    assert.match(bySa.evidence[0], /ServiceAccount w sets automountServiceAccountToken: false/);
    assert.match(bySa.remedy ?? '', /kubectl patch serviceaccount w/);
  });

  it('files: an expired token FAILs; claims are summarised without the token', () => {
    const d = healthy();
    d.files.token.claims = { exp: NOW - 7200, iat: NOW - 7200 - 3600, iss: 'https://issuer' };
    const l = filesLayer(d, { automount: { serviceAccountName: 'w' }, now: NOW });
    assert.equal(l.verdict, 'FAIL');
    assert.match(l.evidence.join('\n'), /EXPIRED 2h ago/);
    assert.match(l.evidence.join('\n'), /issuer https:\/\/issuer/);
    assert.match(l.remedy ?? '', /recreate the pod/);
  });

  it('dns: timeout, NXDOMAIN, getent-ambiguous and a different IP are told apart', () => {
    const d = healthy();
    d.dns = [{ name: 'kubernetes.default.svc', error: 'timeout' }];
    const t = dnsLayer(d);
    assert.equal(t.verdict, 'FAIL');
    assert.match(t.remedy ?? '', /nameserver 10\.96\.0\.10 does not answer/);
    assert.match(t.remedy ?? '', /clients use the env IP 10\.96\.0\.1/);
    d.dns = [{ name: 'kubernetes.default.svc', error: 'nxdomain' }];
    assert.match(dnsLayer(d).evidence[0], /NXDOMAIN/);
    d.dns = [{ name: 'kubernetes.default.svc', error: 'notfound' }];
    assert.match(dnsLayer(d).evidence[0], /getent cannot tell/);
    d.dns = [{ name: 'kubernetes.default.svc', addresses: ['10.96.9.9'] }];
    const m = dnsLayer(d);
    assert.equal(m.verdict, 'FAIL');
    assert.match(m.evidence[0], /not the service IP 10\.96\.0\.1/);
    d.dns = [{ name: 'kubernetes.default.svc', error: 'nxdomain' }];
    const host = dnsLayer(d, { podNetwork: { hostNetwork: true, dnsPolicy: 'ClusterFirst' } });
    assert.match(host.remedy ?? '', /^set dnsPolicy: ClusterFirstWithHostNet/);
    assert.ok(host.evidence.some((e) => e.includes("uses the node's DNS")));
    assert.doesNotMatch(
      dnsLayer(d, { podNetwork: { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } }).remedy ?? '',
      /ClusterFirstWithHostNet/,
    );
    d.dns = { skipped: 'getent and nslookup not found' };
    assert.equal(dnsLayer(d).verdict, 'SKIP');
    assert.ok(dnsLayer(d).evidence.some((e) => e.startsWith('resolv.conf: nameserver 10.96.0.10')));
  });

  it('tcp: a timeout with a blocking NetworkPolicy names the policy and the endpoints', () => {
    const d = healthy();
    d.tcp = [
      { target: 'service', host: '10.96.0.1', port: 443, attempts: [fail('timeout'), fail('timeout')] },
      { target: 'endpoint', host: '10.0.0.11', port: 6443, attempts: [fail('timeout'), fail('timeout')] },
    ];
    const policy = evaluateEgress(
      [
        {
          metadata: { name: 'only-clusterip' },
          spec: {
            podSelector: {},
            policyTypes: ['Egress'],
            egress: [{ to: [{ ipBlock: { cidr: '10.96.0.1/32' } }], ports: [{ port: 443 }] }],
          },
        },
      ],
      {},
      [{ ip: '10.0.0.11', port: 6443 }],
      { ip: '10.96.0.1', port: 443 },
    );
    const l = tcpLayer(d, { policy });
    assert.equal(l.verdict, 'FAIL');
    assert.match(l.evidence[0], /no connection to the service 10\.96\.0\.1:443: timeout/);
    assert.match(l.remedy ?? '', /NetworkPolicy only-clusterip .* 10\.0\.0\.11:6443/);
    const p = policyLayer({ policy });
    assert.equal(p.verdict, 'FAIL');
    assert.ok(p.evidence.some((e) => e.includes('allows the ClusterIP:443 only')));
    assert.match(p.remedy ?? '', /cidr: 10\.0\.0\.11\/32/);
    assert.match(p.remedy ?? '', /port: 6443/);
  });

  it('tcp: refused vs timeout vs some attempts failing (the stale endpoint named)', () => {
    const d = healthy();
    d.tcp = [{ target: 'service', host: '10.96.0.1', port: 443, attempts: [fail('refused'), fail('refused')] }];
    assert.match(tcpLayer(d, {}).remedy ?? '', /nothing listens/);
    d.tcp = [{ target: 'service', host: '10.96.0.1', port: 443, attempts: [fail('timeout')] }];
    assert.match(tcpLayer(d, {}).remedy ?? '', /packets are dropped/);
    d.tcp = [
      {
        target: 'service',
        host: '10.96.0.1',
        port: 443,
        attempts: [ok(), fail('refused'), ok(), ok(), fail('refused')],
      },
      { target: 'endpoint', host: '10.0.0.11', port: 6443, attempts: [ok(), ok()] },
      { target: 'endpoint', host: '10.0.0.13', port: 6443, attempts: [fail('refused'), fail('refused')] },
    ];
    // without control-plane evidence the endpoint is described by how it fails, never called stale
    const l = tcpLayer(d, {});
    assert.equal(l.verdict, 'FAIL');
    assert.match(l.evidence[0], /2 of 5 connections to 10\.96\.0\.1:443 failed: they went to 10\.0\.0\.13:6443/);
    assert.equal(
      l.evidence[1],
      'endpoint 10.0.0.13:6443 never connected (refused) (requests through the service fail intermittently)',
    );
    assert.ok(l.evidence.includes('service 10.96.0.1:443: 3/5 connected (2 refused)'));
    assert.ok(l.evidence.some((e) => /unknown: Leases and Nodes not readable/.test(e)));
    assert.match(l.remedy ?? '', /^10\.0\.0\.13:6443 refused: the host answers but nothing listens/);
    assert.doesNotMatch(l.remedy ?? '', /stale/);
    // the control plane (Leases, nodes) says no server stands there: a stale endpoint
    const stale = tcpLayer(d, {
      controlPlane: {
        stale: [{ address: '10.0.0.13', reasons: ['no identity Lease'] }],
        basis: '2 live API-server Lease(s), nodes read',
      },
    });
    assert.match(
      stale.evidence[1],
      /endpoint 10\.0\.0\.13:6443 never connected \(refused\): a stale endpoint, no identity Lease/,
    );
    assert.match(stale.remedy ?? '', /remove the stale endpoint/);
    d.tcp = { skipped: 'curl, nc and bash not found' };
    assert.deepEqual(
      [tcpLayer(d, {}).verdict, tcpLayer(d, {}).evidence[0]],
      ['SKIP', 'not checked: curl, nc and bash not found'],
    );
  });

  it('tcp: network unreachable, host unreachable, refused, timeout and reset each name their own causes; unreachable with live servers is not stale', () => {
    const cases: Array<[string, RegExp]> = [
      ['net-unreachable', /network unreachable: the pod has no route to that network/],
      ['host-unreachable', /host unreachable: no host answers at that address/],
      ['refused', /refused: the host answers but nothing listens on that port/],
      ['timeout', /timed out: packets are dropped on the way/],
      ['reset', /reset: something accepted the connection and reset it/],
    ];
    const live = { controlPlane: { stale: [], basis: '3 live API-server Lease(s), nodes read' } };
    for (const [kind, words] of cases) {
      const d = healthy();
      d.tcp = [
        { target: 'service', host: '10.96.0.1', port: 443, attempts: [ok(), fail(kind)] },
        { target: 'endpoint', host: '10.0.0.11', port: 6443, attempts: [ok(), ok()] },
        { target: 'endpoint', host: '10.0.0.12', port: 6443, attempts: [fail(kind), fail(kind)] },
      ];
      const l = tcpLayer(d, live);
      assert.equal(l.verdict, 'FAIL', kind);
      assert.match(l.remedy ?? '', words, kind);
      assert.doesNotMatch(
        `${l.evidence.join('\n')}\n${l.remedy}`,
        /stale/,
        `${kind}: the control plane shows live servers`,
      );
      assert.ok(
        l.evidence.some(
          (e) =>
            e.includes('10.0.0.12:6443 never connected') && e.includes('the control plane shows a live server there'),
        ),
        kind,
      );
    }
  });

  it('tcp: the service failing while every endpoint connects directly points at kube-proxy; IPv6 endpoints are matched in any spelling', () => {
    const d = healthy();
    d.tcp = [
      { target: 'service', host: '10.96.0.1', port: 443, attempts: [fail('timeout'), fail('timeout')] },
      { target: 'endpoint', host: '10.0.0.11', port: 6443, attempts: [ok(), ok()] },
    ];
    const l = tcpLayer(d, {});
    assert.match(
      l.evidence[1],
      /every endpoint connects directly: the ClusterIP 10\.96\.0\.1:443 itself is not forwarded/,
    );
    assert.match(l.remedy ?? '', /kube-proxy/);
    d.tcp = [
      { target: 'service', host: 'fd00:10:96::1', port: 443, attempts: [ok()] },
      { target: 'endpoint', host: 'fd00:0:0:10::13', port: 6443, attempts: [fail('refused'), fail('refused')] },
    ];
    const s6 = tcpLayer(d, {
      controlPlane: {
        stale: [{ address: 'fd00:0000:0000:0010:0000:0000:0000:0013', reasons: ['no identity Lease'] }],
        basis: 'b',
      },
    });
    assert.match(s6.evidence.join('\n'), /endpoint fd00:0:0:10::13:6443 never connected \(refused\): a stale endpoint/);
  });

  it('tls, http, permissions: an attempt that never connected is a TCP finding, not theirs; every endpoint tried directly decides', () => {
    // one stale endpoint of three: the path through the service landed on it (refused at connect)
    const d = healthy();
    const answers = (allowed: boolean) => [
      { verb: 'create', group: '', resource: 'pods', subresource: '', namespace: 'airflow', allowed, httpStatus: 201 },
      { verb: 'get', group: '', resource: 'pods', subresource: 'exec', namespace: 'airflow', allowed, httpStatus: 201 },
    ];
    const good = (host: string) => ({
      target: 'endpoint' as const,
      host,
      port: 6443,
      serverName: '10.96.0.1',
      connect: ok(),
      tls: ok(),
      http: [
        { path: '/version', status: 200, gitVersion: 'v1.32.0' },
        { path: '/readyz', status: 200 },
      ],
      access: answers(true),
    });
    d.paths = [
      {
        target: 'service',
        host: '10.96.0.1',
        port: 443,
        serverName: '10.96.0.1',
        connect: { ok: false, error: 'refused', step: 'tcp' },
      },
      good('10.0.0.11'),
      good('10.0.0.12'),
      {
        target: 'endpoint',
        host: '10.0.0.13',
        port: 6443,
        serverName: '10.96.0.1',
        connect: { ok: false, error: 'refused', step: 'tcp' },
      },
    ];
    delete d.tls;
    delete d.http;
    delete d.access;
    const tls = tlsLayer(d);
    assert.equal(tls.verdict, 'OK');
    assert.match(
      tls.evidence[0],
      /handshake as 10\.96\.0\.1 verified against the mounted ca\.crt with 2 endpoint\(s\) directly \(10\.0\.0\.11:6443, 10\.0\.0\.12:6443\)/,
    );
    assert.match(
      tls.evidence[1],
      /not counted here \(no TCP connection, see TCP\): service 10\.96\.0\.1:443, endpoint 10\.0\.0\.13:6443/,
    );
    const http = httpLayer(d);
    assert.equal(http.verdict, 'OK');
    assert.deepEqual(http.evidence, [
      'GET /version -> 200 (v1.32.0)',
      'GET /readyz -> 200',
      'asked through the service and at 1 endpoint(s) directly',
    ]);
    const access = accessLayer(d, 'airflow-worker');
    assert.equal(access.verdict, 'OK');
    assert.deepEqual(access.evidence, ['allowed: create pods, get pods/exec']);
    // the same cluster, the service path landing elsewhere: the same verdicts
    d.paths[0] = { ...good('10.96.0.1'), target: 'service', port: 443 };
    assert.deepEqual(
      [tlsLayer(d).verdict, httpLayer(d).verdict, accessLayer(d, 'airflow-worker').verdict],
      ['OK', 'OK', 'OK'],
    );
    // a TLS failure after the connection: the TLS layer's, whichever path saw it
    (d.paths as PathResult[])[2] = {
      ...good('10.0.0.12'),
      tls: { ok: false, error: 'unknown-authority', step: 'tls' },
      http: undefined,
      access: undefined,
    };
    const bad = tlsLayer(d);
    assert.equal(bad.verdict, 'FAIL');
    assert.match(bad.evidence[0], /handshake with endpoint 10\.0\.0\.12:6443 as 10\.96\.0\.1: unknown-authority/);
    // reviews answered nowhere after the handshake (503): not answered, told apart from denied
    (d.paths as PathResult[])[2] = good('10.0.0.12');
    for (const p of d.paths as PathResult[])
      if (p.access)
        p.access = p.access.map((a) => ({
          ...a,
          allowed: undefined,
          httpStatus: 503,
          message: 'the server is currently unable to handle the request',
        }));
    const na = accessLayer(d, 'airflow-worker');
    assert.deepEqual([na.verdict, na.finding], ['FAIL', 'not-answered']);
    for (const p of d.paths as PathResult[]) if (p.access) p.access = answers(false);
    const denied = accessLayer(d, 'airflow-worker');
    assert.deepEqual([denied.verdict, denied.finding], ['FAIL', 'denied']);
  });

  it('tls: unknown authority and name mismatch have different remedies', () => {
    const d = healthy();
    d.tls = {
      ok: false,
      error: 'unknown-authority',
      detail: 'self-signed certificate in certificate chain',
      host: '10.96.0.1',
      port: 443,
      serverName: '10.96.0.1',
    };
    const ua = tlsLayer(d);
    assert.equal(ua.verdict, 'FAIL');
    assert.match(ua.remedy ?? '', /intercepting proxy|rotated/);
    d.tls = { ok: false, error: 'name-mismatch', host: '10.96.0.1', port: 443, serverName: '10.96.0.1' };
    assert.match(tlsLayer(d).remedy ?? '', /not valid for 10\.96\.0\.1.*SANs/);
    d.tls = { skipped: 'no TCP connection to the service' };
    assert.equal(tlsLayer(d).verdict, 'SKIP');
  });

  it('http: 401, 407 and a 403 on the pod read are told apart', () => {
    const d = healthy();
    d.http = [{ path: '/version', status: 401, message: 'Unauthorized' }];
    const a = httpLayer(d);
    assert.equal(a.verdict, 'FAIL');
    assert.match(a.evidence[0], /401 Unauthorized: the API server rejects the pod's token/);
    assert.match(a.remedy ?? '', /recreate the pod/);
    assert.equal(a.evidence.length, 1, 'no duplicate line for the same answer');
    d.http = [{ path: '/version', status: 407 }];
    assert.match(httpLayer(d).remedy ?? '', /NO_PROXY/);
    d.http = [
      { path: '/version', status: 200 },
      {
        path: '/api/v1/namespaces/airflow/pods?limit=1',
        status: 403,
        message: 'pods is forbidden: User "system:serviceaccount:airflow:x" cannot list resource "pods"',
      },
    ];
    const f = httpLayer(d);
    assert.equal(f.verdict, 'OK', "RBAC is the permissions layer's verdict");
    assert.ok(f.evidence.some((e) => e.includes('403: pods is forbidden')));
  });

  it('access: denied pod permissions FAIL with the rbac fix; a skipped HTTP layer is SKIP', () => {
    const d = healthy();
    d.access = [
      {
        verb: 'create',
        group: '',
        resource: 'pods',
        subresource: '',
        namespace: 'airflow',
        allowed: false,
        httpStatus: 201,
      },
      {
        verb: 'create',
        group: '',
        resource: 'pods',
        subresource: 'exec',
        namespace: 'airflow',
        allowed: false,
        httpStatus: 201,
      },
      {
        verb: 'list',
        group: '',
        resource: 'pods',
        subresource: '',
        namespace: 'airflow',
        allowed: true,
        httpStatus: 201,
      },
    ];
    const l = accessLayer(d, 'airflow-worker');
    assert.equal(l.verdict, 'FAIL');
    assert.match(l.evidence[0], /denied create pods, create pods\/exec/);
    assert.match(l.remedy ?? '', /kubectl airflow rbac -n airflow --sa airflow:airflow-worker --fix/);
    delete d.access;
    assert.equal(accessLayer(d, 'x').verdict, 'SKIP');
  });

  it('access: a denial only an optional feature needs is a warning naming the feature, not a FAIL', () => {
    const d = healthy();
    const ask = (verb: string, subresource: string, allowed: boolean) => ({
      verb,
      group: '',
      resource: 'pods',
      subresource,
      namespace: 'airflow',
      allowed,
      httpStatus: 201,
    });
    d.access = [ask('create', '', true), ask('create', 'exec', false)];
    const required = {
      profiles: ['kubernetes-pod-operator'],
      namespaces: ['airflow'],
      basis: 'required for the worker',
      asked: 2,
      optional: { 'create||pods|exec|airflow': ['XCom sidecar (do_xcom_push=True)'] },
    };
    const l = accessLayer(d, 'airflow-worker', required, 'airflow');
    assert.equal(l.verdict, 'OK');
    assert.ok(
      l.evidence.includes(
        'WARN: denied create pods/exec in airflow, needed only for: XCom sidecar (do_xcom_push=True)',
      ),
      l.evidence.join('\n'),
    );
    // the same denial, required: FAIL
    const strict = accessLayer(d, 'airflow-worker', { ...required, optional: {} }, 'airflow');
    assert.equal(strict.verdict, 'FAIL');
  });

  it('access: what the component needs, per launch namespace; nothing required is OK with the reason', () => {
    const d = healthy();
    const required = {
      profiles: ['kubernetes-executor'],
      namespaces: ['etl-jobs', ''],
      basis:
        'required for the scheduler of release etl (KubernetesExecutor): kubernetes-executor, in etl-jobs, all namespaces (cluster-wide)',
      asked: 3,
    };
    d.access = [
      {
        verb: 'create',
        group: '',
        resource: 'pods',
        subresource: '',
        namespace: 'etl-jobs',
        allowed: true,
        httpStatus: 201,
      },
      { verb: 'create', group: '', resource: 'pods', subresource: '', namespace: '', allowed: false, httpStatus: 201 },
      { verb: 'list', group: '', resource: 'events', subresource: '', namespace: '', allowed: false, httpStatus: 201 },
    ];
    const l = accessLayer(d, 'etl-scheduler', required, 'data');
    assert.equal(l.verdict, 'FAIL');
    assert.deepEqual(l.evidence, [
      required.basis,
      "with the pod's token in all namespaces (cluster-wide): denied create pods, list events (the pod's calls get 403 Forbidden)",
      'allowed in etl-jobs: create pods',
    ]);
    assert.equal(
      l.remedy,
      // the one grant remedy (src/rbac/remedy.ts grantRemedy), as rbac and doctor word it
      'grant ServiceAccount data/etl-scheduler the missing permissions in all namespaces: kubectl airflow rbac -n data --sa data:etl-scheduler --profile kubernetes-executor --fix | kubectl apply -f -',
    );
    // nothing required: OK whatever the probe did (it was asked nothing)
    delete d.access;
    const none = accessLayer(
      d,
      'x',
      {
        profiles: [],
        namespaces: ['airflow'],
        basis:
          'nothing required: no profile gives the dag-processor of release airflow (CeleryExecutor) Kubernetes permissions',
        asked: 0,
      },
      'airflow',
    );
    assert.deepEqual(
      [none.verdict, none.evidence],
      [
        'OK',
        [
          'nothing required: no profile gives the dag-processor of release airflow (CeleryExecutor) Kubernetes permissions',
        ],
      ],
    );
  });

  it('diagnose names the first failing layer in layer order, and the report keeps every failure', () => {
    const d = healthy();
    d.dns = [{ name: 'kubernetes.default.svc', error: 'timeout' }];
    d.access = [{ verb: 'create', group: '', resource: 'pods', subresource: '', namespace: 'airflow', allowed: false }];
    const r = diagnose(d, facts(), who);
    assert.equal(r.firstFailure, 'dns');
    assert.equal(r.ok, false);
    const text = renderReport(r, palette(false), false);
    assert.match(text, /First failing layer: DNS/);
    assert.match(text, /Also \(Permissions \(SSAR\)\): grant ServiceAccount airflow\/airflow-worker/);
    const doc = reportDocument([r]) as {
      items: Array<{ firstFailure: string; layers: Array<{ layer: string; verdict: string }> }>;
    };
    assert.equal(doc.items[0].firstFailure, 'dns');
    assert.equal(doc.items[0].layers.find((l) => l.layer === 'access')?.verdict, 'FAIL');
  });

  it('a sh probe with missing tools: no failure, but the skipped layers and missing tools are said', () => {
    const d = healthy();
    d.probe = 'sh';
    d.missing = ['curl', 'openssl', 'nc'];
    d.tcp = { skipped: 'curl, nc and bash not found' };
    d.tls = { skipped: 'openssl and curl not found' };
    d.http = { skipped: 'curl not found' };
    delete d.access;
    const r = diagnose(d, facts(), who);
    assert.equal(r.ok, true);
    const text = renderReport(r, palette(false), false);
    assert.match(
      text,
      /No layer failed, but not checked: TCP, TLS, HTTP \+ auth, Permissions \(SSAR\) \(not in the image: curl, openssl, nc\)/,
    );
  });

  it('parses the probe document and refuses anything else', () => {
    const d = healthy();
    assert.equal(parseProbeDoc(`noise\n${JSON.stringify(d)}\n`).probe, 'python3');
    assert.throws(() => parseProbeDoc('Traceback (most recent call last):'), /no JSON document/);
    assert.throws(() => parseProbeDoc('{"mode":"readyz","schema":1}'), /unexpected document/);
  });

  it('what the plugin knows changes the verdict: a hostNetwork pod escapes NetworkPolicies, an ephemeral container has no token files, unreadable endpoints are named', () => {
    const deny = { metadata: { name: 'deny-egress' }, spec: { podSelector: {}, policyTypes: ['Egress'] } };
    const policy = evaluateEgress([deny], {}, [{ ip: '10.0.0.11', port: 6443 }]);
    assert.equal(
      diagnose(healthy(), facts({ policy }), who).firstFailure,
      'policy',
      'the policy blocks an ordinary pod',
    );
    const host = diagnose(
      healthy(),
      facts({ policy, podNetwork: { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } }),
      who,
    );
    assert.equal(host.ok, true);
    assert.deepEqual(host.layers.find((l) => l.id === 'policy')!.evidence, [
      'hostNetwork pod: NetworkPolicies do not apply',
    ]);
    assert.deepEqual(diagnose(healthy(), facts(), who).layers.find((l) => l.id === 'policy')!.evidence, [
      'no NetworkPolicy with Egress selects this pod: egress is not restricted',
    ]);

    const d = healthy();
    d.files.token = { present: false };
    assert.equal(diagnose(d, facts(), who).firstFailure, 'files');
    const eph = diagnose(d, facts({ ephemeral: true }), who);
    assert.deepEqual(
      eph.layers.find((l) => l.id === 'files'),
      {
        id: 'files',
        title: 'ServiceAccount files',
        verdict: 'SKIP',
        evidence: ['not checkable: the ephemeral container mounts nothing of the target container'],
      },
    );
    assert.equal(eph.ok, true);

    const none = diagnose(healthy(), facts({ endpoints: [], endpointsError: 'forbidden' }), who);
    assert.equal(
      none.layers.find((l) => l.id === 'tcp')!.evidence.at(-1),
      'endpoints not probed: cannot read the kubernetes EndpointSlice (forbidden)',
    );
    assert.ok(
      !diagnose(healthy(), facts({ endpointsError: 'forbidden' }), who)
        .layers.find((l) => l.id === 'tcp')!
        .evidence.some((e) => /not probed/.test(e)),
      'Endpoints read instead: nothing to say',
    );
  });
});
