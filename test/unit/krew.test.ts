// krew's manifest rules (internal/index/validation and the krew-index validator) and krew's
// unpacking rules, as pure functions: each rule is shown to reject what krew rejects.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../scripts/build.ts';
import {
  renderTemplate,
  validateManifest,
  parseManifest,
  matchPlatform,
  safeEntries,
  type Manifest,
} from '../../scripts/krew.ts';
import { readTarGz, tarGz } from '../../scripts/archive.ts';
import { gzipSync } from 'node:zlib';

const SHA = 'a'.repeat(64);
const template = readFileSync(path.join(repoRoot, 'krew/airflow.yaml'), 'utf8');
const rendered = () => parseManifest(renderTemplate(template, 'v1.2.3', () => SHA));
const clone = (m: Manifest): Manifest => JSON.parse(JSON.stringify(m)) as Manifest;

describe('krew manifest', () => {
  it('the template renders to a valid manifest for all five platforms', () => {
    const m = rendered();
    assert.deepEqual(validateManifest('airflow.yaml', m), []);
    assert.equal(m.metadata?.name, 'airflow');
    assert.equal(m.spec?.version, 'v1.2.3');
    const pairs = (m.spec?.platforms ?? []).map(
      (p) => `${p.selector?.matchLabels?.os}/${p.selector?.matchLabels?.arch}`,
    );
    assert.deepEqual(pairs, ['linux/amd64', 'linux/arm64', 'darwin/amd64', 'darwin/arm64', 'windows/amd64']);
    for (const p of m.spec?.platforms ?? []) {
      const { os, arch } = p.selector!.matchLabels!;
      assert.equal(
        p.uri,
        `https://github.com/kubectl-airflow/kubectl-airflow/releases/download/v1.2.3/kubectl-airflow_${os}_${arch}.${os === 'windows' ? 'zip' : 'tar.gz'}`,
      );
      assert.equal(p.sha256, SHA);
      assert.ok(
        p.files?.some((f) => f.from === 'LICENSE'),
        `${os}/${arch} does not install LICENSE`,
      );
    }
    assert.equal(matchPlatform(m, 'windows', 'amd64')?.bin, 'kubectl-airflow.exe');
    assert.equal(matchPlatform(m, 'linux', 's390x'), undefined);
  });

  it('names the file the plugin is: metadata.name must equal the file name', () => {
    assert.match(
      validateManifest('kubectl-airflow.yaml', rendered()).join(),
      /must equal the file name "kubectl-airflow"/,
    );
    assert.match(validateManifest('airflow.yml', rendered()).join(), /must end in \.yaml/);
  });

  it('wants a v-prefixed strict semver', () => {
    for (const bad of ['1.2.3', 'v1.2', 'v01.2.3', 'v1.2.3.4', 'latest']) {
      const m = clone(rendered());
      m.spec!.version = bad;
      assert.match(validateManifest('airflow.yaml', m).join(), /not "v" followed by semver/, bad);
    }
    for (const good of ['v0.1.0', 'v1.0.0-rc.1', 'v2.3.4+build.5']) {
      const m = clone(rendered());
      m.spec!.version = good;
      assert.deepEqual(validateManifest('airflow.yaml', m), [], good);
    }
  });

  it('rejects overlapping selectors, unknown keys and selectors matching no krew platform', () => {
    const m = clone(rendered());
    m.spec!.platforms!.push({ ...m.spec!.platforms![0]!, selector: { matchLabels: { os: 'linux' } } });
    assert.match(validateManifest('airflow.yaml', m).join(), /overlap: all select os=linux\/arch=amd64/);
    const k = clone(rendered());
    k.spec!.platforms![0]!.selector = { matchLabels: { os: 'linux', arch: 'amd64', libc: 'musl' } };
    assert.match(validateManifest('airflow.yaml', k).join(), /key libc not supported/);
    const n = clone(rendered());
    n.spec!.platforms![0]!.selector = { matchLabels: { os: 'plan9', arch: 'amd64' } };
    assert.match(validateManifest('airflow.yaml', n).join(), /matches no platform krew supports/);
    const e = clone(rendered());
    e.spec!.platforms = [
      {
        ...e.spec!.platforms![0]!,
        selector: { matchExpressions: [{ key: 'os', operator: 'In', values: ['linux', 'darwin'] }] },
      },
      e.spec!.platforms![1]!,
    ];
    assert.match(validateManifest('airflow.yaml', e).join(), /overlap: all select os=linux\/arch=arm64/);
  });

  it('checks sha256 format, uri, bin, files and the one-line short description', () => {
    const m = clone(rendered());
    m.spec!.platforms![0]!.sha256 = 'A'.repeat(64);
    m.spec!.platforms![1]!.uri = 'ftp://x/y.tar.gz';
    delete m.spec!.platforms![2]!.bin;
    m.spec!.platforms![3]!.files = [];
    m.spec!.shortDescription = 'two\nlines';
    const p = validateManifest('airflow.yaml', m).join('\n');
    assert.match(p, /sha256 A{64} must match/);
    assert.match(p, /uri must be http/);
    assert.match(p, /\[2\]\.bin is required/);
    assert.match(p, /files must be unspecified or non-empty/);
    assert.match(p, /shortDescription must be one line/);
    const w = clone(rendered());
    w.apiVersion = 'krew.googlecontainertools.github.com/v1alpha1';
    w.kind = 'Thing';
    assert.match(validateManifest('airflow.yaml', w).join(), /apiVersion must be .*kind must be Plugin/);
  });

  it('keeps description and caveats lines within the index limits, and mentions completion and impersonation', () => {
    const m = rendered();
    for (const l of `${m.spec?.description}\n${m.spec?.caveats}`.split('\n')) assert.ok(l.length <= 80, l);
    assert.ok((m.spec?.shortDescription ?? '').length <= 70);
    assert.match(m.spec?.caveats ?? '', /impersonate/);
    assert.match(m.spec?.caveats ?? '', /kubectl_complete-airflow/);
    for (const c of ['rbac', 'net', 'ha'])
      assert.match(m.spec?.description ?? '', new RegExp(`kubectl airflow ${c}\\b`));
  });
});

describe('krew unpacking rules', () => {
  function rawTar(name: string, typeflag: string): Buffer {
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write('0000644\0', 100);
    h.write('00000000000\0', 124);
    h.write('        ', 148);
    h.write(typeflag, 156);
    h.write('ustar\x0000', 257, 'latin1');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    return gzipSync(Buffer.concat([h, Buffer.alloc(1024)]));
  }

  it('reads back what tarGz writes, with types and modes', () => {
    const got = readTarGz(
      tarGz([
        { name: 'b', data: Buffer.from('B'), mode: 0o755 },
        { name: 'a', data: Buffer.from('A'), mode: 0o600 },
      ]),
    );
    assert.deepEqual(
      got.map((e) => [e.name, e.type, e.mode, e.data.toString()]),
      [
        ['a', 'file', 0o600, 'A'],
        ['b', 'file', 0o755, 'B'],
      ],
    );
  });

  it('refuses entries that escape the target or are not regular files', () => {
    assert.throws(() => safeEntries(readTarGz(rawTar('../evil', '0'))), /escapes the target/);
    assert.throws(() => safeEntries(readTarGz(rawTar('/etc/evil', '0'))), /escapes the target/);
    assert.throws(() => safeEntries(readTarGz(rawTar('a/../../evil', '0'))), /escapes the target/);
    assert.throws(() => safeEntries(readTarGz(rawTar('link', '2'))), /symlink is not supported/);
    assert.deepEqual(safeEntries(readTarGz(rawTar('dir/', '5'))), []);
    assert.equal(safeEntries(readTarGz(rawTar('ok/file', '0'))).length, 1);
  });
});
