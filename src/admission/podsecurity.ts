// Pod Security admission seen from the launch namespace's labels
// (kubernetes staging/src/k8s.io/pod-security-admission/api: pod-security.kubernetes.io/<mode>
// and <mode>-version; no label means privileged), and the securityContext that satisfies
// `restricted` for an Airflow task pod (policy/check_*.go: allowPrivilegeEscalation=false,
// capabilities.drop ALL, runAsNonRoot=true, seccompProfile RuntimeDefault; UID 50000 is the
// apache/airflow image's default user, Dockerfile AIRFLOW_UID, and the chart's runAsUser).
import { stringify } from 'yaml';
import type { Finding, PodManifest } from './model.ts';

export type Level = 'privileged' | 'baseline' | 'restricted';
export interface ModePolicy {
  level: Level;
  version: string;
}

export function namespacePolicy(
  labels: Record<string, string> | undefined,
): Record<'enforce' | 'warn' | 'audit', ModePolicy> {
  const mode = (m: string): ModePolicy => {
    const level = labels?.[`pod-security.kubernetes.io/${m}`];
    const version = labels?.[`pod-security.kubernetes.io/${m}-version`] ?? 'latest';
    if (level === undefined) return { level: 'privileged', version: 'latest' };
    // An unknown level is evaluated as restricted (the admission fails closed).
    return {
      level: level === 'privileged' || level === 'baseline' || level === 'restricted' ? level : 'restricted',
      version,
    };
  };
  return { enforce: mode('enforce'), warn: mode('warn'), audit: mode('audit') };
}

/** The template change that satisfies `restricted`, keyed by the template's container names. */
export function restrictedFix(pod: PodManifest): string {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const fix = {
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 50000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: (names.length ? names : ['base']).map((name) => ({
        name,
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      })),
    },
  };
  return stringify(fix);
}

export function podSecurityFinding(namespace: string, labels: Record<string, string> | undefined): Finding {
  const p = namespacePolicy(labels);
  const shown = (m: ModePolicy) => `${m.level}:${m.version}`;
  const parts = (['enforce', 'warn', 'audit'] as const)
    .filter((m) => p[m].level !== 'privileged')
    .map((m) => `${m} ${shown(p[m])}`);
  return {
    namespace,
    check: 'pod-security',
    verdict: 'OK',
    message: parts.length ? `Pod Security: ${parts.join(', ')}` : 'Pod Security: no labels (privileged)',
    source: 'kubernetes staging/src/k8s.io/pod-security-admission/api (namespace labels)',
  };
}
