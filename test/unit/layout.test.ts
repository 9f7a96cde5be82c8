// The layering rules of docs/ARCHITECTURE.md, checked on the sources' imports: a rule broken
// here is a module in the wrong place (or an import that drags a layer into another).
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import (static, type-only and dynamic) of a file, as paths relative to src/. */
export function importsOf(text: string, file: string): string[] {
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => path.relative(SRC, path.resolve(path.dirname(file), s)));
}

const layerOf = (rel: string) => rel.split(path.sep)[0]!;
const FEATURES = ['rbac', 'net', 'ha', 'config', 'admission', 'doctor'];
const all = files().map((f) => {
  const text = readFileSync(f, 'utf8');
  return { rel: path.relative(SRC, f), text, imports: importsOf(text, f) };
});

describe('layout: who may import whom', () => {
  it('finds the sources and their imports', () => {
    assert.ok(all.length > 50);
    assert.ok(all.find((f) => f.rel === path.join('cli', 'main.ts'))!.imports.includes(path.join('cli', 'parse.ts')));
  });
  it('no module outside src/cli imports from it', () => {
    for (const f of all)
      if (layerOf(f.rel) !== 'cli')
        for (const i of f.imports) assert.notEqual(layerOf(i), 'cli', `${f.rel} imports ${i}`);
  });
  it('no file in src/cli talks to the cluster: only connecting and completion names come from src/kube', () => {
    const allowed = new Set(
      ['kube/connection.ts', 'kube/resolve.ts', 'kube/names.ts'].map((p) => p.split('/').join(path.sep)),
    );
    for (const f of all.filter((x) => layerOf(x.rel) === 'cli')) {
      for (const i of f.imports) if (layerOf(i) === 'kube') assert.ok(allowed.has(i), `${f.rel} imports ${i}`);
      assert.doesNotMatch(f.text, /\bconn\.(get|list|send|request)\b/, `${f.rel} sends a request`);
    }
  });
  it('src/kube imports no feature, no Airflow model and no CLI', () => {
    for (const f of all.filter((x) => layerOf(x.rel) === 'kube')) {
      for (const i of f.imports) assert.ok(['kube', 'base'].includes(layerOf(i)), `${f.rel} imports ${i}`);
    }
  });
  it('the ground (src/base, src/render) imports nothing above it', () => {
    for (const f of all.filter((x) => ['base', 'render'].includes(layerOf(x.rel)))) {
      for (const i of f.imports) assert.ok(['base', 'render'].includes(layerOf(i)), `${f.rel} imports ${i}`);
    }
  });
  it('src/airflow, the shared model, imports no feature', () => {
    for (const f of all.filter((x) => layerOf(x.rel) === 'airflow'))
      for (const i of f.imports) assert.ok(!FEATURES.includes(layerOf(i)), `${f.rel} imports ${i}`);
  });
  it('doctor composes features through their run entries (index.ts), never through a command module', () => {
    const doctor = all.filter((x) => layerOf(x.rel) === 'doctor');
    const entries = doctor.flatMap((f) =>
      f.imports.filter((i) => FEATURES.includes(layerOf(i)) && layerOf(i) !== 'doctor'),
    );
    assert.ok(
      entries.some((i) => i === path.join('rbac', 'index.ts')),
      'doctor runs rbac',
    );
    for (const i of entries) assert.notEqual(layerOf(i), 'cli', i);
  });
  it('pure modules (their header says Pure) outside src/kube import nothing from it', () => {
    const pure = all
      .filter((f) => layerOf(f.rel) !== 'kube')
      .filter((f) => /^\/\/[^\n]*\bPure\b|^(\/\/[^\n]*\n)*\/\/[^\n]*\bPure\b/.test(f.text));
    assert.ok(pure.length >= 15, `only ${pure.length} pure modules found`);
    for (const f of pure)
      for (const i of f.imports) assert.notEqual(layerOf(i), 'kube', `${f.rel} (pure) imports ${i}`);
  });
  it('files stay under 400 lines; comments cite no internal issue numbers', () => {
    for (const f of all) {
      assert.ok(f.text.split('\n').length < 400, `${f.rel}: ${f.text.split('\n').length} lines`);
      assert.doesNotMatch(f.text, /\bissues? #?\d+\b/i, f.rel);
    }
  });
});
