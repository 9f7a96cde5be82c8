// Decodes the protobuf bodies kubectl's typed generators send (`kubectl create role|rolebinding|
// clusterrole|clusterrolebinding|configmap|secret|serviceaccount|namespace|service`, `kubectl create
// token`) into plain
// objects. Field numbers from k8s.io/api/{rbac,core}/v1/generated.proto and
// k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto; fields not listed here are dropped.
import { decodeEnvelope, decodeFields, type Field } from './protobuf.ts';
import type { KubeObject } from './types.ts';

type Kind = 'string' | 'bytes' | 'bool' | 'int' | 'strmap' | 'bytesmap' | Schema;
interface Spec {
  name: string;
  kind: Kind;
  repeated?: boolean;
}
type Schema = Record<number, Spec>;

const s = (name: string, repeated = false): Spec => ({ name, kind: 'string', repeated });
const m = (name: string, kind: Schema, repeated = false): Spec => ({ name, kind, repeated });

const LABEL_SELECTOR: Schema = {
  1: { name: 'matchLabels', kind: 'strmap' },
  2: m('matchExpressions', { 1: s('key'), 2: s('operator'), 3: s('values', true) }, true),
};
const OBJECT_META: Schema = {
  1: s('name'),
  2: s('generateName'),
  3: s('namespace'),
  11: { name: 'labels', kind: 'strmap' },
  12: { name: 'annotations', kind: 'strmap' },
  14: s('finalizers', true),
};
const POLICY_RULE: Schema = {
  1: s('verbs', true),
  2: s('apiGroups', true),
  3: s('resources', true),
  4: s('resourceNames', true),
  5: s('nonResourceURLs', true),
};
const SUBJECT: Schema = { 1: s('kind'), 2: s('apiGroup'), 3: s('name'), 4: s('namespace') };
const ROLE_REF: Schema = { 1: s('apiGroup'), 2: s('kind'), 3: s('name') };
const ROLE: Schema = { 1: m('metadata', OBJECT_META), 2: m('rules', POLICY_RULE, true) };
const CLUSTER_ROLE: Schema = {
  ...ROLE,
  3: m('aggregationRule', { 1: m('clusterRoleSelectors', LABEL_SELECTOR, true) }),
};
const BINDING: Schema = { 1: m('metadata', OBJECT_META), 2: m('subjects', SUBJECT, true), 3: m('roleRef', ROLE_REF) };
const OBJECT_REFERENCE: Schema = { 1: s('kind'), 2: s('namespace'), 3: s('name'), 4: s('uid'), 5: s('apiVersion') };
const INT_OR_STRING: Schema = { 1: { name: 'type', kind: 'int' }, 2: { name: 'intVal', kind: 'int' }, 3: s('strVal') };
const SERVICE_PORT: Schema = {
  1: s('name'),
  2: s('protocol'),
  6: s('appProtocol'),
  3: { name: 'port', kind: 'int' },
  4: m('targetPort', INT_OR_STRING),
  5: { name: 'nodePort', kind: 'int' },
};
const SERVICE_SPEC: Schema = {
  1: m('ports', SERVICE_PORT, true),
  2: { name: 'selector', kind: 'strmap' },
  3: s('clusterIP'),
  18: s('clusterIPs', true),
  4: s('type'),
  5: s('externalIPs', true),
  7: s('sessionAffinity'),
  10: s('externalName'),
  11: s('externalTrafficPolicy'),
  17: s('ipFamilyPolicy'),
  19: s('ipFamilies', true),
  22: s('internalTrafficPolicy'),
};

const KINDS: Record<string, Schema> = {
  'rbac.authorization.k8s.io/v1 Role': ROLE,
  'rbac.authorization.k8s.io/v1 ClusterRole': CLUSTER_ROLE,
  'rbac.authorization.k8s.io/v1 RoleBinding': BINDING,
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': BINDING,
  'v1 ConfigMap': {
    1: m('metadata', OBJECT_META),
    2: { name: 'data', kind: 'strmap' },
    3: { name: 'binaryData', kind: 'bytesmap' },
    4: { name: 'immutable', kind: 'bool' },
  },
  'v1 Secret': {
    1: m('metadata', OBJECT_META),
    2: { name: 'data', kind: 'bytesmap' },
    3: s('type'),
    4: { name: 'stringData', kind: 'strmap' },
    5: { name: 'immutable', kind: 'bool' },
  },
  'v1 ServiceAccount': {
    1: m('metadata', OBJECT_META),
    2: m('secrets', OBJECT_REFERENCE, true),
    3: m('imagePullSecrets', { 1: s('name') }, true),
    4: { name: 'automountServiceAccountToken', kind: 'bool' },
  },
  'v1 Namespace': { 1: m('metadata', OBJECT_META), 2: m('spec', { 1: s('finalizers', true) }) },
  'v1 Service': { 1: m('metadata', OBJECT_META), 2: m('spec', SERVICE_SPEC) },
  'authentication.k8s.io/v1 TokenRequest': {
    1: m('metadata', OBJECT_META),
    2: m('spec', {
      1: s('audiences', true),
      4: { name: 'expirationSeconds', kind: 'int' },
      3: m('boundObjectRef', { 1: s('kind'), 2: s('apiVersion'), 3: s('name'), 4: s('uid') }),
    }),
  },
};

export function protobufKindSupported(apiVersion: string, kind: string): boolean {
  return `${apiVersion} ${kind}` in KINDS;
}

function scalar(f: Field, kind: Kind): unknown {
  switch (kind) {
    case 'string':
      return f.bytes?.toString('utf8') ?? '';
    case 'bytes':
      return f.bytes?.toString('base64') ?? '';
    case 'bool':
      return f.int !== undefined && f.int !== 0n;
    case 'int':
      return f.int === undefined ? 0 : Number(BigInt.asIntN(64, f.int));
    default:
      return undefined;
  }
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of decodeFields(buf)) {
    const spec = schema[f.no];
    if (!spec) continue;
    let v: unknown;
    if (spec.kind === 'strmap' || spec.kind === 'bytesmap') {
      const entry = decodeFields(f.bytes ?? Buffer.alloc(0));
      const key = entry.find((e) => e.no === 1)?.bytes?.toString('utf8') ?? '';
      const val = entry.find((e) => e.no === 2)?.bytes ?? Buffer.alloc(0);
      const map = (out[spec.name] ??= {}) as Record<string, string>;
      map[key] = spec.kind === 'strmap' ? val.toString('utf8') : val.toString('base64');
      continue;
    }
    if (typeof spec.kind === 'object') v = decodeMessage(f.bytes ?? Buffer.alloc(0), spec.kind);
    else v = scalar(f, spec.kind);
    if (spec.repeated) ((out[spec.name] ??= []) as unknown[]).push(v);
    // gogo-protobuf writes every non-pointer field, empty or not; JSON (omitempty) leaves them out.
    else if (v !== '' && v !== 0) out[spec.name] = v;
  }
  return out;
}

/** A `k8s\0` envelope holding one of the kinds above -> the object as JSON would carry it; undefined for other kinds. */
export function decodeObject(body: Buffer): KubeObject | undefined {
  const env = decodeEnvelope(body);
  const schema = KINDS[`${env.apiVersion} ${env.kind}`];
  if (!schema) return undefined;
  const obj = decodeMessage(env.raw, schema);
  const spec = obj.spec as
    | { ports?: { targetPort?: { type: number; intVal?: number; strVal?: string } }[] }
    | undefined;
  // IntOrString is a plain number or string in JSON.
  for (const p of spec?.ports ?? []) {
    if (p.targetPort)
      (p as Record<string, unknown>).targetPort =
        p.targetPort.type === 1 ? (p.targetPort.strVal ?? '') : (p.targetPort.intVal ?? 0);
  }
  return { apiVersion: env.apiVersion, kind: env.kind, ...obj } as KubeObject;
}
