// What a kubelet writes into the objects it reports, for the fields scenarios leave out: a Node's
// full status.nodeInfo and, per container status, imageID, containerID and started. Real clients
// rely on them: the official Python client refuses a ContainerStatus without imageID and a
// NodeSystemInfo without bootID (their model classes require them). Pure and deterministic: the
// made-up IDs are hashes of the object's names, so every run serves the same values.
//
// Sources: pkg/kubelet/kubelet_node_status.go and nodestatus/setters.go (NodeInfo: machineID and
// systemUUID from the host, bootID, kernel and OS image, runtime "<name>://<version>", kubelet and
// kube-proxy versions); pkg/kubelet/kuberuntime/kuberuntime_manager.go and
// pkg/kubelet/kubelet_pods.go convertToAPIContainerStatuses (imageID is the image's repo digest,
// containerID "<runtime>://<64 hex>", started true once a running container passed its startup probe).
import { createHash } from 'node:crypto';
import type { KubeObject } from './types.ts';

type Json = Record<string, unknown>;

function hex(seed: string, length = 64): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += createHash('sha256').update(`${seed}#${i}`).digest('hex');
  return out.slice(0, length);
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The image reference as containerd reports it: registry and repository in full (docker.io/library/...), tag dropped. */
export function imageRepository(image: string): string {
  const at = image.indexOf('@');
  let name = at >= 0 ? image.slice(0, at) : image;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) name = name.slice(0, colon);
  const first = name.split('/')[0];
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return name;
  return name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
}

/** imageID as containerd reports it: `<repository>@sha256:<digest>`; an image pinned by digest keeps it. */
export function imageID(image: string): string {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : `sha256:${hex('image:' + image)}`;
  return `${imageRepository(image)}@${digest}`;
}

function runtimeName(node?: KubeObject): string {
  const v = ((node?.status as Json | undefined)?.nodeInfo as Json | undefined)?.containerRuntimeVersion;
  return typeof v === 'string' && v.includes('://') ? v.split('://')[0] : 'containerd';
}

function fillContainerStatuses(
  list: unknown,
  pod: KubeObject,
  specContainers: unknown,
  runtime: string,
): Json[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const specs = Array.isArray(specContainers) ? (specContainers as Json[]) : [];
  return (list as Json[]).map((cs) => {
    const s: Json = { ...cs };
    const spec = specs.find((c) => c.name === s.name);
    s.image ??= spec?.image ?? '';
    s.ready ??= false;
    s.restartCount ??= 0;
    const state = (s.state ?? {}) as Json;
    const hasRun = state.running !== undefined || state.terminated !== undefined;
    if (!s.imageID) s.imageID = hasRun ? imageID(String(s.image)) : '';
    if (!s.containerID && hasRun)
      s.containerID = `${runtime}://${hex(`container:${pod.metadata.namespace}/${pod.metadata.name}/${String(s.name)}/${String(s.restartCount)}`)}`;
    s.started ??= state.running !== undefined;
    return s;
  });
}

/** A Pod as its kubelet reports it: container statuses with imageID, containerID and started. */
export function reportedPod(pod: KubeObject, node?: KubeObject): KubeObject {
  const status = pod.status as Json | undefined;
  if (!status) return pod;
  const spec = (pod.spec ?? {}) as Json;
  const runtime = runtimeName(node);
  const out: Json = { ...status };
  const pairs: [string, string][] = [
    ['containerStatuses', 'containers'],
    ['initContainerStatuses', 'initContainers'],
    ['ephemeralContainerStatuses', 'ephemeralContainers'],
  ];
  for (const [field, specField] of pairs) {
    const filled = fillContainerStatuses(status[field], pod, spec[specField], runtime);
    if (filled) out[field] = filled;
  }
  return { ...pod, status: out };
}

/** A Node as its kubelet reports it: every nodeInfo field, the made-up ones stable per node name. */
export function reportedNode(node: KubeObject, kubernetesVersion: string, minor: number): KubeObject {
  const status = { ...((node.status ?? {}) as Json) };
  const info = { ...((status.nodeInfo ?? {}) as Json) };
  const name = node.metadata.name;
  const kubelet =
    typeof info.kubeletVersion === 'string' && info.kubeletVersion ? info.kubeletVersion : kubernetesVersion;
  const filled: Json = {
    machineID: hex('machine:' + name, 32),
    systemUUID: uuid('system:' + name),
    bootID: uuid('boot:' + name),
    kernelVersion: '6.1.0-28-amd64',
    osImage: 'Debian GNU/Linux 12 (bookworm)',
    containerRuntimeVersion: 'containerd://1.7.22',
    kubeletVersion: kubelet,
    // The kubelet stops reporting it once DisableNodeKubeProxyVersion is on, by default from 1.33
    // (pkg/features/kube_features.go); the field is still serialized, empty.
    kubeProxyVersion: minor >= 33 ? '' : kubelet,
    operatingSystem: 'linux',
    architecture: 'amd64',
  };
  for (const [k, v] of Object.entries(filled)) if (info[k] === undefined || info[k] === null) info[k] = v;
  status.nodeInfo = info;
  return { ...node, status };
}
