// `ha --from <pod>`: what the in-pod probe (src/net/probe.py, mode "readyz") observed, turned into one
// result per endpoint. Pure. The probe reports observations only; we decide reachability here.
import { isMissingExecutable, type ExecResult } from '../base/exec-result.ts';
import type { Chain } from './chain.ts';
import type { Fetched, ProbeResult } from './model.ts';

interface Step {
  ok?: boolean;
  error?: string;
  detail?: string;
  skipped?: string;
}
interface ProbeEndpoint {
  ip?: string;
  port?: number;
  error?: string;
  tcp?: Step;
  tls?: Step & { nameMismatch?: boolean };
  readyz?: Step & { status?: number; message?: string; text?: string };
}

function why(s: Step | undefined, what: string): string {
  if (!s) return `${what}: no answer`;
  if (s.skipped) return `${what}: skipped (${s.skipped})`;
  return `${what}: ${s.error ?? 'failed'}${s.detail ? ` (${s.detail})` : ''}`;
}

/** Parses the probe's one JSON document. Throws when it is not the readyz document. */
export function parseProbeOutput(stdout: string): ProbeResult[] {
  const doc = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { mode?: string; endpoints?: ProbeEndpoint[] };
  if (doc.mode !== 'readyz' || !Array.isArray(doc.endpoints))
    throw new Error('the probe did not answer in readyz mode');
  return doc.endpoints.map((e): ProbeResult => {
    const base = { address: String(e.ip ?? '?'), port: Number(e.port ?? 0) };
    if (e.error) return { ...base, ok: false, error: e.error };
    if (!e.tcp?.ok) return { ...base, ok: false, error: why(e.tcp, 'TCP connect') };
    if (!e.tls?.ok) return { ...base, ok: false, error: why(e.tls, 'TLS') };
    if (!e.readyz)
      return { ...base, ok: true, error: 'reachable; /readyz not asked (no ServiceAccount token in the pod)' };
    if (e.readyz.status === undefined) return { ...base, ok: false, error: why(e.readyz, 'GET /readyz') };
    const ok = e.readyz.status === 200;
    return {
      ...base,
      ok,
      status: e.readyz.status,
      error: ok
        ? undefined
        : `GET /readyz answered ${e.readyz.status}${e.readyz.message ? `: ${e.readyz.message}` : ''}`,
    };
  });
}

/** Every endpoint at its EndpointSlice port, else its Endpoints port, else 443. */
export function probeTargets(chain: Pick<Chain, 'endpoints'>): { address: string; port: number }[] {
  return chain.endpoints.map((e) => ({ address: e.address, port: e.slicePorts[0] ?? e.endpointsPorts[0] ?? 443 }));
}

/** kubectl's choice of container: -c, else the default-container annotation, else the first. */
export function fromContainer(
  pod: { metadata?: { annotations?: Record<string, string> }; spec?: { containers?: { name: string }[] } },
  flag?: string,
): string | undefined {
  return (
    flag ?? pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'] ?? pod.spec?.containers?.[0]?.name
  );
}

/** What the probe exec came to: the per-endpoint results, or why there are none. */
export function probeOutcome(
  r: Pick<ExecResult, 'stdout' | 'stderr' | 'exitCode' | 'message' | 'timedOut'>,
  pod: string,
  container: string | undefined,
  timeoutMs: number,
): Fetched<ProbeResult[]> {
  if (r.timedOut)
    return { ok: false, reason: 'timeout', message: `the probe in ${pod} did not finish in ${timeoutMs / 1000}s` };
  if (r.exitCode !== 0) {
    const msg = r.message ?? (r.stderr.trim().split('\n').pop() || `exit ${r.exitCode}`);
    return {
      ok: false,
      reason: 'exec',
      message: isMissingExecutable(msg)
        ? `neither python3 nor sh in container ${container} of ${pod}: ${msg}`
        : `the probe failed in ${pod}: ${msg}`,
    };
  }
  try {
    return { ok: true, value: parseProbeOutput(r.stdout) };
  } catch (e) {
    return {
      ok: false,
      reason: 'exec',
      message: `the probe in ${pod} printed no readable result: ${(e as Error).message}`,
    };
  }
}
