// A minimal DNS answerer (RFC 1035) for the pod's cluster DNS: A records for Services, NXDOMAIN
// otherwise, or NXDOMAIN for everything (`dns: nxdomain`). Pure: bytes in, bytes out.

export interface DnsQuestion {
  id: number;
  name: string;
  type: number;
  qclass: number;
  flags: number;
  questionEnd: number;
}

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
const RCODE_NXDOMAIN = 3;
const RCODE_FORMERR = 1;

export function parseQuery(msg: Buffer): DnsQuestion | undefined {
  if (msg.length < 12) return undefined;
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  const qd = msg.readUInt16BE(4);
  if (qd < 1) return undefined;
  let off = 12;
  const labels: string[] = [];
  for (;;) {
    if (off >= msg.length) return undefined;
    const len = msg[off];
    if (len === 0) {
      off++;
      break;
    }
    if (len > 63 || off + 1 + len > msg.length) return undefined;
    labels.push(msg.subarray(off + 1, off + 1 + len).toString('latin1'));
    off += 1 + len;
  }
  if (off + 4 > msg.length) return undefined;
  return {
    id,
    flags,
    name: labels.join('.').toLowerCase(),
    type: msg.readUInt16BE(off),
    qclass: msg.readUInt16BE(off + 2),
    questionEnd: off + 4,
  };
}

function ipv4Bytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map((x) => Number(x) & 255));
}

/** records: FQDN (no trailing dot, lower case) -> IPv4. */
export function answer(
  msg: Buffer,
  records: Record<string, string>,
  mode: 'ok' | 'nxdomain' = 'ok',
  ttl = 30,
): Buffer | undefined {
  const q = parseQuery(msg);
  if (!q) {
    if (msg.length < 12) return undefined;
    const h = Buffer.alloc(12);
    h.writeUInt16BE(msg.readUInt16BE(0), 0);
    h.writeUInt16BE(0x8000 | RCODE_FORMERR, 2);
    return h;
  }
  const name = q.name.replace(/\.$/, '');
  const ip = mode === 'ok' ? records[name] : undefined;
  const known = ip !== undefined;
  const rd = q.flags & 0x0100;
  // QR, AA, RD copied, RA; NXDOMAIN for unknown names (NODATA: known name, other type).
  const flags = 0x8000 | 0x0400 | rd | 0x0080 | (known ? 0 : RCODE_NXDOMAIN);
  const question = msg.subarray(12, q.questionEnd);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  const withAnswer = known && q.type === TYPE_A && q.qclass === 1;
  header.writeUInt16BE(withAnswer ? 1 : 0, 6);
  if (!withAnswer) return Buffer.concat([header, question]);
  const rr = Buffer.alloc(16);
  rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
  rr.writeUInt16BE(TYPE_A, 2);
  rr.writeUInt16BE(1, 4);
  rr.writeUInt32BE(ttl, 6);
  rr.writeUInt16BE(4, 10);
  ipv4Bytes(ip).copy(rr, 12);
  return Buffer.concat([header, question, rr]);
}

/** Builds a query (for tests and for the probe-side checks). */
export function buildQuery(name: string, type = TYPE_A, id = 0x1234): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  const q = Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])),
    Buffer.from([0]),
  ]);
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([h, q, tail]);
}

/** Parses an answer: rcode and the A addresses (for tests). */
export function parseAnswer(msg: Buffer): { id: number; rcode: number; addresses: string[] } {
  const id = msg.readUInt16BE(0);
  const rcode = msg.readUInt16BE(2) & 0xf;
  const an = msg.readUInt16BE(6);
  const q = parseQuery(msg);
  let off = q ? q.questionEnd : 12;
  const addresses: string[] = [];
  for (let i = 0; i < an && off < msg.length; i++) {
    if ((msg[off] & 0xc0) === 0xc0) off += 2;
    else {
      while (msg[off] !== 0) off += msg[off] + 1;
      off++;
    }
    const type = msg.readUInt16BE(off);
    const rdlen = msg.readUInt16BE(off + 8);
    if (type === TYPE_A && rdlen === 4) addresses.push([...msg.subarray(off + 10, off + 14)].join('.'));
    off += 10 + rdlen;
  }
  return { id, rcode, addresses };
}
