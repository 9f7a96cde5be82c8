import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { exitFromStatus, isMissingExecutable } from '../../src/kube/exec.ts';
import { UsageError } from '../../src/base/errors.ts';
import { parseProbeTimeout } from '../../src/net/options.ts';
import { inlineAssetReads } from '../../scripts/build.ts';
import { fileURLToPath } from 'node:url';
import { builtinRequirements } from '../../src/airflow/requirements.ts';
import { UNKNOWN_VERSIONS } from '../../src/rbac/plan.ts';
import {
  needsShellProbe,
  probeCommands,
  podRequirement,
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

const ACCESS = [
  { verb: 'create', group: '', resource: 'pods', subresource: '', namespace: 'airflow' },
  { verb: 'get', group: '', resource: 'pods', subresource: 'log', namespace: '' },
];
const input = { timeoutSeconds: 3, attempts: 5, endpoints: [{ ip: '10.0.0.11', port: 6443 }], access: ACCESS };

describe('net: plan (container, names, execs, bound)', () => {
  it('chooses -c, then the default-container annotation, then the Airflow container, then the first with a note', () => {
    assert.deepEqual(chooseContainer(pod(['a', 'b']), 'b'), { container: 'b' });
    assert.throws(
      () => chooseContainer(pod(['a', 'b']), 'c'),
      (e: Error) =>
        e instanceof UsageError && /container c is not valid for pod p: choose one of: a, b/.test(e.message),
    );
    assert.deepEqual(chooseContainer(pod(['only'])), { container: 'only' });
    assert.deepEqual(
      chooseContainer(pod(['git-sync', 'x'], { annotations: { 'kubectl.kubernetes.io/default-container': 'x' } })),
      { container: 'x' },
    );
    assert.deepEqual(chooseContainer(pod(['git-sync', 'base'])), { container: 'base' });
    assert.deepEqual(
      chooseContainer(pod(['scheduler-log-groomer', 'scheduler'], { labels: { component: 'scheduler' } })),
      { container: 'scheduler' },
    );
    assert.deepEqual(chooseContainer(pod(['sidecar', 'main'])), {
      container: 'sidecar',
      note: 'Defaulted container "sidecar" out of: sidecar, main (use -c to choose)',
    });
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
    for (const bad of ['a;b', '$(id)', 'A', '../x', 'a b', ''])
      assert.throws(() => validateNames(bad, 'airflow'), UsageError, bad);
    assert.throws(() => validateNames('p', 'Air flow'), UsageError);
    assert.throws(() => validateNames('p', 'airflow', 'c;d'), UsageError);
    // ha --from checks before the namespace is known: pod and container still checked
    assert.doesNotThrow(() => validateNames('airflow-worker-0', undefined));
    for (const bad of ['a..b', 'a.-b']) assert.throws(() => validateNames(bad, undefined), UsageError, bad);
    assert.throws(() => validateNames('p', undefined, 'Bad_C'), UsageError);
  });

  it('the endpoints to probe: EndpointSlice addresses at the https port (else the first), Endpoints when there are no slices', () => {
    const slices = {
      items: [
        {
          ports: [
            { name: 'metrics', port: 9090 },
            { name: 'https', port: 6443 },
          ],
          endpoints: [{ addresses: ['10.0.0.11'] }, { addresses: ['10.0.0.12'] }],
        },
        { ports: [{ port: 8443 }], endpoints: [{ addresses: ['10.0.0.11'] }] },
        { endpoints: [{ addresses: ['10.0.0.99'] }] },
      ],
    };
    assert.deepEqual(apiServerEndpoints(slices, undefined), [
      { ip: '10.0.0.11', port: 6443, portName: 'https' },
      { ip: '10.0.0.12', port: 6443, portName: 'https' },
      { ip: '10.0.0.11', port: 8443, portName: undefined },
    ]);
    assert.deepEqual(
      apiServerEndpoints(undefined, {
        subsets: [{ addresses: [{ ip: '10.0.0.13' }], ports: [{ name: 'https', port: 6443 }] }],
      }),
      [{ ip: '10.0.0.13', port: 6443, portName: 'https' }],
    );
    // dual-stack: an IPv6 endpoint listed in two slices in two spellings is one endpoint
    const v6 = {
      items: [
        { addressType: 'IPv6', ports: [{ name: 'https', port: 6443 }], endpoints: [{ addresses: ['fd00:10::11'] }] },
        {
          addressType: 'IPv6',
          ports: [{ name: 'https', port: 6443 }],
          endpoints: [{ addresses: ['fd00:10:0:0:0:0:0:11'] }, { addresses: ['fd00:10::12'] }],
        },
      ],
    };
    assert.deepEqual(
      apiServerEndpoints(v6, undefined).map((e) => e.ip),
      ['fd00:10::11', 'fd00:10::12'],
    );
    assert.deepEqual(
      serviceAddress({ spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }] } }),
      { ip: '10.96.0.1', port: 443, targetPort: 6443 },
    );
    assert.deepEqual(
      serviceAddress({ spec: { clusterIP: '10.96.0.1', ports: [{ port: 443, targetPort: 'https' }] } }),
      { ip: '10.96.0.1', port: 443, targetPort: undefined },
    );
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
    assert.deepEqual(data.access, ACCESS);
  });

  it('the sh exec: the shipped program as sh -c, the data as separate positional arguments', () => {
    const program = readFileSync(new URL('../../src/net/probe.sh', import.meta.url), 'utf8');
    const argv = shellCommand(program, { ...input, timeoutSeconds: 1.5 });
    assert.deepEqual(argv.slice(0, 2), ['sh', '-c']);
    assert.equal(argv[2], program);
    assert.deepEqual(argv.slice(3, 10), ['kubectl-airflow-probe', 'net', '2', '5', 'ep', '10.0.0.11', '6443']);
    assert.deepEqual(argv.slice(10), [
      'access',
      'create',
      '',
      'pods',
      '',
      'airflow',
      'access',
      'get',
      '',
      'pods',
      'log',
      '',
    ]);
  });

  it('refuses odd endpoints or permissions instead of passing them', () => {
    assert.throws(
      () => pythonCommand('x', { ...input, endpoints: [{ ip: '10.0.0.1; rm -rf /', port: 1 }] }),
      /refusing endpoint/,
    );
    assert.throws(
      () => shellCommand('x', { ...input, endpoints: [{ ip: '10.0.0.1', port: 70000 }] }),
      /refusing endpoint/,
    );
    assert.throws(
      () =>
        shellCommand('x', {
          ...input,
          access: [{ verb: '$(id)', group: '', resource: 'pods', subresource: '', namespace: 'a' }],
        }),
      /refusing permission/,
    );
    assert.throws(
      () =>
        pythonCommand('x', {
          ...input,
          access: [{ verb: 'get', group: '', resource: 'pods', subresource: '', namespace: 'a;b' }],
        }),
      /refusing permission/,
    );
  });

  it('one exec: sh runs the python probe where python3 is on PATH, and says so (exit 97) where it is not', () => {
    const [first, direct] = probeCommands('import sys; print("probe", sys.argv[1])', input);
    assert.deepEqual(direct!.slice(0, 2), ['python3', '-c']);
    const run = (PATH: string) => spawnSync('/bin/sh', first!.slice(1), { env: { PATH }, encoding: 'utf8' });
    const withPy = run('/usr/bin');
    assert.equal(withPy.status, 0);
    assert.equal(withPy.stdout.trim(), `probe ${direct![3]}`, 'the probe gets its data as argv[1], as with python3 -c');
    assert.equal(needsShellProbe({ exitCode: withPy.status, stdout: withPy.stdout }), false);
    const without = run('/nonexistent');
    assert.equal(without.status, 97);
    assert.equal(needsShellProbe({ exitCode: without.status, stdout: without.stdout }), true);
    // a python probe that happens to exit 97 is still its own result
    assert.equal(needsShellProbe({ exitCode: 97, stdout: '{"probe":"python3"}' }), false);
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
    const mk = (name: string, component: string, phase: string): PodView => ({
      metadata: { name, labels: { component } },
      status: { phase },
    });
    const chosen = onePodPerComponent(
      [
        mk('w-1', 'worker', 'Pending'),
        mk('w-2', 'worker', 'Running'),
        mk('s-1', 'scheduler', 'Running'),
        mk('x', '', 'Running'),
      ],
      (p) => p.metadata.labels?.component || undefined,
    );
    assert.deepEqual(
      chosen.map((p) => p.metadata.name),
      ['s-1', 'w-2'],
    );
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
    assert.equal(
      exitFromStatus({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
        message: 'command terminated with non-zero exit code',
      }).exitCode,
      3,
    );
    const missing = exitFromStatus({
      status: 'Failure',
      reason: 'InternalError',
      message:
        'OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH: unknown',
    });
    assert.equal(missing.exitCode, null);
    assert.equal(isMissingExecutable(missing.message), true);
    assert.equal(isMissingExecutable('permission denied'), false);
    assert.equal(exitFromStatus(undefined).exitCode, null);
  });
});

describe("net: what the Permissions layer asks (podRequirement: the model rows rbac chooses, for the pod's component)", () => {
  const rows = builtinRequirements();
  const pod = { namespace: 'airflow', serviceAccount: 'airflow-scheduler' };
  const at = (airflow?: string) =>
    airflow ? { ...UNKNOWN_VERSIONS, airflow: { value: airflow, source: 'image tag' } } : UNKNOWN_VERSIONS;
  const release = (component: string, executors: string[], namespaces = ['airflow']) => ({
    name: 'airflow',
    component,
    executors,
    deployed: ['scheduler', 'worker', 'triggerer', 'api-server', 'dag-processor'],
    namespaces,
  });
  const cells = (r: ReturnType<typeof podRequirement>) =>
    r.access.map((a) => `${a.verb} ${a.subresource ? `${a.resource}/${a.subresource}` : a.resource} @${a.namespace}`);
  // kubernetes-executor rows: the executor creates, lists, watches, patches (adoption) and deletes pods
  const EXECUTOR = ['create pods', 'list pods', 'watch pods', 'patch pods', 'delete pods'];
  // kubernetes-pod-operator rows: required calls, then the XCom sidecar's exec and the pod events (features)
  const OPERATOR = [
    'create pods',
    'get pods',
    'delete pods',
    'get pods/log',
    'list pods',
    'patch pods',
    'create pods/exec',
    'get pods/exec',
    'list events',
  ];

  it('the KubernetesExecutor scheduler: what the executor calls, in the launch namespace; nothing the chart only grants', () => {
    const r = podRequirement({
      rows,
      versions: at('2.9.0'),
      pod,
      release: release('scheduler', ['KubernetesExecutor']),
    });
    assert.deepEqual(r.profiles, ['kubernetes-executor']);
    assert.deepEqual(
      cells(r),
      EXECUTOR.map((c) => `${c} @airflow`),
    );
    assert.deepEqual(r.optional, {});
    assert.match(
      r.basis,
      /^required for the scheduler of release airflow \(KubernetesExecutor, Airflow 2\.9\.0\): kubernetes-executor, in airflow$/,
    );
  });

  it('an unknown Airflow version: a call only some versions make is asked, but its denial only warns', () => {
    const r = podRequirement({ rows, versions: at(), pod, release: release('scheduler', ['KubernetesExecutor']) });
    assert.deepEqual(Object.keys(r.optional), ['patch||pods||airflow']);
    assert.match(r.optional['patch||pods||airflow'][0], /Airflow version is unknown.*image tag or AIRFLOW_VERSION/);
  });

  it('the CeleryExecutor scheduler, any dag-processor, a Celery api-server: nothing required, nothing asked', () => {
    for (const [component, executors] of [
      ['scheduler', ['CeleryExecutor']],
      ['dag-processor', ['KubernetesExecutor']],
      ['dag-processor', ['CeleryExecutor']],
      ['api-server', ['CeleryExecutor']],
    ] as const) {
      const r = podRequirement({ rows, versions: at('2.9.0'), pod, release: release(component, [...executors]) });
      assert.deepEqual(r.access, [], component);
      assert.deepEqual(r.profiles, []);
      assert.match(
        r.basis,
        new RegExp(
          `^nothing required: Airflow's code makes no Kubernetes call from the ${component} of release airflow \\(${executors[0]}, Airflow 2\\.9\\.0\\)$`,
        ),
      );
    }
  });

  it('the Celery worker: the operator calls; the XCom sidecar and pod events are features, their denial a warning', () => {
    const r = podRequirement({ rows, versions: at('2.9.0'), pod, release: release('worker', ['CeleryExecutor']) });
    assert.deepEqual(r.profiles, ['kubernetes-pod-operator']);
    assert.deepEqual(
      cells(r),
      OPERATOR.map((c) => `${c} @airflow`),
    );
    assert.deepEqual(Object.keys(r.optional).sort(), [
      'create||pods|exec|airflow',
      'get||pods|exec|airflow',
      'list||events||airflow',
    ]);
    assert.match(r.optional['create||pods|exec|airflow'][0], /^XCom sidecar/);
    assert.match(r.optional['list||events||airflow'][0], /^pod events in task logs/);
  });

  it('the triggerer: get pods for the deferrable KubernetesPodOperator only (a feature), and nothing before Airflow 2.3', () => {
    const r = podRequirement({ rows, versions: at('2.9.0'), pod, release: release('triggerer', ['CeleryExecutor']) });
    assert.deepEqual(cells(r), ['get pods @airflow']);
    assert.match(r.optional['get||pods||airflow'][0], /^deferrable KubernetesPodOperator/);
    assert.match(r.basis, /^needed only by optional features for the triggerer/);
    // chart 1.5-1.18 binds it to pod-log-reader; Airflow 2.2 has no deferrable operator: nothing to ask
    const old = podRequirement({ rows, versions: at('2.2.0'), pod, release: release('triggerer', ['CeleryExecutor']) });
    assert.deepEqual(old.access, []);
  });

  it('multi-namespace mode: asked in each listed namespace, not the pod\'s own; cluster-wide as namespace ""', () => {
    const listed = podRequirement({
      rows,
      versions: at('2.9.0'),
      pod: { ...pod, namespace: 'data' },
      release: release('scheduler', ['KubernetesExecutor'], ['etl-jobs', 'etl-backfill']),
    });
    assert.deepEqual([...new Set(listed.access.map((a) => a.namespace))], ['etl-jobs', 'etl-backfill']);
    assert.equal(listed.access.length, 2 * EXECUTOR.length);
    assert.match(listed.basis, /in etl-jobs, etl-backfill$/);
    const wide = podRequirement({
      rows,
      versions: at('2.9.0'),
      pod: { ...pod, namespace: 'data' },
      release: release('scheduler', ['KubernetesExecutor'], ['*']),
    });
    assert.deepEqual(
      cells(wide),
      EXECUTOR.map((c) => `${c} @`),
    );
    assert.deepEqual(wide.namespaces, ['']);
    assert.match(wide.basis, /in all namespaces \(cluster-wide\)$/);
  });

  it('a pod of no release (or one not readable): what an account that launches pods needs, in its namespace, saying why', () => {
    const r = podRequirement({ rows, versions: at(), pod, why: 'release x not readable (forbidden)' });
    assert.deepEqual(r.profiles, ['kubernetes-pod-operator']);
    assert.deepEqual(
      cells(r),
      OPERATOR.map((c) => `${c} @airflow`),
    );
    assert.match(
      r.basis,
      /^release x not readable \(forbidden\): asked what an account that launches pods needs \(kubernetes-pod-operator\), in airflow$/,
    );
  });
});
