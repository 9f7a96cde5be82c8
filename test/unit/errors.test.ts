import { strict as assert } from 'node:assert';
import { ClusterError, UsageError, describeError, fromCredentialError, fromNetworkError, fromStatus } from '../../src/kube/errors.ts';

describe('errors -> one line and an exit code', () => {
  it('HTTP answers map to kinds; 403 keeps the server message', () => {
    const msg = 'pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "a"';
    const f = fromStatus(403, { kind: 'Status', message: msg, reason: 'Forbidden', code: 403 }, 'GET /api/v1/namespaces/a/pods');
    assert.equal(f.kind, 'forbidden');
    assert.equal(f.message, msg);
    assert.equal(fromStatus(401, {}, 'GET /x').kind, 'unauthorized');
    assert.equal(fromStatus(404, { message: 'pods "p" not found' }, 'GET /x').kind, 'notfound');
    assert.equal(fromStatus(504, {}, 'GET /x').kind, 'timeout');
    assert.equal(fromStatus(500, 'boom', 'GET /x').kind, 'unreachable');
  });
  it('socket errors: refused/reset are unreachable, certificate problems are tls', () => {
    assert.equal(fromNetworkError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'https://s')?.kind, 'unreachable');
    assert.equal(fromNetworkError(Object.assign(new Error('self-signed'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'https://s')?.kind, 'tls');
    assert.equal(fromNetworkError(Object.assign(new Error('bad altname'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'https://s')?.kind, 'tls');
    assert.equal(fromNetworkError(new Error('other'), 'https://s'), undefined);
  });
  it('exit codes: cluster 3, usage 2; multi-line messages become one line with the remedy', () => {
    assert.deepEqual(describeError(new UsageError('bad\n  flag')), { exitCode: 2, line: 'bad flag' });
    const c = describeError(new ClusterError('timeout', 'GET /x timed out'));
    assert.equal(c.exitCode, 3);
    assert.match(c.line, /^GET \/x timed out \(the API server did not answer in time: .*\)$/);
    assert.equal(describeError(new Error('internal')).exitCode, 1);
  });
  it('a failing exec credential plugin is an authentication error (exit 3) that says where it came from', () => {
    const d = describeError(fromCredentialError(Object.assign(new Error('spawn /opt/bin/aws ENOENT'), { code: 'ENOENT' })));
    assert.equal(d.exitCode, 3);
    assert.match(d.line, /^getting credentials from the kubeconfig user's exec plugin or auth provider failed: spawn \/opt\/bin\/aws ENOENT \(run the plugin by hand/);
    const already = new ClusterError('timeout', 't');
    assert.equal(fromCredentialError(already), already);
  });
});

