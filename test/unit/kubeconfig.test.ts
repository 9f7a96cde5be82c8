import { strict as assert } from 'node:assert';
import { kubeconfigPaths, mergeKubeconfigs } from '../../src/kube/kubeconfig.ts';
import { parseDuration, resolveConfig, serverURL } from '../../src/kube/resolve.ts';
import { UsageError } from '../../src/base/errors.ts';

const A = `
apiVersion: v1
kind: Config
current-context: a
clusters:
- {name: c1, cluster: {server: "https://a.example:6443", certificate-authority: ca.crt}}
users:
- {name: u1, user: {token: tok-a, client-certificate: certs/u1.crt}}
- {name: dup, user: {token: first}}
contexts:
- {name: a, context: {cluster: c1, user: u1, namespace: airflow}}
- {name: nons, context: {cluster: c1, user: dup}}
`;
const B = `
current-context: b
clusters:
- {name: c1, cluster: {server: "https://b.example:6443"}}
- {name: c2, cluster: {server: "https://c2.example"}}
users:
- {name: dup, user: {token: second, exec: {command: ./bin/plugin, apiVersion: client.authentication.k8s.io/v1}}}
- {name: e, user: {exec: {command: ./bin/plugin, apiVersion: client.authentication.k8s.io/v1}}}
contexts:
- {name: b, context: {cluster: c2, user: e}}
- {name: a, context: {cluster: c2, user: e}}
`;

describe('kubeconfig merge (kubectl semantics)', () => {
  it('first file wins for every key and for current-context; duplicates do not throw', () => {
    const m = mergeKubeconfigs([
      { path: '/k/a.yaml', text: A },
      { path: '/other/b.yaml', text: B },
    ]);
    assert.equal(m['current-context'], 'a');
    assert.deepEqual(
      m.clusters.map((c) => c.name),
      ['c1', 'c2'],
    );
    assert.equal((m.clusters[0].cluster as { server: string }).server, 'https://a.example:6443');
    assert.equal((m.users.find((u) => u.name === 'dup')!.user as { token: string }).token, 'first');
    assert.equal((m.contexts.find((c) => c.name === 'a')!.context as { cluster: string }).cluster, 'c1');
  });
  it('resolves relative paths against the file that names them', () => {
    const m = mergeKubeconfigs([
      { path: '/k/a.yaml', text: A },
      { path: '/other/b.yaml', text: B },
    ]);
    assert.equal((m.clusters[0].cluster as Record<string, string>)['certificate-authority'], '/k/ca.crt');
    assert.equal((m.users[0].user as Record<string, string>)['client-certificate'], '/k/certs/u1.crt');
    const e = m.users.find((u) => u.name === 'e')!.user as { exec: { command: string } };
    assert.equal(e.exec.command, '/other/bin/plugin');
  });
  it('keeps a bare exec command for PATH lookup', () => {
    const m = mergeKubeconfigs([{ path: '/k/x', text: 'users: [{name: u, user: {exec: {command: aws}}}]' }]);
    assert.equal((m.users[0].user as { exec: { command: string } }).exec.command, 'aws');
  });
  it('skips empty files and rejects non-YAML with a usage error', () => {
    assert.equal(
      mergeKubeconfigs([
        { path: 'e', text: '' },
        { path: 'a', text: A },
      ])['current-context'],
      'a',
    );
    assert.throws(() => mergeKubeconfigs([{ path: 'bad', text: 'a: [' }]), UsageError);
  });
  it('a malformed kubeconfig is named with the line, never quoted (the line may hold a token)', () => {
    const bad = (text: string) => {
      try {
        mergeKubeconfigs([{ path: '/k/bad', text }]);
      } catch (e) {
        return (e as Error).message;
      }
      assert.fail('no error');
    };
    const m = bad('users:\n- name: u\n  user:\n    token: s3cr3t-token: oops\n');
    assert.equal(
      m,
      'kubeconfig /k/bad is not valid YAML: Nested mappings are not allowed in compact mappings at line 4, column 12',
    );
    assert.doesNotMatch(bad('users: *s3cr3t\n'), /s3cr3t/);
    assert.doesNotMatch(bad('users: "s3cr3t\n'), /s3cr3t/);
  });
  it('paths: --kubeconfig alone, else KUBECONFIG entries (deduplicated), else ~/.kube/config', () => {
    assert.deepEqual(kubeconfigPaths('/x', { KUBECONFIG: '/a:/b' }), { paths: ['/x'], explicit: true });
    assert.deepEqual(kubeconfigPaths(undefined, { KUBECONFIG: '/a::/b:/a' }).paths, ['/a', '/b']);
    assert.deepEqual(kubeconfigPaths(undefined, { HOME: '/h' }).paths, ['/h/.kube/config']);
  });
});

describe('resolveConfig (flags override the kubeconfig)', () => {
  const m = mergeKubeconfigs([
    { path: '/k/a.yaml', text: A },
    { path: '/other/b.yaml', text: B },
  ]);
  it('uses the current context and its namespace', () => {
    const r = resolveConfig(m, {});
    assert.equal(r.contextName, 'a');
    assert.equal(r.server, 'https://a.example:6443');
    assert.equal(r.namespace, 'airflow');
    assert.equal(r.namespaceFromFlag, false);
    assert.equal(r.impersonation, undefined);
  });
  it('-n beats the context namespace; no namespace anywhere means default', () => {
    assert.equal(resolveConfig(m, { namespace: 'x' }).namespace, 'x');
    assert.equal(resolveConfig(m, { namespace: 'x' }).namespaceFromFlag, true);
    assert.equal(resolveConfig(m, { context: 'nons' }).namespace, 'default');
  });
  it('--context/--cluster/--user/--server/--token/--certificate-authority/--insecure-skip-tls-verify', () => {
    const r = resolveConfig(m, {
      context: 'a',
      cluster: 'c2',
      user: 'dup',
      server: 'https://s:1',
      token: 'T',
      insecureSkipTlsVerify: true,
    });
    assert.equal(r.server, 'https://s:1');
    const cluster = r.kubeconfig.clusters[0].cluster as Record<string, unknown>;
    assert.equal(cluster['insecure-skip-tls-verify'], true);
    assert.equal(cluster['certificate-authority'], undefined);
    const user = r.kubeconfig.users[0].user as Record<string, unknown>;
    assert.equal(user.token, 'T');
    const r2 = resolveConfig(m, { certificateAuthority: '/ca.pem' });
    assert.equal((r2.kubeconfig.clusters[0].cluster as Record<string, unknown>)['certificate-authority'], '/ca.pem');
  });
  it('impersonation from flags, and --as-group without --as is a usage error', () => {
    assert.deepEqual(resolveConfig(m, { as: 'bob', asGroup: ['g1', 'g2'], asUid: '42' }).impersonation, {
      user: 'bob',
      groups: ['g1', 'g2'],
      uid: '42',
    });
    assert.throws(() => resolveConfig(m, { asGroup: ['g'] }), UsageError);
  });
  it('unknown context or user is a usage error naming it', () => {
    assert.throws(() => resolveConfig(m, { context: 'nope' }), /context "nope" does not exist/);
    assert.throws(() => resolveConfig(m, { user: 'nope' }), /user "nope" does not exist/);
  });
  it('--server as client-go reads it: no scheme is https; not an address or not http(s) is one usage line', () => {
    assert.equal(serverURL('127.0.0.1:6443', '--server'), 'https://127.0.0.1:6443');
    assert.equal(serverURL('https://k8s.example:443/prefix', '--server'), 'https://k8s.example:443/prefix');
    assert.equal(serverURL('http://127.0.0.1:8080', '--server'), 'http://127.0.0.1:8080');
    assert.throws(
      () => serverURL('not a url', '--server'),
      (e: unknown) =>
        e instanceof UsageError &&
        e.line === '--server "not a url" is not an API server address: give https://HOST:PORT',
    );
    assert.throws(
      () => serverURL('ftp://x', '--server'),
      (e: unknown) =>
        e instanceof UsageError &&
        e.line === '--server "ftp://x" uses ftp: the API server speaks https (give https://HOST:PORT)',
    );
    assert.throws(() => serverURL('https://', '--server'), UsageError);
  });
  it('impersonation and token values that cannot be header values: one usage line, the token never shown', () => {
    assert.throws(
      () => resolveConfig(m, { as: 'a\nb' }),
      (e: unknown) => e instanceof UsageError && /^--as "a\\nb" contains a newline/.test(e.line),
    );
    assert.throws(() => resolveConfig(m, { as: 'a', asGroup: ['g\r'] }), /--as-group "g\\r" contains/);
    assert.throws(
      () => resolveConfig(m, { token: 'sekr\nit' }),
      (e: unknown) =>
        e instanceof UsageError && e.line.startsWith('--token contains a newline') && !e.line.includes('sekr'),
    );
  });
  it('parses --request-timeout like kubectl', () => {
    assert.equal(parseDuration(undefined), undefined);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('5'), 5000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.throws(() => parseDuration('soon'), UsageError);
    // beyond Node's timer range a timeout would fire at once: refused in one line
    assert.equal(parseDuration('24h'), 86_400_000);
    assert.throws(
      () => parseDuration('600h'),
      /--request-timeout 600h is longer than 24h: give a shorter duration, or 0 for none/,
    );
  });
});

describe('in-cluster fallback (no kubeconfig inside a pod)', () => {
  it('uses the service env, the mounted token, CA and namespace', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { resolveFromFlags } = await import('../../src/kube/connection.ts');
    const dir = mkdtempSync(join(tmpdir(), 'sa-'));
    writeFileSync(join(dir, 'token'), 'tok\n');
    writeFileSync(join(dir, 'ca.crt'), 'ca');
    writeFileSync(join(dir, 'namespace'), 'airflow');
    const env = { HOME: '/nonexistent', KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const r = resolveFromFlags({}, env, dir);
    assert.equal(r.server, 'https://10.96.0.1:443');
    assert.equal(r.namespace, 'airflow');
    const user = r.kubeconfig.users[0].user as Record<string, string>;
    assert.equal(user['token-file'], join(dir, 'token'));
    assert.equal(
      (r.kubeconfig.clusters[0].cluster as Record<string, string>)['certificate-authority'],
      join(dir, 'ca.crt'),
    );
    // without the service env it is still "no kubeconfig"
    assert.throws(() => resolveFromFlags({}, { HOME: '/nonexistent' }, dir), /no kubeconfig found/);
  });
});
