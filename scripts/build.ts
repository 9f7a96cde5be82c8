// `make build`: bundle src/cli/bin.ts into dist/kubectl-airflow.cjs, one CommonJS file that Node's
// Single Executable Application loader can run (SEA runs only CommonJS without a module loader).
//
// Text assets (the in-pod probe programs src/net/probe.py and probe.sh, src/airflow/profiles.yaml,
// the pod-client table src/net/clients.json)
// are embedded byte-for-byte. Sources may reach them either way:
//   import probe from './probe.py' with { type: 'text' };                     // esbuild text loader
//   readFileSync(new URL('./probe.py', import.meta.url), 'utf8')              // runs unbundled too
// The second form is rewritten to a string literal here; a `new URL('./x.py|sh|yaml',
// import.meta.url)` left over after the rewrite fails the build, because inside the executable
// there is no file next to the bundle to read.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import * as YAML from 'yaml';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TEXT_ASSET_EXT = ['.py', '.sh', '.yaml', '.json'];

export interface BuildOptions {
  entry?: string; // default src/cli/bin.ts
  outfile?: string; // default dist/kubectl-airflow.cjs
  version?: string; // default $VERSION or v<package.json version>
  commit?: string; // default $COMMIT or git rev-parse
  minify?: boolean; // default true
  assetScope?: string[]; // folders whose .ts files get asset reads inlined (default [src])
}

export interface BuildResult {
  outfile: string;
  bytes: number;
  version: string;
  commit: string;
  clientNode: string;
  assets: string[]; // asset files embedded through the readFileSync rewrite
}

function readJson(p: string): Record<string, unknown> {
  return JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
}

export function releaseVersion(): string {
  const fromEnv = process.env.VERSION?.trim();
  if (fromEnv) return fromEnv.startsWith('v') ? fromEnv : `v${fromEnv}`;
  return `v${String(readJson(path.join(repoRoot, 'package.json')).version)}`;
}

export function gitCommit(): string {
  if (process.env.COMMIT) return process.env.COMMIT;
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

// readFileSync(new URL('./probe.py', import.meta.url), 'utf8') and fs.readFileSync / await readFile
// variants; the encoding argument may be 'utf8', 'utf-8' or { encoding: 'utf8' }.
const ASSET_READ =
  /\b(?:await\s+)?(?:[\w$]+\.)?(?:readFileSync|readFile)\(\s*new URL\(\s*(['"`])(\.{1,2}\/[^'"`]+)\1\s*,\s*import\.meta\.url\s*\)\s*,\s*(?:(['"])utf-?8\3|\{\s*encoding\s*:\s*(['"])utf-?8\4\s*\})\s*\)/g;
const ASSET_URL_LEFT = /new URL\(\s*(['"`])(\.{1,2}\/[^'"`]+\.(?:py|sh|yaml|json))\1\s*,\s*import\.meta\.url\s*\)/;

/** Replaces asset reads in one source file by string literals; pure apart from reading the assets. */
export function inlineAssetReads(source: string, sourcePath: string, embedded: string[] = []): string {
  const out = source.replace(ASSET_READ, (whole, _q, rel: string) => {
    if (!TEXT_ASSET_EXT.includes(path.extname(rel))) return whole;
    const assetPath = path.resolve(path.dirname(sourcePath), rel);
    embedded.push(assetPath);
    return JSON.stringify(readFileSync(assetPath, 'utf8'));
  });
  const left = ASSET_URL_LEFT.exec(out);
  if (left) {
    throw new Error(
      `${sourcePath}: ${left[0]} is not read as readFileSync(new URL(...), 'utf8') or imported with { type: 'text' }: it cannot be embedded`,
    );
  }
  return out;
}

function assetPlugin(embedded: string[], scope: string[]): esbuild.Plugin {
  return {
    name: 'kubectl-airflow-assets',
    setup(b) {
      const dirs = scope.map((d) => path.resolve(d) + path.sep);
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (!dirs.some((d) => args.path.startsWith(d))) return undefined;
        const text = readFileSync(args.path, 'utf8');
        return { contents: inlineAssetReads(text, args.path, embedded), loader: 'ts' };
      });
    },
  };
}

/** A YAML data file as the JSON text esbuild's `define` takes (JSON round trip: plain data only). */
function parsedYaml(rel: string): string {
  return JSON.stringify(YAML.parse(readFileSync(path.join(repoRoot, rel), 'utf8')));
}

export async function build(opts: BuildOptions = {}): Promise<BuildResult> {
  const entry = path.resolve(repoRoot, opts.entry ?? 'src/cli/bin.ts');
  const outfile = path.resolve(repoRoot, opts.outfile ?? 'dist/kubectl-airflow.cjs');
  if (!existsSync(entry)) throw new Error(`entry ${path.relative(repoRoot, entry)} does not exist yet`);
  const version = opts.version ?? releaseVersion();
  if (!/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new Error(`version ${JSON.stringify(version)} is not v-prefixed semver (e.g. v0.1.0)`);
  }
  const commit = opts.commit ?? gitCommit();
  const clientNode = String(readJson(path.join(repoRoot, 'node_modules/@kubernetes/client-node/package.json')).version);
  mkdirSync(path.dirname(outfile), { recursive: true });
  const embedded: string[] = [];
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: opts.minify ?? true,
    legalComments: 'none',
    // ASCII only (other characters escaped, same values at run time): one character outside it
    // makes V8 hold the whole 4.7 MB source as a two-byte string, decoded from UTF-8 at every
    // start and scanned at every lazy compile (rbac's start measured 11-16 ms slower).
    charset: 'ascii',
    logLevel: 'error',
    metafile: true,
    loader: { '.py': 'text', '.sh': 'text', '.yaml': 'text' },
    // CommonJS has no import.meta: give it the same meaning from __filename.
    banner: { js: 'var __ka_import_meta_url=require("url").pathToFileURL(__filename).href;' },
    define: {
      'import.meta.url': '__ka_import_meta_url',
      'import.meta.filename': '__filename',
      'import.meta.dirname': '__dirname',
      __KA_VERSION__: JSON.stringify(version),
      __KA_COMMIT__: JSON.stringify(commit),
      __KA_CLIENT_NODE__: JSON.stringify(clientNode),
      // The requirement model and profiles parsed here, not at every start: the YAML parser took
      // ~30 ms of the executable's start in a CPU profile. src/airflow checks the rows either way.
      __KA_REQUIREMENTS__: parsedYaml('src/airflow/requirements.yaml'),
      __KA_PROFILES__: parsedYaml('src/airflow/profiles.yaml'),
    },
    plugins: [assetPlugin(embedded, opts.assetScope ?? [path.join(repoRoot, 'src')])],
  });
  const bytes = result.metafile.outputs[path.relative(process.cwd(), outfile)]?.bytes ?? readFileSync(outfile).length;
  return { outfile, bytes, version, commit, clientNode, assets: [...new Set(embedded)].sort() };
}

async function cli(): Promise<void> {
  try {
    const r = await build();
    const rel = path.relative(process.cwd(), r.outfile);
    const assets = r.assets.length ? `, embedded ${r.assets.map((a) => path.relative(repoRoot, a)).join(' ')}` : '';
    console.log(
      `built ${rel} (${(r.bytes / 1024).toFixed(0)} KiB, ${r.version}, commit ${r.commit}, client-node ${r.clientNode}${assets})`,
    );
  } catch (err) {
    console.error(`build: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await cli();
