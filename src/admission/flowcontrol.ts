// API Priority and Fairness: which FlowSchema a request of an Airflow account falls under and the
// priority level's share of the server's concurrency. Matching as kube-apiserver does it
// (kubernetes staging/src/k8s.io/apiserver/pkg/util/flowcontrol/rule.go matchesFlowSchema,
// apf_controller.go: the lowest matchingPrecedence wins, then the name); a level's nominal seats
// are ceil(ServerCL * shares / sum of shares) (flowcontrol v1 LimitedPriorityLevelConfiguration),
// ServerCL being --max-requests-inflight + --max-mutating-requests-inflight (400 + 200 by default).
import type { Finding } from './model.ts';
import { byText } from '../base/order.ts';

export interface Subject {
  kind: string;
  user?: { name: string };
  group?: { name: string };
  serviceAccount?: { name: string; namespace: string };
}
export interface FlowSchema {
  metadata: { name: string };
  spec: {
    priorityLevelConfiguration: { name: string };
    matchingPrecedence?: number;
    rules?: {
      subjects?: Subject[];
      resourceRules?: {
        verbs?: string[];
        apiGroups?: string[];
        resources?: string[];
        namespaces?: string[];
        clusterScope?: boolean;
      }[];
      nonResourceRules?: unknown[];
    }[];
  };
}
export interface PriorityLevel {
  metadata: { name: string };
  spec: {
    type?: string;
    limited?: {
      nominalConcurrencyShares?: number;
      assuredConcurrencyShares?: number;
      limitResponse?: { type?: string };
    };
  };
}

export interface Requester {
  user: string;
  groups: string[];
}
export interface ResourceRequest {
  verb: string;
  apiGroup: string;
  resource: string;
  namespace?: string;
}

const DEFAULT_SERVER_CONCURRENCY = 600;

function subjectMatches(s: Subject, who: Requester): boolean {
  if (s.kind === 'User') return s.user?.name === '*' || s.user?.name === who.user;
  if (s.kind === 'Group') return s.group?.name === '*' || who.groups.includes(s.group?.name ?? '');
  if (s.kind === 'ServiceAccount' && s.serviceAccount) {
    const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(who.user);
    return (
      !!m && s.serviceAccount.namespace === m[1] && (s.serviceAccount.name === '*' || s.serviceAccount.name === m[2])
    );
  }
  return false;
}

const has = (list: string[] | undefined, v: string) => (list ?? []).includes('*') || (list ?? []).includes(v);

export function flowSchemaMatches(fs: FlowSchema, who: Requester, req: ResourceRequest): boolean {
  return (fs.spec.rules ?? []).some(
    (rule) =>
      (rule.subjects ?? []).some((s) => subjectMatches(s, who)) &&
      (rule.resourceRules ?? []).some(
        (r) =>
          has(r.verbs, req.verb) &&
          has(r.apiGroups, req.apiGroup) &&
          has(r.resources, req.resource) &&
          (req.namespace ? has(r.namespaces, req.namespace) : r.clusterScope === true),
      ),
  );
}

export function classify(schemas: FlowSchema[], who: Requester, req: ResourceRequest): FlowSchema | undefined {
  return [...schemas]
    .sort(
      (a, b) =>
        (a.spec.matchingPrecedence ?? 1000) - (b.spec.matchingPrecedence ?? 1000) ||
        byText(a.metadata.name, b.metadata.name),
    )
    .find((fs) => flowSchemaMatches(fs, who, req));
}

const shares = (pl: PriorityLevel) =>
  pl.spec.limited?.nominalConcurrencyShares ?? pl.spec.limited?.assuredConcurrencyShares ?? 30;

/** Nominal seats of each Limited level out of the server's concurrency limit. */
export function nominalSeats(
  levels: PriorityLevel[],
  serverConcurrency = DEFAULT_SERVER_CONCURRENCY,
): Map<string, number> {
  const limited = levels.filter((l) => l.spec.type !== 'Exempt');
  const sum = limited.reduce((n, l) => n + shares(l), 0);
  return new Map(limited.map((l) => [l.metadata.name, sum ? Math.ceil((serverConcurrency * shares(l)) / sum) : 0]));
}

export interface AccountUse {
  account: string;
  namespace: string;
  what: string;
}

/** One finding per Airflow account: its FlowSchema and level, WARN where the level has fewer seats than parallelism. */
export function flowControlFindings(
  accounts: AccountUse[],
  schemas: FlowSchema[],
  levels: PriorityLevel[],
  parallelism: number,
  kubernetesExecutor: boolean,
): Finding[] {
  const seats = nominalSeats(levels);
  return accounts.map((a): Finding => {
    const [ns, name] = [a.namespace, a.account];
    const who = {
      user: `system:serviceaccount:${ns}:${name}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
    };
    const fs = classify(schemas, who, { verb: 'create', apiGroup: '', resource: 'pods', namespace: ns });
    if (!fs)
      return {
        namespace: ns,
        check: 'flow-control',
        verdict: 'WARN',
        message: `${name}: no FlowSchema matches its requests (the server would use catch-all)`,
      };
    const levelName = fs.spec.priorityLevelConfiguration.name;
    const level = levels.find((l) => l.metadata.name === levelName);
    if (!level)
      return {
        namespace: ns,
        check: 'flow-control',
        verdict: 'WARN',
        message: `${name}: FlowSchema ${fs.metadata.name} names priority level ${levelName}, which does not exist`,
      };
    if (level.spec.type === 'Exempt')
      return {
        namespace: ns,
        check: 'flow-control',
        verdict: 'OK',
        message: `${name} (${a.what}): FlowSchema ${fs.metadata.name} -> priority level ${levelName} (exempt)`,
      };
    const n = seats.get(levelName) ?? 0;
    const reject = level.spec.limited?.limitResponse?.type === 'Reject' ? ', rejects with 429 when full' : '';
    const text = `${name} (${a.what}): FlowSchema ${fs.metadata.name} -> priority level ${levelName}, ${shares(level)} shares, ~${n} seats of a default ${DEFAULT_SERVER_CONCURRENCY}${reject}`;
    if (kubernetesExecutor && n < parallelism) {
      return {
        namespace: ns,
        check: 'flow-control',
        verdict: 'WARN',
        message: `${text}: fewer than parallelism ${parallelism}, so task pod launches can queue or get 429`,
        fix: `give the Airflow accounts a FlowSchema with a lower matchingPrecedence pointing at a level with more shares (flowcontrol.apiserver.k8s.io/v1)`,
        source: 'kubernetes staging/src/k8s.io/apiserver/pkg/util/flowcontrol (APF)',
      };
    }
    return { namespace: ns, check: 'flow-control', verdict: 'OK', message: text };
  });
}
