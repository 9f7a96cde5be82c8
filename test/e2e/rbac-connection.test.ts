// The request layer under rbac (src/kube/connection.ts) against the simulator: Retry-After is
// honoured, the in-flight bound holds, per-request impersonation, timeouts, Status errors.
import { strict as assert } from 'node:assert';
import { connect, type Connection } from '../../src/kube/connection.ts';
import { ClusterError } from '../../src/base/errors.ts';
import { startSim, type Sim } from '../sim/index.ts';

describe('rbac e2e: the request layer', function () {
  this.timeout(60_000);
  let sim: Sim;
  let conn: Connection;
  before(async () => {
    sim = await startSim({ scenario: 'official-celery' });
    conn = await connect({ kubeconfig: sim.kubeconfigPath, maxInFlight: 4 }, { env: {} });
  });
  after(async () => {
    conn?.close();
    await sim?.stop();
  });
  afterEach(() => sim.faults.clear());

  it('waits out Retry-After before retrying a 429', async () => {
    sim.faults.set([{ path: '^/version$', status: 429, retryAfterSeconds: 1 }]);
    setTimeout(() => sim.faults.clear(), 300);
    sim.log.reset();
    const t0 = Date.now();
    const v = await conn.get<{ gitVersion: string }>('/version');
    const ms = Date.now() - t0;
    assert.match(v.gitVersion, /^v1\./);
    assert.ok(ms >= 950, `retried after ${ms} ms, Retry-After said 1 s`);
    assert.deepEqual(
      sim.log.entries.filter((e) => e.path === '/version').map((e) => e.code),
      [429, 200],
    );
  });

  it('gives up after the retry budget with the server error (exit 3 kind)', async () => {
    sim.faults.set([{ path: '^/version$', status: 500 }]);
    const quick = await connect(
      { kubeconfig: sim.kubeconfigPath },
      { env: {}, retry: { maxRetries: 2, baseMs: 1, maxMs: 2, maxRetryAfterMs: 10 } },
    );
    sim.log.reset();
    await assert.rejects(
      quick.get('/version'),
      (e: unknown) => e instanceof ClusterError && /answered 500/.test(e.message),
    );
    assert.equal(sim.log.count({ path: '/version' }), 3);
    quick.close();
  });

  it('holds at most --max-in-flight requests, and uses them', async () => {
    sim.faults.set([{ path: '^/api/v1/namespaces/airflow/pods', latencyMs: 30 }]);
    sim.log.reset();
    // request(): each call is sent (get() would answer the same read once)
    await Promise.all(Array.from({ length: 24 }, () => conn.request({ path: '/api/v1/namespaces/airflow/pods' })));
    assert.equal(sim.log.maxInFlight, 4);
    assert.equal(conn.stats.maxInFlight, 4);
  });

  it('get, list and getResponse answer the same read once per command; request asks again', async () => {
    const once = await connect({ kubeconfig: sim.kubeconfigPath }, { env: {} });
    sim.log.reset();
    const [a, b] = await Promise.all([
      once.get('/api/v1/namespaces/airflow/pods', { limit: 1 }),
      once.get('/api/v1/namespaces/airflow/pods', { limit: 1 }),
    ]);
    assert.strictEqual(a, b, 'the same answer, not two reads of different moments');
    await once.list('/api/v1/namespaces/airflow/serviceaccounts');
    await once.list('/api/v1/namespaces/airflow/serviceaccounts');
    assert.equal(sim.log.count({ path: '/api/v1/namespaces/airflow/pods' }), 1);
    assert.equal(sim.log.count({ path: '/api/v1/namespaces/airflow/serviceaccounts' }), 1);
    // any status, as send: a 403 or a readyz body is answered once too
    const [r1, r2] = await Promise.all([
      once.getResponse('/readyz', { verbose: 'true' }),
      once.getResponse('/readyz', { verbose: 'true' }),
    ]);
    assert.strictEqual(r1, r2);
    assert.equal(sim.log.count({ path: '/readyz' }), 1);
    // another query is another question
    await once.get('/api/v1/namespaces/airflow/pods', { limit: 2 });
    await once.request({ path: '/api/v1/namespaces/airflow/pods', query: { limit: 1 } });
    assert.equal(sim.log.count({ path: '/api/v1/namespaces/airflow/pods' }), 3);
    once.close();
  });

  it("impersonation per request: an identity, none, or the run's --as", async () => {
    const asAlice = await connect({ kubeconfig: sim.kubeconfigPath, as: 'alice', asGroup: ['devs'] }, { env: {} });
    sim.log.reset();
    await asAlice.send({ path: '/version' });
    await asAlice.send({ path: '/version', impersonate: { user: 'system:serviceaccount:airflow:airflow-worker' } });
    await asAlice.send({ path: '/version', impersonate: null });
    const h = sim.log.entries.map((e) => [e.headers['impersonate-user'], e.headers['impersonate-group']]);
    assert.deepEqual(h, [
      ['alice', 'devs'],
      ['system:serviceaccount:airflow:airflow-worker', undefined],
      [undefined, undefined],
    ]);
    asAlice.close();
  });

  it('a request that never answers times out per --request-timeout', async () => {
    sim.faults.set([{ path: '^/version$', hang: true }]);
    const short = await connect({ kubeconfig: sim.kubeconfigPath, requestTimeout: '300ms' }, { env: {} });
    await assert.rejects(short.get('/version'), (e: unknown) => e instanceof ClusterError && e.kind === 'timeout');
    short.close();
  });

  it('non-2xx answers become ClusterErrors carrying the server message', async () => {
    await assert.rejects(
      conn.get('/api/v1/namespaces/airflow/pods/nope'),
      (e: unknown) => e instanceof ClusterError && e.kind === 'notfound' && /pods "nope" not found/.test(e.message),
    );
    const nobody = await connect({ kubeconfig: sim.kubeconfigPath, context: 'nobody' }, { env: {} });
    await assert.rejects(
      nobody.list('/api/v1/namespaces/airflow/pods'),
      (e: unknown) =>
        e instanceof ClusterError && e.kind === 'forbidden' && /cannot list resource "pods"/.test(e.message),
    );
    nobody.close();
  });

  it('--insecure-skip-tls-verify drops the CA; --server/--certificate-authority override the kubeconfig', async () => {
    const insecure = await connect(
      { kubeconfig: sim.kubeconfigPath, certificateAuthority: '/nonexistent-ca.pem', insecureSkipTlsVerify: true },
      { env: {} },
    );
    assert.match((await insecure.get<{ gitVersion: string }>('/version')).gitVersion, /^v1\./);
    insecure.close();
    const byName = await connect(
      { kubeconfig: sim.kubeconfigPath, server: sim.url.replace('127.0.0.1', 'localhost') },
      { env: {} },
    );
    assert.match((await byName.get<{ gitVersion: string }>('/version')).gitVersion, /^v1\./);
    byName.close();
    await assert.rejects(
      connect({ kubeconfig: sim.kubeconfigPath, certificateAuthority: '/nonexistent-ca.pem' }, { env: {} }),
      /cannot read certificate authority \/nonexistent-ca\.pem/,
    );
  });

  it('lists follow continue tokens', async () => {
    sim.log.reset();
    const all = await conn.list<{ metadata: { name: string } }>('/api/v1/namespaces/airflow/serviceaccounts', {
      limit: 2,
    });
    assert.ok(all.length > 2);
    assert.ok(sim.log.count({ path: '/api/v1/namespaces/airflow/serviceaccounts' }) > 1, 'paged');
  });
});
