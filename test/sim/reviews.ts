// The access-review and self-review endpoints as kube-apiserver serves them
// (pkg/registry/authorization/{selfsubjectaccessreview,subjectaccessreview,localsubjectaccessreview,
// selfsubjectrulesreview}/rest.go, pkg/registry/authentication/selfsubjectreview/rest.go,
// pkg/apis/authorization/validation/validation.go). Every review answers 201 with the request
// object echoed back (re-encoded: unknown fields dropped) and `status` filled in.
import { parse as parseYaml } from 'yaml';
import { decodeReview, isProtobufEnvelope, PROTOBUF_CONTENT_TYPE, ProtobufError } from './protobuf.ts';
import type { RbacObjects } from './rbac.ts';
import { rulesFor } from './rbac.ts';
import { badRequest, failure, forbidden } from './status.ts';
import type { Decision, RequestAttributes, Status, UserInfo } from './types.ts';

export interface ReviewContext {
  rbac(): RbacObjects;
  authorize(a: RequestAttributes, u: UserInfo): Decision;
}

interface ReviewType {
  group: string;
  kind: string;
  namespaced: boolean;
}

const TYPES: Record<string, ReviewType> = {
  selfsubjectaccessreviews: { group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview', namespaced: false },
  subjectaccessreviews: { group: 'authorization.k8s.io', kind: 'SubjectAccessReview', namespaced: false },
  localsubjectaccessreviews: { group: 'authorization.k8s.io', kind: 'LocalSubjectAccessReview', namespaced: true },
  selfsubjectrulesreviews: { group: 'authorization.k8s.io', kind: 'SelfSubjectRulesReview', namespaced: false },
  selfsubjectreviews: { group: 'authentication.k8s.io', kind: 'SelfSubjectReview', namespaced: false },
};

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function s(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function decodeBody(body: Buffer, contentType: string, type: ReviewType): { obj?: Obj; status?: Status } {
  const ct = contentType.split(';')[0]!.trim().toLowerCase();
  try {
    if (ct === PROTOBUF_CONTENT_TYPE || isProtobufEnvelope(body)) {
      const obj = decodeReview(body) as unknown as Obj;
      if (obj['kind'] && obj['kind'] !== type.kind) {
        return {
          status: badRequest(
            `${type.kind} in version "v1" cannot be handled as a ${type.kind}: the object provided is a ${String(obj['kind'])}`,
          ),
        };
      }
      return { obj };
    }
    const text = body.toString('utf8');
    const parsed: unknown = ct === 'application/yaml' ? parseYaml(text) : JSON.parse(text);
    if (!isObj(parsed))
      return { status: badRequest(`the object provided is unrecognized (must be of type ${type.kind})`) };
    return { obj: parsed };
  } catch (e) {
    const why = e instanceof ProtobufError || e instanceof SyntaxError ? e.message : String(e);
    return {
      status: badRequest(
        `the object provided is unrecognized (must be of type ${type.kind}): couldn't get version/kind; json parse error: ${why}`,
      ),
    };
  }
}

/** Field-validation failure as NewInvalid reports it for a decoded internal object (empty kind). */
function invalidReview(group: string, causes: { field: string; message: string }[]): Status {
  const text = causes.map((c) => `${c.field}: ${c.message}`);
  const detail = text.length === 1 ? text[0]! : `[${text.join(', ')}]`;
  return failure(422, 'Invalid', `.${group} "" is invalid: ${detail}`, {
    group,
    causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

function goValue(v: unknown): string {
  return v === undefined || v === null ? '"null"' : JSON.stringify(v);
}

function normalizeResourceAttributes(ra: Obj): Obj {
  const out: Obj = {};
  for (const k of ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'])
    if (s(ra[k])) out[k] = ra[k];
  if (isObj(ra['fieldSelector'])) out['fieldSelector'] = ra['fieldSelector'];
  if (isObj(ra['labelSelector'])) out['labelSelector'] = ra['labelSelector'];
  return out;
}

function normalizeNonResourceAttributes(nra: Obj): Obj {
  const out: Obj = {};
  if (s(nra['path'])) out['path'] = nra['path'];
  if (s(nra['verb'])) out['verb'] = nra['verb'];
  return out;
}

function normalizeSpec(spec: Obj, withSubject: boolean): Obj {
  const out: Obj = {};
  if (isObj(spec['resourceAttributes']))
    out['resourceAttributes'] = normalizeResourceAttributes(spec['resourceAttributes']);
  if (isObj(spec['nonResourceAttributes']))
    out['nonResourceAttributes'] = normalizeNonResourceAttributes(spec['nonResourceAttributes']);
  if (withSubject) {
    if (s(spec['user'])) out['user'] = spec['user'];
    if (Array.isArray(spec['groups']) && spec['groups'].length) out['groups'] = spec['groups'].map(String);
    if (isObj(spec['extra']) && Object.keys(spec['extra']).length) out['extra'] = spec['extra'];
    if (s(spec['uid'])) out['uid'] = spec['uid'];
  }
  return out;
}

/** authorizationutil.ResourceAttributesFrom / NonResourceAttributesFrom */
export function attributesFromSpec(spec: Obj): RequestAttributes {
  if (isObj(spec['resourceAttributes'])) {
    const ra = spec['resourceAttributes'];
    return {
      resourceRequest: true,
      verb: s(ra['verb']),
      namespace: s(ra['namespace']),
      apiGroup: s(ra['group']),
      apiVersion: s(ra['version']) || '*',
      resource: s(ra['resource']),
      subresource: s(ra['subresource']),
      name: s(ra['name']),
    };
  }
  const nra = isObj(spec['nonResourceAttributes']) ? spec['nonResourceAttributes'] : {};
  return { resourceRequest: false, verb: s(nra['verb']), path: s(nra['path']) };
}

function specCauses(spec: Obj, withSubject: boolean): { field: string; message: string }[] {
  const causes: { field: string; message: string }[] = [];
  const hasRA = isObj(spec['resourceAttributes']);
  const hasNRA = isObj(spec['nonResourceAttributes']);
  if (hasRA && hasNRA) {
    causes.push({
      field: 'spec.nonResourceAttributes',
      message: `Invalid value: ${goValue(spec['nonResourceAttributes'])}: cannot be specified in combination with resourceAttributes`,
    });
  }
  if (!hasRA && !hasNRA) {
    causes.push({
      field: 'spec.resourceAttributes',
      message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    });
  }
  if (withSubject && !s(spec['user']) && !(Array.isArray(spec['groups']) && spec['groups'].length)) {
    causes.push({ field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' });
  }
  return causes;
}

function metadataIsEmpty(meta: unknown, allowNamespace: boolean): boolean {
  if (!isObj(meta)) return true;
  return Object.entries(meta).every(([k, v]) => {
    if (k === 'creationTimestamp' || k === 'managedFields')
      return v === null || v === undefined || (Array.isArray(v) && v.length === 0);
    if (allowNamespace && k === 'namespace') return true;
    return v === undefined || v === null || v === '' || (isObj(v) && Object.keys(v).length === 0);
  });
}

function accessReviewStatus(d: Decision): Obj {
  const st: Obj = { allowed: d.allowed };
  if (d.denied) st['denied'] = true;
  if (d.reason) st['reason'] = d.reason;
  if (d.evaluationError) st['evaluationError'] = d.evaluationError;
  return st;
}

function userFromSpec(spec: Obj): UserInfo {
  const u: UserInfo = {
    name: s(spec['user']),
    groups: Array.isArray(spec['groups']) ? spec['groups'].map(String) : [],
  };
  if (s(spec['uid'])) u.uid = s(spec['uid']);
  if (isObj(spec['extra'])) {
    const extra: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(spec['extra'])) extra[k] = Array.isArray(v) ? v.map(String) : [];
    u.extra = extra;
  }
  return u;
}

/**
 * POST /apis/<group>/v1[/namespaces/NS]/<resource>. The requester (after impersonation) must be
 * allowed to `create` the review resource (checked here as the server's filter would); then the
 * body (JSON, YAML or Kubernetes protobuf) is validated and answered.
 */
export function handleReview(
  resource: string,
  namespace: string | undefined,
  body: Buffer,
  contentType: string,
  requester: UserInfo,
  ctx: ReviewContext,
): { code: number; object: unknown } {
  const type = TYPES[resource];
  if (!type)
    return { code: 404, object: failure(404, 'NotFound', 'the server could not find the requested resource', {}) };

  const createAttrs: RequestAttributes = {
    resourceRequest: true,
    verb: 'create',
    apiGroup: type.group,
    apiVersion: 'v1',
    resource,
    namespace: type.namespaced ? (namespace ?? '') : '',
    name: '',
  };
  const allowed = ctx.authorize(createAttrs, requester);
  if (!allowed.allowed) return { code: 403, object: forbidden(createAttrs, requester.name, allowed.reason) };

  if (type.namespaced && !namespace) return { code: 400, object: badRequest('namespace is required on this type: ') };

  const { obj, status } = decodeBody(body, contentType, type);
  if (status) return { code: status.code, object: status };
  const req = obj!;
  const apiVersion =
    type.kind === 'SelfSubjectReview' && s(req['apiVersion']).startsWith('authentication.k8s.io/')
      ? s(req['apiVersion'])
      : `${type.group}/v1`;
  const spec = isObj(req['spec']) ? req['spec'] : {};
  const meta = isObj(req['metadata']) ? req['metadata'] : {};

  switch (type.kind) {
    case 'SelfSubjectAccessReview':
    case 'SubjectAccessReview': {
      const withSubject = type.kind === 'SubjectAccessReview';
      const causes = specCauses(spec, withSubject);
      // The create handler clears metadata.namespace of cluster-scoped objects before validation.
      if (!metadataIsEmpty(meta, true))
        causes.push({ field: 'metadata', message: `Invalid value: ${goValue(meta)}: must be empty` });
      if (causes.length) return invalid(type.group, causes);
      const user = withSubject ? userFromSpec(spec) : requester;
      const decision = ctx.authorize(attributesFromSpec(spec), user);
      return created({
        kind: type.kind,
        apiVersion,
        metadata: { creationTimestamp: null },
        spec: normalizeSpec(spec, withSubject),
        status: accessReviewStatus(decision),
      });
    }
    case 'LocalSubjectAccessReview': {
      // The create handler defaults metadata.namespace to the URL's and refuses a different one.
      const metaNs = s(meta['namespace']);
      if (metaNs && metaNs !== namespace) {
        return {
          code: 400,
          object: badRequest('the namespace of the provided object does not match the namespace sent on the request'),
        };
      }
      const causes = specCauses(spec, true);
      if (!metadataIsEmpty(meta, true))
        causes.push({
          field: 'metadata',
          message: `Invalid value: ${goValue(meta)}: must be empty except for namespace`,
        });
      if (isObj(spec['resourceAttributes']) && s(spec['resourceAttributes']['namespace']) !== namespace) {
        causes.push({
          field: 'spec.resourceAttributes.namespace',
          message: `Invalid value: "${s(spec['resourceAttributes']['namespace'])}": must match metadata.namespace`,
        });
      }
      if (isObj(spec['nonResourceAttributes'])) {
        causes.push({
          field: 'spec.nonResourceAttributes',
          message: `Invalid value: ${goValue(spec['nonResourceAttributes'])}: disallowed on this kind of request`,
        });
      }
      if (causes.length) return invalid(type.group, causes);
      const decision = ctx.authorize(attributesFromSpec(spec), userFromSpec(spec));
      return created({
        kind: type.kind,
        apiVersion,
        metadata: { namespace, creationTimestamp: null },
        spec: normalizeSpec(spec, true),
        status: accessReviewStatus(decision),
      });
    }
    case 'SelfSubjectRulesReview': {
      const ns = s(spec['namespace']);
      if (!ns) return { code: 400, object: badRequest('no namespace on request') };
      const r = rulesFor(requester, ns, ctx.rbac());
      const st: Obj = {
        resourceRules: r.resourceRules,
        nonResourceRules: r.nonResourceRules,
        incomplete: r.incomplete,
      };
      const errors = r.evaluationError ? [r.evaluationError] : [];
      // The Node authorizer comes before RBAC and cannot enumerate a node's rules.
      if (requester.name.startsWith('system:node:') && requester.groups?.includes('system:nodes')) {
        st['incomplete'] = true;
        errors.unshift('node authorizer does not support user rule resolution');
      }
      if (errors.length)
        st['evaluationError'] =
          errors.length === 1 ? errors[0] : `[${errors.map((e) => e.replace(/^\[|\]$/g, '')).join(', ')}]`;
      // The REST storage answers with a new object: the spec is not echoed.
      return created({ kind: type.kind, apiVersion, metadata: { creationTimestamp: null }, spec: {}, status: st });
    }
    default: {
      const userInfo: Obj = { username: requester.name };
      if (requester.uid) userInfo['uid'] = requester.uid;
      if (requester.groups?.length) userInfo['groups'] = [...requester.groups];
      if (requester.extra && Object.keys(requester.extra).length) userInfo['extra'] = structuredClone(requester.extra);
      return created({
        kind: type.kind,
        apiVersion,
        metadata: { creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
        status: { userInfo },
      });
    }
  }
}

function created(object: Obj): { code: number; object: unknown } {
  return { code: 201, object };
}

function invalid(group: string, causes: { field: string; message: string }[]): { code: number; object: unknown } {
  const st = invalidReview(group, causes);
  return { code: st.code, object: st };
}
