import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import {
  ClusterError,
  UsageError,
  describeError,
  fromCredentialError,
  fromNetworkError,
  fromStatus,
  redactUrls,
} from '../../src/base/errors.ts';

describe('errors -> one line and an exit code', () => {
  it('HTTP answers map to kinds; 403 keeps the server message', () => {
    const msg = 'pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "a"';
    const f = fromStatus(
      403,
      { kind: 'Status', message: msg, reason: 'Forbidden', code: 403 },
      'GET /api/v1/namespaces/a/pods',
    );
    assert.equal(f.kind, 'forbidden');
    assert.equal(f.message, msg);
    assert.equal(fromStatus(401, {}, 'GET /x').kind, 'unauthorized');
    assert.equal(fromStatus(404, { message: 'pods "p" not found' }, 'GET /x').kind, 'notfound');
    assert.equal(fromStatus(504, {}, 'GET /x').kind, 'timeout');
    assert.equal(fromStatus(500, 'boom', 'GET /x').kind, 'unreachable');
    // a refusal of what was asked is not an unhealthy server: the server's reason and what to do, exit 1
    const noHost = describeError(
      fromStatus(400, { message: 'pod p does not have a host assigned' }, 'exec into pod a/p'),
    );
    assert.deepEqual(noHost, {
      exitCode: 1,
      line: 'exec into pod a/p: the API server refused it (400): pod p does not have a host assigned (the pod is not scheduled to a node yet: wait until kubectl get pod -o wide shows its NODE, or pick another pod)',
    });
    assert.doesNotMatch(
      describeError(fromStatus(422, { message: 'x is invalid' }, 'PATCH /p')).line,
      /unhealthy|overloaded/,
    );
    assert.match(describeError(fromStatus(503, {}, 'GET /x')).line, /unhealthy or overloaded/);
  });
  it('socket errors: refused/reset are unreachable, certificate problems are tls', () => {
    assert.equal(
      fromNetworkError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'https://s')?.kind,
      'unreachable',
    );
    assert.equal(
      fromNetworkError(Object.assign(new Error('self-signed'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'https://s')
        ?.kind,
      'tls',
    );
    assert.equal(
      fromNetworkError(Object.assign(new Error('bad altname'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'https://s')
        ?.kind,
      'tls',
    );
    assert.equal(fromNetworkError(new Error('other'), 'https://s'), undefined);
  });
  it('exit codes: cluster 3, usage 2; multi-line messages become one line with the remedy', () => {
    assert.deepEqual(describeError(new UsageError('bad\n  flag')), { exitCode: 2, line: 'bad flag' });
    const c = describeError(new ClusterError('timeout', 'GET /x timed out'));
    assert.equal(c.exitCode, 3);
    assert.match(c.line, /^GET \/x timed out \(the API server did not answer in time: .*\)$/);
  });
  it('a failing exec credential plugin is an authentication error (exit 3) that says where it came from', () => {
    const d = describeError(
      fromCredentialError(Object.assign(new Error('spawn /opt/bin/aws ENOENT'), { code: 'ENOENT' })),
    );
    assert.equal(d.exitCode, 3);
    assert.match(
      d.line,
      /^getting credentials from the kubeconfig user's exec plugin or auth provider failed: spawn \/opt\/bin\/aws ENOENT \(run the plugin by hand/,
    );
    const already = new ClusterError('timeout', 't');
    assert.equal(fromCredentialError(already), already);
  });
  it('a server URL with userinfo is never printed: the password (or a lone userinfo, maybe a token) is redacted', () => {
    assert.equal(
      redactUrls('at https://user:pa55@host:6443/api and http://t0ken@10.0.0.1'),
      'at https://user:xxxxx@host:6443/api and http://xxxxx@10.0.0.1',
    );
    assert.equal(
      redactUrls('https://host:6443/api?x=a@b'),
      'https://host:6443/api?x=a@b',
      'an @ after the host is not userinfo',
    );
    const server = 'https://admin:s3cr3t@127.0.0.1:6443';
    const refused = Object.assign(new Error(`connect ECONNREFUSED (${server}/version)`), { code: 'ECONNREFUSED' });
    const tls = Object.assign(new Error('self-signed'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const timeout = Object.assign(new Error('t'), { code: 'ETIMEDOUT' });
    const lines = [
      ...[refused, tls, timeout].map((e) => describeError(fromNetworkError(e, server)).line),
      describeError(fromStatus(500, { message: `proxy to ${server} failed` }, `GET ${server}/api`)).line,
      describeError(new ClusterError('unreachable', 'x', { remedy: `try ${server}` })).line,
      describeError(Object.assign(new Error(`connect ECONNRESET ${server}`), { code: 'ECONNRESET' })).line,
      describeError(new TypeError(`Invalid URL: ${server}`)).line,
    ];
    for (const l of lines) {
      assert.doesNotMatch(l, /s3cr3t/, l);
      assert.match(l, /https:\/\/admin:xxxxx@127\.0\.0\.1:6443/, l);
    }
  });
  it('main: a refused server URL with userinfo is redacted on the error line and in the -v stack (exit 3)', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p)); // closed: connecting is refused at once
      });
    });
    for (const v of [[], ['-v']]) {
      let err = '';
      const stderr = new PassThrough();
      stderr.on('data', (d) => (err += d));
      const code = await main(['rbac', '--server', `https://admin:s3cr3t@127.0.0.1:${port}`, '--token', 'x', ...v], {
        stdout: new PassThrough(),
        stderr,
        env: {},
      });
      assert.equal(code, 3);
      assert.match(
        err,
        new RegExp(`^kubectl-airflow: cannot reach the API server at https://admin:xxxxx@127\\.0\\.0\\.1:${port}`),
      );
      assert.doesNotMatch(err, /s3cr3t/);
      if (v.length) assert.match(err, /\n {4}at /, 'the stack is printed under -v');
    }
  });
  it('an unexpected internal error (TypeError ...) exits 1 and says it is one, to report, with -v for the stack', () => {
    let thrown: unknown;
    try {
      (undefined as unknown as { x: () => void }).x();
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown instanceof TypeError);
    const d = describeError(thrown);
    assert.equal(d.exitCode, 1);
    assert.equal(d.line, `internal error: ${(thrown as Error).message} (run with -v for the stack; please report it)`);
    assert.deepEqual(describeError('a\nthrown string'), {
      exitCode: 1,
      line: 'internal error: a thrown string (run with -v for the stack; please report it)',
    });
    assert.doesNotMatch(describeError(new ClusterError('forbidden', 'no')).line, /internal error/);
    class Deliberate extends Error {
      readonly exitCode = 1;
      get line(): string {
        return this.message;
      }
    }
    assert.deepEqual(
      describeError(new Deliberate('pod p is Pending')),
      { exitCode: 1, line: 'pod p is Pending' },
      "a command's own error (net's PodProblem) is not internal",
    );
    assert.doesNotMatch(
      describeError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).line,
      /internal error/,
    );
  });
});
