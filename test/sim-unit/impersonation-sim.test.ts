// Impersonation through the whole simulator (startSim: TLS, authn, server pipeline) with real kubectl:
// repeated Impersonate-Group headers must reach the filter as distinct values, as Go's http.Header
// keeps them (Node's req.headers would join them with ", ").
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startSim, type Sim } from '../sim/index.ts';

function kubectlBin(version: string): string | undefined {
  const which = (process.env['PATH'] ?? '')
    .split(':')
    .map((d) => join(d, 'kubectl'))
    .find((p) => existsSync(p));
  if (!which) return undefined;
  const bin = join(dirname(realpathSync(which)), `kubectl.${version}`);
  return existsSync(bin) ? bin : undefined;
}

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 20000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('sim impersonation through the server, real kubectl', () => {
  let sim: Sim | undefined;
  const bin = kubectlBin('1.33');

  before(async function () {
    if (!bin) {
      console.log('    skipped: kubectl.1.33 is not installed beside kubectl');
      this.skip();
    }
    sim = await startSim({ scenario: 'rbac-edge-cases' });
  });

  after(async () => {
    await sim?.stop();
  });

  it('--as-group values stay distinct, even one containing ", "', async () => {
    const r = await run(bin!, [
      '--kubeconfig',
      sim!.kubeconfigPath,
      'auth',
      'whoami',
      '-o',
      'json',
      '--as',
      'carol',
      '--as-group',
      'edge-readers',
      '--as-group',
      'a, b',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).status.userInfo, {
      username: 'carol',
      groups: ['edge-readers', 'a, b', 'system:authenticated'],
    });
  });

  it('--as a ServiceAccount: its three groups; forbidden for a user without impersonate', async () => {
    const r = await run(bin!, [
      '--kubeconfig',
      sim!.kubeconfigPath,
      'auth',
      'whoami',
      '-o',
      'json',
      '--as',
      'system:serviceaccount:edge:named',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).status.userInfo.groups, [
      'system:serviceaccounts',
      'system:serviceaccounts:edge',
      'system:authenticated',
    ]);
    const denied = await run(bin!, [
      '--kubeconfig',
      sim!.kubeconfigPath,
      '--context',
      'nobody',
      'auth',
      'can-i',
      'list',
      'pods',
      '--as',
      'system:serviceaccount:edge:named',
    ]);
    assert.equal(denied.code, 1);
    assert.match(
      denied.stderr,
      /Error from server \(Forbidden\): serviceaccounts "named" is forbidden: User "nobody" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "edge"/,
    );
  });
});
