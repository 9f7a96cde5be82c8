// The `ha` checks about reaching the API server (how many endpoints, their ports, readyz, the
// kubeconfig's server, the --from probe), and every check in the order the report shows. Pure.
import type { Chain } from './chain.ts';
import {
  checkEndpointLeases,
  checkEndpointsAgree,
  checkReconciler,
  checkStaleEndpoints,
  grant,
  ok,
  PERMISSIONS,
  skip,
  reachedFromPod,
  staleEndpoints,
  unread,
} from './checks.ts';
import type { Check, HaInput, ProbeResult } from './model.ts';
import { hostCidr, sameIp } from '../net/netpol.ts';
import { CONNECT_FAILURES } from '../net/verdict.ts';

/** "TCP connect: net-unreachable (...)" -> the kind's words and likely causes, as net says them. */
function connectCause(error: string | undefined): string {
  const kind = /^TCP connect: ([a-z-]+)/.exec(error ?? '')?.[1] ?? '';
  const f = CONNECT_FAILURES[kind];
  return f ? `${f.what}: ${f.causes}` : (error ?? 'no connection');
}

export function checkEndpointCount(chain: Chain, input: HaInput): Check {
  const id = 'endpoint-count';
  const title = 'Enough API-server endpoints';
  if (!input.endpoints.ok && !input.slices.ok) {
    return skip(
      id,
      title,
      [unread(input.endpoints, 'Endpoints default/kubernetes')!, unread(input.slices, 'EndpointSlices of kubernetes')!],
      grant([
        [input.endpoints, PERMISSIONS.endpoints],
        [input.slices, PERMISSIONS.slices],
      ]),
    );
  }
  const n = chain.endpoints.length;
  const reached = reachedFromPod(input);
  const healthy = n - staleEndpoints(chain, reached).length;
  const p = chain.platform;
  if (n === 0) {
    return {
      id,
      title,
      verdict: 'FAIL',
      evidence: ['the kubernetes Service has no endpoints: in-cluster clients cannot reach the API server'],
      remedy:
        'Check that kube-apiserver runs and that its endpoint reconciler is not disabled (--endpoint-reconciler-type=none).',
    };
  }
  const unknown = !input.leases.ok && !input.nodes.ok ? ' (staleness unknown: Leases and Nodes not readable)' : '';
  const byPod = reached.size ? ` (${reached.size} answered from pod ${input.from?.pod})` : '';
  const evidence = [
    `${n} endpoint(s), ${healthy} healthy${byPod}${unknown}; platform ${p.name}`,
    `platform: ${p.name} (${p.because}); expectation: ${p.expectation}`,
  ];
  if (p.name !== 'self-managed') {
    if (healthy >= p.minEndpoints) return ok(id, title, evidence);
    return {
      id,
      title,
      verdict: 'WARN',
      evidence,
      remedy: `${p.name} normally publishes ${p.minEndpoints}; fewer during a control-plane upgrade. If it lasts, open a support case with the provider.`,
    };
  }
  if (healthy >= 2) return ok(id, title, evidence);
  return {
    id,
    title,
    verdict: 'FAIL',
    evidence,
    remedy:
      healthy === 1
        ? 'A single API server is a single point of failure: when it restarts every Airflow scheduler and worker loses the API. Run at least two kube-apiserver replicas (kubeadm: join more control-plane nodes) behind a load balancer.'
        : 'No healthy endpoint: in-cluster clients cannot reach the API server.',
  };
}

export function checkPorts(chain: Chain, input: HaInput): Check {
  const id = 'ports';
  const title = 'Service port, target port and endpoint ports';
  if (!input.service.ok) {
    if (input.service.code === 404)
      return {
        id,
        title,
        verdict: 'FAIL',
        evidence: ['Service default/kubernetes does not exist'],
        remedy: 'The API server recreates it within 10 s; if not, check kube-apiserver logs.',
      };
    return skip(
      id,
      title,
      [unread(input.service, 'Service default/kubernetes')!],
      grant([[input.service, PERMISSIONS.service]]),
    );
  }
  const s = chain.service!;
  const perEndpoint = chain.endpoints.map((e) => ({
    address: e.address,
    ports: [...new Set([...e.slicePorts, ...e.endpointsPorts])],
  }));
  const distinct = [...new Set(perEndpoint.flatMap((e) => e.ports))];
  const ips = chain.endpoints.map((e) => `${e.address}/32`).join(', ');
  const evidence = [
    `KUBERNETES_SERVICE_HOST=${s.clusterIP ?? '?'} KUBERNETES_SERVICE_PORT=${s.port ?? '?'}; Service port ${s.port ?? '?'} -> targetPort ${s.targetPort ?? '?'}; endpoints listen on ${distinct.join(', ') || 'nothing'}`,
    `a NetworkPolicy egress rule must allow ipBlock ${ips || '(no endpoints)'} port ${distinct.join(', ') || '?'}/TCP: policies see the endpoint after DNAT, not ${s.clusterIP ?? 'the ClusterIP'}:${s.port ?? '?'}`,
  ];
  if (distinct.length > 1) {
    return {
      id,
      title,
      verdict: 'FAIL',
      evidence: [
        ...evidence,
        ...chain.endpoints.map(
          (e) =>
            `${e.address}: ${[...new Set([...e.slicePorts, ...e.endpointsPorts])].join(',')}${e.pod?.securePort ? ` (${e.pod.name} --secure-port=${e.pod.securePort})` : ''}`,
        ),
      ],
      remedy:
        'The API servers use different --secure-port values, so each rewrites the Service and Endpoints with its own port (port flapping) and clients reach some servers on the wrong port. Give every kube-apiserver the same --secure-port.',
    };
  }
  if (typeof s.targetPort === 'number' && distinct.length === 1 && s.targetPort !== distinct[0]) {
    return {
      id,
      title,
      verdict: 'WARN',
      evidence: [...evidence, `Service targetPort ${s.targetPort} differs from the endpoint port ${distinct[0]}`],
      remedy:
        'Endpoints decide where traffic goes; a differing targetPort is a leftover of another --secure-port. Make every kube-apiserver use the same port.',
    };
  }
  return ok(id, title, evidence);
}

export function checkReadyz(input: HaInput): Check {
  const id = 'readyz';
  const title = '/readyz through the kubeconfig server';
  const r = input.readyz;
  if (!r.ok) {
    if (r.code === 403)
      return skip(
        id,
        title,
        [`/readyz forbidden: needs ${PERMISSIONS.readyz}`],
        'Bind the system:public-info-viewer ClusterRole (default) or grant get on /readyz.',
      );
    return {
      id,
      title,
      verdict: 'FAIL',
      evidence: [`GET ${input.server}/readyz?verbose: ${r.message}`],
      remedy: 'The server behind the kubeconfig address did not answer; see the endpoint checks.',
    };
  }
  const failed = r.value.body.split('\n').filter((l) => l.startsWith('[-]'));
  const passed = r.value.body.split('\n').filter((l) => l.startsWith('[+]')).length;
  if (r.value.status === 200 && failed.length === 0)
    return ok(id, title, [`${input.server}: ready (${passed} checks passed)`]);
  return {
    id,
    title,
    verdict: 'FAIL',
    evidence: [
      `${input.server}: HTTP ${r.value.status}`,
      ...(failed.length ? failed : [r.value.body.trim().split('\n')[0]!.slice(0, 200)].filter(Boolean)),
    ],
    remedy:
      'The replica answering the kubeconfig address is not ready: fix the failed checks (etcd, informer sync) shown above; clients sent to it get errors.',
  };
}

export function checkKubeconfigServer(chain: Chain, input: HaInput): Check {
  const id = 'kubeconfig-server';
  const title = 'kubeconfig server is not one replica of several';
  const host = chain.serverHost;
  const direct =
    chain.endpoints.find((e) => sameIp(e.address, host)) ?? chain.endpoints.find((e) => e.node && e.node.name === host);
  if (!direct)
    return ok(id, title, [
      `${input.server} is not one of the endpoint addresses (a load balancer, VIP, tunnel or proxy)`,
    ]);
  if (chain.endpoints.length <= 1) return ok(id, title, [`${input.server} is the only endpoint ${direct.address}`]);
  return {
    id,
    title,
    verdict: 'WARN',
    evidence: [
      `${input.server} is replica ${direct.address}${direct.node ? ` on node ${direct.node.name}` : ''}, one of ${chain.endpoints.length}`,
    ],
    remedy:
      'kubectl (and anything using this kubeconfig, e.g. a KubernetesPodOperator config_file) fails when that one replica is down although the cluster has others: point the kubeconfig at the load balancer or VIP in front of all API servers.',
  };
}

export function checkFromPod(chain: Chain, input: HaInput): Check | undefined {
  if (!input.from) return undefined;
  const id = 'from-pod';
  const title = `Every endpoint answers /readyz from pod ${input.from.namespace}/${input.from.pod}`;
  const r = input.from.results;
  if (!r.ok) {
    if (r.code === 403)
      return skip(
        id,
        title,
        [`exec into ${input.from.pod} forbidden: needs ${PERMISSIONS.exec}`],
        `Grant ${PERMISSIONS.exec} in ${input.from.namespace}.`,
      );
    return skip(id, title, [`could not probe from ${input.from.pod}: ${r.message}`], '');
  }
  const bad = r.value.filter((x) => !x.ok);
  const stale = new Set(staleEndpoints(chain, reachedFromPod(input)).map((s) => s.address));
  const evidence = r.value.map(
    (x) =>
      `${x.address}:${x.port}: ${x.ok ? `reachable (HTTP ${x.status ?? '?'})` : `${/^TCP/.test(x.error ?? '') ? 'UNREACHABLE' : 'FAILED'} (${x.error ?? `HTTP ${x.status}`})${stale.has(x.address) ? ': a stale endpoint, no server runs there' : ''}`}`,
  );
  if (bad.length === 0) return ok(id, title, evidence);
  const gone = bad.filter((b) => stale.has(b.address));
  const blocked = bad.filter((b) => !stale.has(b.address) && /^TCP/.test(b.error ?? ''));
  const answered = bad.filter((b) => !stale.has(b.address) && !/^TCP/.test(b.error ?? ''));
  const list = (xs: ProbeResult[]) => xs.map((b) => `${b.address}:${b.port}`).join(', ');
  const remedy = [
    `Through the ClusterIP ${chain.service?.clusterIP ?? ''} about ${bad.length} in ${r.value.length} new connections from this pod fail.`,
    blocked.length
      ? `The pod cannot reach ${list(blocked)} although a server runs there (${blocked.map((b) => connectCause(b.error)).join('; ')}): allow egress to ${blocked.map((b) => hostCidr(b.address)).join(', ')} port ${[...new Set(blocked.map((b) => b.port))].join(',')}/TCP in the pod's NetworkPolicies (ipBlock: policies see the endpoint after DNAT) and check routes/firewalls to the control-plane nodes.`
      : '',
    answered.length
      ? `${list(answered)} accepted the connection but ${answered.map((b) => b.error).join('; ')}: a TLS failure means the pod's ca.crt does not verify that server (check the cluster CA each server uses); a /readyz error means that replica is unhealthy.`
      : '',
    gone.length ? `${list(gone)}: stale, remove it from the endpoints (see stale-endpoints).` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return { id, title, verdict: 'FAIL', evidence, remedy };
}

export function runChecks(chain: Chain, input: HaInput): Check[] {
  const checks = [
    checkEndpointsAgree(chain, input),
    checkEndpointLeases(chain, input),
    checkStaleEndpoints(chain, input),
    checkEndpointCount(chain, input),
    checkPorts(chain, input),
    checkReadyz(input),
    checkKubeconfigServer(chain, input),
  ];
  const reconciler = checkReconciler(chain, input);
  if (reconciler) checks.push(reconciler);
  const from = checkFromPod(chain, input);
  if (from) checks.push(from);
  return checks;
}
