// pods/exec: server.ts authenticates, impersonates and authorizes, then hands the upgrade here.
// Errors the API server answers before upgrading are HTTP Status responses; after the WebSocket
// upgrade everything (kubelet and runtime failures, the exit code) goes on channel 3, once.
//
// Network of a pod: its own network namespace holding the cluster as a pod sees it (the pod network:
// ClusterIP DNAT to the API-server replicas, NetworkPolicies, cluster DNS), or as its node sees it
// for `hostNetwork: true` (pod-network.ts). Nothing outside the scenario's addresses is routable.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { constants } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SimContext } from '../context.ts';
import type { KubeObject, Status, UserInfo } from '../types.ts';
import {
  ANNOTATION_PREFIX,
  SA_DIR,
  annotation,
  ephemeralImageProfile,
  automountsToken,
  containerEnv,
  hostsFile,
  imageProfile,
  podSpec,
  profileExecutables,
  pythonPackageFiles,
  resolveExecutable,
  serviceAccountName,
  volumeFiles,
  type Container,
  type ContainerFile,
} from './pod-files.ts';
import { networkConfig, nodeAddress, planNetwork } from './pod-network.ts';
import { podRuntimes } from './pod-runtime.ts';
import { badRequest, parseExecUrl, resolveTarget } from './request.ts';
import { trackSession } from './sessions.ts';
import {
  ERROR,
  RESIZE,
  STDERR,
  STDIN,
  STDOUT,
  chooseProtocol,
  decodeFrame,
  encodeFrame,
  exitCodeOf,
  exitCodeStatus,
  internalErrorStatus,
  kubeletExecFailure,
  offeredProtocols,
  readinessChannel,
  successStatus,
  type ChannelStatus,
  type Frame,
} from './websocket.ts';

export interface ExecUpgradeArgs {
  pod: KubeObject;
  container: string | undefined;
  command: string[];
  user: UserInfo;
  ctx: SimContext;
}

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (protocols: Set<string>) => chooseProtocol(protocols) ?? false,
});

function writeHttpStatus(socket: Duplex, s: Status): void {
  const body = JSON.stringify(s);
  const reason = { 400: 'Bad Request', 404: 'Not Found', 500: 'Internal Server Error' }[s.code] ?? '';
  socket.end(
    [
      `HTTP/1.1 ${s.code} ${reason}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Cache-Control: no-cache, private',
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}

export async function handleExecUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  args: ExecUpgradeArgs,
): Promise<void> {
  socket.on('error', () => {});
  const parsed = parseExecUrl(req.url ?? '');
  const opts = {
    command: args.command.length > 0 ? args.command : (parsed?.command ?? []),
    container: args.container ?? parsed?.container,
    stdin: parsed?.stdin ?? false,
    stdout: parsed?.stdout ?? false,
    stderr: parsed?.stderr ?? false,
    tty: parsed?.tty ?? false,
  };
  const target = resolveTarget(args.pod, opts);
  if (!target.ok && 'httpStatus' in target) return writeHttpStatus(socket, target.httpStatus);

  const isWebSocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
  if (!isWebSocket) {
    // kubectl >= 1.30 falls back to SPDY only when the WebSocket upgrade is refused; the sim speaks WebSocket only.
    return writeHttpStatus(
      socket,
      badRequest(
        'the simulated API server supports exec over WebSocket only (v5.channel.k8s.io, v4.channel.k8s.io): use kubectl >= 1.30',
      ),
    );
  }
  const protocol = chooseProtocol(offeredProtocols(req.headers['sec-websocket-protocol']));
  if (!protocol) {
    return writeHttpStatus(
      socket,
      badRequest(
        `unable to upgrade: none of the requested protocols is supported, want one of [v5.channel.k8s.io v4.channel.k8s.io]`,
      ),
    );
  }

  const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, socket, head, resolve));
  const session = new ExecSession(ws, protocol, opts);
  ws.once('close', trackSession(args.ctx.server, session));
  session.ready();
  if (!target.ok) return session.finish(internalErrorStatus(target.streamError));
  try {
    await session.run(args.pod, target.container, opts.command, args.ctx);
  } catch (e) {
    session.finish(internalErrorStatus((e as Error).message));
  }
}

type Opts = { command: string[]; stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean };

let wrongCaPem: Promise<string> | undefined;
/** `ca: wrong`: a CA that did not sign the server certificate (made once per process). */
function otherCaPem(): Promise<string> {
  wrongCaPem ??= import('../tls.ts').then((t) => t.createCA('some-other-ca')).then((ca) => ca.certPem);
  return wrongCaPem;
}

class ExecSession {
  private finished = false;
  private cleanups: (() => void | Promise<void>)[] = [];
  private ws: WebSocket;
  private protocol: string;
  private opts: Opts;

  constructor(ws: WebSocket, protocol: string, opts: Opts) {
    this.ws = ws;
    this.protocol = protocol;
    this.opts = opts;
    ws.on('error', () => {});
    ws.on('close', () => {
      void this.teardown();
    });
    // Frames can arrive while the sandbox is being prepared (kubectl sends stdin and CLOSE at once): keep them.
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const f = decodeFrame(isBinary ? data : Buffer.from(data), this.protocol);
      if (this.stdinSink) this.stdinSink(f);
      else this.pending.push(f);
    });
  }

  private pending: Frame[] = [];
  private stdinSink: ((f: Frame) => void) | undefined;

  /** Delivers the buffered and all later client frames. */
  private onFrames(sink: (f: Frame) => void): void {
    this.stdinSink = sink;
    for (const f of this.pending.splice(0)) sink(f);
  }

  /** The sim is stopping: drop the stream (the close tears the sandbox down). */
  abort(): void {
    this.ws.terminate();
  }

  ready(): void {
    this.send(readinessChannel(this.opts), Buffer.alloc(0));
  }

  private send(channel: number, data: Buffer | string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeFrame(channel, data));
  }

  finish(status: ChannelStatus): void {
    if (this.finished) return;
    this.finished = true;
    this.send(ERROR, JSON.stringify(status));
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
    void this.teardown();
  }

  private async teardown(): Promise<void> {
    const c = this.cleanups.splice(0).reverse();
    for (const f of c) {
      try {
        await f();
      } catch {
        /* best effort: the rest still runs */
      }
    }
  }

  async run(pod: KubeObject, containerName: string, command: string[], ctx: SimContext): Promise<void> {
    const spec = podSpec(pod);
    const ephemeral = spec.ephemeralContainers?.find((c) => c.name === containerName);
    const container = (ephemeral ??
      [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((c) => c.name === containerName)) as Container;
    const ns = pod.metadata.namespace ?? 'default';
    // an ephemeral container runs its own image: its profile comes from the image, not the pod's annotation
    const profile = ephemeral
      ? ephemeralImageProfile(
          ephemeral.image ?? '',
          ctx.scenario.metadata.annotations?.[ANNOTATION_PREFIX + 'image-profiles'],
        )
      : imageProfile(pod);
    const executables = profileExecutables(profile);

    // Files the kubelet mounts.
    const files: ContainerFile[] = [];
    const saName = serviceAccountName(pod);
    const sa = ctx.store.get('serviceaccounts', ns, saName);
    // the kubelet mounts the token into the pod's containers; an ephemeral container gets only the mounts it names
    if (!ephemeral && automountsToken(pod, sa)) {
      const token = ctx.issueServiceAccountToken(ns, saName, pod.metadata.name);
      const ca = annotation(pod, 'ca') === 'wrong' ? await otherCaPem() : ctx.caPem;
      files.push(
        { path: `${SA_DIR}/token`, content: token },
        { path: `${SA_DIR}/ca.crt`, content: ca },
        { path: `${SA_DIR}/namespace`, content: ns },
      );
    }
    const vols = volumeFiles(pod, container, ctx.store);
    files.push(...vols.files, ...(ephemeral ? [] : pythonPackageFiles(pod)));

    const argv0 = resolveExecutable(command[0], new Set(executables.keys()), new Set(files.map((f) => f.path)));
    if (!argv0)
      return this.finish(internalErrorStatus(kubeletExecFailure(command[0], randomBytes(32).toString('hex'))));

    const cp = ctx.controlPlane;
    // The kubelet injects the ClusterIP of default/kubernetes into every container, hostNetwork or not.
    const env = containerEnv(pod, container, ctx.store, { host: cp.serviceIP, port: cp.servicePort });

    const plan = planNetwork(
      pod,
      { serviceIP: cp.serviceIP, servicePort: cp.servicePort, replicas: cp.replicas },
      ctx.store,
    );
    const runtimes = podRuntimes(ctx.server);
    const uid = pod.metadata.uid ?? `${ns}/${pod.metadata.name}`;
    const live = new Set(ctx.store.all('pods').map((p) => p.metadata.uid));
    runtimes.sweep((u) => live.has(u));
    this.cleanups.push(() => {
      setImmediate(() => runtimes.refill());
    });
    const network = await runtimes.network(uid, networkConfig(plan));
    this.cleanups.push(() => network.release());
    if (this.finished || this.ws.readyState !== this.ws.OPEN) return this.teardown();

    // A hostNetwork pod shares the node's UTS namespace too: its hostname is the node's.
    const node = plan.kind === 'host' ? nodeAddress(pod, ctx.store) : undefined;
    const running = await runtimes.container(uid, container.name, {
      // what the kubelet hashes to decide a restart, and the scenario's knobs for this pod
      revision: JSON.stringify([container, pod.metadata.annotations ?? {}]),
      env,
      hostname: node?.name || pod.metadata.name,
      workingDir: container.workingDir || '/',
      executables,
      profileKey: profile,
      files,
      dirs: vols.dirs,
      resolvConf: plan.resolvConf,
      hosts: hostsFile(pod, node),
    });
    if (this.finished || this.ws.readyState !== this.ws.OPEN) return this.teardown();
    const sandbox = running.exec({
      // argv[0] stays as the user wrote it (runc execs the resolved path with the original argv).
      argv: command,
      netnsPath: network.nsPath,
      stdin: this.opts.stdin,
    });
    this.cleanups.push(() => sandbox.cleanup());
    const child = sandbox.child;
    const tty = this.opts.tty;
    child.stdout!.on('data', (d: Buffer) => {
      if (this.opts.stdout) this.send(STDOUT, d);
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (this.opts.stderr || tty) this.send(tty ? STDOUT : STDERR, d);
    });
    child.stdin?.on('error', () => {});

    this.onFrames((f) => {
      if (f.kind === 'close' && f.channel === STDIN) child.stdin?.end();
      else if (f.kind === 'data' && f.channel === STDIN && f.data.length > 0) child.stdin?.write(f.data);
      else if (f.kind === 'data' && f.channel === RESIZE) {
        /* no pty: nothing to resize */
      }
    });

    await new Promise<void>((resolve) => {
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let done = false;
      const complete = () => {
        if (done || !exit) return;
        done = true;
        const code = exitCodeOf(exit.code, exit.signal, constants.signals as Record<string, number>);
        this.finish(code === 0 ? successStatus() : exitCodeStatus(code));
        resolve();
      };
      child.once('error', (e) => {
        done = true;
        this.finish(internalErrorStatus(e.message));
        resolve();
      });
      // 'close' waits for stdout/stderr to drain; background children holding them get a short grace.
      child.once('close', () => complete());
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        setTimeout(complete, 200).unref();
      });
    });
  }
}
