// krew, offline: render the krew-release-bot template, validate a manifest the way krew and its
// index CI do (internal/index/validation + cmd/validate-krew-manifest), and perform
// `kubectl krew install --manifest=M --archive=A` into a given KREW_ROOT (sha256 check, unpack
// regular files only, files[] from/to, bin linked as kubectl-<name> into $KREW_ROOT/bin).
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as YAML from 'yaml';
import { readTarGz, readZip, type ListedEntry } from './archive.ts';

export const API_VERSION = 'krew.googlecontainertools.github.com/v1alpha2';

// <os,arch> pairs krew supports (validate-krew-manifest's allPlatforms, current list).
export const KREW_PLATFORMS: Array<[string, string]> = [
  ['windows', '386'],
  ['windows', 'amd64'],
  ['windows', 'arm64'],
  ['linux', '386'],
  ['linux', 'amd64'],
  ['linux', 'arm'],
  ['linux', 'arm64'],
  ['linux', 'ppc64le'],
  ['linux', 's390x'],
  ['darwin', '386'],
  ['darwin', 'amd64'],
  ['darwin', 'arm64'],
];

export interface Platform {
  selector?: {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
  };
  uri?: string;
  sha256?: string;
  bin?: string;
  files?: Array<{ from?: string; to?: string }>;
}
export interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    version?: string;
    homepage?: string;
    shortDescription?: string;
    description?: string;
    caveats?: string;
    platforms?: Platform[];
  };
}

/** krew-release-bot's two template forms, with sha256 from a lookup by archive file name. */
export function renderTemplate(template: string, tag: string, shaOf: (fileName: string) => string): string {
  const withTag = (s: string) => s.replace(/\{\{\s*\.TagName\s*\}\}/g, tag);
  // the template's leading comment explains the placeholders: not part of a release manifest
  return template
    .replace(/^(?:#[^\n]*\n)+/, '')
    .replace(/^(\s*)\{\{\s*addURIAndSha\s+"([^"]+)"\s+\.TagName\s*\}\}\s*$/gm, (_m, indent: string, url: string) => {
      const uri = withTag(url);
      return `${indent}uri: ${uri}\n${indent}sha256: ${shaOf(path.posix.basename(new URL(uri).pathname))}`;
    })
    .replace(/\{\{\s*\.TagName\s*\}\}/g, tag);
}

// krew's internal/installation/semver: a "v" prefix, then strict semver (MAJOR.MINOR.PATCH,
// optional -prerelease and +build).
const SEMVER =
  /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

function selectorMatches(sel: Platform['selector'], os: string, arch: string): boolean {
  if (!sel) return false;
  const labels: Record<string, string> = { os, arch };
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const val = labels[e.key];
    const vals = e.values ?? [];
    if (e.operator === 'In' && !(val !== undefined && vals.includes(val))) return false;
    if (e.operator === 'NotIn' && val !== undefined && vals.includes(val)) return false;
    if (e.operator === 'Exists' && val === undefined) return false;
    if (e.operator === 'DoesNotExist' && val !== undefined) return false;
  }
  return true;
}

function lineTooLong(s: string | undefined, max: number): boolean {
  return (s ?? '').split('\n').some((l) => l.length > max && l.trim().includes(' '));
}

/** Problems krew (or the krew-index CI) would report; empty when the manifest is valid. */
export function validateManifest(fileName: string, m: Manifest): string[] {
  const p: string[] = [];
  const name = path.basename(fileName).replace(/\.yaml$/, '');
  if (!fileName.endsWith('.yaml')) p.push(`manifest file ${fileName} must end in .yaml`);
  if (m.apiVersion !== API_VERSION) p.push(`apiVersion must be ${API_VERSION}, not ${JSON.stringify(m.apiVersion)}`);
  if (m.kind !== 'Plugin') p.push(`kind must be Plugin, not ${JSON.stringify(m.kind)}`);
  if (!/^[\w-]+$/.test(name)) p.push(`plugin name ${JSON.stringify(name)} must match ^[\\w-]+$`);
  if (m.metadata?.name !== name)
    p.push(`metadata.name ${JSON.stringify(m.metadata?.name)} must equal the file name ${JSON.stringify(name)}`);
  const spec = m.spec ?? {};
  if (!spec.shortDescription) p.push('spec.shortDescription is required');
  else if (/[\r\n]/.test(spec.shortDescription)) p.push('spec.shortDescription must be one line');
  if (!spec.version) p.push('spec.version is required');
  else if (!SEMVER.test(spec.version))
    p.push(`spec.version ${JSON.stringify(spec.version)} is not "v" followed by semver`);
  if (lineTooLong(spec.description, 80)) p.push('a spec.description line exceeds 80 characters');
  if (lineTooLong(spec.shortDescription, 70)) p.push('spec.shortDescription exceeds 70 characters');
  if (lineTooLong(spec.caveats, 80)) p.push('a spec.caveats line exceeds 80 characters');
  const platforms = spec.platforms ?? [];
  if (platforms.length === 0) p.push('spec.platforms must not be empty');
  platforms.forEach((pl, i) => {
    const at = `spec.platforms[${i}]`;
    if (!pl.uri) p.push(`${at}.uri is required`);
    else if (!/^https?:\/\//.test(pl.uri)) p.push(`${at}.uri must be http(s)`);
    if (!pl.sha256) p.push(`${at}.sha256 is required`);
    else if (!/^[a-f0-9]{64}$/.test(pl.sha256)) p.push(`${at}.sha256 ${pl.sha256} must match ^[a-f0-9]{64}$`);
    if (!pl.bin) p.push(`${at}.bin is required`);
    if (pl.files !== undefined) {
      if (pl.files.length === 0) p.push(`${at}.files must be unspecified or non-empty`);
      for (const f of pl.files) if (!f.from || !f.to) p.push(`${at}.files entries need from and to`);
    }
    const sel = pl.selector;
    if (!sel) p.push(`${at}.selector is required`);
    else {
      const keys = [...Object.keys(sel.matchLabels ?? {}), ...(sel.matchExpressions ?? []).map((e) => e.key)];
      if (keys.length === 0) p.push(`${at}.selector must not be empty`);
      for (const k of keys) if (k !== 'os' && k !== 'arch') p.push(`${at}.selector key ${k} not supported`);
      if (!KREW_PLATFORMS.some(([os, arch]) => selectorMatches(sel, os, arch)))
        p.push(`${at}.selector matches no platform krew supports`);
    }
  });
  for (const [os, arch] of KREW_PLATFORMS) {
    const hits = platforms.map((pl, i) => (selectorMatches(pl.selector, os, arch) ? i : -1)).filter((i) => i >= 0);
    if (hits.length > 1) p.push(`platforms ${hits.join(', ')} overlap: all select os=${os}/arch=${arch}`);
  }
  return p;
}

export function parseManifest(text: string): Manifest {
  return YAML.parse(text) as Manifest;
}

export function matchPlatform(m: Manifest, os: string, arch: string): Platform | undefined {
  return (m.spec?.platforms ?? []).find((pl) => selectorMatches(pl.selector, os, arch));
}

function globToRegExp(glob: string): RegExp {
  const re = glob
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`);
}

/** Unpacks as krew does: regular files (and directories) only, nothing outside the target. */
export function safeEntries(entries: ListedEntry[]): ListedEntry[] {
  for (const e of entries) {
    const norm = path.posix.normalize(e.name);
    if (path.posix.isAbsolute(e.name) || norm === '..' || norm.startsWith('../'))
      throw new Error(`archive entry ${e.name} escapes the target directory`);
    if (e.type !== 'file' && e.type !== 'dir') throw new Error(`archive entry ${e.name}: ${e.type} is not supported`);
  }
  return entries.filter((e) => e.type === 'file');
}

export interface InstallResult {
  binLink: string;
  installDir: string;
  files: string[];
}

/** `kubectl krew install --manifest=M --archive=A` for KREW_OS/KREW_ARCH into root. */
export function krewInstall(opts: {
  manifestPath: string;
  archivePath: string;
  root: string;
  os: string;
  arch: string;
}): InstallResult {
  const m = parseManifest(readFileSync(opts.manifestPath, 'utf8'));
  const problems = validateManifest(opts.manifestPath, m);
  if (problems.length) throw new Error(`invalid manifest: ${problems.join('; ')}`);
  const name = m.metadata!.name!;
  const pl = matchPlatform(m, opts.os, opts.arch);
  if (!pl) throw new Error(`plugin "${name}" does not offer installation for ${opts.os}/${opts.arch}`);
  const data = readFileSync(opts.archivePath);
  const sum = createHash('sha256').update(data).digest('hex');
  if (sum !== pl.sha256) throw new Error(`checksum does not match, want: ${pl.sha256}, got ${sum}`);
  const entries = safeEntries(
    /\.zip$/i.test(pl.uri ?? '') || data.subarray(0, 2).toString('latin1') === 'PK' ? readZip(data) : readTarGz(data),
  );
  const installDir = path.join(opts.root, 'store', name, m.spec!.version!);
  rmSync(installDir, { recursive: true, force: true });
  mkdirSync(installDir, { recursive: true });
  const ops = pl.files ?? [{ from: '*', to: '.' }];
  const written: string[] = [];
  for (const op of ops) {
    const re = globToRegExp(op.from!);
    const matched = entries.filter((e) => re.test(e.name));
    if (matched.length === 0) throw new Error(`no file in the archive matches files[].from ${op.from}`);
    for (const e of matched) {
      const dest = path.join(installDir, op.to!, path.posix.basename(e.name));
      if (!dest.startsWith(installDir + path.sep)) throw new Error(`files[].to ${op.to} escapes the install directory`);
      mkdirSync(path.dirname(dest), { recursive: true });
      writeFileSync(dest, e.data);
      chmodSync(dest, e.mode & 0o777 || 0o644);
      written.push(path.relative(installDir, dest));
    }
  }
  const bin = path.join(installDir, pl.bin!);
  if (!existsSync(bin)) throw new Error(`bin ${pl.bin} is not among the installed files`);
  const binDir = path.join(opts.root, 'bin');
  mkdirSync(binDir, { recursive: true });
  const link = path.join(binDir, `kubectl-${name}${opts.os === 'windows' ? '.exe' : ''}`);
  rmSync(link, { force: true });
  symlinkSync(bin, link);
  mkdirSync(path.join(opts.root, 'receipts'), { recursive: true });
  writeFileSync(
    path.join(opts.root, 'receipts', `${name}.yaml`),
    YAML.stringify({ ...m, status: { source: { name: 'detached' } } }),
  );
  return { binLink: link, installDir, files: written.sort() };
}
