// Plain-data shapes the `ha` decisions work on. Only the fields the checks read, so the functions
// accept both raw JSON from the API server and client-node's deserialised objects (whose timestamps
// are Date instances rather than strings).

import type { Fetched } from '../base/fetched.ts';

export type Verdict = 'OK' | 'WARN' | 'FAIL' | 'SKIP';

export interface Check {
  id: string;
  title: string;
  verdict: Verdict;
  /** What was seen, in one or a few lines. */
  evidence: string[];
  /** What to do; empty when the verdict is OK. */
  remedy: string;
}

/** A read that may have failed; the checks that need it SKIP and say why. */
export type { Fetched };

export type Time = string | Date | undefined | null;

export interface Meta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: Time;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
}
export interface Service {
  metadata?: Meta;
  spec?: { clusterIP?: string; ports?: ServicePort[] };
}

export interface EndpointAddress {
  ip: string;
  nodeName?: string;
  hostname?: string;
}
export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
}
export interface Endpoints {
  metadata?: Meta;
  subsets?: { addresses?: EndpointAddress[]; notReadyAddresses?: EndpointAddress[]; ports?: EndpointPort[] }[];
}

export interface EndpointSlice {
  metadata?: Meta;
  addressType?: string;
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    nodeName?: string;
  }[];
  ports?: { name?: string; port?: number; protocol?: string }[];
}

export interface Lease {
  metadata?: Meta;
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: Time; acquireTime?: Time };
}

export interface Node {
  metadata?: Meta;
  spec?: { providerID?: string };
  status?: {
    addresses?: { type: string; address: string }[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface Readyz {
  status: number;
  body: string;
}

/** A kube-apiserver mirror pod (static pod of a self-managed control plane: kubeadm and alike). */
export interface ApiserverPod {
  metadata?: Meta;
  spec?: { nodeName?: string; containers?: { name: string; command?: string[]; args?: string[] }[] };
  status?: { podIP?: string; hostIP?: string; phase?: string; conditions?: { type: string; status: string }[] };
}

/** Result of `GET /readyz` on one endpoint from inside a pod (`--from`). */
export interface ProbeResult {
  address: string;
  port: number;
  ok: boolean;
  status?: number;
  error?: string;
}

export interface HaInput {
  service: Fetched<Service>;
  endpoints: Fetched<Endpoints>;
  slices: Fetched<EndpointSlice[]>;
  leases: Fetched<Lease[]>;
  nodes: Fetched<Node[]>;
  readyz: Fetched<Readyz>;
  /** kube-apiserver pods in kube-system (absent on managed platforms); optional evidence. */
  apiserverPods?: Fetched<ApiserverPod[]>;
  /** The kubeconfig cluster's `server` URL. */
  server: string;
  now: Date;
  /** Present with `--from <pod>`. */
  from?: { pod: string; namespace: string; results: Fetched<ProbeResult[]> };
}

export function toDate(t: Time): Date | undefined {
  if (t === undefined || t === null || t === '') return undefined;
  const d = t instanceof Date ? t : new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
