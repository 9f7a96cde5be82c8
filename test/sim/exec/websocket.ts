// The channel protocol of exec over WebSocket (k8s.io/apimachinery/pkg/util/httpstream/wsstream,
// KEP-4006): every binary frame starts with a channel byte. v5 adds the CLOSE frame [255, channel].
// Pure functions: the codec and the channel-3 Status documents, unit-tested without a server.

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

export const V5 = 'v5.channel.k8s.io';
export const V4 = 'v4.channel.k8s.io';
/** Preference order: v5 first (it can close stdin), then v4. */
export const SUPPORTED_PROTOCOLS = [V5, V4];

export function encodeFrame(channel: number, data: Uint8Array | string = new Uint8Array(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  const frame = Buffer.allocUnsafe(body.length + 1);
  frame[0] = channel;
  body.copy(frame, 1);
  return frame;
}

export type Frame =
  | { kind: 'data'; channel: number; data: Buffer }
  | { kind: 'close'; channel: number }
  | { kind: 'empty' };

/** Decodes a client frame. CLOSE is only a control frame under v5; under v4 255 is just an unknown channel. */
export function decodeFrame(frame: Buffer, protocol: string): Frame {
  if (frame.length === 0) return { kind: 'empty' };
  const channel = frame[0];
  if (channel === CLOSE && protocol === V5 && frame.length >= 2) return { kind: 'close', channel: frame[1] };
  return { kind: 'data', channel, data: frame.subarray(1) };
}

/** Chooses the subprotocol the way the real server does: the first of ours the client offers, v5 preferred. */
export function chooseProtocol(offered: Iterable<string>): string | undefined {
  const set = new Set([...offered].map((p) => p.trim()));
  return SUPPORTED_PROTOCOLS.find((p) => set.has(p));
}

/** Parses the Sec-WebSocket-Protocol header value into the offered list. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  if (!header) return [];
  const joined = Array.isArray(header) ? header.join(',') : header;
  return joined
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** The first frame: an empty write on the lowest channel the server writes (wsstream Conn.Open). */
export function readinessChannel(opts: { stdout: boolean; stderr: boolean; tty: boolean }): number {
  if (opts.stdout) return STDOUT;
  if (opts.stderr && !opts.tty) return STDERR;
  return ERROR;
}

// metav1.Status documents written on channel 3 (exactly once per exec).

export interface ChannelStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
  code?: number;
}

export function successStatus(): ChannelStatus {
  return { metadata: {}, status: 'Success' };
}

/** What the API server's stream translator writes for a non-zero exit (apiserver/pkg/util/proxy
 *  streamtranslator.go codeExitToStatusError wraps client-go's "command terminated with exit code N"). */
export function exitCodeStatus(code: number): ChannelStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: command terminated with exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** apierrors.NewInternalError(err): reason InternalError, code 500, the error as the only cause. */
export function internalErrorStatus(err: string): ChannelStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${err}`,
    reason: 'InternalError',
    details: { causes: [{ message: err }] },
    code: 500,
  };
}

/** What the kubelet writes when the runtime cannot start the command: apierrors.NewInternalError of
 *  "error executing command in container: ..." (containerd + runc text; the exec id is 64 hex). The
 *  API server's stream translator wraps that message in a second InternalError, so kubectl >= 1.30
 *  prints "Internal error occurred: Internal error occurred: error executing command in container: ...". */
export function kubeletExecFailure(argv0: string, execId: string): string {
  return `Internal error occurred: ${runtimeExecFailure(argv0, execId)}`;
}

export function runtimeExecFailure(argv0: string, execId: string): string {
  const cause = argv0.includes('/')
    ? `exec: "${argv0}": stat ${argv0}: no such file or directory`
    : `exec: "${argv0}": executable file not found in $PATH`;
  return `error executing command in container: failed to exec in container: failed to start exec "${execId}": OCI runtime exec failed: exec failed: unable to start container process: ${cause}: unknown`;
}

/** The kubelet's answer when the container is not running; through the translator it becomes an InternalError. */
export function containerNotFound(container: string): string {
  return `unable to upgrade connection: container not found ("${container}")`;
}

/** The exit status of a finished child as the runtime reports it (signals as 128+n, like a shell). */
export function exitCodeOf(
  code: number | null,
  signal: NodeJS.Signals | null,
  signals: Record<string, number>,
): number {
  if (code !== null) return code;
  if (signal && signals[signal] !== undefined) return 128 + signals[signal];
  return 1;
}
