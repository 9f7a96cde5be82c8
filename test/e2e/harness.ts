// What the e2e tests of one command share: main() in-process with its output captured (the exit
// code and what a user would read), and one simulated cluster per scenario block.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as YAML from 'yaml';
import { main } from '../../src/cli/main.ts';
import { startSim, type Sim } from '../sim/index.ts';

export interface Run {
  code: number;
  out: string;
  err: string;
}

export async function runMain(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr, env });
  return { code, out, err };
}

/** A describe block with its own simulated cluster, started before and stopped after its tests. */
export function withSim(
  scenario: string,
  fn: (get: () => Sim) => void,
  opts: { needsIsolatedNetwork?: string } = {},
): void {
  describe(scenario, () => {
    let sim: Sim;
    before(async function () {
      if (opts.needsIsolatedNetwork) skipWithoutIsolatedNetwork(this, opts.needsIsolatedNetwork);
      sim = await startSim({ scenario });
    });
    after(async () => sim?.stop());
    fn(() => sim);
  });
}

export function hasTool(t: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the sim cannot exec into pods here ('' when it can): its pod namespaces need root, iptables and unshare. */
export function isolatedNetworkMissing(): string {
  return process.getuid?.() !== 0
    ? 'not root'
    : !hasTool('iptables')
      ? 'iptables missing'
      : !hasTool('unshare')
        ? 'unshare missing'
        : '';
}

/** In a before hook: when the sim cannot exec into pods here, say so (`what` needs it) and skip the block. */
export function skipWithoutIsolatedNetwork(ctx: Mocha.Context, what: string): void {
  const missing = isolatedNetworkMissing();
  if (missing) {
    console.log(`    skipped: ${what} (${missing})`);
    ctx.skip();
  }
}

/**
 * A copy of the sim's kubeconfig whose every cluster `server` carries `userinfo` (`user:pass`), as a
 * kubeconfig may; outside the sim's folder (removed when it stops). Call the returned cleanup after.
 */
export function kubeconfigWithUserinfo(sim: Sim, userinfo: string): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-userinfo-'));
  const path = join(dir, 'kubeconfig');
  const kc = YAML.parse(readFileSync(sim.kubeconfigPath, 'utf8')) as { clusters: { cluster: { server: string } }[] };
  for (const c of kc.clusters) c.cluster.server = c.cluster.server.replace('://', `://${userinfo}@`);
  writeFileSync(path, YAML.stringify(kc));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
