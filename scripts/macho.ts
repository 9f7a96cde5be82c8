// Mach-O code signature helpers for the macOS executables, with no Apple tools.
//
// Injecting the SEA blob (node --build-sea / postject, both through LIEF) drops the official
// Developer ID signature and its LC_CODE_SIGNATURE load command. Apple Silicon refuses to run an
// unsigned binary; an ad-hoc ("linker-signed") signature is enough. Debian's llvm-objcopy rewrites
// such a signature whenever an LC_CODE_SIGNATURE command exists, so we (1) add that command pointing
// at a placeholder at the end of __LINKEDIT, (2) let llvm-objcopy compute the real signature,
// (3) check the result ourselves: every page hash of the CodeDirectory against the file's bytes.
import { createHash } from 'node:crypto';

const MH_MAGIC_64 = 0xfeedfacf;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CS_ADHOC = 0x2;
const CS_HASHTYPE_SHA256 = 2;

interface LoadCommand {
  cmd: number;
  offset: number;
  size: number;
}

function loadCommands(buf: Buffer): { cmds: LoadCommand[]; sizeofcmds: number } {
  if (buf.readUInt32LE(0) !== MH_MAGIC_64) throw new Error('not a thin 64-bit little-endian Mach-O file');
  const ncmds = buf.readUInt32LE(16);
  const sizeofcmds = buf.readUInt32LE(20);
  const cmds: LoadCommand[] = [];
  let off = 32;
  for (let i = 0; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(off);
    const size = buf.readUInt32LE(off + 4);
    cmds.push({ cmd, offset: off, size });
    off += size;
  }
  return { cmds, sizeofcmds };
}

function segName(buf: Buffer, lc: LoadCommand): string {
  return buf
    .subarray(lc.offset + 8, lc.offset + 24)
    .toString('latin1')
    .replace(/\0+$/, '');
}

export function hasCodeSignatureCommand(buf: Buffer): boolean {
  return loadCommands(buf).cmds.some((c) => c.cmd === LC_CODE_SIGNATURE);
}

/**
 * Returns a copy of an unsigned Mach-O executable with an LC_CODE_SIGNATURE command whose data is
 * a zeroed placeholder appended to __LINKEDIT (which must be the last segment and end the file).
 */
export function addCodeSignatureCommand(input: Buffer): Buffer {
  const { cmds, sizeofcmds } = loadCommands(input);
  if (cmds.some((c) => c.cmd === LC_CODE_SIGNATURE)) throw new Error('already has LC_CODE_SIGNATURE');
  const segments = cmds.filter((c) => c.cmd === LC_SEGMENT_64);
  const linkedit = segments.find((s) => segName(input, s) === '__LINKEDIT');
  if (!linkedit) throw new Error('no __LINKEDIT segment');
  const leFileoff = Number(input.readBigUInt64LE(linkedit.offset + 40));
  const leFilesize = Number(input.readBigUInt64LE(linkedit.offset + 48));
  if (leFileoff + leFilesize !== input.length) throw new Error('__LINKEDIT does not end the file');
  // The new command goes right after the existing ones: that space must be header padding.
  let firstSectionOffset = Infinity;
  for (const s of segments) {
    const nsects = input.readUInt32LE(s.offset + 64);
    for (let i = 0; i < nsects; i++) {
      const sect = s.offset + 72 + i * 80;
      const off = input.readUInt32LE(sect + 48);
      if (off > 0) firstSectionOffset = Math.min(firstSectionOffset, off);
    }
  }
  const at = 32 + sizeofcmds;
  if (at + 16 > firstSectionOffset) throw new Error('no room for LC_CODE_SIGNATURE in the header padding');
  if (input.subarray(at, at + 16).some((b) => b !== 0)) throw new Error('header padding is not empty');

  const dataoff = Math.ceil(input.length / 16) * 16;
  const datasize = 16;
  const out = Buffer.alloc(dataoff + datasize);
  input.copy(out);
  out.writeUInt32LE(cmds.length + 1, 16);
  out.writeUInt32LE(sizeofcmds + 16, 20);
  out.writeUInt32LE(LC_CODE_SIGNATURE, at);
  out.writeUInt32LE(16, at + 4);
  out.writeUInt32LE(dataoff, at + 8);
  out.writeUInt32LE(datasize, at + 12);
  const newFilesize = out.length - leFileoff;
  const vmsize = Number(input.readBigUInt64LE(linkedit.offset + 32));
  out.writeBigUInt64LE(BigInt(newFilesize), linkedit.offset + 48);
  if (newFilesize > vmsize)
    out.writeBigUInt64LE(BigInt(Math.ceil(newFilesize / 0x4000) * 0x4000), linkedit.offset + 32);
  return out;
}

export interface SignatureCheck {
  ok: boolean;
  adhoc: boolean;
  identifier: string;
  flags: number;
  codeSlots: number;
  badSlots: number;
  problem?: string;
}

/** Checks the embedded signature's CodeDirectory page hashes against the file's own bytes. */
export function checkAdhocSignature(buf: Buffer): SignatureCheck {
  const none = { ok: false, adhoc: false, identifier: '', flags: 0, codeSlots: 0, badSlots: 0 };
  const lc = loadCommands(buf).cmds.find((c) => c.cmd === LC_CODE_SIGNATURE);
  if (!lc) return { ...none, problem: 'no LC_CODE_SIGNATURE' };
  const dataoff = buf.readUInt32LE(lc.offset + 8);
  if (buf.readUInt32BE(dataoff) !== CSMAGIC_EMBEDDED_SIGNATURE)
    return { ...none, problem: 'no embedded signature superblob' };
  const count = buf.readUInt32BE(dataoff + 8);
  for (let i = 0; i < count; i++) {
    const type = buf.readUInt32BE(dataoff + 12 + i * 8);
    const cd = dataoff + buf.readUInt32BE(dataoff + 16 + i * 8);
    if (type !== 0 || buf.readUInt32BE(cd) !== CSMAGIC_CODEDIRECTORY) continue;
    const flags = buf.readUInt32BE(cd + 12);
    const hashOffset = buf.readUInt32BE(cd + 16);
    const identOffset = buf.readUInt32BE(cd + 20);
    const codeSlots = buf.readUInt32BE(cd + 28);
    const codeLimit = buf.readUInt32BE(cd + 32);
    const hashSize = buf.readUInt8(cd + 36);
    const hashType = buf.readUInt8(cd + 37);
    const pageSize = 2 ** buf.readUInt8(cd + 39);
    const identEnd = buf.indexOf(0, cd + identOffset);
    const identifier = buf.subarray(cd + identOffset, identEnd).toString('utf8');
    const base = { adhoc: (flags & CS_ADHOC) !== 0, identifier, flags, codeSlots };
    if (hashType !== CS_HASHTYPE_SHA256 || hashSize !== 32)
      return { ...base, ok: false, badSlots: 0, problem: `hash type ${hashType}` };
    if (codeLimit !== dataoff)
      return { ...base, ok: false, badSlots: 0, problem: 'codeLimit does not end at the signature' };
    if (codeSlots !== Math.ceil(codeLimit / pageSize))
      return { ...base, ok: false, badSlots: 0, problem: 'wrong number of code slots' };
    let badSlots = 0;
    for (let slot = 0; slot < codeSlots; slot++) {
      const page = buf.subarray(slot * pageSize, Math.min((slot + 1) * pageSize, codeLimit));
      const want = buf.subarray(cd + hashOffset + slot * 32, cd + hashOffset + (slot + 1) * 32);
      if (!createHash('sha256').update(page).digest().equals(want)) badSlots++;
    }
    return {
      ...base,
      ok: badSlots === 0,
      badSlots,
      ...(badSlots ? { problem: `${badSlots} page hashes differ` } : {}),
    };
  }
  return { ...none, problem: 'no CodeDirectory' };
}
