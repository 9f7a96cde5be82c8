// Impersonation as kube-apiserver's WithImpersonation filter does it
// (staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go).
import type { IncomingHttpHeaders } from 'node:http';
import { splitServiceAccountUsername } from './rbac.ts';
import { forbidden, failure } from './status.ts';
import type { Decision, RequestAttributes, Status, UserInfo } from './types.ts';

const USER = 'impersonate-user';
const GROUP = 'impersonate-group';
const UID = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';

/**
 * Node joins repeated custom headers with ", " in `req.headers`; `req.headersDistinct` keeps them
 * apart. Both are accepted; pass `headersDistinct` when group names may contain ", ".
 */
export type Headers = IncomingHttpHeaders | NodeJS.Dict<string | string[]>;

function values(headers: Headers, name: string): string[] {
  const v = headers[name];
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  return String(v).split(', ');
}

function first(headers: Headers, name: string): string {
  return values(headers, name)[0] ?? '';
}

interface ImpersonationRequest {
  kind: 'ServiceAccount' | 'User' | 'Group' | 'UserExtra' | 'UID';
  namespace?: string;
  name: string;
  extraKey?: string;
}

function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** Go's %v of []v1.ObjectReference, for the "without impersonating a user" error. */
function goObjectReferences(reqs: ImpersonationRequest[]): string {
  const one = (r: ImpersonationRequest) => {
    const apiVersion = r.kind === 'UserExtra' || r.kind === 'UID' ? 'authentication.k8s.io/v1' : '';
    return `{${[r.kind, r.namespace ?? '', r.name, '', apiVersion, '', r.extraKey ?? ''].join(' ')}}`;
  };
  return `[${reqs.map(one).join(' ')}]`;
}

function buildRequests(headers: Headers): { requests: ImpersonationRequest[]; error?: string } {
  const requests: ImpersonationRequest[] = [];
  const requestedUser = first(headers, USER);
  const hasUser = requestedUser.length > 0;
  if (hasUser) {
    const sa = splitServiceAccountUsername(requestedUser);
    if (sa) requests.push({ kind: 'ServiceAccount', namespace: sa[0], name: sa[1] });
    else requests.push({ kind: 'User', name: requestedUser });
  }
  const groups = values(headers, GROUP);
  for (const g of groups) requests.push({ kind: 'Group', name: g });
  let hasExtra = false;
  for (const headerName of Object.keys(headers)) {
    const lower = headerName.toLowerCase();
    if (!lower.startsWith(EXTRA_PREFIX)) continue;
    hasExtra = true;
    const extraKey = unescapeExtraKey(lower.slice(EXTRA_PREFIX.length));
    for (const v of values(headers, headerName)) requests.push({ kind: 'UserExtra', name: v, extraKey });
  }
  const uid = first(headers, UID);
  if (uid) requests.push({ kind: 'UID', name: uid });
  if ((groups.length > 0 || hasExtra || uid.length > 0) && !hasUser) {
    return { requests, error: `requested ${goObjectReferences(requests)} without impersonating a user` };
  }
  return { requests };
}

function attributesFor(r: ImpersonationRequest): RequestAttributes {
  const a: RequestAttributes = {
    resourceRequest: true,
    verb: 'impersonate',
    apiGroup: '',
    apiVersion: '',
    name: r.name,
  };
  switch (r.kind) {
    case 'ServiceAccount':
      return { ...a, resource: 'serviceaccounts', namespace: r.namespace };
    case 'User':
      return { ...a, resource: 'users' };
    case 'Group':
      return { ...a, resource: 'groups' };
    case 'UserExtra':
      return {
        ...a,
        apiGroup: 'authentication.k8s.io',
        apiVersion: 'v1',
        resource: 'userextras',
        subresource: r.extraKey,
      };
    case 'UID':
      return { ...a, apiGroup: 'authentication.k8s.io', apiVersion: 'v1', resource: 'uids' };
  }
}

/**
 * Returns the requester unchanged when no impersonation header is present, the impersonated user
 * when every impersonation is authorized, or the Status kube-apiserver answers with (403 naming
 * the first thing the requester may not impersonate; 500 for groups/extra/uid without a user, which
 * kube-apiserver writes as plain text: `Internal Server Error: "<uri>": requested ... without impersonating a user`).
 */
export function impersonate(
  headers: Headers,
  requester: UserInfo,
  authorizeFn: (a: RequestAttributes, u: UserInfo) => Decision,
): { user: UserInfo } | { status: Status } {
  const { requests, error } = buildRequests(headers);
  if (error)
    return {
      status: failure(500, 'InternalError', `Internal error occurred: ${error}`, { causes: [{ message: error }] }),
    };
  if (requests.length === 0) return { user: requester };

  const groupsSpecified = values(headers, GROUP).length > 0;
  let username = '';
  let groups: string[] = [];
  let uid = '';
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    switch (r.kind) {
      case 'ServiceAccount':
        username = `system:serviceaccount:${r.namespace}:${r.name}`;
        if (!groupsSpecified) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
        break;
      case 'User':
        username = r.name;
        break;
      case 'Group':
        groups.push(r.name);
        break;
      case 'UserExtra':
        (extra[r.extraKey!] ??= []).push(r.name);
        break;
      case 'UID':
        uid = r.name;
        break;
    }
    const attrs = attributesFor(r);
    const decision = authorizeFn(attrs, requester);
    if (!decision.allowed) return { status: forbidden(attrs, requester.name, decision.reason) };
  }

  if (username !== 'system:anonymous') {
    if (!groups.some((g) => g === 'system:authenticated' || g === 'system:unauthenticated'))
      groups.push('system:authenticated');
  } else if (!groups.includes('system:unauthenticated')) {
    groups.push('system:unauthenticated');
  }
  const user: UserInfo = { name: username, groups };
  if (uid) user.uid = uid;
  if (Object.keys(extra).length) user.extra = extra;
  return { user };
}
