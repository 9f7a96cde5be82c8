// The parts of a Pod the admission plugins read, as plain JSON (core/v1 field names).

export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string; localhostProfile?: string };
  [k: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: SecurityContext;
  ports?: { containerPort?: number; hostPort?: number }[];
  restartPolicy?: string;
  [k: string]: unknown;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
  securityContext?: SecurityContext;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  [k: string]: unknown;
}

export function specOf(obj: { [k: string]: unknown }): PodSpec {
  return (obj.spec ?? {}) as PodSpec;
}

/** podutil.VisitContainers order: init containers, containers, ephemeral containers. */
export function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** `"a", "b"` (pod-security-admission policy/helpers.go joinQuote). */
export function joinQuote(items: string[]): string {
  return items.map((s) => `"${s}"`).join(', ');
}

export function pluralize(singular: string, plural: string, n: number): string {
  return n === 1 ? singular : plural;
}
