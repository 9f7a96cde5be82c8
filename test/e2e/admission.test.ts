// `kubectl airflow admission` against the admission scenarios: the server's verdict on the task pod
// in its own words, the fix, and that applying the fix (as a person would, merged into the pod
// template) makes the next run pass. Nothing may be persisted: the request log holds only reads,
// reviews and dry-run creates.
import assert from 'node:assert/strict';
import { parse, stringify } from 'yaml';
import type { Sim } from '../sim/index.ts';
import { isolatedNetworkMissing, runMain, withSim } from './harness.ts';

const run = (sim: Sim, ...args: string[]) =>
  runMain(['admission', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', ...args]);

/** Only reads, access reviews and dry-run creates: what a check may send. */
function persisted(sim: Sim): string[] {
  return sim.log.entries
    .filter(
      (e) =>
        e.method !== 'GET' &&
        !/reviews$/.test(e.path) &&
        !(e.method === 'POST' && /(^|&)dryRun=All(&|$)/.test(e.query)),
    )
    .map((e) => `${e.method} ${e.path}?${e.query}`);
}

/** Strategic merge as kubectl applies a patch to a Pod: maps merge, containers merge by name. */
function merge(base: any, patch: any): any {
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((p) => p?.name)) {
    const out = base.map((b: any) => {
      const p = patch.find((x: any) => x.name === b.name);
      return p ? merge(b, p) : b;
    });
    return [...out, ...patch.filter((p: any) => !base.some((b: any) => b.name === p.name))];
  }
  if (base && patch && typeof base === 'object' && typeof patch === 'object' && !Array.isArray(patch)) {
    const out = { ...base };
    for (const [k, v] of Object.entries(patch)) out[k] = k in base ? merge(base[k], v) : v;
    return out;
  }
  return patch;
}

/** Applies a fix the report printed to the pod template ConfigMap, as the operator would. */
function applyTemplateFix(sim: Sim, fixYaml: string): void {
  const cm = sim.store.get('configmaps', 'airflow', 'airflow-pod-template')! as any;
  const tpl = parse(cm.data['pod_template_file.yaml']);
  sim.store.apply({ ...cm, data: { ...cm.data, 'pod_template_file.yaml': stringify(merge(tpl, parse(fixYaml))) } });
}

/** doctor -o json: the admission layer and the exit code. */
async function doctorAdmission(sim: Sim): Promise<{ code: number; layer: any; first: string | null }> {
  const r = await runMain(['doctor', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', '-o', 'json']);
  const d = JSON.parse(r.out);
  return { code: r.code, layer: d.layers.find((l: any) => l.layer === 'admission'), first: d.firstFailingLayer };
}

async function json(sim: Sim, ...args: string[]): Promise<{ code: number; report: any }> {
  const r = await run(sim, '-o', 'json', ...args);
  return { code: r.code, report: JSON.parse(r.out) };
}

describe('e2e: kubectl airflow admission', function () {
  this.timeout(60_000);

  withSim('admission-quota-limits', (sim) => {
    it("doctor: the admission layer FAILs in the server's words with the fix, exit 1", async () => {
      const { code, layer, first } = await doctorAdmission(sim());
      assert.equal(code, 1);
      assert.equal(layer.verdict, 'FAIL');
      assert.match(layer.summary, /failed quota: airflow-compute: must specify limits\.memory for: base/);
      assert.match(layer.remedy, /state resources\.limits\.memory/);
      assert.equal(first, 'admission');
    });
    it("exit 1: the quota refuses the template without limits, in the server's words, with the fix", async () => {
      sim().log.reset();
      const r = await run(sim());
      assert.equal(r.code, 1, r.err);
      assert.match(
        r.out,
        /quota\s+FAIL\s+pods "kubectl-airflow-admission-check" is forbidden: failed quota: airflow-compute: must specify limits.memory for: base/,
      );
      assert.match(
        r.out,
        /state resources\.limits\.memory for every container in the pod template \(ConfigMap airflow-pod-template key pod_template_file\.yaml\)/,
      );
      assert.deepEqual(persisted(sim()), []);
    });
    it('stating the limit in the template makes the dry run pass; the room is then weighed against parallelism', async () => {
      applyTemplateFix(
        sim(),
        stringify({ spec: { containers: [{ name: 'base', resources: { limits: { memory: '1Gi' } } }] } }),
      );
      const tight = await json(sim());
      assert.equal(tight.code, 1, '16Gi holds 16 pods of 1Gi, parallelism is 32 (Airflow default)');
      assert.match(
        tight.report.findings.find((f: any) => f.check === 'quota').message,
        /room for 16 task pods at once .* parallelism is 32 \(Airflow default\)/,
      );
      applyTemplateFix(
        sim(),
        stringify({ spec: { containers: [{ name: 'base', resources: { limits: { memory: '512Mi' } } }] } }),
      );
      const { code, report } = await json(sim());
      assert.equal(code, 0, JSON.stringify(report.findings));
      assert.ok(
        report.findings.some(
          (f: any) => f.check === 'quota' && f.verdict === 'OK' && /room for 32 task pods/.test(f.message),
        ),
        JSON.stringify(report.findings),
      );
    });
    it('rbac exits 0: the RBAC is complete, the problem is admission', async () => {
      const r = await runMain(['rbac', '--kubeconfig', sim().kubeconfigPath, '-n', 'airflow']);
      assert.equal(r.code, 0, r.out + r.err);
    });
  });

  withSim('admission-restricted', (sim) => {
    it("doctor: the admission layer FAILs in the server's words with the fix, exit 1", async () => {
      const { code, layer, first } = await doctorAdmission(sim());
      assert.equal(code, 1);
      assert.equal(layer.verdict, 'FAIL');
      assert.match(layer.summary, /violates PodSecurity "restricted:latest"/);
      assert.match(layer.remedy, /securityContext/);
      assert.equal(first, 'admission');
    });
    it('exit 1: violates PodSecurity "restricted:latest", and the securityContext to merge as YAML', async () => {
      const { code, report } = await json(sim());
      assert.equal(code, 1);
      const f = report.findings.find((x: any) => x.check === 'pod-security' && x.verdict === 'FAIL');
      assert.match(
        f.message,
        /^pods "kubectl-airflow-admission-check" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/,
      );
      assert.ok(f.fixYaml);
      applyTemplateFix(sim(), f.fixYaml);
      const again = await json(sim());
      assert.equal(again.code, 0, JSON.stringify(again.report.findings));
      assert.ok(again.report.findings.some((x: any) => x.check === 'admission' && x.verdict === 'OK'));
    });
    it('-o yaml carries the same report', async () => {
      const r = await run(sim(), '-o', 'yaml');
      assert.equal(parse(r.out).release, 'airflow');
    });
    it('rbac exits 0', async () => {
      assert.equal((await runMain(['rbac', '--kubeconfig', sim().kubeconfigPath, '-n', 'airflow'])).code, 0);
    });
  });

  withSim('admission-quota-parallelism', (sim) => {
    it("doctor: the admission layer FAILs in the server's words with the fix, exit 1", async () => {
      const { code, layer, first } = await doctorAdmission(sim());
      assert.equal(code, 1);
      assert.equal(layer.verdict, 'FAIL');
      assert.match(layer.summary, /room for 4 task pods at once .* parallelism is 16/);
      assert.match(layer.remedy, /raise ResourceQuota airflow-compute/);
      assert.equal(first, 'admission');
    });
    it('exit 1: room for 4 task pods, parallelism 16, though the dry run itself passes', async () => {
      const { code, report } = await json(sim());
      assert.equal(code, 1);
      assert.equal(report.parallelism.value, 16);
      assert.ok(report.findings.some((f: any) => f.check === 'admission' && f.verdict === 'OK'));
      const q = report.findings.find((f: any) => f.check === 'quota');
      assert.equal(q.verdict, 'FAIL');
      assert.match(
        q.message,
        /ResourceQuota airflow-compute: room for 4 task pods at once \(4Gi of requests\.memory left, 1Gi per task pod\), but parallelism is 16/,
      );
      assert.match(q.fix, /by 12Gi.*or set \[core\] parallelism to 4/);
    });
    it('the prediction holds: the fifth real create is refused with exceeded quota', async () => {
      const s = sim();
      const tpl = parse(
        (s.store.get('configmaps', 'airflow', 'airflow-pod-template') as any).data['pod_template_file.yaml'],
      );
      for (let i = 0; i < 4; i++)
        s.store.apply({
          ...tpl,
          metadata: { ...tpl.metadata, name: `task-${i}`, namespace: 'airflow' },
          status: { phase: 'Running' },
        });
      try {
        const { code, report } = await json(s);
        assert.equal(code, 1);
        assert.match(
          report.findings.find((f: any) => f.check === 'quota').message,
          /^pods "kubectl-airflow-admission-check" is forbidden: exceeded quota: airflow-compute, requested: requests\.memory=1Gi, used: requests\.memory=4Gi, limited: requests\.memory=4Gi$/,
        );
      } finally {
        for (let i = 0; i < 4; i++) s.store.delete('pods', 'airflow', `task-${i}`);
      }
    });
    it('rbac exits 0', async () => {
      assert.equal((await runMain(['rbac', '--kubeconfig', sim().kubeconfigPath, '-n', 'airflow'])).code, 0);
    });
  });

  withSim('admission-webhook-deny', (sim) => {
    it("doctor: the admission layer FAILs in the server's words with the fix, exit 1", async () => {
      const { code, layer, first } = await doctorAdmission(sim());
      assert.equal(code, 1);
      assert.equal(layer.verdict, 'FAIL');
      assert.match(
        layer.summary,
        /admission webhook "require-limits\.policy\.example\.com" denied the request: validation error/,
      );
      assert.match(layer.remedy, /refuses task pods/);
      assert.equal(first, 'admission');
    });
    it("exit 1: the webhook's denial in its own words", async () => {
      const r = await run(sim());
      assert.equal(r.code, 1);
      assert.match(
        r.out,
        /webhook\s+FAIL\s+admission webhook "require-limits\.policy\.example\.com" denied the request: validation error: resource limits are required/,
      );
    });
    it('a webhook with side effects cannot be dry-run: WARN, not FAIL', async () => {
      const s = sim();
      const cfg = s.store.get('validatingwebhookconfigurations', undefined, 'policy-require-limits')! as any;
      s.store.apply({ ...cfg, webhooks: [{ ...cfg.webhooks[0], sideEffects: 'Unknown' }] });
      try {
        const { code, report } = await json(s);
        assert.equal(code, 0);
        assert.ok(
          report.findings.some(
            (f: any) => f.check === 'webhook' && f.verdict === 'WARN' && /does not support dry run/.test(f.message),
          ),
        );
      } finally {
        s.store.apply(cfg);
      }
    });
    it('rbac exits 0', async () => {
      assert.equal((await runMain(['rbac', '--kubeconfig', sim().kubeconfigPath, '-n', 'airflow'])).code, 0);
    });
  });

  withSim('admission-istio', (sim) => {
    it("doctor: the admission layer WARNs in the server's words with the fix, exit 0", async () => {
      const { code, layer, first } = await doctorAdmission(sim());
      assert.equal(code, 0);
      assert.equal(layer.verdict, 'WARN');
      assert.match(layer.summary, /istio injects istio-proxy into task pods/);
      assert.match(layer.remedy, /sidecar\.istio\.io\/inject: "false"/);
      assert.equal(first, null);
    });
    it('WARN (exit 0): istio-proxy keeps finished task pods Running; the opt-out label fixes it', async () => {
      const { code, report } = await json(sim());
      assert.equal(code, 0);
      const m = report.findings.find((f: any) => f.check === 'mesh');
      assert.equal(m.verdict, 'WARN');
      assert.match(m.message, /namespace label istio-injection=enabled.*etl-daily-load-orders-q8z2m4kd/);
      applyTemplateFix(sim(), m.fixYaml);
      const again = await json(sim());
      assert.ok(!again.report.findings.some((f: any) => f.check === 'mesh'), JSON.stringify(again.report.findings));
    });
    it('rbac exits 0', async () => {
      assert.equal((await runMain(['rbac', '--kubeconfig', sim().kubeconfigPath, '-n', 'airflow'])).code, 0);
    });
    it('no command persists anything: the log holds only reads, reviews and dry-run creates', async () => {
      const commands = [['rbac'], ['config'], ['ha'], ['admission']];
      const missing = isolatedNetworkMissing();
      if (missing) console.log(`    doctor left out: its network layer execs into pods (${missing})`);
      else commands.push(['doctor']);
      sim().log.reset();
      for (const c of commands) await runMain([...c, '--kubeconfig', sim().kubeconfigPath, '-n', 'airflow']);
      assert.ok(sim().log.entries.length > 0);
      assert.deepEqual(persisted(sim()), []);
    });
  });

  withSim('official-kubernetes-executor', (sim) => {
    it('a healthy release: exit 0, the accounts under FlowSchema service-accounts, nothing persisted', async () => {
      sim().log.reset();
      const { code, report } = await json(sim());
      assert.equal(code, 0);
      assert.ok(
        report.findings.some(
          (f: any) =>
            f.check === 'flow-control' &&
            /airflow-scheduler .*FlowSchema service-accounts -> priority level workload-low/.test(f.message),
        ),
      );
      assert.deepEqual(persisted(sim()), []);
      assert.ok(
        sim().log.entries.some(
          (e) =>
            e.method === 'POST' &&
            /pods$/.test(e.path) &&
            /dryRun=All/.test(e.query) &&
            e.user === 'system:serviceaccount:airflow:airflow-scheduler',
        ),
        'the scheduler creates KubernetesExecutor task pods',
      );
    });
    it('a caller who may not impersonate: SKIP naming the permission, the rest still shown, exit 3', async () => {
      const { code, report } = await json(sim(), '--context', 'auditor');
      assert.equal(code, 3);
      const s = report.findings.find((f: any) => f.check === 'admission');
      assert.equal(s.verdict, 'SKIP');
      assert.match(s.message, /needs impersonate serviceaccounts airflow-scheduler in airflow/);
      assert.ok(report.findings.some((f: any) => f.check === 'flow-control'));
    });
    it('-A is bad input: one line, exit 2', async () => {
      const r = await runMain(['admission', '--kubeconfig', sim().kubeconfigPath, '-A']);
      assert.equal(r.code, 2);
      assert.equal(r.err.trim().split('\n').length, 1);
    });
  });
});
