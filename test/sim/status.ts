// metav1.Status objects with kube-apiserver's messages (k8s.io/apimachinery/pkg/api/errors,
// k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go).
import type { RequestAttributes, Status } from './types.ts';

type Details = NonNullable<Status['details']>;

export function failure(code: number, reason: string, message: string, details?: Details): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

export function success(details?: Details): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) s.details = details;
  return s;
}

/** schema.GroupResource.String(): `pods`, `deployments.apps`. */
export function qualifiedResource(group: string | undefined, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

function resourceDetails(group: string | undefined, resource: string, name?: string): Details {
  const d: Details = {};
  if (name) d.name = name;
  if (group) d.group = group;
  if (resource) d.kind = resource;
  return d;
}

export function unauthorized(): Status {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function notFound(group: string | undefined, resource: string, name: string): Status {
  return failure(
    404,
    'NotFound',
    `${qualifiedResource(group, resource)} "${name}" not found`,
    resourceDetails(group, resource, name),
  );
}

export function alreadyExists(group: string | undefined, resource: string, name: string): Status {
  return failure(
    409,
    'AlreadyExists',
    `${qualifiedResource(group, resource)} "${name}" already exists`,
    resourceDetails(group, resource, name),
  );
}

export function conflict(group: string | undefined, resource: string, name: string, why: string): Status {
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(group, resource)} "${name}": ${why}`,
    resourceDetails(group, resource, name),
  );
}

export function badRequest(message: string): Status {
  return failure(400, 'BadRequest', message);
}

export function methodNotAllowed(): Status {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

export function invalid(
  group: string | undefined,
  kind: string,
  name: string,
  causes: { field: string; message: string; reason?: string }[],
): Status {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  const detail = causes.length === 1 ? text : `[${text}]`;
  return failure(422, 'Invalid', `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${detail}`, {
    name,
    ...(group ? { group } : {}),
    kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

/** responsewriters.forbiddenMessage */
export function forbiddenMessage(attrs: RequestAttributes, user: string): string {
  if (!attrs.resourceRequest) return `User "${user}" cannot ${attrs.verb} path "${attrs.path}"`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const group = attrs.apiGroup ?? '';
  if (attrs.namespace)
    return `User "${user}" cannot ${attrs.verb} resource "${resource}" in API group "${group}" in the namespace "${attrs.namespace}"`;
  return `User "${user}" cannot ${attrs.verb} resource "${resource}" in API group "${group}" at the cluster scope`;
}

/** responsewriters.Forbidden -> apierrors.NewForbidden */
export function forbidden(attrs: RequestAttributes, user: string, reason = ''): Status {
  const msg = forbiddenMessage(attrs, user) + (reason ? `: ${reason}` : '');
  const resource = attrs.resourceRequest ? (attrs.resource ?? '') : '';
  const group = attrs.resourceRequest ? (attrs.apiGroup ?? '') : '';
  const name = attrs.resourceRequest ? (attrs.name ?? '') : '';
  let message: string;
  if (!resource && !group) message = `forbidden: ${msg}`;
  else if (!name) message = `${qualifiedResource(group, resource)} is forbidden: ${msg}`;
  else message = `${qualifiedResource(group, resource)} "${name}" is forbidden: ${msg}`;
  return failure(403, 'Forbidden', message, resourceDetails(group, resource, name));
}

export function tooManyRequests(retryAfterSeconds: number): Status {
  return failure(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });
}

export function internalError(why = 'the simulated API server failed this request'): Status {
  return failure(500, 'InternalError', `Internal error occurred: ${why}`, { causes: [{ message: why }] });
}

export function serviceUnavailable(): Status {
  return failure(503, 'ServiceUnavailable', 'the server is currently unable to handle the request', {});
}
