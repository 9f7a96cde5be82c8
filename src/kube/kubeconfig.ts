// kubectl's kubeconfig semantics, which client-node does not share: with several files in
// KUBECONFIG the FIRST file to set a key wins (clusters/users/contexts by name, current-context),
// duplicates never fail, and relative paths resolve against the file that names them
// (client-go tools/clientcmd/loader.go). We merge here and hand client-node one document.
import * as path from 'node:path';
import * as YAML from 'yaml';
import { UsageError } from '../base/errors.ts';

export interface KubeconfigFile {
  path: string;
  text: string;
}

type Obj = Record<string, unknown>;
interface Named {
  name: string;
  [k: string]: unknown;
}

export interface MergedKubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: Named[];
  users: Named[];
  contexts: Named[];
  'current-context'?: string;
  preferences: Obj;
}

/** The files kubectl would read: --kubeconfig alone, else every KUBECONFIG entry, else ~/.kube/config. */
export function kubeconfigPaths(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): { paths: string[]; explicit: boolean } {
  if (flag) return { paths: [flag], explicit: true };
  const list = env.KUBECONFIG;
  if (list) {
    const seen = new Set<string>();
    const paths = list.split(path.delimiter).filter((p) => p && !seen.has(p) && seen.add(p));
    return { paths, explicit: false };
  }
  const home = env.HOME || env.USERPROFILE || '';
  return { paths: home ? [path.join(home, '.kube', 'config')] : [], explicit: false };
}

export function mergeKubeconfigs(files: KubeconfigFile[]): MergedKubeconfig {
  const out: MergedKubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [],
    users: [],
    contexts: [],
    preferences: {},
  };
  const have = { clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>() };
  for (const f of files) {
    let doc: unknown;
    try {
      doc = YAML.parse(f.text);
    } catch (e) {
      throw new UsageError(`kubeconfig ${f.path} is not valid YAML: ${yamlProblem(e)}`);
    }
    if (doc == null) continue; // an empty file is allowed, as in kubectl
    if (typeof doc !== 'object' || Array.isArray(doc))
      throw new UsageError(`kubeconfig ${f.path} is not a kubeconfig (expected a mapping)`);
    const d = doc as Obj;
    const dir = path.dirname(path.resolve(f.path));
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      const list = Array.isArray(d[key]) ? (d[key] as unknown[]) : [];
      for (const item of list) {
        if (!item || typeof item !== 'object') continue;
        const named = item as Named;
        if (typeof named.name !== 'string' || have[key].has(named.name)) continue;
        have[key].add(named.name);
        out[key].push(resolvePaths(key, structuredClone(named), dir));
      }
    }
    const cur = d['current-context'];
    if (out['current-context'] === undefined && typeof cur === 'string' && cur !== '') out['current-context'] = cur;
  }
  return out;
}

/**
 * The parser's complaint and position, without the code frame or the quoted text it carries: the
 * offending line of a kubeconfig may be a token or a client key.
 */
function yamlProblem(e: unknown): string {
  const first = String((e as Error)?.message ?? e).split('\n')[0];
  const what = first.replace(/\s+at line \d+, column \d+:?\s*$/, '').split(': ')[0];
  const at = (e as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
  return at ? `${what} at line ${at.line}, column ${at.col}` : what;
}

function abs(dir: string, p: unknown): unknown {
  return typeof p === 'string' && p !== '' && !path.isAbsolute(p) ? path.join(dir, p) : p;
}

function resolvePaths(key: 'clusters' | 'users' | 'contexts', item: Named, dir: string): Named {
  if (key === 'clusters') {
    const c = item.cluster as Obj | undefined;
    if (c) c['certificate-authority'] = abs(dir, c['certificate-authority']);
  } else if (key === 'users') {
    const u = item.user as Obj | undefined;
    if (u) {
      for (const k of ['client-certificate', 'client-key', 'tokenFile']) if (u[k] !== undefined) u[k] = abs(dir, u[k]);
      const exec = u.exec as Obj | undefined;
      // client-go resolves an exec command only when it is a relative path with a separator.
      if (exec && typeof exec.command === 'string' && exec.command.includes('/')) exec.command = abs(dir, exec.command);
    }
  }
  return item;
}
