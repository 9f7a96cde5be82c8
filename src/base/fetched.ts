// The result of one read from the API server, as plain data the pure decisions can take: a value,
// or the server's refusal (status code, reason, message, and the permission that would allow it).
// Produced by kube/fetched.ts, the one place that decides which errors become data.
export type Fetched<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      code?: number;
      reason: string;
      message: string;
      /** e.g. `list leases.coordination.k8s.io in kube-system` */
      permission?: string;
    };

/** The value, or undefined when the read was refused. */
export function fetchedValue<T>(f: Fetched<T>): T | undefined {
  return f.ok ? f.value : undefined;
}
