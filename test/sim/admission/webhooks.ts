// Validating admission webhooks as kube-apiserver dispatches them (kubernetes
// staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/validating/dispatcher.go, the matchers in
// .../webhook/predicates/{rules,namespace,object}, errors/statuserror.go ToStatusErr).
// The sim calls no server: what each webhook answers is declared on its ValidatingWebhookConfiguration
// with annotations (all of its webhooks answer alike):
//   sim.kubectl-airflow.dev/answer: allow | deny | timeout   (default allow)
//   sim.kubectl-airflow.dev/message: the denial's message
//   sim.kubectl-airflow.dev/code: the denial's HTTP code (ToStatusErr raises anything below 400 to 400)
//   sim.kubectl-airflow.dev/reason: the denial's Status reason (e.g. Forbidden; none by default)
import { matchesLabels, type LabelRequirement } from '../selectors.ts';
import type { KubeObject, Status } from '../types.ts';

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface Rule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

interface Webhook {
  name: string;
  rules?: Rule[];
  failurePolicy?: string;
  sideEffects?: string;
  timeoutSeconds?: number;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  clientConfig?: { url?: string; service?: { name: string; namespace: string; path?: string; port?: number } };
}

export interface WebhookRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  namespaced: boolean;
  namespaceLabels?: Record<string, string>;
  object: KubeObject;
  dryRun: boolean;
}

const ANSWER = 'sim.kubectl-airflow.dev/answer';
const MESSAGE = 'sim.kubectl-airflow.dev/message';
const CODE = 'sim.kubectl-airflow.dev/code';
const REASON = 'sim.kubectl-airflow.dev/reason';

/** metav1.LabelSelectorAsSelector; a nil selector matches everything, as the webhook predicates treat it. */
export function selectorRequirements(s: LabelSelector | undefined): LabelRequirement[] {
  if (!s) return [];
  const reqs: LabelRequirement[] = Object.entries(s.matchLabels ?? {}).map(([key, value]) => ({ key, op: '=', value }));
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === 'In') reqs.push({ key: e.key, op: 'in', values: e.values ?? [] });
    else if (e.operator === 'NotIn') reqs.push({ key: e.key, op: 'notin', values: e.values ?? [] });
    else if (e.operator === 'Exists') reqs.push({ key: e.key, op: 'exists' });
    else if (e.operator === 'DoesNotExist') reqs.push({ key: e.key, op: '!exists' });
  }
  return reqs;
}

const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);

// predicates/rules/rules.go Matcher: operation, group, version, resource (with sub-resource wildcards), scope.
function ruleMatches(rule: Rule, req: WebhookRequest): boolean {
  if (!has(rule.operations, req.operation)) return false;
  if (!has(rule.apiGroups, req.group) || !has(rule.apiVersions, req.version)) return false;
  const full = req.subresource ? `${req.resource}/${req.subresource}` : req.resource;
  const resOk = (rule.resources ?? []).some((r) => {
    if (r === '*/*' || r === full) return true;
    if (r === '*') return !req.subresource;
    const [res, sub] = r.split('/');
    if (sub === '*') return res === req.resource && !!req.subresource;
    if (res === '*') return sub === req.subresource;
    return false;
  });
  if (!resOk) return false;
  const scope = rule.scope ?? '*';
  return scope === '*' || (scope === 'Namespaced') === req.namespaced;
}

function matches(w: Webhook, req: WebhookRequest): boolean {
  if (!(w.rules ?? []).some((r) => ruleMatches(r, req))) return false;
  // predicates/namespace: a cluster-scoped object is matched by any namespaceSelector (except Namespaces themselves).
  if (req.namespaced && !matchesLabels(selectorRequirements(w.namespaceSelector), req.namespaceLabels)) return false;
  return matchesLabels(selectorRequirements(w.objectSelector), req.object.metadata.labels);
}

/** The URL the apiserver posts to (webhook/client.go: service DNS name, port 443, `?timeout=`). */
function webhookURL(w: Webhook): string {
  const timeout = `?timeout=${w.timeoutSeconds ?? 10}s`;
  const svc = w.clientConfig?.service;
  if (svc) return `https://${svc.name}.${svc.namespace}.svc:${svc.port ?? 443}${svc.path ?? ''}${timeout}`;
  return `${w.clientConfig?.url ?? ''}${timeout}`;
}

function status(code: number, reason: string | undefined, message: string): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
  if (reason) s.reason = reason;
  return s;
}

/**
 * Runs every matching validating webhook of these configurations (in name order, then list order).
 * Returns the Status of the first failure, or undefined when the request is admitted.
 */
export function runValidatingWebhooks(configs: KubeObject[], req: WebhookRequest): Status | undefined {
  const ordered = [...configs].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  for (const cfg of ordered) {
    const ann = cfg.metadata.annotations ?? {};
    for (const w of (cfg as { webhooks?: Webhook[] }).webhooks ?? []) {
      if (!matches(w, req)) continue;
      // dispatcher.go: under dry run, only webhooks that declare no side effects are called.
      if (req.dryRun && w.sideEffects !== 'None' && w.sideEffects !== 'NoneOnDryRun') {
        return status(400, 'BadRequest', `admission webhook "${w.name}" does not support dry run`);
      }
      const answer = ann[ANSWER] ?? 'allow';
      if (answer === 'timeout') {
        if ((w.failurePolicy ?? 'Fail') === 'Ignore') continue;
        const why = `failed calling webhook "${w.name}": failed to call webhook: Post "${webhookURL(w)}": context deadline exceeded`;
        const s = status(500, 'InternalError', `Internal error occurred: ${why}`);
        s.details = { causes: [{ message: why }] };
        return s;
      }
      if (answer === 'deny') {
        // ToStatusErr: code below 400 becomes 400; the message says which webhook denied it.
        const code = Math.max(Number(ann[CODE] ?? 0) || 0, 400);
        const msg = ann[MESSAGE];
        const deniedBy = `admission webhook "${w.name}" denied the request`;
        return status(code, ann[REASON], msg ? `${deniedBy}: ${msg}` : `${deniedBy} without explanation`);
      }
    }
  }
  return undefined;
}
