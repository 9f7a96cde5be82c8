// Platform builds in spec.kubernetesVersion load, and /version serves them as those platforms do:
// GKE and EKS with a "+" minor, k3s and rke2 with the bare minor (real kubectl reads them back).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type Sim } from '../sim/index.ts';
import { SCENARIOS_DIR } from '../sim/scenario.ts';
import { kubectl, kubectls, skipWithoutKubectl } from './kubectl.ts';

const PLATFORMS: [string, string][] = [
  ['v1.31.5-gke.1000000', '31+'],
  ['v1.30.4-eks-a737599', '30+'],
  ['v1.29.4+k3s1', '29'],
  ['v1.28.9+rke2r1', '28'],
];

describe('conformance: platform version strings', function () {
  this.timeout(60_000);
  before(function () {
    skipWithoutKubectl(this);
  });
  const text = readFileSync(join(SCENARIOS_DIR, 'minimal.yaml'), 'utf8');
  for (const [version, minor] of PLATFORMS) {
    it(`${version}: loads, and kubectl version reads gitVersion ${version}, minor "${minor}"`, async () => {
      const scenarioText = text.replace(/kubernetesVersion: \S+/, `kubernetesVersion: ${version}`);
      assert.notEqual(scenarioText, text);
      let sim: Sim | undefined;
      try {
        sim = await startSim({ scenario: 'minimal', scenarioText });
        const r = await kubectl(kubectls()[0], sim.kubeconfigPath, ['version', '-o', 'json']);
        assert.equal(r.code, 0, r.stderr);
        const server = (JSON.parse(r.stdout) as { serverVersion: { major: string; minor: string; gitVersion: string } })
          .serverVersion;
        assert.deepEqual([server.major, server.minor, server.gitVersion], ['1', minor, version]);
      } finally {
        await sim?.stop();
      }
    });
  }
});
