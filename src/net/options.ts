// The flags of `net` (and doctor's --pod and --probe-timeout), checked before anything is asked. Pure.
import { UsageError } from '../base/errors.ts';

export interface NetFlags {
  pod?: string;
  container?: string;
  probeTimeout: string;
  attempts: number;
  all: boolean;
  release?: string;
  debugImage?: string;
  allNamespaces?: boolean;
  watch?: string;
}

/** "3", "3s", "1.5s", "500ms" -> seconds. */
export function parseProbeTimeout(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(String(v).trim());
  if (!m) throw new UsageError(`--probe-timeout "${v}": use seconds, e.g. 3 or 3s or 500ms`);
  const s = m[2] === 'ms' ? Number(m[1]) / 1000 : Number(m[1]);
  if (!(s >= 0.2 && s <= 60)) throw new UsageError(`--probe-timeout ${v}: must be between 200ms and 60s`);
  return s;
}

/** The seconds each network step may take in the pod, once the flags agree with each other. */
export function validateNetFlags(f: NetFlags): number {
  const timeoutSeconds = parseProbeTimeout(f.probeTimeout);
  if (!Number.isInteger(f.attempts) || f.attempts < 1 || f.attempts > 20)
    throw new UsageError('--attempts must be an integer from 1 to 20');
  if (f.all && f.pod) throw new UsageError('give a pod or --all, not both');
  if (!f.all && !f.pod) throw new UsageError('net needs a pod name (kubectl airflow net POD), or --all');
  if (f.all && f.container) throw new UsageError("-c does not apply to --all (each pod's Airflow container is used)");
  if (f.all && f.debugImage) throw new UsageError('--debug-image changes a pod: use it with one pod, not --all');
  if (f.all && f.watch !== undefined)
    throw new UsageError('--watch holds one watch from one pod: give a pod, not --all');
  if (f.allNamespaces) throw new UsageError('net probes pods of one namespace: use -n, not -A');
  if (f.debugImage !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(f.debugImage))
    throw new UsageError(`--debug-image "${f.debugImage}" is not an image reference`);
  return timeoutSeconds;
}
