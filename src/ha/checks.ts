// The `ha` checks: pure decisions over the chain. Each returns {id, verdict, evidence, remedy}.
import type { Chain, EndpointView } from './chain.ts';
import type { Check, Fetched, HaInput, Verdict } from './model.ts';
import { LIVE_WITHIN_SECONDS } from './identity.ts';
import { age } from './age.ts';

export const PERMISSIONS = {
  service: 'get services in default',
  endpoints: 'get endpoints in default',
  slices: 'list endpointslices.discovery.k8s.io in default',
  leases: 'list leases.coordination.k8s.io in kube-system',
  nodes: 'list nodes (cluster-wide)',
  readyz: 'get on non-resource URL /readyz',
  exec: 'create pods/exec (and get, for WebSocket exec)',
  apiserverPods: 'list pods in kube-system',
} as const;

const ok = (id: string, title: string, evidence: string[]): Check => ({
  id,
  title,
  verdict: 'OK',
  evidence,
  remedy: '',
});

function unread(f: Fetched<unknown>, what: string): string | undefined {
  if (f.ok) return undefined;
  if (f.code === 403) return `${what} not readable (forbidden): needs ${f.permission ?? what}`;
  return `${what} not readable: ${f.message}`;
}

/** The fix for unreadable inputs: grant what is forbidden; anything else is the server's problem. */
function grant(reads: [Fetched<unknown>, string][]): string {
  const forbidden = reads.filter(([f]) => !f.ok && f.code === 403).map(([, p]) => p);
  if (forbidden.length) return `Grant ${forbidden.join(' and ')}.`;
  return reads.some(([f]) => !f.ok) ? 'The API server failed the read: retry, and check its health (see readyz).' : '';
}

function skip(id: string, title: string, reasons: string[], remedy: string): Check {
  return { id, title, verdict: 'SKIP', evidence: reasons, remedy };
}

const ep = (e: EndpointView) => e.address;
const ago = (s: number | undefined) => (s === undefined ? 'never renewed' : `renewed ${age(s)} ago`);
const managed = (c: Chain) => c.platform.name !== 'self-managed';

export function checkEndpointsAgree(chain: Chain, input: HaInput): Check {
  const id = 'endpoints-agree';
  const title = 'Endpoints and EndpointSlice agree';
  const reasons = [
    unread(input.endpoints, 'Endpoints default/kubernetes'),
    unread(input.slices, 'EndpointSlices of kubernetes'),
  ].filter((r): r is string => r !== undefined);
  const endpointsMissing = !input.endpoints.ok && input.endpoints.code === 404;
  if (endpointsMissing && input.slices.ok) {
    // Endpoints v1 is deprecated from 1.33; EndpointSlices are what kube-proxy programs.
    return {
      id,
      title,
      verdict: 'WARN',
      evidence: [
        'Endpoints default/kubernetes does not exist; EndpointSlices list ' + chain.endpoints.map(ep).join(', '),
      ],
      remedy:
        'Clients reading Endpoints v1 see nothing; kube-proxy uses the EndpointSlice. Check the API server endpoint reconciler.',
    };
  }
  if (reasons.length || !input.slices.ok)
    return skip(
      id,
      title,
      reasons,
      grant([
        [input.endpoints, PERMISSIONS.endpoints],
        [input.slices, PERMISSIONS.slices],
      ]),
    );
  if (input.slices.value.length === 0) {
    return {
      id,
      title,
      verdict: 'FAIL',
      evidence: ['no EndpointSlice labelled kubernetes.io/service-name=kubernetes in default'],
      remedy:
        'The API server mirrors Endpoints into EndpointSlice "kubernetes"; check kube-apiserver and kube-controller-manager logs (endpointslicemirroring).',
    };
  }
  const problems: string[] = [];
  for (const e of chain.endpoints) {
    if (!e.inSlices) problems.push(`${e.address} is in Endpoints but not in the EndpointSlice`);
    else if (!e.inEndpoints) problems.push(`${e.address} is in the EndpointSlice but not in Endpoints`);
    else if (e.endpointsPorts.join(',') !== e.slicePorts.join(','))
      problems.push(
        `${e.address}: port ${e.endpointsPorts.join(',')} in Endpoints, ${e.slicePorts.join(',')} in the EndpointSlice`,
      );
  }
  if (problems.length) {
    return {
      id,
      title,
      verdict: 'FAIL',
      evidence: problems,
      remedy:
        'kube-proxy routes by the EndpointSlice, older clients read Endpoints: the two disagree, so pods reach different servers than kubectl shows. The API server rewrites both every 10 s; a lasting difference means a stuck mirror or a hand edit: delete the EndpointSlice "kubernetes" in default so the API server recreates it.',
    };
  }
  return ok(id, title, [
    `${chain.endpoints.length} address(es), same in both: ${chain.endpoints.map((e) => `${e.address}:${e.slicePorts.join(',')}`).join(', ')}`,
  ]);
}

export function checkEndpointLeases(chain: Chain, input: HaInput): Check {
  const id = 'endpoint-leases';
  const title = 'Every endpoint has a live identity Lease, every live Lease an endpoint';
  if (!input.leases.ok)
    return skip(
      id,
      title,
      [unread(input.leases, 'Leases in kube-system')!],
      grant([[input.leases, PERMISSIONS.leases]]),
    );
  const leases = chain.leases ?? [];
  const live = leases.filter((l) => l.live);
  if (leases.length === 0) {
    return skip(
      id,
      title,
      [
        'no Lease labelled apiserver.kubernetes.io/identity=kube-apiserver in kube-system (APIServerIdentity is on by default from 1.26; off, older, or hidden by the platform)',
      ],
      '',
    );
  }
  const how = `matched by endpoint IP -> Node address -> Lease label kubernetes.io/hostname (or the Lease name derived from the hostname); live = renewed within ${LIVE_WITHIN_SECONDS}s (servers renew every 10s)`;
  if (managed(chain)) {
    return ok(id, title, [
      `${live.length} live API-server Lease(s) of ${leases.length}; ${chain.platform.name} publishes ${chain.endpoints.length} address(es) that are not the replicas' own, so they are not matched one to one`,
    ]);
  }
  if (!input.nodes.ok && !leases.some((l) => l.peerAddress)) {
    const verdict: Verdict = live.length < chain.endpoints.length ? 'WARN' : 'OK';
    return {
      id,
      title,
      verdict,
      evidence: [
        `Nodes not readable: compared by count only: ${chain.endpoints.length} endpoint(s), ${live.length} live Lease(s)`,
      ],
      remedy: verdict === 'OK' ? '' : grant([[input.nodes, PERMISSIONS.nodes]]),
    };
  }
  const reached = reachedFromPod(input);
  const unmatched = chain.endpoints.filter((e) => !e.lease || !e.lease.live);
  const missing = unmatched.filter((e) => !reached.has(e.address));
  const evidence: string[] = [
    `${chain.endpoints.length - unmatched.length} of ${chain.endpoints.length} endpoint(s) have a live identity Lease; ${live.length} live Lease(s) in all`,
  ];
  for (const e of chain.endpoints) {
    if (!e.lease)
      evidence.push(
        `${e.address}: no identity Lease${e.node ? ` for node ${e.node.name}` : ' (address is not a node)'}`,
      );
    else
      evidence.push(
        `${e.address}: Lease ${e.lease.name} (${e.lease.holder}) ${ago(e.lease.sinceRenewSeconds)}${e.lease.live ? '' : ': NOT live'}`,
      );
    if ((!e.lease || !e.lease.live) && reached.has(e.address))
      evidence.push(`${e.address}: answered from pod ${input.from?.pod}: a server runs there`);
  }
  const matched = new Set(chain.endpoints.map((e) => e.lease?.name).filter(Boolean));
  const orphans = live.filter((l) => !matched.has(l.name));
  for (const l of orphans)
    evidence.push(`Lease ${l.name} (host ${l.hostname ?? '?'}) is live but no endpoint belongs to it`);
  evidence.push(how);
  if (missing.length) {
    return {
      id,
      title,
      verdict: 'FAIL',
      evidence,
      remedy: `No running API server behind ${missing.map(ep).join(', ')}: see stale-endpoints.`,
    };
  }
  if (unmatched.length) {
    return {
      id,
      title,
      verdict: 'WARN',
      evidence,
      remedy: `${unmatched.map(ep).join(', ')} answered from the pod but no live identity Lease was matched to ${unmatched.length === 1 ? 'it' : 'them'}: the Lease's kubernetes.io/hostname may differ from the node name, or the server runs without APIServerIdentity. Nothing is stale.`,
    };
  }
  if (orphans.length) {
    return {
      id,
      title,
      verdict: 'WARN',
      evidence,
      remedy:
        'An API server is running but not published: its --advertise-address may be unreachable or its endpoint reconciler is off (--endpoint-reconciler-type=none).',
    };
  }
  return { id, title, verdict: 'OK', evidence, remedy: '' };
}

/**
 * Endpoints something answered at from inside the pod (`--from`): past TCP, a server listens there,
 * whatever the Leases and nodes say. Empty without --from.
 */
export function reachedFromPod(input: Pick<HaInput, 'from'>): Set<string> {
  const r = input.from?.results;
  return new Set(r?.ok ? r.value.filter((x) => x.ok || !/^TCP/.test(x.error ?? '')).map((x) => x.address) : []);
}

/** Endpoints the control plane says are gone (no live Lease, node NotReady) although they answered from the pod. */
export function contradictedByPod(chain: Chain, reached: Set<string>): { address: string; reasons: string[] }[] {
  return staleEndpoints(chain).filter((s) => reached.has(s.address));
}

/**
 * Endpoints no client should be sent to, each with the reasons. An endpoint that answered from
 * inside the pod (`reached`) is not stale: the probe saw a server there.
 */
export function staleEndpoints(
  chain: Chain,
  reached: Set<string> = new Set(),
): { address: string; reasons: string[] }[] {
  const anyOnNode = chain.endpoints.some((e) => e.node);
  const out: { address: string; reasons: string[] }[] = [];
  for (const e of chain.endpoints) {
    if (reached.has(e.address)) continue;
    const reasons: string[] = [];
    if (!managed(chain) && chain.leases && chain.leases.length > 0 && (chain.nodes || e.lease)) {
      if (!e.lease) reasons.push('no identity Lease');
      else if (!e.lease.live) reasons.push(`Lease ${e.lease.name} ${ago(e.lease.sinceRenewSeconds)}`);
    }
    if (chain.nodes && !managed(chain)) {
      if (e.node && !e.node.ready)
        reasons.push(`node ${e.node.name} is NotReady${e.node.readyReason ? ` (${e.node.readyReason})` : ''}`);
      if (!e.node && anyOnNode) reasons.push('on no node (the other endpoints are node addresses)');
    }
    if (!e.ready) reasons.push('listed as not ready');
    if (reasons.length) out.push({ address: e.address, reasons });
  }
  return out;
}

/** Why a stale endpoint stays, from the servers' own flags when their pods are visible. */
function staleCause(chain: Chain): string {
  const mc = (chain.apiserverPods ?? []).filter((p) => p.reconciler === 'master-count');
  if (mc.length) {
    return `${mc.map((p) => p.name).join(', ')} run${mc.length === 1 ? 's' : ''} --endpoint-reconciler-type=master-count, which never removes a dead server: remove the flag (lease is the default) on every kube-apiserver; until then delete the dead address from Endpoints default/kubernetes by hand.`;
  }
  return "With --endpoint-reconciler-type=lease (the default) a dead server drops out within 15 s; if it stays, a server runs master-count (never removes a dead server) or the dead server's endpoint lease was not removed: make every kube-apiserver use the lease reconciler, or restart a live kube-apiserver so it rewrites the Endpoints; then check again.";
}

export function checkReconciler(chain: Chain, input: HaInput): Check | undefined {
  const id = 'endpoint-reconciler';
  const title = 'API servers keep the endpoints to the live set (lease reconciler)';
  const f = input.apiserverPods;
  if (!f) return undefined;
  if (!f.ok)
    return skip(id, title, [unread(f, 'kube-apiserver pods in kube-system')!], grant([[f, PERMISSIONS.apiserverPods]]));
  const pods = chain.apiserverPods ?? [];
  if (pods.length === 0) {
    return skip(
      id,
      title,
      [
        `no kube-apiserver pod in kube-system: ${managed(chain) ? `${chain.platform.name} runs the control plane` : 'the servers do not run as static pods here'}, so their flags cannot be seen`,
      ],
      '',
    );
  }
  const evidence = pods.map(
    (p) =>
      `${p.name}${p.node ? ` on ${p.node}` : ''}: --endpoint-reconciler-type=${p.reconciler ?? 'lease (default)'}${p.securePort ? ` --secure-port=${p.securePort}` : ''}${p.advertiseAddress ? ` --advertise-address=${p.advertiseAddress}` : ''}`,
  );
  const bad = pods.filter((p) => p.reconciler && p.reconciler !== 'lease');
  if (bad.length === 0) return ok(id, title, evidence);
  return {
    id,
    title,
    verdict: 'WARN',
    evidence,
    remedy: `${bad.map((p) => `${p.name} (${p.reconciler})`).join(', ')}: master-count never removes a dead server (deprecated), none never publishes the server at all. Remove --endpoint-reconciler-type from every kube-apiserver (lease is the default).`,
  };
}

export function checkStaleEndpoints(chain: Chain, input: HaInput): Check {
  const id = 'stale-endpoints';
  const title = 'No stale endpoint';
  if (!input.leases.ok && !input.nodes.ok) {
    return skip(
      id,
      title,
      [unread(input.leases, 'Leases in kube-system')!, unread(input.nodes, 'Nodes')!],
      grant([
        [input.leases, PERMISSIONS.leases],
        [input.nodes, PERMISSIONS.nodes],
      ]),
    );
  }
  const partial = [
    !input.leases.ok && unread(input.leases, 'Leases in kube-system'),
    !input.nodes.ok && unread(input.nodes, 'Nodes'),
  ].filter((r): r is string => typeof r === 'string');
  const reached = reachedFromPod(input);
  const stale = staleEndpoints(chain, reached);
  const contradicted = contradictedByPod(chain, reached).map(
    (s) =>
      `${s.address}: ${s.reasons.join('; ')}, but it answered from pod ${input.from?.pod}: a server runs there, so it is not stale`,
  );
  if (stale.length) {
    return {
      id,
      title,
      verdict: 'FAIL',
      evidence: [
        ...stale.map((s) => `stale endpoint ${s.address}: ${s.reasons.join('; ')}`),
        ...contradicted,
        ...partial.map((p) => `partial: ${p}`),
      ],
      remedy: `Clients sent to ${stale.map((s) => s.address).join(', ')} time out or are refused (about 1 in ${chain.endpoints.length} new connections). ${staleCause(chain)}`,
    };
  }
  if (contradicted.length) {
    return {
      id,
      title,
      verdict: 'WARN',
      evidence: [
        `${chain.endpoints.length} endpoint(s), none stale by the pod's own probe`,
        ...contradicted,
        ...partial.map((p) => `partial: ${p}`),
      ],
      remedy:
        "The Leases or nodes say a server is gone where the pod reached one: check that each kube-apiserver's identity Lease carries its node's kubernetes.io/hostname and that the node reports Ready.",
    };
  }
  return {
    id,
    title,
    verdict: 'OK',
    evidence: [`${chain.endpoints.length} endpoint(s), none stale`, ...partial.map((p) => `partial: ${p}`)],
    remedy: '',
  };
}

/**
 * Reads that leave nothing to decide on, so `ha` is a cluster error (exit 3) instead of a page of
 * SKIPs: every read rejected as unauthenticated (a credentials problem), or every read failed on the
 * server side (the cluster itself is the problem).
 */
export function unusableReads(
  reads: Fetched<unknown>[],
): { kind: 'unauthorized' | 'unreachable' | 'timeout'; message: string; code?: number } | undefined {
  const failures = reads.filter((f): f is Extract<Fetched<unknown>, { ok: false }> => !f.ok);
  if (reads.length === 0 || failures.length < reads.length) return undefined;
  if (failures.every((f) => f.reason === 'timeout')) return { kind: 'timeout', message: failures[0].message };
  if (failures.every((f) => f.code === 401))
    return { kind: 'unauthorized', message: 'the API server rejected the credentials (401 Unauthorized)', code: 401 };
  if (failures.every((f) => (f.code ?? 0) >= 500))
    return { kind: 'unreachable', message: failures[0].message, code: failures[0].code };
  return undefined;
}

export function worstVerdict(checks: Check[]): Verdict {
  const order: Verdict[] = ['FAIL', 'WARN', 'OK', 'SKIP'];
  for (const v of order) if (checks.some((c) => c.verdict === v)) return v;
  return 'OK';
}

// shared with run-checks.ts, which holds the reachability checks and their order
export { grant, managed, ok, skip, unread };
