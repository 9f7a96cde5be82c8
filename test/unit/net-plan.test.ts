import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { exitFromStatus, isMissingExecutable } from '../../src/kube/exec.ts';
import { UsageError } from '../../src/kube/errors.ts';
import { parseProbeTimeout } from '../../src/cli/net.ts';
import { inlineAssetReads } from '../../scripts/build.ts';
import { fileURLToPath } from 'node:url';
import {
  DETECT_COMMAND,
  POD_LAUNCHING,
  budgetSeconds,
  chooseContainer,
  ephemeralContainerPatch,
  notProbeable,
  onePodPerComponent,
  probeExecTimeoutMs,
  pythonCommand,
  shellCommand,
  validateNames,
  apiServerEndpoints,
  serviceAddress,
  type PodView,
} from '../../src/net/plan.ts';

function pod(containers: string[], over: Partial<PodView['metadata']> = {}, phase = 'Running'): PodView {
  return {
    metadata: { name: 'p', namespace: 'airflow', ...over },
    spec: { containers: containers.map((name) => ({ name })) },
    status: { phase, containerStatuses: containers.map((name) => ({ name, state: { running: {} } })) },
  };
}

const input = { timeoutSeconds: 3, attempts: 5, endpoints: [{ ip: '10.0.0.11', port: 6443 }], access: POD_LAUNCHING };

describe('net: plan (container, names, execs, bound)', () => {
  it('chooses -c, then the default-container annotation, then the Airflow container, then the first with a note', () => {
    assert.deepEqual(chooseContainer(pod(['a', 'b']), 'b'), { container: 'b' });
    assert.throws(() => chooseContainer(pod(['a', 'b']), 'c'), (e: Error) => e instanceof UsageError && /container c is not valid for pod p: choose one of: a, b/.test(e.message));
    assert.deepEqual(chooseContainer(pod(['only'])), { container: 'only' });
    assert.deepEqual(chooseContainer(pod(['git-sync', 'x'], { annotations: { 'kubectl.kubernetes.io/default-container': 'x' } })), { container: 'x' });
    assert.deepEqual(chooseContainer(pod(['git-sync', 'base'])), { container: 'base' });
    assert.deepEqual(chooseContainer(pod(['scheduler-log-groomer', 'scheduler'], { labels: { component: 'scheduler' } })), { container: 'scheduler' });
    assert.deepEqual(chooseContainer(pod(['sidecar', 'main'])), { container: 'sidecar', note: 'Defaulted container "sidecar" out of: sidecar, main (use -c to choose)' });
  });

  it('refuses a pod that is not Running or a container that is not running, in one line', () => {
    assert.match(notProbeable(pod(['a'], {}, 'Pending'), 'a') ?? '', /^pod p is Pending, not Running/);
    const p = pod(['a']);
    p.status!.containerStatuses = [{ name: 'a', state: {} }];
    assert.match(notProbeable(p, 'a') ?? '', /container a of pod p is not running/);
    assert.equal(notProbeable(pod(['a']), 'a'), undefined);
  });

  it('validates pod, namespace and container names before they reach a URL', () => {
    assert.doesNotThrow(() => validateNames('airflow-worker-0', 'airflow', 'base'));
    for (const bad of ['a;b', '$(id)', 'A', '../x', 'a b', '']) assert.throws(() => validateNames(bad, 'airflow'), UsageError, bad);
    assert.throws(() => validateNames('p', 'Air flow'), UsageError);
    assert.throws(() => validateNames('p', 'airflow', 'c;d'), UsageError);
    // ha --from checks before the namespace is known: pod and container still checked
    assert.doesNotThrow(() => validateNames('airflow-worker-0', undefined));
    for (const bad of ['a..b', 'a.-b']) assert.throws(() => validateNames(bad, undefined), UsageError, bad);
    assert.throws(() => validateNames('p', undefined, 'Bad_C'), UsageError);
  });

  it('the endpoints to probe: EndpointSlice addresses at the https port (else the first), Endpoints when there are no slices', () => {
    const slices = { items: [
      { ports: [{ name: 'metrics', port: 9090 }, { name: 'https', port: 6443 }], endpoints: [{ addresses: ['10.0.0.11'] }, { addresses: ['10.0.0.12'] }] },
      { ports: [{ port: 8443 }], endpoints: [{ addresses: ['10.0.0.11'] }] },
      { endpoints: [{ addresses: ['10.0.0.99'] }] },
    ] };
    assert.deepEqual(apiServerEndpoints(slices, undefined), [
      { ip: '10.0.0.11', port: 6443, portName: 'https' }, { ip: '10.0.0.12', port: 6443, portName: 'https' }, { ip: '10.0.0.11', port: 8443, portName: undefined },
    ]);
    assert.deepEqual(apiServerEndpoints(undefined, { subsets: [{ addresses: [{ ip: '10.0.0.13' }], ports: [{ name: 'https', port: 6443 }] }] }), [{ ip: '10.0.0.13', port: 6443, portName: 'https' }]);
    assert.deepEqual(serviceAddress({ spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }] } }), { ip: '10.96.0.1', port: 443, targetPort: 6443 });
    assert.deepEqual(serviceAddress({ spec: { clusterIP: '10.96.0.1', ports: [{ port: 443, targetPort: 'https' }] } }), { ip: '10.96.0.1', port: 443, targetPort: undefined });
    assert.equal(serviceAddress({ spec: { ports: [{ port: 443 }] } }), undefined);
  });

  it('the Python exec: the shipped program as -c, the data as one JSON argument', () => {
    const program = readFileSync(new URL('../../src/net/probe.py', import.meta.url), 'utf8');
    const argv = pythonCommand(program, input);
    assert.equal(argv.length, 4);
    assert.deepEqual(argv.slice(0, 2), ['python3', '-c']);
    assert.equal(argv[2], program, 'byte-for-byte');
    const data = JSON.parse(argv[3]);
    assert.deepEqual(data.endpoints, [{ ip: '10.0.0.11', port: 6443 }]);
    assert.equal(data.mode, 'net');
    assert.equal(data.budget, budgetSeconds(3));
    assert.equal(data.access.length, POD_LAUNCHING.length);
  });

  it('the sh exec: the shipped program as sh -c, the data as separate positional arguments', () => {
    const program = readFileSync(new URL('../../src/net/probe.sh', import.meta.url), 'utf8');
    const argv = shellCommand(program, { ...input, timeoutSeconds: 1.5 });
    assert.deepEqual(argv.slice(0, 2), ['sh', '-c']);
    assert.equal(argv[2], program);
    assert.deepEqual(argv.slice(3, 10), ['kubectl-airflow-probe', 'net', '2', '5', 'ep', '10.0.0.11', '6443']);
    assert.deepEqual(argv.slice(10, 15), ['access', 'create', '', 'pods', '']);
  });

  it('refuses odd endpoints or permissions instead of passing them', () => {
    assert.throws(() => pythonCommand('x', { ...input, endpoints: [{ ip: '10.0.0.1; rm -rf /', port: 1 }] }), /refusing endpoint/);
    assert.throws(() => shellCommand('x', { ...input, endpoints: [{ ip: '10.0.0.1', port: 70000 }] }), /refusing endpoint/);
    assert.throws(() => shellCommand('x', { ...input, access: [{ verb: '$(id)', group: '', resource: 'pods', subresource: '' }] }), /refusing permission/);
  });

  it('detects the interpreter in one exec that prints python3\'s path, and exits 0 without it', () => {
    const run = (PATH: string) => spawnSync('/bin/sh', DETECT_COMMAND.slice(1), { env: { PATH }, encoding: 'utf8' });
    const withPy = run('/usr/bin');
    assert.equal(withPy.status, 0);
    assert.equal(withPy.stdout.trim(), '/usr/bin/python3');
    const without = run('/nonexistent');
    assert.equal(without.status, 0);
    assert.equal(without.stdout, '');
  });

  it('the documented bound: probe exec closed at 7 x timeout + 10 s', () => {
    assert.equal(probeExecTimeoutMs(3), 31_000);
    assert.equal(budgetSeconds(3), 18);
    assert.equal(parseProbeTimeout('3'), 3);
    assert.equal(parseProbeTimeout('1.5s'), 1.5);
    assert.equal(parseProbeTimeout('500ms'), 0.5);
    assert.throws(() => parseProbeTimeout('forever'), UsageError);
    assert.throws(() => parseProbeTimeout('0'), UsageError);
  });

  it('--all picks one pod per component, preferring a Running one', () => {
    const mk = (name: string, component: string, phase: string): PodView => ({ metadata: { name, labels: { component } }, status: { phase } });
    const chosen = onePodPerComponent([mk('w-1', 'worker', 'Pending'), mk('w-2', 'worker', 'Running'), mk('s-1', 'scheduler', 'Running'), mk('x', '', 'Running')], (p) => p.metadata.labels?.component || undefined);
    assert.deepEqual(chosen.map((p) => p.metadata.name), ['s-1', 'w-2']);
  });

  it('--debug-image: an ephemeral container targeting the chosen container, mounting nothing', () => {
    const p = ephemeralContainerPatch('airflow-net-probe-1', 'python:3.12-slim', 'base');
    const c = p.spec.ephemeralContainers[0] as Record<string, unknown>;
    assert.equal(c.image, 'python:3.12-slim');
    assert.equal(c.targetContainerName, 'base');
    assert.equal(c.volumeMounts, undefined);
  });

  it('the bundle embeds both probe programs byte-for-byte (the files the probe tests run)', () => {
    const runPath = fileURLToPath(new URL('../../src/net/programs.ts', import.meta.url));
    const embedded: string[] = [];
    const out = inlineAssetReads(readFileSync(runPath, 'utf8'), runPath, embedded);
    for (const f of ['probe.py', 'probe.sh']) {
      const text = readFileSync(new URL(`../../src/net/${f}`, import.meta.url), 'utf8');
      assert.ok(out.includes(JSON.stringify(text)), `${f} inlined as is`);
      assert.ok(embedded.some((e) => e.endsWith(`/src/net/${f}`)));
    }
  });

  it('exec: exit code from the channel-3 Status; a missing executable is recognised', () => {
    assert.deepEqual(exitFromStatus({ status: 'Success' }), { exitCode: 0 });
    assert.equal(exitFromStatus({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] }, message: 'command terminated with non-zero exit code' }).exitCode, 3);
    const missing = exitFromStatus({ status: 'Failure', reason: 'InternalError', message: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH: unknown' });
    assert.equal(missing.exitCode, null);
    assert.equal(isMissingExecutable(missing.message), true);
    assert.equal(isMissingExecutable('permission denied'), false);
    assert.equal(exitFromStatus(undefined).exitCode, null);
  });
});
