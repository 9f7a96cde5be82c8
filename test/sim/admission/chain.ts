// Admission of a create, in kube-apiserver's order (kubernetes pkg/kubeapiserver/options/plugins.go
// AllOrderedPlugins; the mutating phase runs before the validating phase,
// staging/src/k8s.io/apiserver/pkg/admission/chain.go):
//   defaulting   pkg/apis/core/v1/defaults.go SetDefaults_Pod (a limit without a request is also the request)
//   mutating     LimitRanger (defaults)
//   validating   LimitRanger (min/max), PodSecurity, ValidatingAdmissionWebhook, ResourceQuota
// Rejections read as admission.NewForbidden makes them: `pods "x" is forbidden: <why>` (for a
// generateName create the name shown is the prefix: the name is generated after admission).
import type { SimContext } from '../context.ts';
import type { ResourceType } from '../resources.ts';
import { forbiddenStatus } from './forbidden.ts';
import { applyLimitRangeDefaults, validateLimitRanges } from './limitrange.ts';
import { specOf } from './pod.ts';
import { podSecurity } from './podsecurity.ts';
import { checkQuotas } from './resourcequota.ts';
import { runValidatingWebhooks } from './webhooks.ts';
import type { KubeObject, Status } from '../types.ts';

export interface Admitted {
  /** The object after mutation (what a dry run answers and a create stores). */
  object: KubeObject;
  /** Set when the request is rejected. */
  status?: Status;
  /** Warning header values (RFC 7234 `299 - "text"`), joined by the caller. */
  warnings: string[];
}

/** SetDefaults_Pod: requests default to limits for every resource a container limits but does not request. */
function defaultRequestsFromLimits(pod: KubeObject): KubeObject {
  const spec = { ...specOf(pod) };
  const fix = (cs: typeof spec.containers) =>
    cs?.map((c) => {
      const limits = c.resources?.limits;
      if (!limits) return c;
      const requests = { ...(c.resources?.requests ?? {}) };
      for (const [k, v] of Object.entries(limits)) requests[k] ??= v;
      return { ...c, resources: { ...c.resources, requests } };
    });
  if (spec.containers) spec.containers = fix(spec.containers);
  if (spec.initContainers) spec.initContainers = fix(spec.initContainers);
  return { ...pod, spec };
}

export const warningHeader = (texts: string[]): Record<string, string> | undefined =>
  texts.length ? { Warning: texts.map((t) => `299 - ${JSON.stringify(t)}`).join(', ') } : undefined;

/** Runs the chain for a create of `obj` (already typed, namespace set) of resource `r`. */
export function admitCreate(r: ResourceType, obj: KubeObject, dryRun: boolean, ctx: SimContext): Admitted {
  const namespace = obj.metadata.namespace;
  const nsLabels = namespace ? ctx.store.get('namespaces', undefined, namespace)?.metadata.labels : undefined;
  const isPod = r.group === '' && r.resource === 'pods';
  const name = obj.metadata.name || String(obj.metadata.generateName ?? '');
  const reject = (why: string): Admitted => ({
    object: obj,
    status: forbiddenStatus(r.group, r.resource, name, why),
    warnings: [],
  });
  let object = obj;
  const warnings: string[] = [];

  if (isPod) {
    object = defaultRequestsFromLimits(object);
    const limitRanges = namespace ? ctx.store.all('limitranges', namespace) : [];
    object = applyLimitRangeDefaults(object, limitRanges);
    const lrError = validateLimitRanges(object, limitRanges);
    if (lrError) return reject(lrError);
    const psa = podSecurity(object, nsLabels);
    if (psa.deny) return reject(psa.deny);
    warnings.push(...psa.warnings);
  }

  const webhookStatus = runValidatingWebhooks(ctx.store.all('validatingwebhookconfigurations'), {
    operation: 'CREATE',
    group: r.group,
    version: r.version,
    resource: r.resource,
    namespaced: r.namespaced,
    namespaceLabels: nsLabels,
    object,
    dryRun,
  });
  if (webhookStatus) return { object, status: webhookStatus, warnings: [] };

  if (isPod && namespace) {
    const quotaError = checkQuotas(
      object,
      ctx.store.all('resourcequotas', namespace),
      ctx.store.all('pods', namespace),
    );
    if (quotaError) return reject(quotaError);
  }
  return { object, warnings };
}
