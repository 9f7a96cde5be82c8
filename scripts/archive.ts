// Reproducible archives without depending on the host's tar/zip flavour: entries sorted by name,
// owner root:root (0:0), one fixed mtime, fixed modes, gzip/deflate at a fixed level with no file
// name or time in the gzip header. The same inputs always give the same bytes.
import { gzipSync, deflateRawSync, gunzipSync, inflateRawSync, crc32, constants } from 'node:zlib';

export interface Entry {
  name: string;
  data: Buffer;
  mode: number;
}

// 2000-01-01T00:00:00Z: inside both tar's and zip's (DOS, 1980-2107) ranges.
export const FIXED_MTIME = 946684800;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(e: Entry): Buffer {
  const h = Buffer.alloc(512);
  if (Buffer.byteLength(e.name) > 100) throw new Error(`name too long for ustar: ${e.name}`);
  h.write(e.name, 0, 'utf8');
  h.write(octal(e.mode, 8), 100);
  h.write(octal(0, 8), 108); // uid
  h.write(octal(0, 8), 116); // gid
  h.write(octal(e.data.length, 12), 124);
  h.write(octal(FIXED_MTIME, 12), 136);
  h.write('        ', 148); // checksum placeholder: eight spaces
  h.write('0', 156); // regular file
  h.write('ustar\0' + '00', 257, 'latin1');
  h.write('root', 265);
  h.write('root', 297);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'latin1');
  return h;
}

export function tarGz(entries: Entry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    parts.push(tarHeader(e), e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts), { level: 9, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY });
}

// DOS date/time of FIXED_MTIME (UTC): 2000-01-01 00:00:00.
const DOS_TIME = 0;
const DOS_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1;

export function zip(entries: Entry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const name = Buffer.from(e.name, 'utf8');
    const packed = deflateRawSync(e.data, { level: 9 });
    const crc = crc32(e.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below is honoured
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((0o100000 | e.mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export interface ListedEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  data: Buffer;
}

/** Reads a .tar.gz (ustar/GNU) as krew does: every entry with its type; data for regular files. */
export function readTarGz(buf: Buffer): ListedEntry[] {
  const tar = gunzipSync(buf);
  const out: ListedEntry[] = [];
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) =>
      h
        .subarray(a, a + n)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const prefix = str(345, 155);
    const name = (prefix ? prefix + '/' : '') + str(0, 100);
    const size = parseInt(str(124, 12).trim() || '0', 8);
    const mode = parseInt(str(100, 8).trim() || '0', 8);
    const flag = String.fromCharCode(h[156] ?? 0);
    const type = flag === '0' || flag === '\0' ? 'file' : flag === '5' ? 'dir' : flag === '2' ? 'symlink' : 'other';
    out.push({
      name,
      type,
      mode,
      data: type === 'file' ? Buffer.from(tar.subarray(off + 512, off + 512 + size)) : Buffer.alloc(0),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Reads a zip through its central directory (deflate or stored entries). */
export function readZip(buf: Buffer): ListedEntry[] {
  const endAt = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new Error('not a zip file');
  const count = buf.readUInt16LE(endAt + 10);
  let off = buf.readUInt32LE(endAt + 16);
  const out: ListedEntry[] = [];
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(off + 10);
    const csize = buf.readUInt32LE(off + 20);
    const nameLen = buf.readUInt16LE(off + 28);
    const extraLen = buf.readUInt16LE(off + 30);
    const commentLen = buf.readUInt16LE(off + 32);
    const attr = buf.readUInt32LE(off + 38) >>> 16;
    const localAt = buf.readUInt32LE(off + 42);
    const name = buf.subarray(off + 46, off + 46 + nameLen).toString('utf8');
    const dataAt = localAt + 30 + buf.readUInt16LE(localAt + 26) + buf.readUInt16LE(localAt + 28);
    const raw = buf.subarray(dataAt, dataAt + csize);
    const fmt = attr & 0o170000;
    const type = name.endsWith('/') || fmt === 0o040000 ? 'dir' : fmt === 0o120000 ? 'symlink' : 'file';
    out.push({
      name,
      type,
      mode: attr & 0o7777,
      data: type === 'file' ? (method === 8 ? inflateRawSync(raw) : Buffer.from(raw)) : Buffer.alloc(0),
    });
    off += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
