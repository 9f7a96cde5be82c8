// The probe programs as shipped (src/net/probe.py with python3, src/net/probe.sh with the system
// sh), run locally against a loopback HTTPS fixture that plays the API server. Each probe runs in
// its own mount namespace with a resolv.conf pointing at loopback and an /etc/hosts that resolves
// the service names, so no query leaves the machine (root needed: skipped visibly otherwise).
// probe.sh runs three times, with the tools of three kinds of image on its PATH: the machine's
// (bash for TCP, openssl for TLS), a Debian image with curl (curl and openssl, no bash or nc), and
// curl alone (TCP, TLS and HTTP all by curl).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  existsSync,
  mkdirSync,
  symlinkSync,
} from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PathResult, ProbeDoc } from '../../src/net/model.ts';
import { ecCertificate } from '../tls-fixture.ts';
import { builtinRequirements } from '../../src/airflow/requirements.ts';
import { UNKNOWN_VERSIONS } from '../../src/rbac/plan.ts';
import { podRequirement, pythonCommand, shellCommand, type AccessAsk } from '../../src/net/plan.ts';

const PY = readFileSync(new URL('../../src/net/probe.py', import.meta.url), 'utf8');
const SH = readFileSync(new URL('../../src/net/probe.sh', import.meta.url), 'utf8');

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

interface Fixture {
  dir: string;
  port: number;
  hangPort: number;
  proxyPort: number;
  token: string;
  secret: string;
  servers: Array<https.Server | net.Server>;
}

function makeCerts(dir: string): void {
  const ca = { cert: 'ca.crt', key: 'ca.key' };
  ecCertificate(dir, { ...ca, subject: '/CN=fixture-ca' });
  ecCertificate(dir, { key: 'other.key', cert: 'other-ca.crt', subject: '/CN=other-ca' });
  const server = { subject: '/CN=kube-apiserver', ca };
  ecCertificate(dir, { key: 'srv.key', cert: 'srv.crt', ...server, san: 'IP:127.0.0.1,DNS:kubernetes.default.svc' });
  ecCertificate(dir, { key: 'noip.key', cert: 'noip.crt', ...server, san: 'DNS:kubernetes.default.svc' });
}

function saDir(base: string, name: string, token: string, ca: string): string {
  const d = path.join(base, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'token'), token);
  writeFileSync(path.join(d, 'ca.crt'), readFileSync(path.join(base, ca)));
  writeFileSync(path.join(d, 'namespace'), 'airflow');
  return d;
}

/** How long the fixture holds every answer (a test sets it to watch the probe's processes meanwhile). */
let answerDelayMs = 0;

/** Access reviews the fixture servers answered, all of them together (a test resets it). */
let reviewsAnswered = 0;

/**
 * Holds every answer until `want` requests have arrived (then `met`), or for at most a second:
 * whether the probe had all its requests in flight at once, told by counting, not by timing.
 */
let barrier: { want: number; arrived: number; met: boolean; held: Array<() => void> } | undefined;

function atBarrier(answer: () => void): void {
  const b = barrier;
  if (!b) return answer();
  b.held.push(answer);
  if (++b.arrived === b.want) b.met = true;
  if (b.met) for (const a of b.held.splice(0)) a();
  else if (b.held.length === 1) setTimeout(() => b.held.splice(0).forEach((a) => a()), 1000);
}

function apiServer(dir: string, cert: string, key: string, token: string): https.Server {
  return https.createServer(
    { cert: readFileSync(path.join(dir, cert)), key: readFileSync(path.join(dir, key)) },
    (req, res) => {
      if (req.url?.endsWith('/selfsubjectaccessreviews')) reviewsAnswered++;
      const send = (code: number, body: unknown) =>
        atBarrier(() =>
          setTimeout(() => {
            res.writeHead(code, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(body));
          }, answerDelayMs),
        );
      if (req.headers.authorization !== `Bearer ${token}`)
        return send(401, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: 'Unauthorized',
          reason: 'Unauthorized',
          code: 401,
        });
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/version') return send(200, { gitVersion: 'v1.32.0' });
        if (req.url?.startsWith('/readyz')) return send(200, 'ok');
        if (req.url?.startsWith('/api/v1/namespaces/airflow/pods')) {
          return send(403, {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            message:
              'pods is forbidden: User "system:serviceaccount:airflow:w" cannot list resource "pods" in API group "" in the namespace "airflow"',
            reason: 'Forbidden',
            code: 403,
          });
        }
        if (req.method === 'POST' && req.url === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          const a = body.spec.resourceAttributes;
          // the fixture's account may only read logs
          const allowed = a.resource === 'pods' && a.subresource === 'log' && a.namespace === 'airflow';
          return send(201, {
            ...body,
            status: {
              allowed,
              ...(allowed
                ? { reason: 'RBAC: allowed by RoleBinding "r/airflow" of Role "logs" to ServiceAccount "w/airflow"' }
                : {}),
            },
          });
        }
        send(404, { kind: 'Status', code: 404 });
      });
    },
  );
}

function listen(s: https.Server | net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => s.listen(0, host, () => resolve((s.address() as net.AddressInfo).port)));
}

/** The tools of an image: a directory of links to the machine's executables, used as PATH. */
function toolDir(base: string, name: string, tools: string[]): string {
  const d = path.join(base, `bin-${name}`);
  mkdirSync(d);
  for (const t of tools)
    symlinkSync(execFileSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).trim(), path.join(d, t));
  return d;
}

/** Runs argv in a private mount namespace with the fixture's resolv.conf and hosts (and, with
 *  `trustStore`, that directory over /etc/ssl/certs, the compiled-in CA locations); resolves stdout. */
function runIsolated(
  fx: Fixture,
  argv: string[],
  env: Record<string, string>,
  trustStore = '',
): Promise<{ stdout: string; stderr: string; code: number | null; ms: number }> {
  const wrapper =
    'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && { [ -z "$3" ] || mount --bind "$3" /etc/ssl/certs; } && shift 3 && exec "$@"';
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        wrapper,
        'wrap',
        path.join(fx.dir, 'resolv.conf'),
        path.join(fx.dir, 'hosts'),
        trustStore,
        ...argv,
      ],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      },
    );
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('close', (code) => resolve({ stdout, stderr, code, ms: Date.now() - t0 }));
  });
}

const canIsolate = (() => {
  try {
    return (
      process.getuid?.() === 0 &&
      execFileSync('sh', ['-c', 'command -v unshare && command -v openssl && command -v curl'], {
        encoding: 'utf8',
      }).trim() !== ''
    );
  } catch {
    return false;
  }
})();

type Kind = 'py' | 'sh' | 'sh:curl,openssl' | 'sh:curl';

/** The probe's path through the service address (the first), or the path to endpoint i directly. */
function pathOf(d: ProbeDoc, i = 0): PathResult {
  assert.ok(Array.isArray(d.paths), `paths: ${JSON.stringify(d.paths)}`);
  const p = (d.paths as PathResult[])[i];
  assert.ok(p, `path ${i}`);
  return p;
}
const tlsOf = (d: ProbeDoc, i = 0) => pathOf(d, i).tls ?? { ok: false, step: 'tcp' };
const httpOf = (d: ProbeDoc, i = 0) =>
  pathOf(d, i).http as Array<{ path: string; status: number; gitVersion?: string; message?: string }> | undefined;

describe('net: the probe programs as shipped, against a loopback API-server fixture', function () {
  this.timeout(60_000);
  let fx: Fixture;
  let paths: Record<string, string> = {};
  let trustStore = '';

  before(async function () {
    if (!canIsolate) {
      console.log('    (skipped: needs root for a private mount namespace, unshare, openssl and curl)');
      this.skip();
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'net-probe-'));
    makeCerts(dir);
    const now = Math.floor(Date.now() / 1000);
    const secret = 'SIGNATURE-must-never-be-printed';
    const payload = {
      iss: 'https://kubernetes.default.svc.cluster.local',
      aud: ['https://kubernetes.default.svc.cluster.local'],
      exp: now + 3600,
      iat: now - 10,
      sub: 'system:serviceaccount:airflow:w',
      'kubernetes.io': { namespace: 'airflow', serviceaccount: { name: 'w' } },
    };
    const token = `${b64url('{"alg":"RS256"}')}.${b64url(JSON.stringify(payload))}.${b64url(secret)}`;
    saDir(dir, 'sa-good', token, 'ca.crt');
    saDir(dir, 'sa-other-ca', token, 'other-ca.crt');
    saDir(dir, 'sa-bad-token', `${b64url('{}')}.${b64url(JSON.stringify({ ...payload, exp: now - 60 }))}.x`, 'ca.crt');
    writeFileSync(
      path.join(dir, 'resolv.conf'),
      'nameserver 127.0.0.1\nsearch airflow.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:1\n',
    );
    writeFileSync(
      path.join(dir, 'hosts'),
      '127.0.0.1 localhost\n127.0.0.1 kubernetes.default.svc kubernetes.default.svc.cluster.local\n',
    );
    const good = apiServer(dir, 'srv.crt', 'srv.key', token);
    const noip = apiServer(dir, 'noip.crt', 'noip.key', token);
    const hang = net.createServer(() => {
      /* accept and say nothing: a TLS handshake that never completes */
    });
    // an HTTP proxy that asks for credentials on every CONNECT
    const proxy = net.createServer((c) => {
      c.once('data', () =>
        c.end(
          'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n',
        ),
      );
      c.on('error', () => {});
    });
    const [port, noipPort, hangPort, proxyPort] = await Promise.all([
      listen(good),
      listen(noip),
      listen(hang),
      listen(proxy),
    ]);
    // what a shell probe may use besides sh: a Debian image with curl, and curl alone
    const base = ['sh', 'getent', 'timeout', 'base64', 'date', 'sleep'];
    paths = {
      'sh:curl,openssl': toolDir(dir, 'curl-openssl', [...base, 'curl', 'openssl']),
      'sh:curl': toolDir(dir, 'curl', [...base, 'curl']),
    };
    // the fixture's CA in the compiled-in trust store (OpenSSL's hashed name in /etc/ssl/certs)
    const hash = execFileSync('openssl', ['x509', '-hash', '-noout', '-in', path.join(dir, 'ca.crt')], {
      encoding: 'utf8',
    }).trim();
    trustStore = path.join(dir, 'trust-store');
    mkdirSync(trustStore);
    writeFileSync(path.join(trustStore, `${hash}.0`), readFileSync(path.join(dir, 'ca.crt')));
    writeFileSync(path.join(trustStore, 'ca-certificates.crt'), readFileSync(path.join(dir, 'ca.crt')));
    // the same API server on IPv6 loopback: an endpoint with an IPv6 address
    const good6 = apiServer(dir, 'srv.crt', 'srv.key', token);
    const port6 = await listen(good6, '::1');
    fx = { dir, port, hangPort, proxyPort, token, secret, servers: [good, noip, hang, proxy, good6] };
    (fx as Fixture & { noipPort: number; port6: number }).noipPort = noipPort;
    (fx as Fixture & { port6: number }).port6 = port6;
  });

  after(() => {
    if (!fx) return;
    for (const s of fx.servers) s.close();
    if (existsSync(fx.dir)) rmSync(fx.dir, { recursive: true, force: true });
  });

  // the pod-launching permissions in the pod's namespace, and reading logs in another namespace and
  // cluster-wide: the fixture allows only `get pods/log` in airflow, so a probe that asked every
  // review in the pod's own namespace would show three allowed
  const ASKS: AccessAsk[] = [
    ...podRequirement({
      rows: builtinRequirements(),
      versions: UNKNOWN_VERSIONS,
      pod: { namespace: 'airflow', serviceAccount: 'w' },
    }).access,
    { verb: 'get', group: '', resource: 'pods', subresource: 'log', namespace: 'etl-jobs' },
    { verb: 'get', group: '', resource: 'pods', subresource: 'log', namespace: '' },
  ];
  const input = (endpoints: Array<{ ip: string; port: number }>) => ({
    timeoutSeconds: 1,
    attempts: 3,
    endpoints,
    access: ASKS,
  });

  async function probe(
    kind: Kind,
    sa: string,
    port: number,
    endpoints = [{ ip: '127.0.0.1', port }],
    extraEnv: Record<string, string> = {},
    store = '',
    accessOnce = false,
  ): Promise<ProbeDoc> {
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port), ...extraEnv };
    let argv: string[];
    if (kind === 'py') {
      argv = pythonCommand(PY, { ...input(endpoints), accessOnce });
      const data = JSON.parse(argv[3]);
      argv[3] = JSON.stringify({ ...data, saDir: path.join(fx.dir, sa) });
    } else {
      argv = shellCommand(SH, input(endpoints));
      Object.assign(env, { KUBECTL_AIRFLOW_PROBE_SA_DIR: path.join(fx.dir, sa) });
      if (paths[kind]) argv = ['env', `PATH=${paths[kind]}`, ...argv];
    }
    const r = await runIsolated(fx, argv, env, store);
    assert.equal(r.code, 0, `probe exit ${r.code}: ${r.stderr}`);
    assert.equal(r.stdout.trim().split('\n').length, 1, 'exactly one line of output');
    assert.ok(!r.stdout.includes(fx.secret) && !r.stdout.includes(fx.token), 'the token never appears in the output');
    return JSON.parse(r.stdout) as ProbeDoc;
  }

  const title: Record<Kind, string> = {
    py: 'probe.py (python3)',
    sh: "probe.sh (sh with the machine's tools: bash for TCP, openssl for TLS)",
    'sh:curl,openssl': 'probe.sh (sh, curl, openssl: a Debian image with curl)',
    'sh:curl': 'probe.sh (sh and curl only)',
  };
  for (const kind of ['py', 'sh', 'sh:curl,openssl', 'sh:curl'] as const) {
    describe(title[kind], () => {
      const tcpTool = kind === 'py' ? 'python3' : kind === 'sh' ? 'bash' : 'curl';
      const tlsTool = kind === 'py' ? 'python3' : kind === 'sh:curl' ? 'curl' : 'openssl';

      it('healthy: every layer observed, claims decoded without the token, 403 on the pod read, SSAR answers', async () => {
        const d = await probe(kind, 'sa-good', fx.port);
        assert.equal(d.probe, kind === 'py' ? 'python3' : 'sh');
        if (kind.startsWith('sh:')) {
          assert.ok(
            d.tools?.includes('curl') && d.missing?.includes('bash') && d.missing?.includes('nc'),
            `tools ${d.tools}, missing ${d.missing}`,
          );
          assert.equal(d.missing?.includes('openssl'), kind === 'sh:curl');
        }
        if (kind !== 'py') assert.equal(tlsOf(d).tool, tlsTool);
        assert.equal(d.env.KUBERNETES_SERVICE_HOST, '127.0.0.1');
        assert.equal(d.files.token.present, true);
        assert.equal(d.files.token.claims?.iss, 'https://kubernetes.default.svc.cluster.local');
        assert.ok((d.files.token.claims?.exp ?? 0) > (d.now ?? 0));
        assert.deepEqual(
          Object.keys(d.files.token.claims ?? {}).sort(),
          ['aud', 'exp', 'iat', 'iss'],
          'no other claim leaves the pod',
        );
        assert.equal(d.files.namespace.value, 'airflow');
        assert.deepEqual(d.resolv.nameservers, ['127.0.0.1']);
        assert.equal(d.resolv.ndots, 5);
        assert.ok(Array.isArray(d.dns));
        assert.deepEqual((d.dns as Array<{ addresses?: string[] }>)[0].addresses, ['127.0.0.1']);
        const tcp = d.tcp as Array<{ target: string; attempts: Array<{ ok: boolean }> }>;
        assert.equal(tcp[0].target, 'service');
        assert.equal(tcp[0].attempts.length, 3);
        assert.ok(tcp.every((t) => t.attempts.every((a) => a.ok)));
        assert.equal(tlsOf(d).ok, true);
        // the endpoint tried directly, verified as the service IP, answers the same
        assert.deepEqual(
          [pathOf(d, 1).target, tlsOf(d, 1).ok, pathOf(d, 1).serverName],
          ['endpoint', true, '127.0.0.1'],
        );
        assert.deepEqual(
          httpOf(d, 1)?.map((h) => h.status),
          httpOf(d)?.map((h) => h.status),
        );
        assert.equal(pathOf(d, 1).access?.length, ASKS.length);
        const http = httpOf(d) ?? [];
        assert.equal(http.find((h) => h.path === '/version')?.gitVersion, 'v1.32.0');
        assert.equal(http.find((h) => h.path === '/readyz')?.status, 200);
        const pods = http.find((h) => h.path.startsWith('/api/v1/namespaces/airflow/pods'));
        assert.equal(pods?.status, 403);
        assert.match(pods?.message ?? '', /cannot list resource "pods"/);
        const access = pathOf(d).access as Array<{
          verb: string;
          resource: string;
          subresource: string;
          namespace: string;
          allowed: boolean;
          reason?: string;
        }>;
        // the operator's nine calls (kpo-create-pod, kpo-find-pod, kpo-xcom-sidecar, kpo-pod-events) and two log reads
        assert.equal(ASKS.length, 11);
        assert.deepEqual(
          access.map((a) => `${a.verb} ${a.resource}/${a.subresource} ${a.namespace}`),
          ASKS.map((a) => `${a.verb} ${a.resource}/${a.subresource} ${a.namespace}`),
        );
        assert.deepEqual(
          access.filter((a) => a.allowed).map((a) => `${a.verb} ${a.resource}/${a.subresource} in ${a.namespace}`),
          ['get pods/log in airflow'],
        );
        assert.match(access.find((a) => a.allowed)?.reason ?? '', /^RBAC: allowed by RoleBinding/);
      });

      it("the token is in no process's arguments or environment while the requests are in flight", async () => {
        // every answer held 300 ms, so each HTTP client lives that long; /proc is read every 25 ms
        const leaks: string[] = [];
        const seen = new Set<string>();
        let running = true;
        const scan = (async () => {
          while (running) {
            for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
              try {
                const cmd = readFileSync(`/proc/${pid}/cmdline`);
                const env = readFileSync(`/proc/${pid}/environ`);
                seen.add(path.basename(cmd.toString('utf8').split('\0')[0]));
                if (cmd.includes(fx.token) || env.includes(fx.token))
                  leaks.push(`${pid}: ${cmd.toString('utf8').replace(/\0/g, ' ').slice(0, 120)}`);
              } catch {
                /* the process ended meanwhile */
              }
            }
            await new Promise((r) => setTimeout(r, 25));
          }
        })();
        answerDelayMs = 300;
        let d: ProbeDoc;
        try {
          d = await probe(kind, 'sa-good', fx.port);
        } finally {
          answerDelayMs = 0;
          running = false;
          await scan;
        }
        assert.equal(httpOf(d)?.find((h) => h.path === '/version')?.status, 200);
        assert.deepEqual(leaks, []);
        assert.ok(
          seen.has(kind === 'py' ? 'python3' : 'curl'),
          `the scan saw the HTTP client at work (saw ${[...seen].filter((n) => /curl|python|sh|openssl/.test(n)).join(', ')})`,
        );
      });

      if (kind === 'py')
        it('accessOnce (doctor): each review asked once over any verified path, the same answers as per path', async () => {
          const port6 = (fx as Fixture & { port6: number }).port6;
          const endpoints = [{ ip: '::1', port: port6 }];
          reviewsAnswered = 0;
          const each = await probe(kind, 'sa-good', fx.port, endpoints);
          assert.equal(reviewsAnswered, 2 * ASKS.length, 'per path: every review on the service and on the endpoint');
          reviewsAnswered = 0;
          const once = await probe(kind, 'sa-good', fx.port, endpoints, {}, '', true);
          assert.equal(reviewsAnswered, ASKS.length, 'accessOnce: every review once');
          type Answer = { verb: string; resource: string; subresource: string; namespace: string; allowed: boolean };
          const key = (a: Answer) => `${a.verb} ${a.resource}/${a.subresource} ${a.namespace}: ${a.allowed}`;
          const paths = once.paths as PathResult[];
          assert.ok(
            paths.every((p) => p.access === undefined && p.connect?.ok),
            'no path carries its own reviews; every path still connects',
          );
          const shared = once.access as Array<Answer & { via?: string }>;
          assert.deepEqual(shared.map(key), (pathOf(each).access as Answer[]).map(key));
          assert.ok(
            shared.every((a) => /^(service|endpoint) /.test(a.via ?? '')),
            JSON.stringify(shared.map((a) => a.via)),
          );
        });

      if (kind === 'py')
        it("accessOnce (doctor): every request in flight at once when they fit in 16 connections; the pod's read through the service only", async () => {
          const port6 = (fx as Fixture & { port6: number }).port6;
          // the service and three endpoints, as in a three-replica control plane; five permissions, as doctor asks
          const endpoints = [
            { ip: '127.0.0.1', port: fx.port },
            { ip: '::1', port: port6 },
            { ip: '127.0.0.1', port: fx.port },
          ];
          const argv = pythonCommand(PY, { ...input(endpoints), access: ASKS.slice(0, 5), accessOnce: true });
          argv[3] = JSON.stringify({ ...JSON.parse(argv[3]!), saDir: path.join(fx.dir, 'sa-good') });
          const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(fx.port) };
          // 4 paths x /version and /readyz, the pods read once, 5 reviews
          barrier = { want: 4 * 2 + 1 + 5, arrived: 0, met: false, held: [] };
          let r: Awaited<ReturnType<typeof runIsolated>>;
          try {
            r = await runIsolated(fx, argv, env);
          } finally {
            const b = barrier;
            barrier = undefined;
            assert.equal(b.arrived, b.want, 'every request asked exactly once');
            assert.ok(b.met, 'all of them were in flight before the first answer: one round trip');
          }
          assert.equal(r.code, 0, r.stderr);
          const d = JSON.parse(r.stdout) as ProbeDoc;
          const gets = (d.paths as PathResult[]).map((p) =>
            (p.http as Array<{ path: string; status: number }>).map((h) => `${h.path} ${h.status}`),
          );
          assert.deepEqual(gets[0], ['/version 200', '/readyz 200', '/api/v1/namespaces/airflow/pods?limit=1 403']);
          for (const g of gets.slice(1)) assert.deepEqual(g, ['/version 200', '/readyz 200']);
          assert.equal((d.access as unknown[]).length, 5);
        });

      it('an IPv6 endpoint: TCP, TLS verified as the service IP, HTTP and the reviews on it directly', async () => {
        const port6 = (fx as Fixture & { port6: number }).port6;
        const d = await probe(kind, 'sa-good', fx.port, [{ ip: '::1', port: port6 }]);
        const ep = (d.tcp as Array<{ target: string; host: string; attempts: Array<{ ok: boolean }> }>).find(
          (t) => t.target === 'endpoint',
        );
        assert.equal(ep?.host, '::1');
        assert.ok(
          ep?.attempts.every((a) => a.ok),
          JSON.stringify(ep),
        );
        assert.deepEqual(
          [pathOf(d, 1).host, pathOf(d, 1).connect?.ok, tlsOf(d, 1).ok],
          ['::1', true, true],
          JSON.stringify(pathOf(d, 1)),
        );
        assert.equal(httpOf(d, 1)?.find((h) => h.path === '/version')?.status, 200);
        assert.equal(pathOf(d, 1).access?.length, ASKS.length);
      });

      it('wrong CA: TLS unknown authority; the token is not sent', async () => {
        const d = await probe(kind, 'sa-other-ca', fx.port);
        assert.deepEqual([tlsOf(d).ok, tlsOf(d).error, tlsOf(d).step], [false, 'unknown-authority', 'tls']);
        assert.deepEqual(
          (d.paths as PathResult[]).map((p) => p.http),
          [undefined, undefined],
          'no request carries the token',
        );
      });

      it("wrong CA while the image trusts the server's CA (/etc/ssl/certs): only the mounted ca.crt counts", async () => {
        // curl keeps its compiled-in CApath beside --cacert, openssl s_client its defaults without -CAfile:
        // either would verify the server here and send the token to whoever holds that CA.
        const d = await probe(kind, 'sa-other-ca', fx.port, undefined, {}, trustStore);
        assert.equal(tlsOf(d).ok, false);
        assert.equal(tlsOf(d).error, 'unknown-authority');
        assert.deepEqual(
          (d.paths as PathResult[]).map((p) => [p.http, p.access]),
          [
            [undefined, undefined],
            [undefined, undefined],
          ],
          'no request carries the token',
        );
      });

      it('certificate without the service IP: TLS name mismatch', async () => {
        const d = await probe(kind, 'sa-good', (fx as Fixture & { noipPort: number }).noipPort);
        assert.equal(tlsOf(d).ok, false);
        assert.equal(tlsOf(d).error, 'name-mismatch');
        // curl >= 7.62 exits 60 for both failures (51 before): its message tells them apart
        if (tlsTool === 'curl')
          assert.match(
            tlsOf(d).detail ?? '',
            /no alternative certificate subject name matches target host name '127\.0\.0\.1'/,
          );
      });

      it('a token the server rejects: 401 on every request; an expired token is visible in the claims', async () => {
        const d = await probe(kind, 'sa-bad-token', fx.port);
        const http = httpOf(d) ?? [];
        assert.ok(http.length >= 2 && http.every((h) => h.status === 401));
        assert.ok((d.files.token.claims?.exp ?? Infinity) < (d.now ?? 0));
      });

      it(`refused vs a TLS handshake that never completes (bounded by the step timeout; TCP by ${tcpTool})`, async () => {
        const refused = await probe(kind, 'sa-good', fx.port, [{ ip: '127.0.0.1', port: 1 }]);
        const ep = (
          refused.tcp as Array<{ target: string; attempts: Array<{ ok: boolean; error?: string; detail?: string }> }>
        ).find((t) => t.target === 'endpoint');
        assert.ok(
          ep?.attempts.every((a) => !a.ok && a.error === 'refused'),
          JSON.stringify(ep),
        );
        // curl's own last line says only "Couldn't connect"; the errno comes from its -v output
        if (tcpTool === 'curl')
          assert.match(ep?.attempts[0].detail ?? '', /connect to 127\.0\.0\.1 port 1 failed: Connection refused/);
        const t0 = Date.now();
        // the endpoint tried directly: the refusal is where it happened, before TLS
        assert.deepEqual(
          [pathOf(refused, 1).connect?.ok, pathOf(refused, 1).connect?.error, pathOf(refused, 1).tls],
          [false, 'refused', undefined],
        );
        // the endpoint tried directly: connected, so the timeout is the handshake's
        const hung = await probe(kind, 'sa-good', fx.hangPort, [{ ip: '127.0.0.1', port: fx.hangPort }]);
        assert.deepEqual(
          [pathOf(hung, 1).connect?.ok, tlsOf(hung, 1).ok, tlsOf(hung, 1).error, tlsOf(hung, 1).step],
          [true, false, 'timeout', 'tls'],
          JSON.stringify(hung.paths),
        );
        assert.ok(Date.now() - t0 < 15_000, 'within the bound');
      });

      it('a proxy variable: credentials redacted (with a scheme or without), the CONNECT attempt reported', async () => {
        for (const [value, shown] of [
          ['http://user:pw-secret@127.0.0.1:9', 'http://user:xxxxx@127.0.0.1:9'],
          ['user:pw-secret@127.0.0.1:9', 'user:xxxxx@127.0.0.1:9'],
        ]) {
          const d = await probe(kind, 'sa-good', fx.port, [], { HTTPS_PROXY: value, NO_PROXY: 'localhost' });
          assert.equal(d.env.HTTPS_PROXY, shown);
          assert.ok(!JSON.stringify(d).includes('pw-secret'), JSON.stringify(d));
          if (d.proxy) assert.equal(d.proxy.proxy, shown);
          assert.equal(d.proxy?.target, `127.0.0.1:${fx.port}`);
          assert.equal(d.proxy?.error, 'refused');
        }
      });

      it("a proxy that wants credentials: its 407 is reported, told apart from the API server's 401/403", async () => {
        const d = await probe(kind, 'sa-good', fx.port, [], { HTTPS_PROXY: `http://127.0.0.1:${fx.proxyPort}` });
        assert.equal(d.proxy?.target, `127.0.0.1:${fx.port}`);
        assert.equal(d.proxy?.status, 407);
        // the probe's own requests go direct: the API server's answers are unchanged
        assert.equal(httpOf(d)?.find((h) => h.path === '/version')?.status, 200);
      });
    });
  }

  it("probe.sh does not test connections with an nc that has no -z (Debian's busybox nc): says so instead of a false timeout", async function () {
    let busybox = '';
    try {
      busybox = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
    } catch {
      /* not installed */
    }
    const help = busybox ? spawnSync(busybox, ['nc', '--help'], { encoding: 'utf8' }) : undefined;
    if (!help || /\s-z\s/.test(`${help.stdout}${help.stderr}`)) {
      console.log("      (skipped: needs a busybox whose nc lacks -z, e.g. Debian's busybox package)");
      this.skip();
    }
    const bin = toolDir(fx.dir, 'busybox-nc', ['sh', 'getent', 'timeout', 'base64', 'date', 'sleep']);
    symlinkSync(busybox, path.join(bin, 'nc'));
    const argv = ['env', `PATH=${bin}`, ...shellCommand(SH, input([{ ip: '127.0.0.1', port: fx.hangPort }]))];
    const r = await runIsolated(fx, argv, {
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: String(fx.port),
      KUBECTL_AIRFLOW_PROBE_SA_DIR: path.join(fx.dir, 'sa-good'),
    });
    const d = JSON.parse(r.stdout) as ProbeDoc;
    assert.ok(d.tools?.includes('nc'));
    assert.deepEqual(d.tcp, { skipped: 'curl and bash not found, and nc has no -z (cannot test a connection)' });
    assert.ok(r.ms < 5_000, `${r.ms} ms: nc was not left waiting`);
  });

  it('probe.sh treats its arguments as data: shell syntax in them is never run', async () => {
    const marker = path.join(fx.dir, 'pwned');
    const argv = [
      'sh',
      '-c',
      SH,
      'kubectl-airflow-probe',
      'net',
      '1',
      '1',
      'ep',
      `$(touch ${marker})`,
      '1',
      'access',
      `;touch ${marker}`,
      '',
      'pods',
      '',
      `$(touch ${marker})`,
    ];
    const r = await runIsolated(fx, argv, {
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: String(fx.port),
      KUBECTL_AIRFLOW_PROBE_SA_DIR: path.join(fx.dir, 'sa-good'),
    });
    assert.equal(r.code, 0);
    JSON.parse(r.stdout);
    assert.equal(existsSync(marker), false);
  });

  it('readyz mode (ha --from): every endpoint checked, in both programs and with each tool set', async () => {
    const noipPort = (fx as Fixture & { noipPort: number }).noipPort;
    const eps = [
      { ip: '127.0.0.1', port: fx.port },
      { ip: '127.0.0.1', port: 1 },
      // a serving certificate without the endpoint's IP (usual for endpoint addresses): verified under the service name
      { ip: '127.0.0.1', port: noipPort },
    ];
    const env = { KUBECTL_AIRFLOW_PROBE_SA_DIR: path.join(fx.dir, 'sa-good') };
    const shArgv = [
      'sh',
      '-c',
      SH,
      'kubectl-airflow-probe',
      'readyz',
      '1',
      '1',
      ...eps.flatMap((e) => ['ep', e.ip, String(e.port)]),
    ];
    const runs: Record<string, Promise<{ stdout: string }>> = {
      py: runIsolated(
        fx,
        [
          'python3',
          '-c',
          PY,
          JSON.stringify({ mode: 'readyz', timeout: 1, endpoints: eps, saDir: path.join(fx.dir, 'sa-good') }),
        ],
        {},
      ),
      sh: runIsolated(fx, shArgv, env),
      'sh:curl,openssl': runIsolated(fx, ['env', `PATH=${paths['sh:curl,openssl']}`, ...shArgv], env),
      'sh:curl': runIsolated(fx, ['env', `PATH=${paths['sh:curl']}`, ...shArgv], env),
    };
    for (const [kind, run] of Object.entries(runs)) {
      const r = await run;
      const d = JSON.parse(r.stdout) as {
        mode: string;
        endpoints: Array<{
          port: number;
          tcp: { ok: boolean; error?: string };
          tls?: { ok: boolean; nameMismatch?: boolean };
          readyz?: { status: number };
        }>;
      };
      assert.equal(d.mode, 'readyz', kind);
      assert.equal(d.endpoints.length, 3, kind);
      assert.equal(d.endpoints[0].readyz?.status, 200, kind);
      assert.equal(d.endpoints[1].tcp.ok, false, kind);
      assert.equal(d.endpoints[1].tcp.error, 'refused', kind);
      assert.deepEqual(
        [d.endpoints[2].tls?.ok, d.endpoints[2].readyz?.status],
        [true, 200],
        `${kind}: ${JSON.stringify(d.endpoints[2])}`,
      );
    }
  });
});
