// pods/log as kube-apiserver and the kubelet answer it: container choice and its 400s, the state
// checks, the options (tailLines, sinceSeconds, timestamps, limitBytes) and follow streaming.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { startSim, type Sim } from '../sim/index.ts';
import { readLog } from '../sim/pod-log.ts';
import type { KubeObject } from '../sim/types.ts';

const NOW = new Date('2026-12-03T10:00:00Z');

function pod(
  extra: {
    lastState?: object;
    state?: object;
    annotations?: Record<string, string>;
    nodeName?: string | null;
    containers?: string[];
    init?: string[];
  } = {},
): KubeObject {
  const containers = extra.containers ?? ['scheduler', 'scheduler-log-groomer'];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'airflow-scheduler-0',
      namespace: 'airflow',
      annotations: extra.annotations ?? {
        'sim.kubectl-airflow.dev/logs.scheduler':
          '2026-12-03T09:00:00Z started\n2026-12-03T09:59:30Z one\n2026-12-03T09:59:50Z two\n',
      },
    },
    spec: {
      ...(extra.nodeName === null ? {} : { nodeName: extra.nodeName ?? 'node-a' }),
      initContainers: (extra.init ?? ['wait-for-airflow-migrations']).map((name) => ({
        name,
        image: 'apache/airflow:3.0.2',
      })),
      containers: containers.map((name) => ({ name, image: 'apache/airflow:3.0.2' })),
    },
    status: {
      initContainerStatuses: (extra.init ?? ['wait-for-airflow-migrations']).map((name) => ({
        name,
        state: { terminated: { exitCode: 0 } },
      })),
      containerStatuses: containers.map((name) => ({
        name,
        state: extra.state ?? { running: { startedAt: '2026-12-03T09:00:00Z' } },
        lastState: extra.lastState ?? {},
      })),
    },
  };
}

const q = (s: string) => new URLSearchParams(s);
const answer = (p: KubeObject, s: string) => {
  const a = readLog(p, q(s), NOW);
  return 'status' in a ? `${a.status.code} ${a.status.message}` : a.body;
};

describe('sim pods/log', () => {
  const cases: [string, KubeObject, string, string][] = [
    [
      'no container, several: the exact upstream 400 (init containers first)',
      pod(),
      '',
      '400 a container name must be specified for pod airflow-scheduler-0, choose one of: [wait-for-airflow-migrations scheduler scheduler-log-groomer]',
    ],
    ['a container the pod lacks', pod(), 'container=web', '400 container web is not valid for pod airflow-scheduler-0'],
    [
      'previous without a previous instance',
      pod(),
      'container=scheduler&previous=true',
      '400 previous terminated container "scheduler" in pod "airflow-scheduler-0" not found',
    ],
    [
      'previous with one',
      pod({
        lastState: { terminated: { exitCode: 1 } },
        annotations: { 'sim.kubectl-airflow.dev/previous-logs.scheduler': 'crashed\n' },
      }),
      'container=scheduler&previous=1',
      'crashed\n',
    ],
    [
      'waiting to start',
      pod({ state: { waiting: { reason: 'ImagePullBackOff' } } }),
      'container=scheduler',
      '400 container "scheduler" in pod "airflow-scheduler-0" is waiting to start: ImagePullBackOff',
    ],
    [
      'one container: chosen without asking',
      pod({ containers: ['worker'], init: [], annotations: { 'sim.kubectl-airflow.dev/logs': 'hello\n' } }),
      '',
      'hello\n',
    ],
    ['not scheduled yet: empty', pod({ nodeName: null }), 'container=scheduler', ''],
    ['everything', pod(), 'container=scheduler', 'started\none\ntwo\n'],
    ['tailLines', pod(), 'container=scheduler&tailLines=1', 'two\n'],
    ['sinceSeconds', pod(), 'container=scheduler&sinceSeconds=60', 'one\ntwo\n'],
    [
      'timestamps (nine fraction digits)',
      pod(),
      'container=scheduler&tailLines=1&timestamps=true',
      '2026-12-03T09:59:50.000000000Z two\n',
    ],
    ['limitBytes', pod(), 'container=scheduler&limitBytes=3', 'sta'],
    [
      'negative tailLines: 422',
      pod(),
      'container=scheduler&tailLines=-1',
      '422 PodLogOptions "airflow-scheduler-0" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'sinceSeconds 0: 422',
      pod(),
      'container=scheduler&sinceSeconds=0',
      '422 PodLogOptions "airflow-scheduler-0" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0',
    ],
  ];
  for (const [name, p, query, want] of cases) {
    it(name, () => assert.equal(answer(p, query), want));
  }

  describe('through the server', function () {
    this.timeout(20_000);
    let sim: Sim;
    before(async () => {
      sim = await startSim({ scenario: 'minimal' });
      sim.store.apply(pod());
    });
    after(async () => sim.stop());

    const get = (path: string): Promise<{ code: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request(
          `${sim.url}${path}`,
          { ca: sim.caPem, agent: false, headers: { authorization: `Bearer ${sim.tokenFor('alice')}` } },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ code: res.statusCode!, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });

    it('a multi-container log without container is a 400 Status', async () => {
      sim.store.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'airflow' } });
      sim.store.apply(pod());
      sim.store.apply({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'alice-logs', namespace: 'airflow' },
        subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
        roleRef: { kind: 'ClusterRole', name: 'view', apiGroup: 'rbac.authorization.k8s.io' },
      });
      const r = await get('/api/v1/namespaces/airflow/pods/airflow-scheduler-0/log');
      assert.equal(r.code, 400);
      const s = JSON.parse(r.body) as { kind: string; reason: string; message: string };
      assert.deepEqual([s.kind, s.reason], ['Status', 'BadRequest']);
      assert.match(
        s.message,
        /^a container name must be specified for pod airflow-scheduler-0, choose one of: \[wait-for-airflow-migrations scheduler scheduler-log-groomer\]$/,
      );
    });

    /** Waits until `pred` holds; the guard only keeps a broken stream from hanging the run. */
    const until = async (pred: () => boolean) => {
      const guard = Date.now() + 30_000;
      while (!pred()) {
        if (Date.now() > guard) throw new Error('gave up waiting for the log stream');
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    it('follow streams what is there, then lines added while it runs, and ends when the container stops', async () => {
      let body = '';
      let ended = false;
      const req = request(
        `${sim.url}/api/v1/namespaces/airflow/pods/airflow-scheduler-0/log?container=scheduler&follow=true`,
        { ca: sim.caPem, agent: false, headers: { authorization: `Bearer ${sim.tokenFor('alice')}` } },
        (res) => {
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => (ended = true));
        },
      );
      req.end();
      await until(() => body.includes('two'));
      const p = pod();
      p.metadata.annotations!['sim.kubectl-airflow.dev/logs.scheduler'] += 'three\n';
      sim.store.apply(p);
      await until(() => body.includes('three'));
      assert.equal(ended, false);
      sim.store.apply(pod({ state: { terminated: { exitCode: 0 } } }));
      await until(() => ended);
      assert.equal(body, 'started\none\ntwo\nthree\n');
    });
  });
});
