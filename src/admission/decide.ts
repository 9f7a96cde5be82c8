// The admission check's decisions over fetched data: per launch namespace the server's dry-run
// verdict explained, the Pod Security labels, the quota room at the configured parallelism and the
// service meshes; then API Priority and Fairness for the Airflow accounts. Pure.
import { dryRunFinding, explainRejection } from './explain.ts';
import { flowControlFindings, type AccountUse, type FlowSchema, type PriorityLevel } from './flowcontrol.ts';
import { buildTaskPod } from './launch-pod.ts';
import { meshFindings } from './mesh.ts';
import type { Finding, LaunchInput, NamespaceFacts, Read, Verdict } from './model.ts';
import { podSecurityFinding, restrictedFix } from './podsecurity.ts';
import { quotaFindings } from './quota.ts';

export interface AdmissionInput {
  launch: LaunchInput;
  namespaces: NamespaceFacts[];
  accounts: AccountUse[];
  flowControl: Read<{ schemas: FlowSchema[]; levels: PriorityLevel[] }>;
}

const skip = (namespace: string, check: Finding['check'], r: { message: string; permission: string }): Finding => ({
  namespace,
  check,
  verdict: 'SKIP',
  message: `${r.message} (needs ${r.permission}); the other checks go on`,
});

export function decideNamespace(launch: LaunchInput, f: NamespaceFacts): Finding[] {
  const out: Finding[] = [];
  const pod = buildTaskPod(launch, f.namespace);
  let podForQuota = pod;
  let quotaAlreadyRefused = false;
  if (!f.dryRun.ok) out.push(skip(f.namespace, 'admission', f.dryRun));
  else {
    const d = f.dryRun.value;
    const finding = dryRunFinding(f.namespace, d, launch.templateSource);
    if (!d.admitted) {
      const cause = explainRejection(d, launch.templateSource);
      if (cause.check === 'pod-security' && cause.subject?.startsWith('restricted'))
        finding.fixYaml = restrictedFix(pod);
      quotaAlreadyRefused = cause.check === 'quota';
    } else podForQuota = d.pod; // with the LimitRange defaults the server applied
    out.push(finding);
  }
  if (Object.keys(f.labels ?? {}).some((k) => k.startsWith('pod-security.kubernetes.io/')))
    out.push(podSecurityFinding(f.namespace, f.labels));
  if (!f.quotas.ok) out.push(skip(f.namespace, 'quota', f.quotas));
  else if (!quotaAlreadyRefused)
    out.push(...quotaFindings(f.namespace, podForQuota, f.quotas.value, launch.parallelism, launch.parallelismSource));
  out.push(...meshFindings(f.namespace, f, pod, f.taskPods.ok ? f.taskPods.value : []));
  return out;
}

export function decideAdmission(input: AdmissionInput): Finding[] {
  const out = input.namespaces.flatMap((f) => decideNamespace(input.launch, f));
  if (!input.flowControl.ok) out.push(skip('', 'flow-control', input.flowControl));
  else if (input.flowControl.value.schemas.length) {
    // a server without the flowcontrol API has no schemas: nothing to say about it
    const k8s = input.launch.executors.some((e) => /Kubernetes/.test(e));
    out.push(
      ...flowControlFindings(
        input.accounts,
        input.flowControl.value.schemas,
        input.flowControl.value.levels,
        input.launch.parallelism,
        k8s,
      ),
    );
  }
  return out;
}

const RANK: Record<Verdict, number> = { OK: 0, SKIP: 1, WARN: 2, FAIL: 3 };

export function worst(findings: Finding[]): Verdict {
  return findings.reduce<Verdict>((w, f) => (RANK[f.verdict] > RANK[w] ? f.verdict : w), 'OK');
}
