// Which admission step refused the dry-run create, read from the server's own message, and what to
// do about it. The message shapes are kube-apiserver's: ResourceQuota
// (apiserver/pkg/admission/plugin/resourcequota/controller.go, quota/v1/evaluator/core/pods.go),
// LimitRanger (plugin/pkg/admission/limitranger/admission.go), PodSecurity
// (pod-security-admission/admission/admission.go), webhooks (apiserver/pkg/admission/plugin/webhook).
import type { CheckId, DryRun, Finding } from './model.ts';

type Rejected = Extract<DryRun, { admitted: false }>;

export interface Cause {
  check: CheckId;
  /** FAIL: Airflow's own creates are refused the same way; WARN: only the check could not tell. */
  verdict: 'FAIL' | 'WARN';
  fix: string;
  /** The quota / webhook / policy the message names. */
  subject?: string;
  /** Resources a quota requires every container to state. */
  missing?: string[];
}

export function explainRejection(r: Rejected, templateSource: string | undefined): Cause {
  const m = r.message;
  const where = templateSource
    ? `the pod template (${templateSource})`
    : 'a pod template ([kubernetes_executor] pod_template_file)';
  let x = /failed quota: ([^:]+): must specify (.*)$/.exec(m);
  if (x) {
    // current wording `limits.memory for: base; requests.cpu for: base`, older `limits.memory,requests.cpu`
    const missing = x[2]
      .replace(/ for: [^;]*/g, '')
      .split(/[;,]\s*/)
      .filter(Boolean);
    return {
      check: 'quota',
      verdict: 'FAIL',
      subject: x[1],
      missing,
      fix: `ResourceQuota ${x[1]} counts ${missing.join(', ')}: state ${missing.map((r) => (r.includes('.') ? `resources.${r}` : `resources.requests.${r}`)).join(', ')} for every container in ${where}, or have a LimitRange give defaults`,
    };
  }
  x = /exceeded quota: ([^,]+), requested: ([^,]+(?:,[^,]+=[^,]+)*), used: /.exec(m);
  if (x) {
    return {
      check: 'quota',
      verdict: 'FAIL',
      subject: x[1],
      fix: `ResourceQuota ${x[1]} has no room for one more task pod: raise its spec.hard, lower the pod's requests/limits in ${where}, or wait for running pods to finish`,
    };
  }
  if (/violates PodSecurity "([^"]+)"/.test(m)) {
    const level = /violates PodSecurity "([^"]+)"/.exec(m)![1];
    return {
      check: 'pod-security',
      verdict: 'FAIL',
      subject: level,
      fix: `the launch namespace enforces Pod Security ${level}: give ${where} the securityContext below (or relax the namespace's pod-security.kubernetes.io/enforce label)`,
    };
  }
  if (/(minimum|maximum) \S+ usage per (Container|Pod) is/.test(m)) {
    return {
      check: 'limit-range',
      verdict: 'FAIL',
      fix: `a LimitRange bounds task pods: bring the requests/limits in ${where} inside its min/max`,
    };
  }
  x = /admission webhook "([^"]+)" does not support dry run/.exec(m);
  if (x) {
    return {
      check: 'webhook',
      verdict: 'WARN',
      subject: x[1],
      fix: `the webhook ${x[1]} declares sideEffects Unknown or Some, so no dry run can pass it; only a real create would tell. Its owner can declare sideEffects: None (or NoneOnDryRun)`,
    };
  }
  x = /admission webhook "([^"]+)" denied the request/.exec(m);
  if (x) {
    return {
      check: 'webhook',
      verdict: 'FAIL',
      subject: x[1],
      fix: `the policy behind webhook ${x[1]} refuses task pods: change ${where} as its message asks, or ask its owner for an exception for the Airflow namespace`,
    };
  }
  x = /failed calling webhook "([^"]+)"/.exec(m);
  if (x) {
    return {
      check: 'webhook',
      verdict: 'FAIL',
      subject: x[1],
      fix: `the webhook ${x[1]} does not answer and fails closed (failurePolicy: Fail): every pod create in the namespace is refused until its service is back`,
    };
  }
  return {
    check: 'admission',
    verdict: 'FAIL',
    fix: 'the API server refused the pod Airflow would create; the message above is its reason',
  };
}

/** The Finding for one namespace's dry run. */
export function dryRunFinding(namespace: string, d: DryRun, templateSource: string | undefined): Finding {
  if (d.admitted) {
    const w = d.warnings.length ? ` (warnings: ${d.warnings.join('; ')})` : '';
    return {
      namespace,
      check: 'admission',
      verdict: d.warnings.length ? 'WARN' : 'OK',
      message: `the server admits the task pod (dry run)${w}`,
    };
  }
  const cause = explainRejection(d, templateSource);
  return { namespace, check: cause.check, verdict: cause.verdict, message: d.message, fix: cause.fix };
}
