// kube-apiserver's RequestInfoFactory (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go):
// turns method + path + query into the attributes the authorizer sees.
import type { RequestAttributes } from './types.ts';

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * A boolean query parameter as the apiserver decodes it (staging/src/k8s.io/apimachinery/pkg/runtime/
 * conversion.go, Convert_Slice_string_To_bool): absent is false; "0" and "false" in any case are
 * false; every other value, the empty string included, is true. The Python client sends "True".
 */
export function queryBool(query: URLSearchParams, name: string): boolean {
  const values = query.getAll(name);
  if (values.length === 0) return false;
  return !(values[0] === '0' || values[0].toLowerCase() === 'false');
}

export interface RequestInfo extends RequestAttributes {
  /** For resource requests: the apiPrefix ('api' | 'apis'). */
  prefix?: string;
  /** Path parts after the resource name beyond the subresource (pods/x/proxy/a/b). */
  parts?: string[];
}

export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const m = method.toUpperCase();
  const nonResource: RequestInfo = { resourceRequest: false, verb: m.toLowerCase(), path };
  let parts = path
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((p) => p !== '');
  if (parts.length === 0 || (parts[0] !== 'api' && parts[0] !== 'apis')) return nonResource;
  const prefix = parts[0];
  parts = parts.slice(1);
  let group = '';
  if (prefix === 'apis') {
    if (parts.length < 3) return nonResource; // /apis, /apis/g, /apis/g/v are discovery
    group = parts[0];
    parts = parts.slice(1);
  } else if (parts.length < 2) return nonResource; // /api, /api/v1
  const version = parts[0];
  parts = parts.slice(1);

  let verb: string;
  switch (m) {
    case 'POST':
      verb = 'create';
      break;
    case 'GET':
    case 'HEAD':
      verb = 'get';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = 'delete';
      break;
    default:
      verb = '';
  }
  // The deprecated /watch/ prefix.
  if (parts[0] === 'watch') {
    parts = parts.slice(1);
    if (verb === 'get') verb = 'watch';
  }
  const info: RequestInfo = { resourceRequest: true, verb, apiGroup: group, apiVersion: version, prefix };
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  info.resource = parts[0];
  if (parts.length >= 2) info.name = parts[1];
  if (parts.length >= 3) info.subresource = parts[2];
  if (parts.length > 3) info.parts = parts.slice(3);

  // Only a collection GET becomes list or watch (requestinfo.go); a named GET stays get, whatever ?watch says.
  if (!info.name && info.verb === 'get') info.verb = queryBool(query, 'watch') ? 'watch' : 'list';
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}
