// The official Python client, from outside the cluster, reads every object of every built-in
// scenario: each list call deserializes the answer into the client's model classes, which refuse
// objects missing fields a real server always writes (containerStatuses[].imageID, nodeInfo.bootID ...).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { startSim } from '../sim/index.ts';
import { findByKind } from '../sim/resources.ts';
import { SCENARIOS_DIR } from '../sim/scenario.ts';
import { runPython, skipWithoutPythonClient } from './python.ts';

/**
 * API versions newer than the installed client (it has no class for them), left out with the reason
 * printed: flowcontrol v1 (the default APF objects a 1.29+ server holds) is GA in Kubernetes 1.29,
 * Debian's python3-kubernetes 22.6 (Kubernetes 1.22) knows flowcontrol only up to v1beta1.
 */
const NEWER_THAN_CLIENT = new Set(['flowcontrol.apiserver.k8s.io/v1']);

const scenarios = readdirSync(SCENARIOS_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

describe('conformance: the official Python client deserializes every built-in scenario', function () {
  this.timeout(120_000);
  before(function () {
    skipWithoutPythonClient(this);
  });

  for (const name of scenarios) {
    it(name, async () => {
      const sim = await startSim({ scenario: name });
      try {
        const admin = sim.scenario.spec.identities.find((i) => i.groups?.includes('system:masters'));
        assert.ok(admin, `${name} has no system:masters identity to read everything with`);
        const all = sim.store.dump();
        const objects = all.filter((o) => !NEWER_THAN_CLIENT.has(o.apiVersion!));
        if (objects.length < all.length)
          console.log(
            `      left out ${all.length - objects.length} objects of ${[...NEWER_THAN_CLIENT].join(', ')}: newer than the installed Python client`,
          );
        const kinds = new Map<string, { apiVersion: string; kind: string; namespaced: boolean }>();
        for (const o of objects) {
          const r = findByKind(o.apiVersion!, o.kind!);
          assert.ok(r, `${o.apiVersion}/${o.kind} is not a resource the sim serves`);
          kinds.set(`${o.apiVersion}/${o.kind}`, {
            apiVersion: o.apiVersion!,
            kind: o.kind!,
            namespaced: r.namespaced,
          });
        }
        const r = await runPython('deserialize_all.py', {
          kubeconfig: sim.kubeconfigPath,
          context: admin.name,
          kinds: [...kinds.values()],
        });
        assert.equal(r.code, 0, r.stderr);
        const got = JSON.parse(r.stdout) as { objects: string[]; errors: string[] };
        assert.deepEqual(got.errors, []);
        const want = objects
          .map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)
          .sort();
        assert.deepEqual(got.objects, want);
      } finally {
        await sim.stop();
      }
    });
  }
});
