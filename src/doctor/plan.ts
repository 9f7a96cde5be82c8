// What doctor decides around the layers: which pod the network layer probes, the first failing
// layer, the exit code, and the command that shows a layer's detail. Pure.
import { LAYERS, type LayerId, type LayerResult } from './model.ts';
import { byText } from '../base/order.ts';

export interface PodCandidate {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { phase?: string };
}

export interface PodChoice {
  pod?: string;
  component?: string;
  /** Why this pod, or why none. */
  reason: string;
}

/**
 * The pod whose network matters: the one that launches pods. KubernetesExecutor (and the hybrid
 * executors) launch task pods from the scheduler; with CeleryExecutor, KubernetesPodOperator runs
 * inside the Celery worker. Only running pods can be probed.
 */
export function chooseNetworkPod(pods: PodCandidate[], executors: string[], wanted?: string): PodChoice {
  const component = (p: PodCandidate) => p.metadata.labels?.component;
  if (wanted) {
    const p = pods.find((x) => x.metadata.name === wanted);
    return { pod: wanted, component: p ? component(p) : undefined, reason: '--pod' };
  }
  const kubernetes = executors.some((e) => /Kubernetes/.test(e));
  const celery = executors.some((e) => /Celery/.test(e));
  const order = kubernetes ? ['scheduler', 'worker'] : celery ? ['worker', 'scheduler'] : ['scheduler', 'worker'];
  const why = kubernetes
    ? 'the scheduler launches the KubernetesExecutor task pods'
    : celery
      ? 'KubernetesPodOperator runs in the Celery worker'
      : 'the scheduler runs the executor';
  const running = (c: string) =>
    pods
      .filter((p) => component(p) === c && p.status?.phase === 'Running')
      .sort((a, b) => byText(a.metadata.name, b.metadata.name))[0];
  for (const c of order) {
    const p = running(c);
    if (p)
      return {
        pod: p.metadata.name,
        component: c,
        reason: c === order[0] ? why : `no running ${order[0]} pod; ${c} instead`,
      };
  }
  return { reason: `no running ${order.join(' or ')} pod to probe from (${why}); choose one with --pod` };
}

/** The first layer, in layer order, whose verdict is FAIL. */
export function firstFailingLayer(layers: LayerResult[]): LayerResult | undefined {
  return LAYERS.map((l) => layers.find((x) => x.id === l.id)).find((l): l is LayerResult => l?.verdict === 'FAIL');
}

/**
 * 1 when a layer fails; else 3 when the cluster would not answer some layer's questions (README:
 * "could not ... or not allowed to ask"); else 0 (OK, WARN and SKIP). An unreachable cluster never
 * gets here: layer 1 throws and main() prints one line.
 */
export function exitCodeOf(layers: LayerResult[]): 0 | 1 | 3 {
  if (layers.some((l) => l.verdict === 'FAIL')) return 1;
  return layers.some((l) => l.unasked) ? 3 : 0;
}

/** Layers in layer order (they finish in any order when run in parallel). */
export function ordered(layers: LayerResult[]): LayerResult[] {
  return LAYERS.map((l) => layers.find((x) => x.id === l.id)).filter((l): l is LayerResult => !!l);
}

export interface Target {
  namespace: string;
  release?: string;
  pod?: string;
  /** Connection flags to repeat (never a token or key). */
  flags?: string[];
}

const q = (s: string) => (/^[A-Za-z0-9_./:@=,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The command that shows the detail of a layer. */
export function detailCommand(id: LayerId, t: Target): string {
  const ns = ['-n', t.namespace];
  const rel = t.release ? ['--release', t.release] : [];
  const parts: Record<LayerId, string[]> = {
    cluster: ['kubectl', 'auth', 'whoami'],
    release: ['kubectl', 'get', 'pods', ...ns, '-L', 'release,component', '-l', 'tier=airflow'],
    config: ['kubectl', 'airflow', 'config', ...ns, ...rel, '-o', 'wide'],
    network: t.pod
      ? ['kubectl', 'airflow', 'net', t.pod, ...ns]
      : ['kubectl', 'airflow', 'net', '--all', ...ns, ...rel],
    ha: ['kubectl', 'airflow', 'ha', ...(t.pod ? ['--from', t.pod, ...ns] : [])],
    rbac: ['kubectl', 'airflow', 'rbac', ...ns, ...rel, '--fix'],
    admission: ['kubectl', 'airflow', 'admission', ...ns, ...rel, '-o', 'wide'],
  };
  return [...parts[id], ...(t.flags ?? [])].map(q).join(' ');
}

/** Connection flags worth repeating in a detail command; credentials never are. */
export function repeatableFlags(a: {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  as?: string;
  asGroup?: string[];
}): string[] {
  const out: string[] = [];
  if (a.kubeconfig) out.push('--kubeconfig', a.kubeconfig);
  if (a.context) out.push('--context', a.context);
  if (a.cluster) out.push('--cluster', a.cluster);
  if (a.user) out.push('--user', a.user);
  if (a.as) out.push('--as', a.as);
  for (const g of a.asGroup ?? []) out.push('--as-group', g);
  return out;
}
