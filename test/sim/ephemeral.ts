// pods/ephemeralcontainers as kube-apiserver serves it (pkg/registry/core/pod/storage EphemeralContainersREST,
// strategy ephemeralContainersStrategy): GET the pod; PATCH or PUT change spec.ephemeralContainers and
// nothing else; existing ephemeral containers may not be changed or removed; a new one needs a unique
// name and an image. Before 1.22 the subresource spoke the kind `EphemeralContainers` (a top-level
// `ephemeralContainers` list), which is what makes kubectl debug fall back to a JSON patch. The kubelet
// is simulated at once: a new ephemeral container is Running in status.ephemeralContainerStatuses. Pure.
import type { KubeObject } from './types.ts';

export interface EphemeralContainer {
  name?: string;
  image?: string;
  [k: string]: unknown;
}

type PodSpecView = {
  containers?: { name: string }[];
  initContainers?: { name: string }[];
  ephemeralContainers?: EphemeralContainer[];
};
type Cause = { field: string; message: string; reason?: string };

const specOf = (pod: KubeObject) => (pod.spec ?? {}) as PodSpecView;

/** JSON with sorted keys: the same container sent back in another key order is unchanged. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** The object the subresource shows: the pod (1.22+), or the legacy EphemeralContainers kind. */
export function ephemeralView(pod: KubeObject, legacy: boolean): KubeObject {
  if (!legacy) return pod;
  const m = pod.metadata;
  return {
    kind: 'EphemeralContainers',
    apiVersion: 'v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    ephemeralContainers: specOf(pod).ephemeralContainers ?? [],
  } as unknown as KubeObject;
}

/** The ephemeral containers a changed view (patched or PUT) asks for. */
export function requestedContainers(view: KubeObject, legacy: boolean): EphemeralContainer[] {
  const list = legacy
    ? (view as unknown as { ephemeralContainers?: unknown }).ephemeralContainers
    : specOf(view).ephemeralContainers;
  return Array.isArray(list) ? (list as EphemeralContainer[]) : [];
}

/**
 * The pod after the change, or the validation causes (422). Everything but spec.ephemeralContainers
 * is kept as stored; each new container is started (Running) by the simulated kubelet at `now`.
 */
export function addEphemeralContainers(
  pod: KubeObject,
  wanted: EphemeralContainer[],
  now: string,
): { pod: KubeObject } | { causes: Cause[] } {
  const spec = specOf(pod);
  const before = spec.ephemeralContainers ?? [];
  const causes: Cause[] = [];
  for (const old of before) {
    const next = wanted.find((c) => c.name === old.name);
    if (!next)
      causes.push({
        field: 'spec.ephemeralContainers',
        message: `Forbidden: existing ephemeral containers "${old.name}" may not be removed`,
        reason: 'FieldValueForbidden',
      });
    else if (canonical(next) !== canonical(old))
      causes.push({
        field: 'spec.ephemeralContainers',
        message: `Forbidden: existing ephemeral containers "${old.name}" may not be changed`,
        reason: 'FieldValueForbidden',
      });
  }
  const taken = new Set([...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c.name));
  const added = wanted.filter((c) => !before.some((o) => o.name === c.name));
  added.forEach((c, i) => {
    const at = `spec.ephemeralContainers[${before.length + i}]`;
    if (!c.name) causes.push({ field: `${at}.name`, message: 'Required value', reason: 'FieldValueRequired' });
    else if (taken.has(c.name))
      causes.push({ field: `${at}.name`, message: `Duplicate value: "${c.name}"`, reason: 'FieldValueDuplicate' });
    if (!c.image) causes.push({ field: `${at}.image`, message: 'Required value', reason: 'FieldValueRequired' });
    if (c.name) taken.add(c.name);
  });
  if (causes.length) return { causes };
  const status = { ...((pod.status ?? {}) as Record<string, unknown>) };
  const statuses = [...((status.ephemeralContainerStatuses as unknown[]) ?? [])];
  for (const c of added) {
    statuses.push({
      name: c.name,
      image: c.image,
      imageID: '',
      containerID: `containerd://${Buffer.from(`${pod.metadata.uid ?? pod.metadata.name}/${c.name}`)
        .toString('hex')
        .slice(0, 64)}`,
      ready: false,
      restartCount: 0,
      state: { running: { startedAt: now } },
    });
  }
  status.ephemeralContainerStatuses = statuses;
  return {
    pod: {
      ...pod,
      spec: { ...(pod.spec as object), ephemeralContainers: [...before, ...added] },
      status,
    } as KubeObject,
  };
}
