// REST handlers for resource requests (after authentication and authorization): get, list,
// create, update, patch, delete, deletecollection and the serviceaccounts/token, pods/log and
// status subresources, with kube-apiserver's shapes and Status errors. Watch is served by watch.ts.
import { randomUUID } from 'node:crypto';
import type { Reply } from './discovery.ts';
import type { SimContext } from './context.ts';
import type { RequestInfo } from './request-info.ts';
import { minorVersion } from './scenario.ts';
import { findResource, gvString, servedBy, type ResourceType } from './resources.ts';
import { SelectorError } from './selectors.ts';
import { StoreError } from './store.ts';
import {
  alreadyExists,
  badRequest,
  conflict,
  failure,
  invalid,
  methodNotAllowed,
  notFound,
  success,
} from './status.ts';
import { wantsTable, toTable } from './tables.ts';
import type { KubeObject, Status, UserInfo } from './types.ts';
import { handleReview } from './reviews.ts';
import { applyPatch, PatchError } from './patch.ts';
import { decodeObject } from './proto-objects.ts';
import { addEphemeralContainers, ephemeralView, requestedContainers } from './ephemeral.ts';
import { readLog } from './pod-log.ts';
import { admitCreate, warningHeader } from './admission/chain.ts';

export const NOT_FOUND_PAGE: Reply = {
  code: 404,
  contentType: 'text/plain; charset=utf-8',
  body: '404 page not found\n',
};

const json = (code: number, o: unknown, contentType = 'application/json'): Reply => ({
  code,
  contentType,
  body: JSON.stringify(o),
});
const status = (s: Status): Reply => json(s.code, s);

export interface ResourceRequest {
  info: RequestInfo;
  method: string;
  query: URLSearchParams;
  body: Buffer;
  contentType: string;
  accept: string;
  user: UserInfo;
}

/** Strips TypeMeta as list items are encoded by the apiserver. */
function item(o: KubeObject): Omit<KubeObject, 'kind' | 'apiVersion'> {
  const { kind: _k, apiVersion: _a, ...rest } = o;
  return rest;
}

function withType(r: ResourceType, o: KubeObject): KubeObject {
  return { ...o, apiVersion: gvString(r.group, r.version), kind: r.kind };
}

function parseBody(req: ResourceRequest): { obj?: KubeObject; err?: Status } {
  if (req.contentType.startsWith('application/vnd.kubernetes.protobuf')) {
    // The sim knows the protobuf schema of the kinds kubectl's create generators send (proto-objects.ts).
    try {
      const o = decodeObject(req.body);
      if (o) return { obj: o };
    } catch (e) {
      return { err: badRequest(`error decoding request body: ${(e as Error).message}`) };
    }
    return {
      err: failure(
        415,
        'UnsupportedMediaType',
        'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
      ),
    };
  }
  if (!req.body.length)
    return {
      err: badRequest(
        'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
      ),
    };
  try {
    const o = JSON.parse(req.body.toString('utf8')) as KubeObject;
    if (!o || typeof o !== 'object') throw new Error('not an object');
    return { obj: o };
  } catch (e) {
    return { err: badRequest(`error decoding request body: ${(e as Error).message}`) };
  }
}

export function handleResource(req: ResourceRequest, ctx: SimContext): Reply {
  const reply = route(req, ctx);
  const warning = deprecationWarning(req.info, ctx);
  return warning ? { ...reply, headers: { ...(reply.headers ?? {}), Warning: warning } } : reply;
}

/** The Warning header kube-apiserver adds for deprecated APIs (v1 Endpoints from 1.33). */
function deprecationWarning(info: RequestInfo, ctx: SimContext): string | undefined {
  if (info.apiGroup === '' && info.resource === 'endpoints' && minorVersion(ctx.scenario) >= 33) {
    return '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"';
  }
  return undefined;
}

function route(req: ResourceRequest, ctx: SimContext): Reply {
  const info = req.info;
  const r = findResource(info.apiGroup ?? '', info.apiVersion ?? '', info.resource ?? '');
  if (!r || !servedBy(r, minorVersion(ctx.scenario))) return NOT_FOUND_PAGE;
  // A namespaced path for a cluster-scoped resource (or the reverse for a named object) does not exist.
  if (info.namespace && !r.namespaced && info.resource !== 'namespaces') return NOT_FOUND_PAGE;
  // Namespaced resources have only list/watch (and deletecollection) routes at the cluster scope.
  if (r.namespaced && !info.namespace && !r.virtual) {
    if (info.name) return NOT_FOUND_PAGE;
    if (info.verb !== 'list' && info.verb !== 'watch') return status(methodNotAllowed());
  }

  if (r.virtual) {
    if (info.verb !== 'create') return status(methodNotAllowed());
    const out = handleReview(r.resource, info.namespace, req.body, req.contentType, req.user, ctx);
    return json(out.code, out.object);
  }

  if (info.subresource) return subresource(req, r, ctx);

  try {
    switch (info.verb) {
      case 'get':
        return get(req, r, ctx);
      case 'list':
        return list(req, r, ctx);
      case 'create':
        return create(req, r, ctx);
      case 'update':
        return update(req, r, ctx);
      case 'patch':
        return patch(req, r, ctx);
      case 'deletecollection':
        return deleteCollection(req, r, ctx);
      case 'delete':
        return del(req, r, ctx);
      default:
        return status(methodNotAllowed());
    }
  } catch (e) {
    if (e instanceof SelectorError) return status(badRequest(e.message));
    if (e instanceof PatchError)
      return status(
        failure(e.code, e.code === 415 ? 'UnsupportedMediaType' : e.code === 422 ? 'Invalid' : 'BadRequest', e.message),
      );
    if (e instanceof StoreError) return status(failure(e.code, e.code === 400 ? 'BadRequest' : 'Invalid', e.message));
    throw e;
  }
}

function ns(req: ResourceRequest, r: ResourceType): string | undefined {
  return r.namespaced ? req.info.namespace : undefined;
}

function get(req: ResourceRequest, r: ResourceType, ctx: SimContext): Reply {
  const name = req.info.name!;
  const o = ctx.store.get(r, ns(req, r), name);
  if (!o) return status(notFound(r.group, r.resource, name));
  const obj = withType(r, o);
  if (wantsTable(req.accept)) return toTable(r, [obj], ctx.store.resourceVersion, req.query, ctx.store.now());
  return json(200, obj);
}

function list(req: ResourceRequest, r: ResourceType, ctx: SimContext): Reply {
  const limit = req.query.get('limit');
  const result = ctx.store.list(r, {
    namespace: ns(req, r),
    labelSelector: req.query.get('labelSelector') ?? undefined,
    fieldSelector: req.query.get('fieldSelector') ?? undefined,
    limit: limit ? Number(limit) : undefined,
    continue: req.query.get('continue') ?? undefined,
  });
  const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
  if (result.continue) metadata.continue = result.continue;
  if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
  if (wantsTable(req.accept)) {
    return toTable(
      r,
      result.items.map((o) => withType(r, o)),
      result.resourceVersion,
      req.query,
      ctx.store.now(),
      metadata,
    );
  }
  return json(200, {
    kind: `${r.kind}List`,
    apiVersion: gvString(r.group, r.version),
    metadata,
    items: result.items.map(item),
  });
}

function checkBody(req: ResourceRequest, r: ResourceType, obj: KubeObject, ctx: SimContext): Status | undefined {
  const gv = gvString(r.group, r.version);
  if (obj.kind && obj.kind !== r.kind)
    return badRequest(
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${gv})`,
    );
  if (obj.apiVersion && obj.apiVersion !== gv)
    return badRequest(
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${gv})`,
    );
  obj.metadata = { ...(obj.metadata ?? {}) } as KubeObject['metadata'];
  if (r.namespaced) {
    const bodyNs = obj.metadata.namespace;
    if (bodyNs && bodyNs !== req.info.namespace)
      return badRequest('the namespace of the provided object does not match the namespace sent on the request');
    obj.metadata.namespace = req.info.namespace;
    if (!ctx.store.get('namespaces', undefined, req.info.namespace!))
      return notFound('', 'namespaces', req.info.namespace!);
  }
  return undefined;
}

function create(req: ResourceRequest, r: ResourceType, ctx: SimContext): Reply {
  if (req.info.name) return status(methodNotAllowed());
  const { obj, err } = parseBody(req);
  if (err) return status(err);
  const o = obj!;
  const bad = checkBody(req, r, o, ctx);
  if (bad) return status(bad);
  const admitted = admitCreate(r, withType(r, o), req.query.get('dryRun') === 'All', ctx);
  if (admitted.status) return status(admitted.status);
  Object.assign(o, admitted.object);
  if (!o.metadata.name && typeof o.metadata.generateName === 'string') {
    o.metadata.name = o.metadata.generateName + Math.random().toString(36).slice(2, 7);
  }
  if (!o.metadata.name)
    return status(
      invalid(r.group, r.kind, '', [
        {
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
          reason: 'FieldValueRequired',
        },
      ]),
    );
  if (ctx.store.get(r, ns(req, r), o.metadata.name)) return status(alreadyExists(r.group, r.resource, o.metadata.name));
  const typed = withType(r, o);
  delete typed.metadata.resourceVersion;
  delete typed.metadata.uid;
  delete typed.metadata.creationTimestamp;
  prepareForCreate(r, typed, ctx);
  const headers = warningHeader(admitted.warnings);
  if (req.query.get('dryRun') === 'All') {
    // BeforeCreate fills uid and creationTimestamp (FillObjectMetaSystemFields) and the strategy its
    // generation before storage; the dry-run storage persists nothing and assigns no resourceVersion
    // (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/dryrun.go DryRunnableStorage.Create).
    typed.metadata.uid = randomUUID();
    typed.metadata.creationTimestamp = ctx.store
      .now()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
    const generation = ctx.store.generationOf(r, typed);
    if (generation !== undefined) typed.metadata.generation = generation;
    return { ...json(201, typed), headers };
  }
  return { ...json(201, withType(r, ctx.store.create(typed, r))), headers };
}

/** What the registry strategies set on create (pkg/registry/core/pod/strategy.go PrepareForCreate, service IP allocation). */
function prepareForCreate(r: ResourceType, o: KubeObject, ctx: SimContext): void {
  if (r.group === '' && r.resource === 'pods') {
    o.status = { phase: 'Pending', qosClass: 'BestEffort' };
    const spec = (o.spec ?? {}) as Record<string, unknown>;
    spec.serviceAccountName ??= 'default';
    spec.restartPolicy ??= 'Always';
    spec.dnsPolicy ??= 'ClusterFirst';
    o.spec = spec;
  }
  if (r.group === '' && r.resource === 'secrets') o.type ??= 'Opaque';
  if (r.group === '' && r.resource === 'services') {
    const spec = (o.spec ?? {}) as Record<string, unknown>;
    spec.type ??= 'ClusterIP';
    if (spec.clusterIP === undefined && spec.type !== 'ExternalName') {
      const used = new Set(
        ctx.store.all('services').map((s) => (s.spec as { clusterIP?: string } | undefined)?.clusterIP),
      );
      const base = ctx.controlPlane.serviceIP.split('.').slice(0, 2).join('.');
      for (let i = 10; i < 65_000; i++) {
        const ip = `${base}.${Math.floor(i / 256)}.${i % 256}`;
        if (!used.has(ip)) {
          spec.clusterIP = ip;
          spec.clusterIPs = [ip];
          break;
        }
      }
    }
    o.spec = spec;
  }
}

function update(req: ResourceRequest, r: ResourceType, ctx: SimContext): Reply {
  const { obj, err } = parseBody(req);
  if (err) return status(err);
  const o = obj!;
  const bad = checkBody(req, r, o, ctx);
  if (bad) return status(bad);
  const name = req.info.name!;
  if (o.metadata.name !== name)
    return status(
      badRequest(
        'the name of the object (' + String(o.metadata.name) + ') does not match the name on the URL (' + name + ')',
      ),
    );
  const existing = ctx.store.get(r, ns(req, r), name);
  if (!existing) return status(notFound(r.group, r.resource, name));
  if (o.metadata.resourceVersion && o.metadata.resourceVersion !== existing.metadata.resourceVersion) {
    return status(
      conflict(
        r.group,
        r.resource,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      ),
    );
  }
  if (req.query.get('dryRun') === 'All') return json(200, withType(r, o));
  return json(200, withType(r, ctx.store.apply(withType(r, o))[0]));
}

function patch(req: ResourceRequest, r: ResourceType, ctx: SimContext): Reply {
  const name = req.info.name!;
  const existing = ctx.store.get(r, ns(req, r), name);
  const isApply = req.contentType.startsWith('application/apply-patch');
  if (!existing && !isApply) return status(notFound(r.group, r.resource, name));
  if (r.namespaced && !ctx.store.get('namespaces', undefined, req.info.namespace!))
    return status(notFound('', 'namespaces', req.info.namespace!));
  const patched = applyPatch(
    req.contentType,
    existing as unknown as Record<string, never> | undefined,
    req.body,
  ) as unknown as KubeObject;
  const meta = (patched.metadata ?? {}) as KubeObject['metadata'];
  if (meta.name !== undefined && meta.name !== name)
    return status(
      badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`),
    );
  patched.metadata = { ...meta, name, ...(r.namespaced ? { namespace: req.info.namespace } : {}) };
  if (existing) {
    // Immutable metadata stays as stored whatever the patch says.
    patched.metadata.uid = existing.metadata.uid;
    patched.metadata.creationTimestamp = existing.metadata.creationTimestamp;
  }
  const typed = withType(r, patched);
  if (req.query.get('dryRun') === 'All') return json(existing ? 200 : 201, typed);
  return json(existing ? 200 : 201, withType(r, ctx.store.apply(typed)[0]));
}

function del(req: ResourceRequest, r: ResourceType, ctx: SimContext): Reply {
  const name = req.info.name!;
  const existing = ctx.store.get(r, ns(req, r), name);
  if (!existing) return status(notFound(r.group, r.resource, name));
  if (req.query.get('dryRun') !== 'All') {
    ctx.store.delete(r, ns(req, r), name);
    if (r.resource === 'namespaces') deleteNamespaceContents(ctx, name);
  }
  // Pods and namespaces answer with the object (graceful deletion); the rest with a Status.
  if (r.resource === 'pods' || r.resource === 'namespaces') return json(200, withType(r, existing));
  return json(
    200,
    success({
      name,
      ...(r.group ? { group: r.group } : {}),
      kind: r.resource,
      uid: existing.metadata.uid,
    } as NonNullable<Status['details']>),
  );
}

/** DELETE on a collection: every object matching the selectors goes; the answer lists them. */
function deleteCollection(req: ResourceRequest, r: ResourceType, ctx: SimContext): Reply {
  if (!r.verbs.includes('deletecollection')) return status(methodNotAllowed());
  const result = ctx.store.list(r, {
    namespace: ns(req, r),
    labelSelector: req.query.get('labelSelector') ?? undefined,
    fieldSelector: req.query.get('fieldSelector') ?? undefined,
  });
  if (req.query.get('dryRun') !== 'All')
    for (const o of result.items) ctx.store.delete(r, o.metadata.namespace, o.metadata.name);
  return json(200, {
    kind: `${r.kind}List`,
    apiVersion: gvString(r.group, r.version),
    metadata: { resourceVersion: ctx.store.resourceVersion },
    items: result.items.map(item),
  });
}

/** POST serviceaccounts/<sa>/token (TokenRequest): a bound token signed like the kubelet's. */
function tokenRequest(req: ResourceRequest, sa: KubeObject, ctx: SimContext): Reply {
  const { obj, err } = parseBody(req);
  if (err) return status(err);
  const spec = ((obj as unknown as { spec?: Record<string, unknown> }).spec ?? {}) as {
    audiences?: string[];
    expirationSeconds?: number;
    boundObjectRef?: { kind?: string; name?: string; uid?: string };
  };
  const expirationSeconds = spec.expirationSeconds ?? 3600;
  if (expirationSeconds < 600) {
    return status(
      invalid('authentication.k8s.io', 'TokenRequest', sa.metadata.name, [
        {
          field: 'spec.expirationSeconds',
          message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`,
        },
      ]),
    );
  }
  let pod: string | undefined;
  const ref = spec.boundObjectRef;
  if (ref?.kind) {
    if (ref.kind !== 'Pod')
      return status(badRequest(`cannot bind token to object of kind ${ref.kind} in this simulator`));
    const p = ctx.store.get('pods', sa.metadata.namespace, ref.name ?? '');
    if (!p) return status(notFound('', 'pods', ref.name ?? ''));
    if (ref.uid && ref.uid !== p.metadata.uid)
      return status(
        conflict(
          '',
          'pods',
          ref.name ?? '',
          `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        ),
      );
    pod = p.metadata.name;
  }
  const token = ctx.issueServiceAccountToken(sa.metadata.namespace!, sa.metadata.name, pod, {
    expirationSeconds,
    audiences: spec.audiences,
    state: 'valid',
  });
  const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number };
  return json(201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: sa.metadata.name, namespace: sa.metadata.namespace, creationTimestamp: null },
    spec: {
      audiences: spec.audiences?.length ? spec.audiences : ['https://kubernetes.default.svc.cluster.local'],
      expirationSeconds,
      boundObjectRef: ref ?? null,
    },
    status: { token, expirationTimestamp: new Date(exp.exp * 1000).toISOString().replace(/\.\d+Z$/, 'Z') },
  });
}

function deleteNamespaceContents(ctx: SimContext, namespace: string): void {
  for (const o of ctx.store.dump()) {
    if (o.metadata.namespace !== namespace) continue;
    const t = ctx.store.typeOf(o);
    ctx.store.delete(t, namespace, o.metadata.name);
  }
}

function subresource(req: ResourceRequest, r: ResourceType, ctx: SimContext): Reply {
  const sub = req.info.subresource!;
  const name = req.info.name!;
  const known = r.subresources?.find((s) => s.name === sub);
  if (!known) return NOT_FOUND_PAGE;
  const o = ctx.store.get(r, ns(req, r), name);
  if (!o) return status(notFound(r.group, r.resource, name));
  if (sub === 'status' && req.info.verb === 'get') return json(200, withType(r, o));
  if (sub === 'status' && req.info.verb === 'patch') return patch(req, r, ctx);
  if (sub === 'status' && req.info.verb === 'update') return update(req, r, ctx);
  if (r.resource === 'pods' && sub === 'exec') return status(badRequest('Upgrade request required'));
  if (r.resource === 'serviceaccounts' && sub === 'token' && req.info.verb === 'create')
    return tokenRequest(req, o, ctx);
  if (r.resource === 'pods' && sub === 'log' && req.info.verb === 'get') {
    const answer = readLog(o, req.query, ctx.store.now());
    if ('status' in answer) return status(answer.status);
    return { code: 200, contentType: 'text/plain', body: answer.body };
  }
  if (r.resource === 'pods' && sub === 'ephemeralcontainers') return ephemeralContainers(req, r, o, ctx);
  return status(methodNotAllowed());
}

/** pods/ephemeralcontainers: get, patch (any patch type, strategic merge as kubectl debug sends), update (ephemeral.ts). */
function ephemeralContainers(req: ResourceRequest, r: ResourceType, pod: KubeObject, ctx: SimContext): Reply {
  const minor = minorVersion(ctx.scenario);
  // before 1.16 the subresource did not exist: a 404 without details, which kubectl debug reads as "disabled"
  if (minor < 16) return NOT_FOUND_PAGE;
  const legacy = minor < 22;
  const view = ephemeralView(pod, legacy);
  const verb = req.info.verb;
  if (verb === 'get') return json(200, legacy ? view : withType(r, view));
  let changed: KubeObject;
  if (verb === 'patch') {
    try {
      changed = applyPatch(
        req.contentType,
        view as unknown as Record<string, never>,
        req.body,
      ) as unknown as KubeObject;
    } catch (e) {
      if (e instanceof PatchError)
        return status(
          failure(
            e.code,
            e.code === 415 ? 'UnsupportedMediaType' : e.code === 422 ? 'Invalid' : 'BadRequest',
            e.message,
          ),
        );
      throw e;
    }
  } else if (verb === 'update') {
    const { obj, err } = parseBody(req);
    if (err) return status(err);
    changed = obj!;
    if (changed.metadata?.name !== undefined && changed.metadata.name !== pod.metadata.name) {
      return status(
        badRequest(
          `the name of the object (${String(changed.metadata.name)}) does not match the name on the URL (${pod.metadata.name})`,
        ),
      );
    }
    if (changed.metadata?.resourceVersion && changed.metadata.resourceVersion !== pod.metadata.resourceVersion) {
      return status(
        conflict(
          r.group,
          r.resource,
          pod.metadata.name,
          'the object has been modified; please apply your changes to the latest version and try again',
        ),
      );
    }
  } else {
    return status(methodNotAllowed());
  }
  const result = addEphemeralContainers(
    pod,
    requestedContainers(changed, legacy),
    ctx.store
      .now()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z'),
  );
  if ('causes' in result) return status(invalid('', 'Pod', pod.metadata.name, result.causes));
  if (req.query.get('dryRun') === 'All')
    return json(200, legacy ? ephemeralView(result.pod, true) : withType(r, result.pod));
  const stored = ctx.store.apply(withType(r, result.pod))[0];
  return json(200, legacy ? ephemeralView(stored, true) : withType(r, stored));
}
