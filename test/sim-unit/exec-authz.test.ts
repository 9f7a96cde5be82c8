// How the pipeline authorizes a pods/exec WebSocket upgrade before handing it to exec/:
// `get pods/exec`, plus `create pods/exec` from Kubernetes 1.35; 404 for a missing pod.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { startSim, type Sim } from '../sim/index.ts';

const scenario = (version: string) => `
apiVersion: sim.kubectl-airflow.dev/v1alpha1
kind: Scenario
metadata: {name: exec-authz}
spec:
  kubernetesVersion: ${version}
  namespace: a
  identities:
    - {name: getter, user: getter, auth: token}
    - {name: both, user: both, auth: token}
---
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec: {containers: [{name: c, image: busybox}]}
status: {phase: Pending}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: exec-get, namespace: a}
rules: [{apiGroups: [""], resources: [pods/exec], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: exec-both, namespace: a}
rules: [{apiGroups: [""], resources: [pods/exec], verbs: [get, create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: getter, namespace: a}
subjects: [{kind: User, name: getter, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: exec-get, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: both, namespace: a}
subjects: [{kind: User, name: both, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: exec-both, apiGroup: rbac.authorization.k8s.io}
`;

/** Sends a WebSocket upgrade for exec; resolves the status code and body of a refused upgrade, or 101. */
function upgrade(sim: Sim, token: string, pod: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}/api/v1/namespaces/a/pods/${pod}/exec?command=true&container=c&stdout=true`, {
      ca: sim.caPem,
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
        'sec-websocket-protocol': 'v5.channel.k8s.io',
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ code: res.statusCode!, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ code: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('sim exec upgrade authorization', function () {
  this.timeout(20_000);
  const sims: Sim[] = [];
  after(async () => {
    for (const s of sims) await s.stop();
  });

  it('before 1.35, get pods/exec is enough to reach exec', async () => {
    const sim = await startSim({ scenario: 'exec-authz', scenarioText: scenario('v1.34.0') });
    sims.push(sim);
    const r = await upgrade(sim, sim.tokenFor('getter')!, 'p');
    assert.notEqual(r.code, 403, r.body);
    assert.equal(sim.log.count({ user: 'getter', verb: 'get', subresource: 'exec' }), 1);
  });

  it('from 1.35, the WebSocket upgrade also needs create pods/exec, with the real 403', async () => {
    const sim = await startSim({ scenario: 'exec-authz', scenarioText: scenario('v1.35.0') });
    sims.push(sim);
    const denied = await upgrade(sim, sim.tokenFor('getter')!, 'p');
    assert.equal(denied.code, 403);
    assert.equal(
      (JSON.parse(denied.body) as { message: string }).message,
      'pods "p" is forbidden: User "getter" cannot create resource "pods/exec" in API group "" in the namespace "a"',
    );
    const allowed = await upgrade(sim, sim.tokenFor('both')!, 'p');
    assert.notEqual(allowed.code, 403, allowed.body);
    const missing = await upgrade(sim, sim.tokenFor('both')!, 'ghost');
    assert.equal(missing.code, 404);
    assert.equal((JSON.parse(missing.body) as { message: string }).message, 'pods "ghost" not found');
  });
});
