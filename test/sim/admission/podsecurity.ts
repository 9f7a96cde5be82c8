// Pod Security admission (kubernetes staging/src/k8s.io/pod-security-admission): the namespace labels
// pod-security.kubernetes.io/{enforce,warn,audit}[-version] choose a level; admission/admission.go
// rejects with `violates PodSecurity "restricted:latest": <reason> (<detail>), ...` and warns with
// `would violate PodSecurity ...`. The checks and their texts are policy/check_*.go. Order: Go runs
// the check files' init() in file-name order; policy/registry.go EvaluatePod runs the baseline checks
// that restricted does not override, then (baseline) the overlapping ones or (restricted) the
// restricted ones.
// Not modelled: AppArmor, SELinux options, procMount, sysctls, Windows hostProcess, host probes;
// per-version differences of checks (every version is evaluated as latest); exemptions.
import { allContainers, joinQuote, pluralize, specOf, type Container, type PodSpec } from './pod.ts';
import type { KubeObject } from '../types.ts';

export type Level = 'privileged' | 'baseline' | 'restricted';

interface CheckResult {
  reason: string;
  detail: string;
}

type Check = (spec: PodSpec) => CheckResult | undefined;

const withName = (cs: Container[]) => cs.map((c) => c.name);

// check_hostNamespaces.go
const hostNamespaces: Check = (spec) => {
  const bad = [
    spec.hostNetwork && 'hostNetwork=true',
    spec.hostPID && 'hostPID=true',
    spec.hostIPC && 'hostIPC=true',
  ].filter(Boolean) as string[];
  return bad.length ? { reason: 'host namespaces', detail: bad.join(', ') } : undefined;
};

// check_hostPorts.go
const hostPorts: Check = (spec) => {
  const names: string[] = [];
  const ports: string[] = [];
  for (const c of allContainers(spec)) {
    let uses = false;
    for (const p of c.ports ?? [])
      if (p.hostPort) {
        uses = true;
        ports.push(String(p.hostPort));
      }
    if (uses) names.push(c.name);
  }
  if (!names.length) return undefined;
  return {
    reason: 'hostPort',
    detail: `${pluralize('container', 'containers', names.length)} ${joinQuote(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('hostPort', 'hostPorts', ports.length)} ${ports.join(', ')}`,
  };
};

// check_privileged.go
const privileged: Check = (spec) => {
  const bad = withName(allContainers(spec).filter((c) => c.securityContext?.privileged === true));
  return bad.length
    ? {
        reason: 'privileged',
        detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.privileged=true`,
      }
    : undefined;
};

// check_capabilities_baseline.go
const BASELINE_CAPS = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const capabilitiesBaseline: Check = (spec) => {
  const names: string[] = [];
  const caps = new Set<string>();
  for (const c of allContainers(spec)) {
    const extra = (c.securityContext?.capabilities?.add ?? []).filter((x) => !BASELINE_CAPS.has(x));
    if (extra.length) {
      names.push(c.name);
      extra.forEach((x) => caps.add(x));
    }
  }
  return names.length
    ? {
        reason: 'non-default capabilities',
        detail: `${pluralize('container', 'containers', names.length)} ${joinQuote(names)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`,
      }
    : undefined;
};

// check_hostPathVolumes.go
const hostPathVolumes: Check = (spec) => {
  const bad = (spec.volumes ?? []).filter((v) => v.hostPath !== undefined).map((v) => v.name);
  return bad.length
    ? { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}` }
    : undefined;
};

// check_seccompProfile_baseline.go
const seccompBaseline: Check = (spec) => {
  const setters: string[] = [];
  const values = new Set<string>();
  const podType = spec.securityContext?.seccompProfile?.type;
  if (podType === 'Unconfined') {
    setters.push('pod');
    values.add(podType);
  }
  const bad = allContainers(spec).filter((c) => c.securityContext?.seccompProfile?.type === 'Unconfined');
  if (bad.length) {
    setters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(withName(bad))}`);
    values.add('Unconfined');
  }
  return setters.length
    ? {
        reason: 'seccompProfile',
        detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote([...values].sort())}`,
      }
    : undefined;
};

// check_allowPrivilegeEscalation.go
const allowPrivilegeEscalation: Check = (spec) => {
  const bad = withName(allContainers(spec).filter((c) => c.securityContext?.allowPrivilegeEscalation !== false));
  return bad.length
    ? {
        reason: 'allowPrivilegeEscalation != false',
        detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false`,
      }
    : undefined;
};

// check_capabilities_restricted.go
const capabilitiesRestricted: Check = (spec) => {
  const missingDrop: string[] = [];
  const adding: string[] = [];
  const caps = new Set<string>();
  for (const c of allContainers(spec)) {
    const capabilities = c.securityContext?.capabilities;
    if (!capabilities) {
      missingDrop.push(c.name);
      continue;
    }
    if (!(capabilities.drop ?? []).includes('ALL')) missingDrop.push(c.name);
    const extra = (capabilities.add ?? []).filter((x) => x !== 'NET_BIND_SERVICE');
    if (extra.length) {
      adding.push(c.name);
      extra.forEach((x) => caps.add(x));
    }
  }
  const details: string[] = [];
  if (missingDrop.length)
    details.push(
      `${pluralize('container', 'containers', missingDrop.length)} ${joinQuote(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`,
    );
  if (adding.length)
    details.push(
      `${pluralize('container', 'containers', adding.length)} ${joinQuote(adding)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`,
    );
  return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
};

// check_restrictedVolumes.go
const ALLOWED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const restrictedVolumes: Check = (spec) => {
  const names: string[] = [];
  const types = new Set<string>();
  for (const v of spec.volumes ?? []) {
    const kind = Object.keys(v).find((k) => k !== 'name');
    if (kind && !ALLOWED_VOLUMES.has(kind)) {
      names.push(v.name);
      types.add(kind);
    }
  }
  if (!names.length) return undefined;
  return {
    reason: 'restricted volume types',
    detail: `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('restricted volume type', 'restricted volume types', types.size)} ${joinQuote([...types].sort())}`,
  };
};

// check_runAsNonRoot.go
const runAsNonRoot: Check = (spec) => {
  const setters: string[] = [];
  let podOk = false;
  const podValue = spec.securityContext?.runAsNonRoot;
  if (podValue === false) setters.push('pod');
  else if (podValue === true) podOk = true;
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of allContainers(spec)) {
    const v = c.securityContext?.runAsNonRoot;
    if (v === false) explicit.push(c.name);
    else if (v === undefined && !podOk) implicit.push(c.name);
  }
  if (explicit.length) setters.push(`${pluralize('container', 'containers', explicit.length)} ${joinQuote(explicit)}`);
  if (setters.length)
    return {
      reason: 'runAsNonRoot != true',
      detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
    };
  if (implicit.length)
    return {
      reason: 'runAsNonRoot != true',
      detail: `pod or ${pluralize('container', 'containers', implicit.length)} ${joinQuote(implicit)} must set securityContext.runAsNonRoot=true`,
    };
  return undefined;
};

// check_runAsUser.go
const runAsUser: Check = (spec) => {
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push('pod');
  const bad = withName(allContainers(spec).filter((c) => c.securityContext?.runAsUser === 0));
  if (bad.length) setters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  return setters.length
    ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` }
    : undefined;
};

// check_seccompProfile_restricted.go
const seccompRestricted: Check = (spec) => {
  const valid = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
  const setters: string[] = [];
  const values = new Set<string>();
  let podSet = false;
  const podType = spec.securityContext?.seccompProfile;
  if (podType) {
    if (!valid(podType.type)) {
      setters.push('pod');
      values.add(String(podType.type));
    } else podSet = true;
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of allContainers(spec)) {
    const p = c.securityContext?.seccompProfile;
    if (p) {
      if (!valid(p.type)) {
        explicit.push(c.name);
        values.add(String(p.type));
      }
    } else if (!podSet) implicit.push(c.name);
  }
  if (explicit.length) setters.push(`${pluralize('container', 'containers', explicit.length)} ${joinQuote(explicit)}`);
  if (setters.length)
    return {
      reason: 'seccompProfile',
      detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote([...values].sort())}`,
    };
  if (implicit.length)
    return {
      reason: 'seccompProfile',
      detail: `pod or ${pluralize('container', 'containers', implicit.length)} ${joinQuote(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    };
  return undefined;
};

const BASELINE: Check[] = [hostNamespaces, hostPorts, privileged];
const BASELINE_OVERLAPPING: Check[] = [capabilitiesBaseline, hostPathVolumes, seccompBaseline];
const RESTRICTED: Check[] = [
  allowPrivilegeEscalation,
  capabilitiesRestricted,
  restrictedVolumes,
  runAsNonRoot,
  runAsUser,
  seccompRestricted,
];

/** AggregateCheckResult.ForbiddenDetail(): `reason (detail), reason (detail)`, or undefined when allowed. */
export function evaluatePod(level: Level, spec: PodSpec): string | undefined {
  if (level === 'privileged') return undefined;
  const checks = [...BASELINE, ...(level === 'baseline' ? BASELINE_OVERLAPPING : RESTRICTED)];
  const failed = checks.map((c) => c(spec)).filter((r): r is CheckResult => r !== undefined);
  if (!failed.length) return undefined;
  return failed.map((r) => (r.detail ? `${r.reason} (${r.detail})` : r.reason)).join(', ');
}

export interface NamespacePolicy {
  enforce: { level: Level; version: string };
  warn: { level: Level; version: string };
  audit: { level: Level; version: string };
}

const LEVELS: Level[] = ['privileged', 'baseline', 'restricted'];

/**
 * api.PolicyToEvaluate with the default configuration (privileged:latest): an unparsable level or
 * version label falls back to restricted:latest, as upstream fails closed.
 */
export function namespacePolicy(labels: Record<string, string> | undefined): NamespacePolicy {
  const l = labels ?? {};
  const mode = (m: string) => {
    const level = l[`pod-security.kubernetes.io/${m}`];
    const version = l[`pod-security.kubernetes.io/${m}-version`] ?? 'latest';
    if (level === undefined) return { level: 'privileged' as Level, version: 'latest' };
    if (!LEVELS.includes(level as Level) || !/^(latest|v1\.\d+)$/.test(version))
      return { level: 'restricted' as Level, version: 'latest' };
    return { level: level as Level, version };
  };
  return { enforce: mode('enforce'), warn: mode('warn'), audit: mode('audit') };
}

/** `restricted:latest` (api.LevelVersion.String()). */
export const policyString = (p: { level: Level; version: string }): string => `${p.level}:${p.version}`;

export interface PodSecurityVerdict {
  /** The error text after `pods "x" is forbidden: `. */
  deny?: string;
  /** Warning header texts (only when allowed). */
  warnings: string[];
}

/** admission.go EvaluatePod for a pod create in a namespace with these labels. */
export function podSecurity(pod: KubeObject, namespaceLabels: Record<string, string> | undefined): PodSecurityVerdict {
  const policy = namespacePolicy(namespaceLabels);
  const spec = specOf(pod);
  const enforced = evaluatePod(policy.enforce.level, spec);
  if (enforced) return { deny: `violates PodSecurity "${policyString(policy.enforce)}": ${enforced}`, warnings: [] };
  const warnings: string[] = [];
  const sameAsEnforce = policy.warn.level === policy.enforce.level && policy.warn.version === policy.enforce.version;
  if (!sameAsEnforce) {
    const w = evaluatePod(policy.warn.level, spec);
    if (w) warnings.push(`would violate PodSecurity "${policyString(policy.warn)}": ${w}`);
  }
  return { warnings };
}
