// The exec channel protocol (wsstream / KEP-4006) and the request checks the API server makes
// before upgrading: pure functions, no server.
import assert from 'node:assert/strict';
import {
  CLOSE,
  ERROR,
  STDERR,
  STDIN,
  STDOUT,
  V4,
  V5,
  chooseProtocol,
  decodeFrame,
  encodeFrame,
  exitCodeOf,
  exitCodeStatus,
  internalErrorStatus,
  kubeletExecFailure,
  offeredProtocols,
  readinessChannel,
  runtimeExecFailure,
  successStatus,
} from '../sim/exec/websocket.ts';
import { containerRunning, parseExecUrl, resolveTarget } from '../sim/exec/request.ts';
import type { KubeObject } from '../sim/types.ts';

describe('sim exec: channel frames', () => {
  it('prefixes every frame with its channel byte', () => {
    assert.deepEqual([...encodeFrame(STDOUT, 'hi')], [1, 0x68, 0x69]);
    assert.deepEqual([...encodeFrame(STDERR, Buffer.from([0, 255]))], [2, 0, 255]);
    assert.deepEqual([...encodeFrame(STDOUT)], [1], 'the readiness frame is a channel byte and no data');
  });

  it('decodes stdin data, and CLOSE only under v5', () => {
    assert.deepEqual(decodeFrame(Buffer.from([STDIN, 0x61, 0x62]), V5), {
      kind: 'data',
      channel: 0,
      data: Buffer.from('ab'),
    });
    assert.deepEqual(decodeFrame(Buffer.from([CLOSE, STDIN]), V5), { kind: 'close', channel: 0 });
    assert.equal(decodeFrame(Buffer.from([CLOSE, STDIN]), V4).kind, 'data', 'v4 has no CLOSE frame');
    assert.deepEqual(decodeFrame(Buffer.alloc(0), V5), { kind: 'empty' });
  });

  it('prefers v5, accepts v4, refuses the base64 and SPDY-era protocols', () => {
    assert.equal(chooseProtocol([V4, V5]), V5);
    assert.equal(chooseProtocol(offeredProtocols('v4.channel.k8s.io, channel.k8s.io')), V4);
    assert.equal(chooseProtocol(offeredProtocols('base64.channel.k8s.io')), undefined);
    assert.equal(chooseProtocol(offeredProtocols(undefined)), undefined);
  });

  it('signals readiness on the lowest channel the server writes', () => {
    assert.equal(readinessChannel({ stdout: true, stderr: true, tty: false }), STDOUT);
    assert.equal(readinessChannel({ stdout: false, stderr: true, tty: false }), STDERR);
    assert.equal(readinessChannel({ stdout: false, stderr: false, tty: false }), ERROR);
  });
});

describe('sim exec: channel-3 Status', () => {
  it('Success is a bare Status', () => {
    assert.equal(JSON.stringify(successStatus()), '{"metadata":{},"status":"Success"}');
  });

  it('a non-zero exit is NonZeroExitCode with an ExitCode cause client-go parses as uint8', () => {
    const s = exitCodeStatus(3);
    assert.equal(s.status, 'Failure');
    assert.equal(s.reason, 'NonZeroExitCode');
    assert.deepEqual(s.details, { causes: [{ reason: 'ExitCode', message: '3' }] });
    assert.equal(s.message, 'command terminated with non-zero exit code: command terminated with exit code 3');
  });

  it('runtime failures are InternalErrors with containerd/runc text, prefixed twice as kubectl >= 1.30 shows them', () => {
    const id = 'a'.repeat(64);
    const s = internalErrorStatus(kubeletExecFailure('python3', id));
    assert.equal(s.code, 500);
    assert.equal(s.reason, 'InternalError');
    // The kubelet's InternalError, wrapped again by the API server's stream translator.
    assert.equal(
      s.message,
      `Internal error occurred: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "${id}": OCI runtime exec failed: exec failed: unable to start container process: exec: "python3": executable file not found in $PATH: unknown`,
    );
    assert.match(
      runtimeExecFailure('/bin/bash', id),
      /exec: "\/bin\/bash": stat \/bin\/bash: no such file or directory: unknown$/,
    );
  });

  it('exit codes of signalled processes are 128+n', () => {
    assert.equal(exitCodeOf(0, null, { SIGKILL: 9 }), 0);
    assert.equal(exitCodeOf(null, 'SIGKILL', { SIGKILL: 9 }), 137);
  });
});

const pod = (over: Partial<KubeObject> & { spec?: unknown; status?: unknown } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns' },
  spec: { nodeName: 'n1', containers: [{ name: 'a' }, { name: 'b' }], initContainers: [] },
  status: { phase: 'Running' },
  ...over,
});
const io = { command: ['true'], stdin: false, stdout: true, stderr: true };

describe('sim exec: request checks before the upgrade', () => {
  it('parses the exec URL kubectl sends (one command per argv element)', () => {
    const o = parseExecUrl(
      '/api/v1/namespaces/ns/pods/p/exec?command=sh&command=-c&command=echo+a%26b&container=a&stdout=true&stderr=true',
    );
    assert.deepEqual(o, {
      namespace: 'ns',
      pod: 'p',
      command: ['sh', '-c', 'echo a&b'],
      container: 'a',
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
    });
    assert.equal(parseExecUrl('/api/v1/namespaces/ns/pods/p/log'), undefined);
  });

  it('a multi-container pod needs container=, listing the choices', () => {
    const t = resolveTarget(pod(), io);
    assert.ok(!t.ok && 'httpStatus' in t);
    assert.equal(t.httpStatus.code, 400);
    assert.equal(t.httpStatus.message, 'a container name must be specified for pod p, choose one of: [a b]');
  });

  it('init containers are listed separately', () => {
    const t = resolveTarget(
      pod({ spec: { nodeName: 'n1', containers: [{ name: 'a' }, { name: 'b' }], initContainers: [{ name: 'init' }] } }),
      io,
    );
    assert.ok(!t.ok && 'httpStatus' in t);
    assert.equal(
      t.httpStatus.message,
      'a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [init]',
    );
  });

  it('an unknown container is a 400', () => {
    const t = resolveTarget(pod(), { ...io, container: 'x' });
    assert.ok(!t.ok && 'httpStatus' in t);
    assert.equal(t.httpStatus.message, 'container x is not valid for pod p');
    assert.equal(t.httpStatus.reason, 'BadRequest');
  });

  it('a pod without a node is refused before the upgrade', () => {
    const t = resolveTarget(pod({ spec: { containers: [{ name: 'a' }] } }), io);
    assert.ok(!t.ok && 'httpStatus' in t);
    assert.equal(t.httpStatus.message, 'pod p does not have a host assigned');
  });

  it('a container that is not running fails after the upgrade, as the kubelet answers', () => {
    const waiting = pod({
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'a', state: { waiting: { reason: 'ContainerCreating' } } }],
      },
    });
    const t = resolveTarget(waiting, { ...io, container: 'a' });
    assert.ok(!t.ok && 'streamError' in t);
    assert.equal(t.streamError, 'unable to upgrade connection: container not found ("a")');
    assert.equal(
      containerRunning(
        pod({ status: { phase: 'Running', containerStatuses: [{ name: 'a', state: { running: {} } }] } }),
        'a',
      ),
      true,
    );
    assert.equal(containerRunning(pod({ status: { phase: 'Succeeded' } }), 'a'), false);
  });

  it('a single container is chosen without container=', () => {
    assert.deepEqual(resolveTarget(pod({ spec: { nodeName: 'n', containers: [{ name: 'only' }] } }), io), {
      ok: true,
      container: 'only',
    });
  });

  it('at least one stream is required', () => {
    const t = resolveTarget(pod(), { command: ['true'], stdin: false, stdout: false, stderr: false, container: 'a' });
    assert.ok(!t.ok && 'httpStatus' in t);
    assert.equal(t.httpStatus.message, 'you must specify at least 1 of stdin, stdout, stderr');
  });
});
