// PATCH bodies as kube-apiserver applies them: JSON merge patch (RFC 7386), JSON patch (RFC 6902),
// strategic merge patch (merge keys of the built-in types, $patch/$setElementOrder directives) and
// server-side apply (approximated as a strategic merge of the applied configuration).
import { parse as parseYaml } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

export class PatchError extends Error {
  code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

/** patchMergeKey of list fields in the built-in types (k8s.io/api, `patchMergeKey` struct tags). */
const MERGE_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  volumes: ['name'],
  env: ['name'],
  imagePullSecrets: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  hostAliases: ['ip'],
  ports: ['containerPort', 'port'],
  conditions: ['type'],
  topologySpreadConstraints: ['topologyKey'],
  resourceClaims: ['name'],
  finalizers: [],
  ownerReferences: ['uid'],
  secrets: ['name'],
  readinessGates: ['conditionType'],
};

function mergeKeyFor(field: string, items: Json[]): string | undefined {
  const keys = MERGE_KEYS[field];
  if (!keys) return undefined;
  return keys.find((k) => items.every((i) => isObj(i) && k in i));
}

function strategicList(field: string, target: Json[], patch: Json[]): Json[] {
  const key = mergeKeyFor(field, patch);
  if (field === 'finalizers') return [...new Set([...target, ...patch].filter((x) => typeof x === 'string'))];
  if (!key) return structuredClone(patch).filter((p) => !(isObj(p) && '$patch' in p));
  const out = structuredClone(target);
  for (const p of patch) {
    if (!isObj(p)) continue;
    const idx = out.findIndex((t) => isObj(t) && t[key] === p[key]);
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMerge(out[idx], p);
    else out.push(strategicMerge({}, p));
  }
  return out;
}

export function strategicMerge(target: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return strip(rest);
  }
  if (patch.$patch === 'delete') return null;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue; // $setElementOrder/..., $retainKeys, $deleteFromPrimitiveList/...
    if (v === null) delete out[k];
    else if (Array.isArray(v) && Array.isArray(out[k])) out[k] = strategicList(k, out[k] as Json[], v);
    else if (isObj(v)) out[k] = strategicMerge(out[k] ?? null, v);
    else if (Array.isArray(v)) out[k] = strategicList(k, [], v);
    else out[k] = v;
  }
  return out;
}

function strip(v: Json): Json {
  if (Array.isArray(v)) return v.map(strip);
  if (!isObj(v)) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !k.startsWith('$'))
      .map(([k, x]) => [k, strip(x)]),
  );
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(422, `invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, parts: string[], path: string): { parent: Obj | Json[]; key: string } {
  let cur: Json = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObj(cur)) cur = cur[p];
    else cur = undefined as unknown as Json;
    if (cur === undefined || cur === null)
      throw new PatchError(
        422,
        `the server rejected our request due to an error in our request: doc is missing path: "${path}": missing value`,
      );
  }
  if (!Array.isArray(cur) && !isObj(cur)) throw new PatchError(422, `doc is missing path: "${path}"`);
  return { parent: cur, key: parts[parts.length - 1] };
}

function getAt(doc: Json, path: string): Json {
  let cur: Json = doc;
  for (const p of pointer(path)) {
    cur = Array.isArray(cur) ? cur[Number(p)] : isObj(cur) ? cur[p] : (undefined as unknown as Json);
    if (cur === undefined) throw new PatchError(422, `doc is missing path: "${path}"`);
  }
  return cur;
}

export function jsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops))
    throw new PatchError(400, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let out = structuredClone(doc);
  for (const raw of ops) {
    const op = raw as { op: string; path: string; value?: Json; from?: string };
    const parts = pointer(op.path);
    if (op.op === 'test') {
      if (JSON.stringify(getAt(out, op.path)) !== JSON.stringify(op.value))
        throw new PatchError(422, `testing value ${op.path} failed: test failed`);
      continue;
    }
    let value = op.value as Json;
    if (op.op === 'move' || op.op === 'copy') {
      value = structuredClone(getAt(out, op.from ?? ''));
      if (op.op === 'move') out = jsonPatch(out, [{ op: 'remove', path: op.from }]);
    }
    if (parts.length === 0) {
      if (op.op === 'remove') throw new PatchError(422, 'cannot remove the whole document');
      out = value;
      continue;
    }
    const { parent, key } = parentOf(out, parts, op.path);
    if (Array.isArray(parent)) {
      const i = key === '-' ? parent.length : Number(key);
      if (!Number.isInteger(i) || i < 0 || i > parent.length)
        throw new PatchError(422, `index out of range: ${op.path}`);
      if (op.op === 'remove') parent.splice(i, 1);
      else if (op.op === 'replace') parent[i] = value;
      else parent.splice(i, 0, value);
    } else {
      if ((op.op === 'remove' || op.op === 'replace') && !(key in parent))
        throw new PatchError(422, `doc is missing key: ${op.path}`);
      if (op.op === 'remove') delete parent[key];
      else parent[key] = value;
    }
  }
  return out;
}

/** Applies a PATCH body of the given content type to an object (undefined when it does not exist yet: apply only). */
export function applyPatch(contentType: string, current: Obj | undefined, body: Buffer): Obj {
  const type = contentType.split(';')[0].trim().toLowerCase();
  let patch: unknown;
  try {
    patch =
      type === 'application/apply-patch+yaml' ? parseYaml(body.toString('utf8')) : JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new PatchError(400, `error decoding patch: ${(e as Error).message}`);
  }
  switch (type) {
    case 'application/json-patch+json':
      return jsonPatch(current ?? {}, patch) as Obj;
    case 'application/merge-patch+json':
      return mergePatch(current ?? {}, patch as Json) as Obj;
    case 'application/strategic-merge-patch+json':
    case 'application/apply-patch+yaml':
      return strategicMerge(current ?? {}, patch as Json) as Obj;
    default:
      throw new PatchError(
        415,
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
      );
  }
}
