// Real kubectl creates the chart's task pod with `--dry-run=server --as` the worker ServiceAccount (and
// for real, where usage must build up) against the admission scenarios: kubectl must read each
// verdict of the sim's admission chain (ResourceQuota, LimitRanger, PodSecurity, validating webhooks)
// as it reads kube-apiserver's, with the same exit code and the same line on stderr; and a dry run
// must leave nothing behind.
import assert from 'node:assert/strict';
import { parse, stringify } from 'yaml';
import { startSim, type Sim } from '../sim/index.ts';
import { kubectl, kubectls, skipWithoutKubectl, type Kubectl, type Result } from './kubectl.ts';

const WORKER = 'system:serviceaccount:airflow:airflow-worker';

/** The pod template the chart mounts into Airflow pods, as the scenario's ConfigMap holds it. */
function podTemplate(sim: Sim): Record<string, any> {
  const cm = sim.store.get('configmaps', 'airflow', 'airflow-pod-template')!;
  return parse((cm as any).data['pod_template_file.yaml']);
}

function dryRun(k: Kubectl, sim: Sim, pod: object, as = WORKER): Promise<Result> {
  return kubectl(
    k,
    sim.kubeconfigPath,
    ['create', '--dry-run=server', '-n', 'airflow', '--as', as, '-o', 'name', '-f', '-'],
    stringify(pod),
  );
}

const named = (pod: Record<string, any>, name: string) => ({ ...pod, metadata: { ...pod.metadata, name } });

const RESTRICTED =
  'allowPrivilegeEscalation != false (container "base" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "base" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "base" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "base" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

describe('conformance: kubectl create --dry-run=server against the admission scenarios', function () {
  this.timeout(300_000);
  const sims: Record<string, Sim> = {};
  const names = [
    'admission-quota-limits',
    'admission-restricted',
    'admission-quota-parallelism',
    'admission-webhook-deny',
    'official-kubernetes-executor',
  ];
  before(async function () {
    skipWithoutKubectl(this);
    for (const n of names) sims[n] = await startSim({ scenario: n });
  });
  after(async () => {
    for (const s of Object.values(sims)) await s.stop();
  });

  for (const k of kubectls()) {
    describe(`kubectl ${k.label}`, () => {
      it('a quota on limits.memory refuses a pod template without limits', async () => {
        const sim = sims['admission-quota-limits'];
        const r = await dryRun(k, sim, podTemplate(sim));
        assert.equal(r.code, 1);
        assert.equal(
          r.stderr,
          'Error from server (Forbidden): error when creating "STDIN": pods "placeholder-name" is forbidden: failed quota: airflow-compute: must specify limits.memory for: base\n',
        );
      });

      it('a namespace enforcing restricted refuses the chart pod template', async () => {
        const sim = sims['admission-restricted'];
        const r = await dryRun(k, sim, podTemplate(sim));
        assert.equal(r.code, 1);
        assert.equal(
          r.stderr,
          `Error from server (Forbidden): error when creating "STDIN": pods "placeholder-name" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED}\n`,
        );
      });

      it('a quota admits one pod of many, and refuses the one past it once usage is real', async () => {
        const sim = sims['admission-quota-parallelism'];
        const tpl = podTemplate(sim);
        const first = await dryRun(k, sim, tpl);
        assert.equal(first.code, 0, first.stderr);
        assert.equal(first.stdout, 'pod/placeholder-name\n');
        // usage builds up only from real creates: four 1Gi pods fill the 4Gi of requests.memory
        const created: string[] = [];
        for (let i = 1; i <= 4; i++) {
          const name = `task-${k.minor}-${i}`;
          const r = await kubectl(
            k,
            sim.kubeconfigPath,
            ['create', '-n', 'airflow', '--as', WORKER, '-o', 'name', '-f', '-'],
            stringify(named(tpl, name)),
          );
          assert.equal(r.code, 0, r.stderr);
          created.push(name);
        }
        const fifth = await dryRun(k, sim, tpl);
        assert.equal(fifth.code, 1);
        assert.equal(
          fifth.stderr,
          'Error from server (Forbidden): error when creating "STDIN": pods "placeholder-name" is forbidden: exceeded quota: airflow-compute, requested: requests.memory=1Gi, used: requests.memory=4Gi, limited: requests.memory=4Gi\n',
        );
        for (const n of created) sim.store.delete('pods', 'airflow', n);
      });

      it('a validating webhook that denies: its message, no reason', async () => {
        const sim = sims['admission-webhook-deny'];
        const r = await dryRun(k, sim, podTemplate(sim));
        assert.equal(r.code, 1);
        assert.equal(
          r.stderr,
          'Error from server: error when creating "STDIN": admission webhook "require-limits.policy.example.com" denied the request: validation error: resource limits are required for every container. rule require-limits failed at path /spec/containers/0/resources/limits/\n',
        );
      });

      it('a webhook with side effects makes the dry run fail; one that times out is an internal error', async () => {
        const sim = sims['admission-webhook-deny'];
        const cfg = sim.store.get('validatingwebhookconfigurations', undefined, 'policy-require-limits')!;
        try {
          const unknown = structuredClone(cfg) as any;
          unknown.webhooks[0].sideEffects = 'Unknown';
          sim.store.apply(unknown);
          const r = await dryRun(k, sim, podTemplate(sim));
          assert.equal(r.code, 1);
          assert.equal(
            r.stderr,
            'Error from server (BadRequest): error when creating "STDIN": admission webhook "require-limits.policy.example.com" does not support dry run\n',
          );
          const timeout = structuredClone(cfg) as any;
          timeout.metadata.annotations['sim.kubectl-airflow.dev/answer'] = 'timeout';
          sim.store.apply(timeout);
          const t = await dryRun(k, sim, podTemplate(sim));
          assert.equal(t.code, 1);
          assert.equal(
            t.stderr,
            'Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "require-limits.policy.example.com": failed to call webhook: Post "https://policy-webhook.policy-system.svc:443/validate?timeout=10s": context deadline exceeded\n',
          );
          timeout.webhooks[0].failurePolicy = 'Ignore';
          sim.store.apply(timeout);
          const ignored = await dryRun(k, sim, podTemplate(sim));
          assert.equal(ignored.code, 0, ignored.stderr);
        } finally {
          sim.store.apply(cfg);
        }
      });

      it('LimitRange: defaults fill the dry-run pod; a limit above max is refused', async () => {
        const sim = sims['official-kubernetes-executor'];
        const lr = {
          apiVersion: 'v1',
          kind: 'LimitRange',
          metadata: { name: 'task-limits', namespace: 'airflow' },
          spec: {
            limits: [
              {
                type: 'Container',
                max: { memory: '2Gi' },
                default: { memory: '512Mi' },
                defaultRequest: { memory: '256Mi' },
              },
            ],
          },
        };
        sim.store.apply(lr as any);
        try {
          const tpl = podTemplate(sim);
          const ok = await kubectl(
            k,
            sim.kubeconfigPath,
            ['create', '--dry-run=server', '-n', 'airflow', '--as', WORKER, '-o', 'json', '-f', '-'],
            stringify(tpl),
          );
          assert.equal(ok.code, 0, ok.stderr);
          assert.deepEqual(JSON.parse(ok.stdout).spec.containers[0].resources, {
            limits: { memory: '512Mi' },
            requests: { memory: '256Mi' },
          });
          const big = structuredClone(tpl);
          big.spec.containers[0].resources = { limits: { memory: '4Gi' } };
          const r = await dryRun(k, sim, big);
          assert.equal(r.code, 1);
          assert.equal(
            r.stderr,
            'Error from server (Forbidden): error when creating "STDIN": pods "placeholder-name" is forbidden: maximum memory usage per Container is 2Gi, but limit is 4Gi\n',
          );
        } finally {
          sim.store.delete('limitranges', 'airflow', 'task-limits');
        }
      });

      it('warn=restricted admits with the warning kubectl prints', async () => {
        const sim = sims['official-kubernetes-executor'];
        const ns = sim.store.get('namespaces', undefined, 'airflow')!;
        sim.store.apply({
          ...ns,
          metadata: {
            ...ns.metadata,
            labels: { ...ns.metadata.labels, 'pod-security.kubernetes.io/warn': 'restricted' },
          },
        });
        try {
          const r = await dryRun(k, sim, podTemplate(sim));
          assert.equal(r.code, 0, r.stderr);
          assert.equal(r.stderr, `Warning: would violate PodSecurity "restricted:latest": ${RESTRICTED}\n`);
        } finally {
          sim.store.apply(ns);
        }
      });

      it('the default FlowSchemas and priority levels are listed as a 1.29+ server has them', async () => {
        const sim = sims['official-kubernetes-executor'];
        const fs = await kubectl(k, sim.kubeconfigPath, [
          'get',
          'flowschemas.flowcontrol.apiserver.k8s.io',
          '-o',
          'json',
        ]);
        assert.equal(fs.code, 0, fs.stderr);
        const sa = JSON.parse(fs.stdout).items.find((o: any) => o.metadata.name === 'service-accounts');
        assert.deepEqual([sa.spec.matchingPrecedence, sa.spec.priorityLevelConfiguration.name], [9000, 'workload-low']);
        const pl = await kubectl(k, sim.kubeconfigPath, ['get', 'prioritylevelconfigurations', '-o', 'name']);
        assert.equal(pl.stdout.split('\n').filter(Boolean).length, 8, pl.stdout);
      });

      it('a dry run persists nothing', async () => {
        const sim = sims['official-kubernetes-executor'];
        const before = sim.store.all('pods', 'airflow').map((p) => p.metadata.name);
        const r = await dryRun(k, sim, named(podTemplate(sim), `dry-${k.minor}`));
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(
          sim.store.all('pods', 'airflow').map((p) => p.metadata.name),
          before,
        );
      });
    });
  }
});
