// Errors that map to exit codes. Every message is one line and says what to do next, because
// main() prints exactly `kubectl-airflow: <message>` (CONTRIBUTING: never a stack trace).
import { redact } from '../render/redact.ts';
import { ExitCode } from './exit-codes.ts';

export type ClusterErrorKind = 'unreachable' | 'tls' | 'unauthorized' | 'forbidden' | 'notfound' | 'timeout';

const REMEDY: Record<ClusterErrorKind, string> = {
  unreachable: 'check the server address in your kubeconfig (--server) and that the cluster is running',
  tls: 'check --certificate-authority / the kubeconfig CA, or --insecure-skip-tls-verify for a test cluster',
  unauthorized: 'your credentials were rejected: refresh them (kubectl config view --minify) or use another --context',
  forbidden: 'ask a cluster admin for the permission named above',
  notfound: 'check the name and the namespace (-n)',
  timeout: 'the API server did not answer in time: retry, or raise --request-timeout',
};

export class ClusterError extends Error {
  readonly kind: ClusterErrorKind;
  readonly remedy: string;
  readonly exitCode: number;
  /** HTTP status when the server answered, else undefined. */
  readonly status?: number;

  constructor(
    kind: ClusterErrorKind,
    message: string,
    opts: { remedy?: string; status?: number; cause?: unknown; exitCode?: number } = {},
  ) {
    super(oneLine(message), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.exitCode = opts.exitCode ?? ExitCode.CLUSTER;
    this.name = 'ClusterError';
    this.kind = kind;
    this.remedy = opts.remedy ?? REMEDY[kind];
    this.status = opts.status;
  }

  /** The single line printed to the user. */
  get line(): string {
    return redactUrls(this.remedy ? `${this.message} (${this.remedy})` : this.message);
  }
}

/** A refusal that concerns the whole run, not one read (the run's --as refused): never kept as a partial result. */
export class RunRefused extends ClusterError {}

export class UsageError extends Error {
  readonly exitCode: number = ExitCode.USAGE;
  constructor(message: string) {
    super(oneLine(message));
    this.name = 'UsageError';
  }
  get line(): string {
    return this.message;
  }
}

/** One line, with any URL's userinfo redacted: every message printed is built through here. */
export function oneLine(s: string): string {
  return redactUrls(s.replace(/\s*\n\s*/g, ' ').trim());
}

/** Kept for callers that redact a server URL; the rules live in render/redact.ts. */
export const redactUrls = redact;

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_OSSL_PEM_NO_START_LINE',
]);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
]);

/** Maps a socket/TLS error (Node's `code`) to a ClusterError; undefined when it is not one. */
export function fromNetworkError(err: unknown, server: string): ClusterError | undefined {
  const code = (err as { code?: string })?.code ?? '';
  const msg = (err as Error)?.message ?? String(err);
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(code)) {
    return new ClusterError('tls', `TLS to ${server} failed: ${msg}`, { cause: err });
  }
  if (UNREACHABLE_CODES.has(code)) {
    return new ClusterError('unreachable', `cannot reach the API server at ${server}: ${msg}`, { cause: err });
  }
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') {
    return new ClusterError('timeout', `request to ${server} timed out`, { cause: err });
  }
  return undefined;
}

/**
 * An exec credential plugin or auth provider that failed (client-node throws its stderr, or the
 * spawn error): we could not authenticate, so exit 3, and say where the message came from.
 */
export function fromCredentialError(err: unknown): ClusterError {
  if (err instanceof ClusterError) return err;
  const msg = (err as Error)?.message ?? String(err);
  return new ClusterError(
    'unauthorized',
    `getting credentials from the kubeconfig user's exec plugin or auth provider failed: ${msg}`,
    {
      cause: err,
      remedy: 'run the plugin by hand, see its command with kubectl config view --minify, or log in again',
    },
  );
}

/** Maps an HTTP error answer (status code + metav1.Status body) to a ClusterError. */
export function fromStatus(code: number, body: unknown, what: string): ClusterError {
  const st = (body && typeof body === 'object' ? body : {}) as { message?: string; reason?: string };
  const serverMsg = st.message || (typeof body === 'string' ? body.slice(0, 200) : '') || `HTTP ${code}`;
  const opts = { status: code };
  switch (code) {
    case 401:
      return new ClusterError(
        'unauthorized',
        `the API server rejected the credentials (401 Unauthorized) for ${what}`,
        opts,
      );
    case 403:
      return new ClusterError('forbidden', serverMsg, opts);
    case 404:
      return new ClusterError('notfound', serverMsg, opts);
    case 408:
    case 504:
      return new ClusterError('timeout', `${what}: ${serverMsg}`, opts);
    case 400:
    case 409:
    case 422:
      // the server is fine and refused the request as asked: its message says why
      // reached and authenticated, so not exit 3: a problem with what was asked (exit 1)
      return new ClusterError('unreachable', `${what}: the API server refused it (${code}): ${serverMsg}`, {
        ...opts,
        remedy: refusalRemedy(serverMsg),
        exitCode: ExitCode.PROBLEMS,
      });
    default:
      return new ClusterError('unreachable', `${what}: the API server answered ${code}: ${serverMsg}`, {
        ...opts,
        remedy: 'the API server is unhealthy or overloaded: retry later',
      });
  }
}

/** What to do about a request the API server refused as asked (exec's 400s as kubelet-less pods give them). */
function refusalRemedy(serverMsg: string): string {
  if (/does not have a host assigned/.test(serverMsg))
    return 'the pod is not scheduled to a node yet: wait until kubectl get pod -o wide shows its NODE, or pick another pod';
  if (/container .* is not valid|a container name must be specified/i.test(serverMsg))
    return 'name one of the containers the message lists with -c';
  if (/is not running|ContainerCreating|PodInitializing/i.test(serverMsg))
    return 'wait until the container runs (kubectl get pod), or pick another pod';
  return 'check the names and flags given';
}

/** Exit code and one-line text for anything thrown. */
export function describeError(err: unknown): { exitCode: number; line: string } {
  if (err instanceof ClusterError || err instanceof UsageError) return { exitCode: err.exitCode, line: err.line };
  // A command's own error class (net's PodProblem) carries its exit code and line: deliberate, not a bug.
  const own = err as { exitCode?: unknown; line?: unknown };
  if (err instanceof Error && typeof own.exitCode === 'number' && typeof own.line === 'string')
    return { exitCode: own.exitCode, line: oneLine(own.line) };
  const msg = err instanceof Error ? err.message : String(err);
  if (isNetwork(err)) return { exitCode: ExitCode.CLUSTER, line: oneLine(msg) };
  // Anything else is a bug (a TypeError ...): still exit 1, but not mistaken for "problems found".
  return {
    exitCode: ExitCode.PROBLEMS,
    line: `internal error: ${oneLine(msg)} (run with -v for the stack; please report it)`,
  };
}

function isNetwork(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return UNREACHABLE_CODES.has(code) || TLS_CODES.has(code);
}
