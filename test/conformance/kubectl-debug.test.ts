// Real `kubectl debug POD --image=I --target=C` (an ephemeral container: a strategic merge PATCH of
// pods/ephemeralcontainers) against the simulator, kubectl 1.27-1.33: the container lands in the pod
// spec targeting C, the simulated kubelet runs it, and kubectl exec (>= 1.30, WebSocket) runs in it
// with its image's profile, the pod's network env and none of the pod's ServiceAccount files.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type Sim } from '../sim/index.ts';
import { has, kubectlBinary, kubectlDir } from './kubectl.ts';

const kubectl = (bin: string, kubeconfig: string, args: string[]) => kubectlBinary(bin, kubeconfig, 'airflow', args);

type Pod = {
  spec: { ephemeralContainers?: Array<{ name: string; image: string; targetContainerName?: string }> };
  status: { ephemeralContainerStatuses?: Array<{ name: string; state: Record<string, unknown> }> };
};

describe('conformance: kubectl debug (ephemeral containers) against the sim', function () {
  this.timeout(120_000);
  const dir = kubectlDir();
  const versions = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'].filter(
    (v) => dir && existsSync(join(dir, `kubectl.${v}`)),
  );
  let sim: Sim;
  before(async function () {
    if (!versions.length) {
      console.log('    skipped: no kubectl.1.27 ... kubectl.1.33 beside kubectl');
      this.skip();
    }
    sim = await startSim({ scenario: 'net-cases' });
  });
  after(async () => sim?.stop());

  it('every kubectl version adds its ephemeral container targeting the chosen container; the sim runs it', async () => {
    for (const v of versions) {
      const name = `dbg-${v.replace('.', '-')}`;
      const r = await kubectl(join(dir!, `kubectl.${v}`), sim.kubeconfigPath, [
        'debug',
        'distroless',
        '--image=curlimages/curl:8.10.1',
        '--target=base',
        '-c',
        name,
      ]);
      assert.equal(r.code, 0, `${v}: ${r.stderr}`);
      assert.match(r.stdout + r.stderr, /Targeting container "base"/, v);
      const pod = sim.store.get('pods', 'airflow', 'distroless') as unknown as Pod;
      const ec = pod.spec.ephemeralContainers?.find((c) => c.name === name);
      assert.deepEqual([ec?.image, ec?.targetContainerName], ['curlimages/curl:8.10.1', 'base'], v);
      assert.ok(
        'running' in (pod.status.ephemeralContainerStatuses?.find((c) => c.name === name)?.state ?? {}),
        `${v}: ${JSON.stringify(pod.status)}`,
      );
    }
    const patches = sim.log.entries.filter((e) => e.method === 'PATCH' && e.path.endsWith('/ephemeralcontainers'));
    assert.equal(patches.length, versions.length);
    assert.ok(
      patches.every((e) => e.headers['content-type'] === 'application/strategic-merge-patch+json' && e.code === 200),
    );
  });

  it('kubectl exec runs in the ephemeral container: its image profile, the pod network env, no ServiceAccount files', async function () {
    const v = ['1.33', '1.32', '1.30'].find((x) => versions.includes(x));
    if (!v || process.getuid?.() !== 0 || !has('unshare')) {
      console.log('    skipped: needs kubectl >= 1.30 (WebSocket exec) and root for the exec sandbox');
      return this.skip();
    }
    const bin = join(dir!, `kubectl.${v}`);
    // the scenario maps busybox to the shell profile; curl images get shell-curl by name
    assert.equal(
      (
        await kubectl(bin, sim.kubeconfigPath, [
          'debug',
          'distroless',
          '--image=busybox:1.36',
          '--target=base',
          '-c',
          'bb',
        ])
      ).code,
      0,
    );
    const script =
      'command -v curl || echo no-curl; command -v python3 || echo no-python; ls /var/run/secrets/kubernetes.io/serviceaccount 2>/dev/null || echo no-sa-files; echo "host=$KUBERNETES_SERVICE_HOST"';
    const curl = await kubectl(bin, sim.kubeconfigPath, [
      'exec',
      'distroless',
      '-c',
      `dbg-${v.replace('.', '-')}`,
      '--',
      'sh',
      '-c',
      script,
    ]);
    assert.equal(curl.code, 0, curl.stderr);
    assert.deepEqual(curl.stdout.trim().split('\n'), ['/usr/bin/curl', 'no-python', 'no-sa-files', 'host=10.96.0.1']);
    const bb = await kubectl(bin, sim.kubeconfigPath, ['exec', 'distroless', '-c', 'bb', '--', 'sh', '-c', script]);
    assert.deepEqual(bb.stdout.trim().split('\n'), ['no-curl', 'no-python', 'no-sa-files', 'host=10.96.0.1']);
    // the pod's own container is still distroless
    const base = await kubectl(bin, sim.kubeconfigPath, ['exec', 'distroless', '-c', 'base', '--', 'sh', '-c', 'true']);
    assert.notEqual(base.code, 0);
    assert.match(base.stderr, /executable file not found in \$PATH/);
  });
});
