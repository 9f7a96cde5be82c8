// Reads the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown) and the review objects kubectl
// sends in it. Field numbers from k8s.io/api/authorization/v1/generated.proto,
// k8s.io/apimachinery/pkg/runtime/generated.proto and meta/v1/generated.proto.

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

export interface Field {
  no: number;
  wire: number;
  /** varint (wire 0) as bigint; fixed64/fixed32 as bigint; length-delimited (wire 2) as bytes */
  int?: bigint;
  bytes?: Buffer;
}

export class ProtobufError extends Error {}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new ProtobufError('truncated varint');
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
  throw new ProtobufError('varint too long');
}

/** Splits one message into its fields, in wire order. */
export function decodeFields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no === 0) throw new ProtobufError('field number 0');
    switch (wire) {
      case 0: {
        const [v, p] = readVarint(buf, pos);
        out.push({ no, wire, int: v });
        pos = p;
        break;
      }
      case 1:
        if (pos + 8 > buf.length) throw new ProtobufError('truncated fixed64');
        out.push({ no, wire, int: buf.readBigUInt64LE(pos) });
        pos += 8;
        break;
      case 2: {
        const [len, p] = readVarint(buf, pos);
        const end = p + Number(len);
        if (end > buf.length) throw new ProtobufError('truncated length-delimited field');
        out.push({ no, wire, bytes: buf.subarray(p, end) });
        pos = end;
        break;
      }
      case 5:
        if (pos + 4 > buf.length) throw new ProtobufError('truncated fixed32');
        out.push({ no, wire, int: BigInt(buf.readUInt32LE(pos)) });
        pos += 4;
        break;
      default:
        throw new ProtobufError(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

function str(fields: Field[], no: number): string | undefined {
  let v: string | undefined;
  for (const f of fields) if (f.no === no && f.bytes) v = f.bytes.toString('utf8');
  return v;
}

function strs(fields: Field[], no: number): string[] {
  return fields.filter((f) => f.no === no && f.bytes).map((f) => f.bytes!.toString('utf8'));
}

function msg(fields: Field[], no: number): Field[] | undefined {
  const parts = fields.filter((f) => f.no === no && f.bytes);
  if (parts.length === 0) return undefined;
  // Repeated occurrences of an embedded message merge (proto2 semantics).
  return parts.flatMap((f) => decodeFields(f.bytes!));
}

export interface Unknown {
  apiVersion: string;
  kind: string;
  raw: Buffer;
  contentEncoding: string;
  contentType: string;
}

/** True when the body starts with the `k8s\0` magic. */
export function isProtobufEnvelope(body: Buffer): boolean {
  return body.length >= 4 && body.subarray(0, 4).equals(MAGIC);
}

/** The runtime.Unknown after the 4-byte magic: typeMeta=1{apiVersion=1,kind=2}, raw=2, contentEncoding=3, contentType=4. */
export function decodeEnvelope(body: Buffer): Unknown {
  if (!isProtobufEnvelope(body))
    throw new ProtobufError('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  const fields = decodeFields(body.subarray(4));
  const typeMeta = msg(fields, 1) ?? [];
  const raw = fields.filter((f) => f.no === 2 && f.bytes).at(-1)?.bytes ?? Buffer.alloc(0);
  return {
    apiVersion: str(typeMeta, 1) ?? '',
    kind: str(typeMeta, 2) ?? '',
    raw,
    contentEncoding: str(fields, 3) ?? '',
    contentType: str(fields, 4) ?? '',
  };
}

function objectMeta(fields: Field[] | undefined): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (!fields) return m;
  const name = str(fields, 1);
  const generateName = str(fields, 2);
  const namespace = str(fields, 3);
  if (name) m['name'] = name;
  if (generateName) m['generateName'] = generateName;
  if (namespace) m['namespace'] = namespace;
  return m;
}

function resourceAttributes(fields: Field[]): Record<string, string> {
  const names = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];
  const out: Record<string, string> = {};
  names.forEach((n, i) => {
    const v = str(fields, i + 1);
    if (v) out[n] = v;
  });
  return out;
}

function nonResourceAttributes(fields: Field[]): Record<string, string> {
  const out: Record<string, string> = {};
  const path = str(fields, 1);
  const verb = str(fields, 2);
  if (path) out['path'] = path;
  if (verb) out['verb'] = verb;
  return out;
}

/** SelfSubjectAccessReviewSpec / SubjectAccessReviewSpec (fields 3..6 only exist in the latter). */
function accessReviewSpec(fields: Field[] | undefined): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (!fields) return spec;
  const ra = msg(fields, 1);
  const nra = msg(fields, 2);
  if (ra) spec['resourceAttributes'] = resourceAttributes(ra);
  if (nra) spec['nonResourceAttributes'] = nonResourceAttributes(nra);
  const user = str(fields, 3);
  if (user) spec['user'] = user;
  const groups = strs(fields, 4);
  if (groups.length) spec['groups'] = groups;
  const extra: Record<string, string[]> = {};
  for (const entry of fields.filter((f) => f.no === 5 && f.bytes)) {
    const kv = decodeFields(entry.bytes!);
    const key = str(kv, 1) ?? '';
    const value = msg(kv, 2) ?? [];
    extra[key] = strs(value, 1);
  }
  if (Object.keys(extra).length) spec['extra'] = extra;
  const uid = str(fields, 6);
  if (uid) spec['uid'] = uid;
  return spec;
}

/**
 * Decodes a protobuf request body into the object its JSON form would be. Knows the review kinds
 * (SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectRulesReview,
 * SelfSubjectReview); anything else is an error.
 */
export function decodeReview(body: Buffer): {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
} {
  const u = decodeEnvelope(body);
  if (u.contentEncoding) throw new ProtobufError(`unsupported content encoding ${u.contentEncoding}`);
  const fields = decodeFields(u.raw);
  const metadata = objectMeta(msg(fields, 1));
  const specFields = msg(fields, 2);
  switch (u.kind) {
    case 'SelfSubjectAccessReview':
    case 'SubjectAccessReview':
    case 'LocalSubjectAccessReview':
      return { apiVersion: u.apiVersion, kind: u.kind, metadata, spec: accessReviewSpec(specFields) };
    case 'SelfSubjectRulesReview': {
      const spec: Record<string, unknown> = {};
      const ns = specFields ? str(specFields, 1) : undefined;
      if (ns) spec['namespace'] = ns;
      return { apiVersion: u.apiVersion, kind: u.kind, metadata, spec };
    }
    case 'SelfSubjectReview':
      return { apiVersion: u.apiVersion, kind: u.kind, metadata, spec: {} };
    default:
      throw new ProtobufError(`no protobuf decoder for kind "${u.kind}"`);
  }
}

// ---- encoding, for tests and fixtures (kubectl's side of the wire) ----

function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  const bytes: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    bytes.push(b);
  } while (v > 0n);
  return Buffer.from(bytes);
}

/** A length-delimited field. */
export function lenField(no: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([varint((no << 3) | 2), varint(body.length), body]);
}

/** The envelope kubectl writes: magic + runtime.Unknown{typeMeta, raw, contentEncoding "", contentType ""}. */
export function encodeEnvelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  const typeMeta = Buffer.concat([lenField(1, apiVersion), lenField(2, kind)]);
  return Buffer.concat([MAGIC, lenField(1, typeMeta), lenField(2, raw), lenField(3, ''), lenField(4, '')]);
}
