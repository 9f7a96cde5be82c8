// What a node keeps for a running pod: its network namespace (the netns agent) and each
// container's mount and UTS namespaces (sandbox.ts), made at the pod's first exec and kept until
// the pod is gone or the sim stops. An exec enters them, as a runtime's exec joins a running
// container; building them per exec cost tens of milliseconds that no cluster charges.
// The pod network is rebuilt when its plan changes (a NetworkPolicy, an endpoint, a replica's
// state): execs already running keep the old one until they end, as established connections
// outlive a rules update only as long as the old namespace does here. A network no exec has used
// for a while is let go (its agent is a Node process of about 50 MB) and made again at the next
// exec: nothing of it outlives the execs that used it (their process groups end with them).

import type { Socket } from 'node:net';
import type { SimContext } from '../context.ts';
import { AgentPool, startPodNetwork, type NetworkConfig, type PodNetwork } from './pod-network.ts';
import { containerLayout, startContainer, type ContainerSpec, type RunningContainer } from './sandbox.ts';
import { onServerStop } from './sessions.ts';

export interface NetworkLease {
  nsPath: string;
  release(): void;
}

interface NetworkEntry {
  key: string;
  ready: Promise<PodNetwork>;
  users: number;
  current: boolean;
  idle?: NodeJS.Timeout;
}

let networkIdleMs = 30_000;
/** How long an unused pod network is kept (tests shorten it). */
export function setNetworkIdleMs(ms: number): void {
  networkIdleMs = ms;
}

interface ContainerEntry {
  layout: string;
  ready: Promise<RunningContainer>;
}

type SimServer = SimContext['server'];

function stopWhenStarted(e: ContainerEntry): void {
  e.ready.then(
    (c) => c.stop(),
    () => {},
  );
}

export class PodRuntimes {
  private readonly pool = new AgentPool();
  private readonly networks = new Map<string, NetworkEntry>();
  /** by pod uid, then container name */
  private readonly containers = new Map<string, Map<string, ContainerEntry>>();
  private closed = false;
  private readonly server: SimServer;

  constructor(server: SimServer) {
    this.server = server;
  }

  /** The pod's network for this plan: the one it has, or a new one (the old kept for its running execs). */
  async network(uid: string, cfg: NetworkConfig): Promise<NetworkLease> {
    if (this.closed) throw new Error('the simulator is stopping');
    const key = JSON.stringify(cfg);
    let e = this.networks.get(uid);
    if (!e || e.key !== key) {
      if (e) this.retire(uid, e);
      e = { key, ready: this.startNetwork(cfg), users: 0, current: true };
      this.networks.set(uid, e);
    }
    const entry = e;
    clearTimeout(entry.idle);
    entry.users++;
    let network: PodNetwork;
    try {
      network = await entry.ready;
    } catch (err) {
      entry.users--;
      if (this.networks.get(uid) === entry) this.networks.delete(uid);
      throw err;
    }
    let released = false;
    return {
      nsPath: network.nsPath,
      release: () => {
        if (released) return;
        released = true;
        entry.users--;
        if (entry.users > 0) return;
        if (!entry.current) this.stopNetwork(entry);
        else entry.idle = setTimeout(() => this.retire(uid, entry), networkIdleMs).unref();
      },
    };
  }

  /** The container, started at its first exec; its files brought up to date on every later one. */
  async container(uid: string, name: string, spec: ContainerSpec): Promise<RunningContainer> {
    if (this.closed) throw new Error('the simulator is stopping');
    let pod = this.containers.get(uid);
    if (!pod) this.containers.set(uid, (pod = new Map()));
    const layout = containerLayout(spec);
    const had = pod.get(name);
    if (had && had.layout === layout) {
      const c = await had.ready.catch(() => undefined);
      if (c?.alive()) {
        c.sync(spec);
        return c;
      }
      // gone meanwhile, or replaced by a concurrent exec: look again
      if (this.containers.get(uid)?.get(name) !== had) return this.container(uid, name, spec);
    }
    if (had) stopWhenStarted(had);
    const entry = { layout, ready: startContainer(spec) };
    pod.set(name, entry);
    entry.ready.catch(() => {
      if (pod.get(name) === entry) pod.delete(name);
    });
    const c = await entry.ready;
    if (this.closed) c.stop(); // stopped while it started: the exec fails as at a stopping kubelet
    return c;
  }

  /** Drops what belongs to pods that are gone (deleted, or replaced under the same name). */
  sweep(live: (uid: string) => boolean): void {
    for (const [uid, e] of this.networks) if (!live(uid)) this.retire(uid, e);
    for (const [uid, pod] of this.containers) {
      if (live(uid)) continue;
      this.containers.delete(uid);
      for (const e of pod.values()) stopWhenStarted(e);
    }
  }

  /** Starts the next spare network agent (when the machine is idle again, e.g. after an exec). */
  refill(): void {
    if (!this.closed) this.pool.refill();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.close();
    // a network still in use stops when its last exec ends (stopping the sim aborts them)
    for (const [uid, e] of this.networks) this.retire(uid, e);
    for (const pod of this.containers.values()) for (const e of pod.values()) stopWhenStarted(e);
    this.containers.clear();
  }

  private retire(uid: string, e: NetworkEntry): void {
    if (this.networks.get(uid) === e) this.networks.delete(uid);
    clearTimeout(e.idle);
    e.current = false;
    if (e.users === 0) this.stopNetwork(e); // else at its last exec's release
  }

  private stopNetwork(e: NetworkEntry): void {
    void e.ready.then(
      (network) => void network.stop(),
      () => {},
    );
  }

  private startNetwork(cfg: NetworkConfig): Promise<PodNetwork> {
    // The sim serves the pod's own TCP connections to a live replica address, accepted on the
    // listening sockets the agent made in the pod's namespace; connections accepted end on their own.
    return startPodNetwork(cfg, (s: Socket) => this.server.emit('connection', s), this.pool);
  }
}

const runtimes = new WeakMap<object, PodRuntimes>();

/** The node-side state of this simulator's pods, released when it stops. */
export function podRuntimes(server: SimServer): PodRuntimes {
  let r = runtimes.get(server);
  if (!r) {
    const made = new PodRuntimes(server);
    r = made;
    runtimes.set(server, made);
    server.once('close', () => made.close());
    onServerStop(server, () => made.close());
  }
  return r;
}
