// People's view (the chain as a tree, then the checks) and the machine document of `ha`. Pure.
import type { Palette } from '../render/colour.ts';
import { renderTable } from '../render/table.ts';
import type { Chain } from './chain.ts';
import { age } from './age.ts';
import { worstVerdict } from './checks.ts';
import type { Check, HaInput, ProbeResult, Verdict } from './model.ts';

export interface HaReport {
  verdict: Verdict;
  platform: { name: string; because: string; expectation: string };
  server: string;
  service?: Chain['service'];
  endpoints: {
    address: string;
    ports: number[];
    inEndpoints: boolean;
    inEndpointSlice: boolean;
    ready: boolean;
    node?: { name: string; ready: boolean };
    lease?: {
      name: string;
      holder: string;
      hostname?: string;
      renewTime?: string;
      secondsSinceRenew?: number;
      live: boolean;
      matchedBy: string;
    };
    pod?: { name: string; ready: boolean; securePort?: number; reconciler?: string };
  }[];
  leases?: { name: string; holder: string; hostname?: string; live: boolean; secondsSinceRenew?: number }[];
  from?: { pod: string; namespace: string; results?: ProbeResult[]; error?: string };
  checks: Check[];
}

export function toReport(chain: Chain, checks: Check[], input: HaInput): HaReport {
  return {
    verdict: worstVerdict(checks),
    platform: { name: chain.platform.name, because: chain.platform.because, expectation: chain.platform.expectation },
    server: input.server,
    service: chain.service,
    endpoints: chain.endpoints.map((e) => ({
      address: e.address,
      ports: [...new Set([...e.slicePorts, ...e.endpointsPorts])],
      inEndpoints: e.inEndpoints,
      inEndpointSlice: e.inSlices,
      ready: e.ready,
      node: e.node ? { name: e.node.name, ready: e.node.ready } : undefined,
      lease: e.lease
        ? {
            name: e.lease.name,
            holder: e.lease.holder,
            hostname: e.lease.hostname,
            renewTime: e.lease.renewTime?.toISOString(),
            secondsSinceRenew:
              e.lease.sinceRenewSeconds === undefined ? undefined : Math.round(e.lease.sinceRenewSeconds),
            live: e.lease.live,
            matchedBy: e.lease.by,
          }
        : undefined,
      pod: e.pod
        ? { name: e.pod.name, ready: e.pod.ready, securePort: e.pod.securePort, reconciler: e.pod.reconciler }
        : undefined,
    })),
    leases: chain.leases?.map((l) => ({
      name: l.name,
      holder: l.holder,
      hostname: l.hostname,
      live: l.live,
      secondsSinceRenew: l.sinceRenewSeconds === undefined ? undefined : Math.round(l.sinceRenewSeconds),
    })),
    from: input.from
      ? {
          pod: input.from.pod,
          namespace: input.from.namespace,
          ...(input.from.results.ok ? { results: input.from.results.value } : { error: input.from.results.message }),
        }
      : undefined,
    checks,
  };
}

export function paintVerdict(v: Verdict, c: Palette): string {
  return v === 'OK' ? c.green(v) : v === 'WARN' ? c.yellow(v) : v === 'FAIL' ? c.red(v) : c.dim(v);
}

export function renderText(chain: Chain, checks: Check[], input: HaInput, c: Palette, wide = false): string {
  const lines: string[] = [];
  const s = chain.service;
  const svcPort = s?.port ?? '?';
  lines.push(
    c.bold(`KUBERNETES_SERVICE_HOST=${s?.clusterIP ?? '?'} KUBERNETES_SERVICE_PORT=${svcPort}`) +
      c.dim('  (what the kubelet injects into every pod)'),
  );
  lines.push(
    `└─ Service default/kubernetes  ${s ? `${s.clusterIP}:${svcPort} -> targetPort ${s.targetPort ?? '?'}` : input.service.ok ? '' : `(${input.service.message})`}`,
  );
  const eps = chain.endpoints;
  if (eps.length === 0) lines.push('   └─ (no endpoints)');
  eps.forEach((e, i) => {
    const last = i === eps.length - 1;
    const branch = last ? '   └─ ' : '   ├─ ';
    const cont = last ? '      ' : '   │  ';
    const ports = [...new Set([...e.slicePorts, ...e.endpointsPorts])].join(',');
    const where = [
      e.inEndpoints ? 'Endpoints' : c.red('not in Endpoints'),
      e.inSlices ? 'EndpointSlice' : c.red('not in EndpointSlice'),
    ].join(' + ');
    lines.push(`${branch}${c.bold(`${e.address}:${ports}`)}  ${where}${e.ready ? '' : c.red('  not ready')}`);
    let replica: string;
    if (e.lease) {
      const live = e.lease.live ? c.green('live') : c.red('NOT live');
      replica =
        `replica  Lease ${e.lease.name}  renewed ${age(e.lease.sinceRenewSeconds)} ago (${live})  age ${age(e.lease.ageSeconds)}` +
        (wide ? `  holder ${e.lease.holder}  matched by ${e.lease.by}` : '');
    } else if (!input.leases.ok) replica = c.dim('replica  ? (Leases not readable)');
    else if (chain.platform.name !== 'self-managed')
      replica = c.dim(`replica  run by ${chain.platform.name}, not matched to an address`);
    else replica = c.red('replica  no identity Lease');
    let node: string;
    if (e.node)
      node = `node     ${e.node.name}  ${e.node.ready ? c.green('Ready') : c.red(`NotReady${e.node.readyReason ? ` (${e.node.readyReason})` : ''}`)}`;
    else if (!input.nodes.ok) node = c.dim('node     ? (Nodes not readable)');
    else node = c.dim("node     (the address is no node's)");
    lines.push(`${cont}├─ ${replica}`);
    if (e.pod)
      lines.push(
        `${cont}├─ pod      kube-system/${e.pod.name}  ${e.pod.ready ? c.green('ready') : c.red('not ready')}  --secure-port=${e.pod.securePort ?? '?'} --endpoint-reconciler-type=${e.pod.reconciler ?? 'lease (default)'}`,
      );
    lines.push(`${cont}└─ ${node}`);
  });
  // on a managed platform Leases are not matched to addresses at all (see endpoint-leases)
  const liveUnmatched =
    chain.platform.name !== 'self-managed'
      ? []
      : (chain.leases ?? []).filter((l) => l.live && !eps.some((e) => e.lease?.name === l.name));
  for (const l of liveUnmatched)
    lines.push(c.dim(`   (live Lease ${l.name} on host ${l.hostname ?? '?'} has no endpoint)`));
  lines.push('');
  lines.push(`platform: ${chain.platform.name} (${chain.platform.because})`);
  lines.push(`kubeconfig server: ${input.server}`);
  if (input.from) lines.push(`probed from: pod ${input.from.namespace}/${input.from.pod}`);
  lines.push('');
  const rows = checks.map((k) => [
    k.id,
    paintVerdict(k.verdict, c),
    wide
      ? k.evidence.join('\n')
      : (k.evidence[0] ?? '') + (k.evidence.length > 1 ? ` (+${k.evidence.length - 1} more)` : ''),
  ]);
  lines.push(renderTable(['CHECK', 'VERDICT', 'EVIDENCE'], rows));
  if (!wide && checks.some((k) => k.evidence.length > 1))
    lines.push(c.dim('(+N more): further evidence lines of that check; -o wide shows them all'));
  const problems = checks.filter((k) => k.verdict !== 'OK' && (k.remedy || k.verdict !== 'SKIP'));
  if (problems.length) {
    lines.push('');
    for (const k of problems) {
      lines.push(`${paintVerdict(k.verdict, c)} ${c.bold(k.id)}: ${k.title}`);
      for (const ev of k.evidence) lines.push(`  - ${ev}`);
      if (k.remedy) lines.push(`  fix: ${k.remedy}`);
    }
  }
  return lines.join('\n') + '\n';
}
