// Service meshes that put a proxy into task pods. Detection is from what decides injection:
// Istio's namespace labels istio-injection / istio.io/rev and the pod's sidecar.istio.io/inject
// label or annotation (istio.io docs, "Installing the Sidecar: Controlling the injection policy");
// Linkerd's linkerd.io/inject annotation on the namespace or pod (linkerd.io docs, "Automatic Proxy
// Injection"); and the containers of task pods already running.
// What goes wrong for task pods: a regular sidecar never exits, so a finished task pod stays
// Running (the KubernetesExecutor frees a slot only when the pod ends; KubernetesPodOperator waits
// for it, and since cncf.kubernetes 7.x kills istio-proxy itself: operators/pod.py
// is_istio_enabled / kill_istio_sidecar, POST :15020/quitquitquit over pods/exec); and the task
// may start before the proxy and fail its first call. Fixes, each from the mesh's documentation:
// opt task pods out; native sidecars (restartPolicy: Always init containers, Kubernetes >= 1.28:
// Istio ENABLE_NATIVE_SIDECARS, Linkerd config.alpha.linkerd.io/proxy-enable-native-sidecar);
// hold the application until the proxy is ready (Istio holdApplicationUntilProxyStarts,
// Linkerd config.linkerd.io/proxy-await).
import { stringify } from 'yaml';
import type { Finding, PodManifest } from './model.ts';

export type Mesh = 'istio' | 'linkerd';

const PROXY: Record<Mesh, string> = { istio: 'istio-proxy', linkerd: 'linkerd-proxy' };

export interface Injection {
  mesh: Mesh;
  /** Why the mesh injects (the label or annotation that decides). */
  because: string;
}

function istio(nsLabels: Record<string, string>, pod: PodManifest): Injection | undefined {
  const podSays =
    pod.metadata?.labels?.['sidecar.istio.io/inject'] ?? pod.metadata?.annotations?.['sidecar.istio.io/inject'];
  if (podSays === 'false') return undefined;
  if (nsLabels['istio-injection'] === 'disabled') return undefined;
  if (nsLabels['istio-injection'] === 'enabled')
    return { mesh: 'istio', because: 'namespace label istio-injection=enabled' };
  if (nsLabels['istio.io/rev'])
    return { mesh: 'istio', because: `namespace label istio.io/rev=${nsLabels['istio.io/rev']}` };
  if (podSays === 'true') return { mesh: 'istio', because: 'pod template sidecar.istio.io/inject=true' };
  return undefined;
}

function linkerd(nsAnnotations: Record<string, string>, pod: PodManifest): Injection | undefined {
  const podSays = pod.metadata?.annotations?.['linkerd.io/inject'];
  if (podSays === 'disabled') return undefined;
  if (podSays === 'enabled') return { mesh: 'linkerd', because: 'pod template annotation linkerd.io/inject=enabled' };
  if (nsAnnotations['linkerd.io/inject'] === 'enabled')
    return { mesh: 'linkerd', because: 'namespace annotation linkerd.io/inject=enabled' };
  return undefined;
}

export function injections(
  ns: { labels?: Record<string, string>; annotations?: Record<string, string> },
  pod: PodManifest,
): Injection[] {
  return [istio(ns.labels ?? {}, pod), linkerd(ns.annotations ?? {}, pod)].filter(
    (x): x is Injection => x !== undefined,
  );
}

interface RunningPod extends PodManifest {
  status?: {
    phase?: string;
    containerStatuses?: { name: string; state?: { running?: unknown; terminated?: { exitCode?: number } } }[];
  };
}

/** Task pods whose own container ended while the mesh proxy keeps them Running. */
export function heldByProxy(pods: PodManifest[], mesh: Mesh): string[] {
  return (pods as RunningPod[])
    .filter((p) => {
      const statuses = p.status?.containerStatuses ?? [];
      const proxy = statuses.find((s) => s.name === PROXY[mesh]);
      const others = statuses.filter((s) => s.name !== PROXY[mesh]);
      return (
        p.status?.phase === 'Running' &&
        proxy?.state?.running !== undefined &&
        others.length > 0 &&
        others.every((s) => s.state?.terminated !== undefined)
      );
    })
    .map((p) => p.metadata?.name ?? '')
    .sort();
}

/** The proxy runs as a native sidecar (an init container with restartPolicy Always) in these pods. */
function nativeIn(pods: PodManifest[], mesh: Mesh): boolean {
  return pods.some((p) =>
    (p.spec?.initContainers ?? []).some((c) => c.name === PROXY[mesh] && c.restartPolicy === 'Always'),
  );
}

const OPT_OUT: Record<Mesh, object> = {
  istio: { metadata: { labels: { 'sidecar.istio.io/inject': 'false' } } },
  linkerd: { metadata: { annotations: { 'linkerd.io/inject': 'disabled' } } },
};

const OPT_OUT_TEXT: Record<Mesh, string> = {
  istio: 'label sidecar.istio.io/inject: "false"',
  linkerd: 'annotation linkerd.io/inject: disabled',
};

const ALTERNATIVES: Record<Mesh, string> = {
  istio:
    'or, to keep the mesh: native sidecars (istiod ENABLE_NATIVE_SIDECARS=true, Kubernetes >= 1.28), and annotation proxy.istio.io/config: \'{"holdApplicationUntilProxyStarts": true}\' so the task starts after the proxy',
  linkerd:
    'or, to keep the mesh: native sidecars (annotation config.alpha.linkerd.io/proxy-enable-native-sidecar: "true", Linkerd >= 2.15, Kubernetes >= 1.28); the proxy already holds the task until it is ready (config.linkerd.io/proxy-await, on by default)',
};

/** What the KubernetesPodOperator does about it (operators/pod.py handles istio-proxy only). */
const KPO: Record<Mesh, string> = {
  istio: ' (the KubernetesPodOperator stops istio-proxy itself, over pods/exec)',
  linkerd: ' and a KubernetesPodOperator waits on it',
};

const SOURCES: Record<Mesh, string> = {
  istio:
    'istio.io/latest/docs/setup/additional-setup/sidecar-injection/ (injection policy); apache/airflow providers/cncf/kubernetes operators/pod.py kill_istio_sidecar',
  linkerd: 'linkerd.io/2/features/proxy-injection/; linkerd.io/2/reference/proxy-configuration/',
};

export function meshFindings(
  namespace: string,
  ns: { labels?: Record<string, string>; annotations?: Record<string, string> },
  pod: PodManifest,
  taskPods: PodManifest[],
): Finding[] {
  return injections(ns, pod).map((inj): Finding => {
    const held = heldByProxy(taskPods, inj.mesh);
    const native = nativeIn(taskPods, inj.mesh);
    if (native) {
      return {
        namespace,
        check: 'mesh',
        verdict: 'OK',
        message: `${inj.mesh} injects ${PROXY[inj.mesh]} (${inj.because}) as a native sidecar: task pods still complete`,
        source: SOURCES[inj.mesh],
      };
    }
    const seen = held.length
      ? `; task pods kept Running by ${PROXY[inj.mesh]} after their task ended: ${held.join(', ')}`
      : '';
    return {
      namespace,
      check: 'mesh',
      verdict: 'WARN',
      message: `${inj.mesh} injects ${PROXY[inj.mesh]} into task pods (${inj.because}): the proxy never exits, so a finished task pod stays Running and holds its KubernetesExecutor slot${KPO[inj.mesh]}, and the task may start before the proxy is ready${seen}`,
      fix: `opt task pods out: ${OPT_OUT_TEXT[inj.mesh]} in the pod template's metadata; ${ALTERNATIVES[inj.mesh]}`,
      fixYaml: stringify(OPT_OUT[inj.mesh]),
      source: SOURCES[inj.mesh],
    };
  });
}
