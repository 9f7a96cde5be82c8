// Build-time constants. scripts/build.ts replaces the __KA_*__ identifiers with literals (esbuild
// `define`), so the shipped binary never reads package.json or runs git. When the sources run
// directly under Node (development, tests) the identifiers do not exist and we read the same facts
// from the work tree instead.
//
// The development path loads fs and child_process on demand (process.getBuiltinModule): a static
// import would make the shipped binary load child_process, net and dgram on every start.

declare const __KA_VERSION__: string;
declare const __KA_COMMIT__: string;
declare const __KA_CLIENT_NODE__: string;

export interface BuildInfo {
  version: string; // v-prefixed semver, as the krew manifest's spec.version
  commit: string; // git commit the binary was built from ("unknown" outside a git tree)
  node: string; // the Node runtime actually running (the one embedded in the executable)
  clientNode: string; // @kubernetes/client-node version bundled
  bundled: boolean; // true in the built bundle/executable, false when run from sources
}

const root = new URL('../', import.meta.url);

function readJsonVersion(rel: string): string {
  const { readFileSync } = process.getBuiltinModule('node:fs');
  try {
    return (JSON.parse(readFileSync(new URL(rel, root), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function gitCommit(): string {
  const { execFileSync } = process.getBuiltinModule('node:child_process');
  try {
    return (
      execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
        cwd: new URL('.', root),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 2000,
      }).trim() || 'unknown'
    );
  } catch {
    return 'unknown';
  }
}

export function buildInfo(): BuildInfo {
  if (typeof __KA_VERSION__ !== 'undefined') {
    return {
      version: __KA_VERSION__,
      commit: __KA_COMMIT__,
      node: process.versions.node,
      clientNode: __KA_CLIENT_NODE__,
      bundled: true,
    };
  }
  return {
    version: `v${readJsonVersion('package.json')}-dev`,
    commit: gitCommit(),
    node: process.versions.node,
    clientNode: readJsonVersion('node_modules/@kubernetes/client-node/package.json'),
    bundled: false,
  };
}
