// Label and field selectors with the semantics of k8s.io/apimachinery/pkg/labels and pkg/fields.

export type LabelRequirement =
  | { key: string; op: 'exists' | '!exists' }
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] };

export class SelectorError extends Error {}

/** Split on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

const KEY = /^([A-Za-z0-9][-A-Za-z0-9_.]*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new SelectorError(`unable to parse requirement: invalid label key "${key}"`);
  return key;
}

function checkValue(v: string): string {
  if (v.length > 63 || !VALUE.test(v))
    throw new SelectorError(`unable to parse requirement: invalid label value: "${v}"`);
  return v;
}

export function parseLabelSelector(selector: string | undefined | null): LabelRequirement[] {
  if (!selector) return [];
  return splitTerms(selector).map((term): LabelRequirement => {
    let m = /^!\s*(\S+)$/.exec(term);
    if (m) return { key: checkKey(m[1]), op: '!exists' };
    m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = m[3]
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      values.forEach(checkValue);
      return { key: checkKey(m[1]), op: m[2] as 'in' | 'notin', values };
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (m) return { key: checkKey(m[1]), op: m[2] === '!=' ? '!=' : '=', value: checkValue(m[3].trim()) };
    if (/^[^=!\s()]+$/.test(term)) return { key: checkKey(term), op: 'exists' };
    throw new SelectorError(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
  });
}

export function matchesLabels(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case '=':
        return has && l[r.key] === r.value;
      case '!=':
        return !has || l[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
    }
  });
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(selector: string | undefined | null): FieldRequirement[] {
  if (!selector) return [];
  return splitTerms(selector).map((term) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    return { field: m[1].trim(), op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() } as FieldRequirement;
  });
}

/** Field labels each resource supports for selection (pkg/registry/<group>/<resource>/strategy.go). */
const FIELDS: Record<string, string[]> = {
  pods: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.podIPs',
    'status.nominatedNodeName',
  ],
  events: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  secrets: ['type'],
  namespaces: ['status.phase'],
  nodes: ['spec.unschedulable'],
  replicasets: ['status.replicas'],
  jobs: ['status.successful'],
};

export function supportedFields(resource: string): string[] {
  return ['metadata.name', 'metadata.namespace', ...(FIELDS[resource] ?? [])];
}

function fieldValue(obj: Record<string, unknown>, field: string): string {
  if (field === 'source') {
    const src = (obj.source ?? {}) as { component?: string };
    return src.component ?? '';
  }
  if (field === 'status.podIPs') {
    const ips = ((obj.status as Record<string, unknown> | undefined)?.podIPs ?? []) as { ip: string }[];
    return ips[0]?.ip ?? '';
  }
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) {
    // Booleans read as "false" when unset (spec.hostNetwork, spec.unschedulable).
    if (field === 'spec.hostNetwork' || field === 'spec.unschedulable') return 'false';
    return '';
  }
  return String(cur);
}

/** Throws SelectorError with the apiserver's message for a field the resource does not support. */
export function validateFields(resource: string, reqs: FieldRequirement[]): void {
  const ok = supportedFields(resource);
  for (const r of reqs) {
    if (!ok.includes(r.field)) {
      if (!FIELDS[resource])
        throw new SelectorError(
          `"${r.field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
        );
      throw new SelectorError(`field label not supported: ${r.field}`);
    }
  }
}

export function matchesFields(reqs: FieldRequirement[], obj: Record<string, unknown>): boolean {
  return reqs.every((r) => {
    const v = fieldValue(obj, r.field);
    return r.op === '=' ? v === r.value : v !== r.value;
  });
}
