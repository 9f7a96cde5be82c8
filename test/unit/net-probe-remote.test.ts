// probe.py's remote-cluster functions as shipped, run by the machine's python3 against loopback
// HTTPS fixtures playing a remote API server: the kubeconfig read as the Python client reads it
// (named context, CA data or file, token, client certificate, exec plugin), each failure kind
// reported, and no credential of the kubeconfig on stdout. Only loopback and /etc/hosts names.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { RemoteResult } from '../../src/net/model.ts';
import { ecCertificate } from '../tls-fixture.ts';

const PY = readFileSync(new URL('../../src/net/probe.py', import.meta.url), 'utf8');
/** probe.py without its last line (main()), then each item of argv[2] through probe_remote. */
const HARNESS = `${PY.replace(/\nmain\(\)\s*$/, '\n')}
items = json.loads(sys.argv[2])
sys.stdout.write(json.dumps([probe_remote(i) for i in items]) + "\\n")
`;

const GOOD = 'good-token-6f1c9d2e7a';
const BAD = 'bad-token-0b8e4c1d55';
const PASSWORD = 'basic-password-77Qx';
const STDERR_SECRET = 'plugin-stderr-secret-3KdP';

function certs(dir: string): void {
  const ca = { cert: 'ca.crt', key: 'ca.key' };
  ecCertificate(dir, { ...ca, subject: '/CN=remote-ca' });
  ecCertificate(dir, { key: 'other.key', cert: 'other.crt', subject: '/CN=other-ca' });
  // only the IP: https://localhost is a name mismatch
  ecCertificate(dir, { key: 'srv.key', cert: 'srv.crt', subject: '/CN=remote-apiserver', ca, san: 'IP:127.0.0.1' });
  ecCertificate(dir, { key: 'client.key', cert: 'client.crt', subject: '/CN=cert-user', ca });
}

/** A remote API server: SelfSubjectReview by token or client certificate; `old` has no review (404, GET /api). */
function server(dir: string, old = false): Promise<https.Server> {
  const s = https.createServer(
    {
      key: readFileSync(path.join(dir, 'srv.key')),
      cert: readFileSync(path.join(dir, 'srv.crt')),
      ca: readFileSync(path.join(dir, 'ca.crt')),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const sock = req.socket as TLSSocket;
      const auth = req.headers.authorization ?? '';
      const user = auth === `Bearer ${GOOD}` ? 'token-user' : sock.authorized ? 'cert-user' : undefined;
      const send = (code: number, body: object) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (old && req.url?.includes('selfsubjectreviews')) return send(404, { kind: 'Status', message: 'not found' });
      if (auth && !user) return send(401, { kind: 'Status', message: 'Unauthorized' });
      if (req.url === '/api') return send(user ? 200 : 403, { kind: 'APIVersions', versions: ['v1'] });
      if (!user) return send(403, { kind: 'Status', message: 'forbidden: User "system:anonymous"' });
      send(201, { kind: 'SelfSubjectReview', status: { userInfo: { username: user } } });
    },
  );
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

function probe(items: object[], env: Record<string, string> = {}): Promise<{ out: string; results: RemoteResult[] }> {
  return new Promise((resolve, reject) => {
    const p = spawn('python3', ['-c', HARNESS, JSON.stringify({ timeout: 2 }), JSON.stringify(items)], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), ...env },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`python3 exit ${code}: ${err}`));
      resolve({ out, results: JSON.parse(out) as RemoteResult[] });
    });
  });
}

const hasTools = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v python3 && command -v openssl'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe("probe.py's remote cluster probe against loopback API servers", function () {
  this.timeout(60_000);
  let dir: string;
  let srv: https.Server;
  let old: https.Server;
  let url: string;
  const b64 = (f: string) => readFileSync(path.join(dir, f)).toString('base64');
  /** A kubeconfig with one context per entry, written to the fixture dir. */
  const kubeconfig = (
    name: string,
    contexts: Record<string, { cluster: object; user: object }>,
    current?: string,
  ): string => {
    const cfg = {
      apiVersion: 'v1',
      kind: 'Config',
      ...(current ? { 'current-context': current } : {}),
      contexts: Object.keys(contexts).map((c) => ({ name: c, context: { cluster: c, user: c } })),
      clusters: Object.entries(contexts).map(([c, v]) => ({ name: c, cluster: v.cluster })),
      users: Object.entries(contexts).map(([c, v]) => ({ name: c, user: v.user })),
    };
    const p = path.join(dir, name);
    writeFileSync(p, JSON.stringify(cfg));
    return p;
  };
  const plugin = (name: string, body: string): void => {
    writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  };

  before(async function () {
    if (!hasTools) {
      console.log('      skipped: needs python3 and openssl');
      this.skip();
    }
    dir = mkdtempSync(path.join(tmpdir(), 'probe-remote-'));
    certs(dir);
    srv = await server(dir);
    old = await server(dir, true);
    url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    // prints a credential only when the client told it what it is for (KUBERNETES_EXEC_INFO), as plugins do
    plugin(
      'good-plugin',
      `case "$KUBERNETES_EXEC_INFO" in *ExecCredential*) ;; *) exit 9;; esac
echo "${STDERR_SECRET}" >&2
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${GOOD}"}}'`,
    );
    plugin('failing-plugin', `printf '{"status":{"token":"${GOOD}"}}'; echo "${STDERR_SECRET}" >&2; exit 3`);
  });
  after(async () => {
    srv?.close();
    old?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const secrets = () => [
    GOOD,
    BAD,
    PASSWORD,
    STDERR_SECRET,
    b64('client.key'),
    readFileSync(path.join(dir, 'client.key'), 'utf8').split('\n')[1],
  ];

  it('reads the kubeconfig as the Python client does and reports each outcome, printing no credential', async () => {
    const ca = { server: url, 'certificate-authority-data': b64('ca.crt') };
    const exec = (command: string, env: object[] = []) => ({
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command, env },
    });
    const main = kubeconfig(
      'main.json',
      {
        decoy: { cluster: { server: 'https://decoy.invalid:1' }, user: { username: 'u', password: PASSWORD } },
        token: { cluster: ca, user: { token: GOOD } },
        badtoken: { cluster: ca, user: { token: BAD } },
        otherca: { cluster: { server: url, 'certificate-authority-data': b64('other.crt') }, user: { token: GOOD } },
        cafile: { cluster: { server: url, 'certificate-authority': 'ca.crt' }, user: { token: GOOD } },
        nocafile: { cluster: { server: url, 'certificate-authority': 'gone.crt' }, user: { token: GOOD } },
        insecure: {
          cluster: { server: url, 'insecure-skip-tls-verify': true, 'certificate-authority-data': b64('other.crt') },
          user: { token: GOOD },
        },
        byname: { cluster: { ...ca, server: url.replace('127.0.0.1', 'localhost') }, user: { token: GOOD } },
        cert: {
          cluster: ca,
          user: { 'client-certificate-data': b64('client.crt'), 'client-key-data': b64('client.key') },
        },
        execok: { cluster: ca, user: exec('./good-plugin') },
        execpath: { cluster: ca, user: exec('good-plugin', [{ name: 'PATH', value: dir }]) },
        execfail: { cluster: ca, user: exec('./failing-plugin') },
        // the PATH of the exec env only: the machine may have an aws of its own
        execmissing: { cluster: ca, user: exec('aws', [{ name: 'PATH', value: dir }]) },
        anonymous: { cluster: ca, user: {} },
        userinfo: {
          cluster: { ...ca, server: url.replace('https://', 'https://admin:url-secret-9Zk@') },
          user: { token: GOOD },
        },
        old: {
          cluster: { ...ca, server: `https://127.0.0.1:${(old.address() as AddressInfo).port}` },
          user: { token: GOOD },
        },
      },
      'decoy',
    );
    const names = [
      'token',
      'badtoken',
      'otherca',
      'cafile',
      'nocafile',
      'insecure',
      'byname',
      'cert',
      'execok',
      'execpath',
      'execfail',
      'execmissing',
      'anonymous',
      'userinfo',
      'old',
    ];
    const { out, results } = await probe([
      ...names.map((context) => ({ origin: context, path: main, context })),
      { origin: 'current', path: main },
      // Airflow's overrides after loading: verification off, or its own CA file instead of the kubeconfig's
      { origin: 'verify-off', path: main, context: 'otherca', verify: false, tlsFrom: 'verify_ssl = False (env)' },
      {
        origin: 'ssl-ca-cert',
        path: main,
        context: 'otherca',
        caFile: path.join(dir, 'ca.crt'),
        tlsFrom: 'ssl_ca_cert',
      },
      { origin: 'ssl-ca-cert-gone', path: main, context: 'token', caFile: path.join(dir, 'gone.crt') },
      { origin: 'missing-ctx', path: main, context: 'nope' },
      { origin: 'no-file', path: path.join(dir, 'absent') },
    ]);
    const by = Object.fromEntries(results.map((r) => [r.origin, r]));
    const user = (o: string) => by[o].call?.user;
    assert.equal(user('token'), 'token-user', JSON.stringify(by.token));
    assert.equal(by.token.tls?.ca, 'certificate-authority-data');
    assert.equal(by.token.auth?.method, 'token');
    assert.equal(by.badtoken.call?.status, 401);
    assert.equal(by.otherca.tls?.error, 'unknown-authority');
    assert.equal(by.otherca.call, undefined, 'no credential sent to a server the CA does not vouch for');
    assert.equal(user('cafile'), 'token-user');
    assert.equal(by.cafile.tls?.caFile, path.join(dir, 'ca.crt'), 'relative to the kubeconfig');
    assert.equal(by.nocafile.tls?.caError, 'file-missing');
    assert.equal(by.insecure.tls?.ca, 'insecure-skip-tls-verify');
    assert.equal(user('insecure'), 'token-user');
    assert.equal(by.byname.tls?.error, 'name-mismatch');
    assert.equal(user('cert'), 'cert-user', JSON.stringify(by.cert));
    assert.equal(by.cert.auth?.method, 'clientCertificate');
    assert.equal(user('execok'), 'token-user', JSON.stringify(by.execok));
    assert.equal(by.execok.auth?.exec?.run?.gave, 'token');
    assert.equal(by.execpath.auth?.exec?.found, path.join(dir, 'good-plugin'), "the exec env's PATH is searched");
    assert.deepEqual({ ...by.execfail.auth?.exec?.run, ms: 0 }, { ok: false, error: 'exit', exitCode: 3, ms: 0 });
    assert.equal(by.execmissing.auth?.exec?.found, null);
    assert.equal(by.execmissing.auth?.exec?.command, 'aws');
    assert.match(by.execmissing.call?.skipped ?? '', /aws not found/);
    assert.equal(by.anonymous.auth?.method, 'none');
    assert.equal(by.anonymous.call?.status, 403);
    assert.equal(by.userinfo.server, url.replace('https://', 'https://admin:xxxxx@'), 'userinfo redacted in the pod');
    assert.equal(user('userinfo'), 'token-user');
    assert.ok(!out.includes('url-secret-9Zk'));
    assert.equal(by.old.call?.path, '/api', 'GET /api where the review is a 404');
    assert.equal(by.old.call?.status, 200);
    assert.equal(by['verify-off'].tls?.ca, 'not verified');
    assert.equal(by['verify-off'].tls?.airflow, 'verify_ssl = False (env)');
    assert.equal(user('verify-off'), 'token-user');
    assert.equal(by['ssl-ca-cert'].tls?.ca, 'ssl_ca_cert');
    assert.equal(user('ssl-ca-cert'), 'token-user', "Airflow's CA instead of the kubeconfig's other CA");
    assert.equal(by['ssl-ca-cert-gone'].tls?.caError, 'file-missing');
    assert.equal(by.current.context, 'decoy', 'current-context when none is named');
    assert.equal(by.current.contextFrom, 'current-context');
    assert.equal(by['missing-ctx'].error, 'context-not-found');
    assert.ok(by['missing-ctx'].contexts?.includes('token'));
    assert.equal(by['no-file'].error, 'file-missing');
    for (const s of secrets()) assert.ok(!out.includes(s), `printed ${s.slice(0, 12)}...`);
  });

  it("reads the connection in the pod: an inline kubeconfig, a path, the hook's choice and its refusals", async () => {
    const inline = {
      'current-context': 'c',
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'c' } }],
      clusters: [{ name: 'c', cluster: { server: url, 'certificate-authority-data': b64('ca.crt') } }],
      users: [{ name: 'c', user: { token: GOOD } }],
    };
    const file = kubeconfig('conn.json', { c: { cluster: inline.clusters[0].cluster, user: { token: GOOD } } }, 'x');
    const env = {
      C_DICT: JSON.stringify({ conn_type: 'kubernetes', extra: { kube_config: inline } }),
      C_TEXT: JSON.stringify({ extra: JSON.stringify({ extra__kubernetes__kube_config: JSON.stringify(inline) }) }),
      C_URI: `kubernetes://?kube_config_path=${encodeURIComponent(file)}&cluster_context=c`,
      C_BOTH: `kubernetes://?in_cluster=True&kube_config=${encodeURIComponent(JSON.stringify(inline))}`,
      C_INCLUSTER: 'kubernetes://?in_cluster=True',
      C_NOVERIFY: JSON.stringify({
        extra: {
          disable_verify_ssl: 'TRUE',
          kube_config: {
            ...inline,
            clusters: [{ name: 'c', cluster: { server: url, 'certificate-authority-data': b64('other.crt') } }],
          },
        },
      }),
      C_BROKEN: '{"extra": nope',
    };
    const { out, results } = await probe(
      [
        { origin: 'dict', connEnv: 'C_DICT', field: 'kube_config' },
        { origin: 'text', connEnv: 'C_TEXT' },
        { origin: 'uri', connEnv: 'C_URI' },
        { origin: 'both', connEnv: 'C_BOTH' },
        { origin: 'incluster', connEnv: 'C_INCLUSTER' },
        { origin: 'noverify', connEnv: 'C_NOVERIFY' },
        { origin: 'broken', connEnv: 'C_BROKEN' },
        { origin: 'unset', connEnv: 'C_UNSET' },
      ],
      env,
    );
    const by = Object.fromEntries(results.map((r) => [r.origin, r]));
    assert.equal(by.dict.call?.user, 'token-user', JSON.stringify(by.dict));
    assert.equal(by.dict.path, 'inline from the connection');
    assert.equal(by.text.field, 'kube_config');
    assert.equal(by.text.call?.user, 'token-user', JSON.stringify(by.text));
    assert.equal(by.uri.path, file);
    assert.equal(by.uri.context, 'c', "the connection's cluster_context");
    assert.equal(by.uri.call?.user, 'token-user');
    assert.equal(by.both.error, 'connection-exclusive');
    assert.deepEqual(by.both.set, ['in_cluster', 'kube_config']);
    assert.equal(by.incluster.connection, 'in_cluster');
    assert.equal(by.noverify.tls?.ca, 'not verified', JSON.stringify(by.noverify));
    assert.equal(by.noverify.call?.user, 'token-user');
    assert.equal(by.broken.error, 'connection-invalid');
    assert.equal(by.unset.error, 'connection-unset');
    for (const s of [GOOD, 'nope']) assert.ok(!out.includes(s), `printed ${s}`);
  });
});
