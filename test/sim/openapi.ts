// The OpenAPI documents, reduced to what clients read from them: one PATCH operation per kind carrying
// x-kubernetes-group-version-kind and the `fieldValidation` query parameter. kubectl (create/apply)
// checks exactly that to choose server-side field validation (kubectl >= 1.28 reads /openapi/v3,
// 1.27 reads /openapi/v2 as gnostic protobuf); without it, it refuses to create anything.
//
// The review kinds (create-only) get one too: a real server has no PATCH for them, so kubectl falls
// back to client-side validation against the full schemas, which these documents do not carry; the
// outcome (the object is sent and validated by the server) is the same.
import type { Reply } from './discovery.ts';
import { servedResources } from './resources.ts';
import { minorVersion, type Scenario } from './scenario.ts';

const json = (o: unknown): Reply => ({ code: 200, contentType: 'application/json', body: JSON.stringify(o) });
const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'];

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/**
 * /openapi/v3 and its group-version documents, reduced to what clients read from them: one PATCH
 * operation per kind carrying x-kubernetes-group-version-kind and the `fieldValidation` query
 * parameter, so kubectl create/apply use server-side field validation instead of downloading schemas.
 */
export function openapiV3(p: string, s: Scenario): Reply | undefined {
  const served = servedResources(minorVersion(s));
  const gvs = new Map<string, { group: string; version: string }>();
  for (const r of served) gvs.set(gvPath(r.group, r.version), { group: r.group, version: r.version });
  if (p === '/openapi/v3') {
    const paths: Record<string, object> = {};
    for (const k of [...gvs.keys()].sort())
      paths[k] = { serverRelativeURL: `/openapi/v3/${k}?hash=${s.spec.kubernetesVersion.replace(/\W/g, '')}` };
    return json({ paths });
  }
  const gv = gvs.get(p.slice('/openapi/v3/'.length));
  if (!gv) return undefined;
  const paths: Record<string, object> = {};
  for (const r of served.filter((x) => x.group === gv.group && x.version === gv.version)) {
    const base = `/${gvPath(r.group, r.version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${r.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
        parameters: QUERY_PARAMS.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return json({
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: s.spec.kubernetesVersion },
    paths,
    components: { schemas: {} },
  });
}

// ---- /openapi/v2 as gnostic openapi_v2.Document protobuf (google/gnostic openapiv2/OpenAPIv2.proto) ----

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function field(no: number, payload: Buffer | string): Buffer {
  const b = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([varint((no << 3) | 2), varint(b.length), b]);
}

function queryParameter(name: string): Buffer {
  // ParametersItem.parameter(1) -> Parameter.non_body_parameter(2) -> NonBodyParameter.query_parameter_sub_schema(3)
  const sub = Buffer.concat([field(2, 'query'), field(4, name), field(6, 'string')]);
  return field(1, field(2, field(3, sub)));
}

function gvkExtension(group: string, version: string, kind: string): Buffer {
  const yaml = `group: "${group}"\nkind: ${kind}\nversion: ${version}\n`;
  // NamedAny{name 1, value 2: Any{yaml 2}}
  return Buffer.concat([field(1, 'x-kubernetes-group-version-kind'), field(2, field(2, yaml))]);
}

export function openapiV2(s: Scenario): Reply {
  const paths: Buffer[] = [];
  for (const r of servedResources(minorVersion(s))) {
    const path = `/${gvPath(r.group, r.version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}/{name}`;
    const op = Buffer.concat([
      field(5, `patch${r.kind}`),
      ...QUERY_PARAMS.map((p) => field(8, queryParameter(p))),
      field(13, gvkExtension(r.group, r.version, r.kind)),
    ]);
    const pathItem = field(8, op); // PathItem.patch = 8
    paths.push(field(2, Buffer.concat([field(1, path), field(2, pathItem)]))); // Paths.path = 2 (NamedPathItem)
  }
  const doc = Buffer.concat([
    field(1, '2.0'),
    field(2, Buffer.concat([field(1, 'Kubernetes'), field(2, s.spec.kubernetesVersion)])),
    field(8, Buffer.concat(paths)),
  ]);
  return { code: 200, contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', body: doc };
}
