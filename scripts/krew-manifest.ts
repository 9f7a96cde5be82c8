// `make krew-manifest VERSION=v0.1.0`: renders krew/airflow.yaml for that tag with the uri and
// sha256 of every archive in dist/ (run `make dist` first), validates it as krew would, and writes
// dist/airflow.yaml (the file name is the plugin name, as krew-index requires).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './build.ts';
import { sha256 } from './dist.ts';
import { parseManifest, renderTemplate, validateManifest } from './krew.ts';

export function krewManifest(version: string, distDir = path.join(repoRoot, 'dist')): { path: string; text: string } {
  if (!/^v\d+\.\d+\.\d+/.test(version))
    throw new Error(`VERSION=${JSON.stringify(version)}: give the release tag, e.g. VERSION=v0.1.0`);
  const template = readFileSync(path.join(repoRoot, 'krew/airflow.yaml'), 'utf8');
  const text = renderTemplate(template, version, (file) => {
    const p = path.join(distDir, file);
    if (!existsSync(p)) throw new Error(`dist/${file} missing: run make dist first`);
    return sha256(readFileSync(p));
  });
  const out = path.join(distDir, 'airflow.yaml');
  const problems = validateManifest(out, parseManifest(text));
  if (problems.length) throw new Error(`the rendered manifest is invalid:\n  ${problems.join('\n  ')}`);
  writeFileSync(out, text);
  return { path: out, text };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const version = process.argv[2] ?? process.env.VERSION ?? '';
    const r = krewManifest(version);
    console.log(`wrote ${path.relative(process.cwd(), r.path)} (${version}), valid for krew`);
  } catch (err) {
    console.error(`krew-manifest: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
