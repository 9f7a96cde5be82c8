// `ha --from <pod>`: one exec into the pod running the net probe (src/net/probe.py) in its
// "readyz" mode with the endpoints as data; the probe connects to every endpoint at once.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Connection } from '../kube/connection.ts';
import { ClusterError } from '../kube/errors.ts';
import type { Chain } from './chain.ts';
import { PERMISSIONS } from './checks.ts';
import { parseProbeOutput, probeInput } from './from-pod.ts';
import type { Fetched, ProbeResult } from './model.ts';

const PROBE_TIMEOUT_SECONDS = 3;

function sink(into: Buffer[]): Writable {
  return new Writable({ write(chunk: Buffer, _enc, cb) { into.push(Buffer.from(chunk)); cb(); } });
}

/** Runs argv in the pod over WebSocket; resolves with stdout/stderr and the exec Status. */
async function execInPod(conn: Connection, namespace: string, pod: string, container: string, argv: string[], timeoutMs: number) {
  const { Exec } = await import('@kubernetes/client-node');
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  return new Promise<{ stdout: string; stderr: string; status?: { status?: string; message?: string; reason?: string; details?: unknown } }>((resolve, reject) => {
    let status: { status?: string; message?: string } | undefined;
    const done = () => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), status });
    const timer = setTimeout(() => reject(new ClusterError('timeout', `exec into ${namespace}/${pod} did not finish in ${timeoutMs / 1000}s`)), timeoutMs);
    new Exec(conn.kc)
      .exec(namespace, pod, container, argv, sink(out), sink(err), null, false, (s) => { status = s as typeof status; })
      .then((ws) => ws.on('close', () => { clearTimeout(timer); done(); }))
      .catch((e: unknown) => { clearTimeout(timer); reject(e); });
  });
}

export async function probeEndpoints(conn: Connection, namespace: string, pod: string, container: string | undefined, chain: Chain): Promise<Fetched<ProbeResult[]>> {
  let podObj: { spec?: { containers?: { name: string }[] } };
  try {
    podObj = await conn.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`);
  } catch (e) {
    if (e instanceof ClusterError && e.status === 404) throw new ClusterError('notfound', `pod ${namespace}/${pod} not found (--from)`, { status: 404 });
    if (e instanceof ClusterError && e.status !== undefined) return { ok: false, code: e.status, reason: e.kind, message: e.message, permission: `get pods in ${namespace}` };
    throw e;
  }
  const c = container ?? podObj.spec?.containers?.[0]?.name ?? '';
  const endpoints = chain.endpoints.map((e) => ({ address: e.address, port: e.slicePorts[0] ?? e.endpointsPorts[0] ?? 443 }));
  if (endpoints.length === 0) return { ok: true, value: [] };
  const timeoutMs = (PROBE_TIMEOUT_SECONDS * 6 + 15) * 1000;
  const notFound = (r: { stderr: string; status?: { message?: string } }) => /not found|no such file|executable file/i.test(`${r.status?.message ?? ''} ${r.stderr}`);
  try {
    const py = readFileSync(new URL('../net/probe.py', import.meta.url), 'utf8');
    let r = await execInPod(conn, namespace, pod, c, ['python3', '-c', py, probeInput(endpoints, PROBE_TIMEOUT_SECONDS)], timeoutMs);
    if (r.status && r.status.status !== 'Success' && notFound(r)) {
      // No Python in the image: the POSIX sh probe, same output shape, endpoints as arguments (data only).
      const sh = readFileSync(new URL('../net/probe.sh', import.meta.url), 'utf8');
      const eps = endpoints.flatMap((e) => ['ep', e.address, String(e.port)]);
      r = await execInPod(conn, namespace, pod, c, ['sh', '-c', sh, 'kubectl-airflow-probe', 'readyz', String(PROBE_TIMEOUT_SECONDS), '1', ...eps], timeoutMs);
    }
    if (r.status && r.status.status !== 'Success') {
      const msg = r.status.message ?? r.stderr.trim().split('\n').pop() ?? 'failed';
      return { ok: false, reason: 'exec', message: notFound(r) ? `neither python3 nor sh in container ${c} of ${pod}: ${msg}` : `the probe failed in ${pod}: ${msg}` };
    }
    return { ok: true, value: parseProbeOutput(r.stdout) };
  } catch (e) {
    const text = (e as Error)?.message ?? String(e);
    const code = /\b403\b/.test(text) ? 403 : /\b401\b/.test(text) ? 401 : undefined;
    if (code) return { ok: false, code, reason: 'forbidden', message: text, permission: PERMISSIONS.exec };
    if (e instanceof ClusterError) return { ok: false, reason: e.kind, message: e.message };
    return { ok: false, reason: 'exec', message: text };
  }
}
