// pods/log as kube-apiserver and the kubelet answer it. The apiserver picks and checks the container
// (pkg/registry/core/pod/strategy.go LogLocation, validateContainer) and validates the options
// (pkg/apis/core/validation ValidatePodLogOptions); the kubelet checks the container's state
// (pkg/kubelet/kubelet_pods.go validateContainerLogStatus) and its errors reach the client as 400s.
// A pod's log text comes from its annotations: `sim.kubectl-airflow.dev/logs.<container>` (or
// `sim.kubectl-airflow.dev/logs` for any container), `sim.kubectl-airflow.dev/previous-logs.<container>`
// for the previous instance. A line may begin with an RFC 3339 time (as `timestamps=true` prints it);
// other lines count as written when the container started.
import type { ServerResponse } from 'node:http';
import type { SimContext } from './context.ts';
import { queryBool } from './request-info.ts';
import { badRequest, invalid } from './status.ts';
import type { KubeObject, Status } from './types.ts';

const ANNOTATION = 'sim.kubectl-airflow.dev/logs';
const PREVIOUS = 'sim.kubectl-airflow.dev/previous-logs';

type Json = Record<string, unknown>;

/** Container names in podutil.VisitContainers order: init containers, containers, ephemeral containers. */
export function containerNames(pod: KubeObject): string[] {
  const spec = (pod.spec ?? {}) as Json;
  const names = (field: string) =>
    Array.isArray(spec[field]) ? (spec[field] as Json[]).map((c) => String(c.name)) : [];
  return [...names('initContainers'), ...names('containers'), ...names('ephemeralContainers')];
}

/** validateContainer: the container to read, or the 400 a real server gives. */
export function chooseContainer(pod: KubeObject, requested: string | null): string | Status {
  const name = pod.metadata.name;
  if (!requested) {
    const containers = ((pod.spec as Json | undefined)?.containers as Json[] | undefined) ?? [];
    if (containers.length === 1) return String(containers[0].name);
    if (containers.length === 0) return badRequest(`a container name must be specified for pod ${name}`);
    // Go's %s of a []string: [a b c]
    return badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${containerNames(pod).join(' ')}]`,
    );
  }
  if (!containerNames(pod).includes(requested))
    return badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

function statusOf(pod: KubeObject, container: string): Json | undefined {
  const status = (pod.status ?? {}) as Json;
  for (const field of ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses']) {
    const found = ((status[field] as Json[] | undefined) ?? []).find((s) => s.name === container);
    if (found) return found;
  }
  return undefined;
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  return v === null || v === '' ? undefined : Number(v);
}

/** ValidatePodLogOptions: the 422 for bad numbers, else undefined. */
function validateOptions(pod: KubeObject, query: URLSearchParams): Status | undefined {
  const causes: { field: string; message: string }[] = [];
  const tail = intParam(query, 'tailLines');
  const limit = intParam(query, 'limitBytes');
  const since = intParam(query, 'sinceSeconds');
  if (tail !== undefined && !(tail >= 0))
    causes.push({
      field: 'tailLines',
      message: `Invalid value: ${query.get('tailLines')}: must be greater than or equal to 0`,
    });
  if (limit !== undefined && !(limit >= 1))
    causes.push({ field: 'limitBytes', message: `Invalid value: ${query.get('limitBytes')}: must be greater than 0` });
  if (since !== undefined && query.get('sinceTime'))
    causes.push({ field: '', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
  else if (since !== undefined && !(since >= 1))
    causes.push({
      field: 'sinceSeconds',
      message: `Invalid value: ${query.get('sinceSeconds')}: must be greater than 0`,
    });
  return causes.length ? invalid('', 'PodLogOptions', pod.metadata.name, causes) : undefined;
}

export interface LogLine {
  at: number;
  text: string;
}

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.*)$/;

export function parseLines(text: string, startedAt: number): LogLine[] {
  if (!text) return [];
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return lines.map((l) => {
    const m = STAMP.exec(l);
    return m ? { at: Date.parse(m[1]), text: m[2] } : { at: startedAt, text: l };
  });
}

/** The lines a request selects: sinceSeconds/sinceTime, then tailLines; rendered with timestamps when asked, cut at limitBytes. */
export function render(lines: LogLine[], query: URLSearchParams, now: Date): string {
  let out = lines;
  const since = intParam(query, 'sinceSeconds');
  const sinceTime = query.get('sinceTime');
  const from = since !== undefined ? now.getTime() - since * 1000 : sinceTime ? Date.parse(sinceTime) : undefined;
  if (from !== undefined) out = out.filter((l) => l.at >= from);
  const tail = intParam(query, 'tailLines');
  if (tail !== undefined) out = tail === 0 ? [] : out.slice(-tail);
  const stamps = queryBool(query, 'timestamps');
  // The kubelet's RFC3339NanoFixed: nine fraction digits.
  let text = out
    .map((l) => (stamps ? `${new Date(l.at).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')} ` : '') + l.text + '\n')
    .join('');
  const limit = intParam(query, 'limitBytes');
  if (limit !== undefined) text = Buffer.from(text).subarray(0, limit).toString();
  return text;
}

export type LogAnswer = { status: Status } | { container: string; body: string; lines: LogLine[]; empty?: boolean };

/** Everything a pods/log GET answers, but the streaming of `follow`. Pure. */
export function readLog(pod: KubeObject, query: URLSearchParams, now: Date): LogAnswer {
  const bad = validateOptions(pod, query);
  if (bad) return { status: bad };
  const container = chooseContainer(pod, query.get('container'));
  if (typeof container !== 'string') return { status: container };
  // LogLocation: no node yet, no location: an empty answer.
  if (!(pod.spec as Json | undefined)?.nodeName) return { container, body: '', lines: [], empty: true };
  const name = pod.metadata.name;
  const cs = statusOf(pod, container);
  if (!cs) return { status: badRequest(`container "${container}" in pod "${name}" is not available`) };
  const state = (cs.state ?? {}) as Json;
  const last = (cs.lastState ?? {}) as Json;
  const annotations = pod.metadata.annotations ?? {};
  if (queryBool(query, 'previous')) {
    if (!last.terminated)
      return { status: badRequest(`previous terminated container "${container}" in pod "${name}" not found`) };
    const lines = parseLines(annotations[`${PREVIOUS}.${container}`] ?? '', 0);
    return { container, body: render(lines, query, now), lines };
  }
  if (!state.running && !state.terminated && !last.terminated) {
    const reason = String((state.waiting as Json | undefined)?.reason ?? 'ContainerCreating');
    return { status: badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`) };
  }
  const startedAt = Date.parse(
    String(((state.running ?? state.terminated) as Json | undefined)?.startedAt ?? pod.metadata.creationTimestamp ?? 0),
  );
  const lines = parseLines(annotations[`${ANNOTATION}.${container}`] ?? annotations[ANNOTATION] ?? '', startedAt);
  return { container, body: render(lines, query, now), lines };
}

/**
 * follow=true: what is there now, then each line added to the pod's log annotation, until the pod
 * is deleted, its container stops running, or the client goes away.
 */
export function followLog(
  res: ServerResponse,
  ctx: SimContext,
  pod: KubeObject,
  answer: { container: string; body: string; lines: LogLine[] },
  onEnd: () => void,
): void {
  res.writeHead(200, {
    'Content-Type': 'text/plain',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  if (answer.body) res.write(answer.body);
  let sent = answer.lines.length;
  const ns = pod.metadata.namespace;
  const name = pod.metadata.name;
  const off = ctx.store.onChange((e) => {
    if (e.resource.resource !== 'pods' || e.object.metadata.namespace !== ns || e.object.metadata.name !== name) return;
    if (e.type === 'DELETED') return void res.end();
    const next = readLog(e.object, new URLSearchParams({ container: answer.container }), ctx.store.now());
    if ('status' in next) return void res.end();
    if (next.lines.length > sent)
      res.write(
        next.lines
          .slice(sent)
          .map((l) => l.text + '\n')
          .join(''),
      );
    sent = next.lines.length;
    const cs = statusOf(e.object, answer.container);
    if (!((cs?.state ?? {}) as Json).running) res.end();
  });
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    off();
    onEnd();
  };
  res.on('close', end);
  res.on('finish', end);
}
