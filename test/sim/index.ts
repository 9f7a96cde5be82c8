// startSim: loads a scenario, fills the store, makes the TLS material, serves HTTPS on 127.0.0.1 and
// writes a kubeconfig with one context per identity.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Authenticator } from './authn.ts';
import { closeExecSessions } from './exec/sessions.ts';
import type { ControlPlaneView, SimContext } from './context.ts';
import { SimClock } from './clock.ts';
import {
  deriveControlPlane,
  DEFAULT_SERVICE_IP,
  identityLeaseStates,
  refreshIdentityLease,
  refreshNode,
  staleForMs,
  type ControlPlaneSpec as CPSpec,
} from './control-plane.ts';
import { Faults, type FaultRule } from './faults.ts';
import { writeKubeconfig, type IdentityCredential } from './kubeconfig.ts';
import { RequestLog } from './log.ts';
import { authorize, defaultRbacObjects, rbacObjectsFrom, type RbacObjects } from './rbac.ts';
import { reportedNode, reportedPod } from './kubelet.ts';
import { loadScenario, minorVersion, parseScenario, type Scenario } from './scenario.ts';
import { defaultFlowControlObjects } from './flowcontrol.ts';
import { startQuotaController } from './admission/quota-controller.ts';
import { SimServer } from './server.ts';
import { Store } from './store.ts';
import { createCA, createClientCert, createServerCert } from './tls.ts';
import type { KubeObject } from './types.ts';

export type { Scenario } from './scenario.ts';
export type { SimContext } from './context.ts';
export { Store } from './store.ts';
export { Faults } from './faults.ts';
export { RequestLog } from './log.ts';
export { SimClock } from './clock.ts';

export interface StartOptions {
  /** Built-in name (test/scenarios/<name>.yaml) or a path. */
  scenario: string;
  /** Scenario YAML text instead of a file (tests). */
  scenarioText?: string;
  /** Where to write the kubeconfig (default: a temp file). */
  kubeconfigPath?: string;
  /** Added to every request (bench). */
  latencyMs?: number;
  port?: number;
  host?: string;
  /** The simulated time (default: the wall clock). Start with `new SimClock(-600_000)`, then
   *  `clock.advance(600_000)` to read the scenario 10 minutes after it started. */
  clock?: SimClock;
}

export interface Sim {
  url: string;
  kubeconfigPath: string;
  scenario: Scenario;
  log: RequestLog;
  faults: Faults;
  store: Store;
  caPem: string;
  ctx: SimContext;
  clock: SimClock;
  /** Bearer token of a token/exec identity. */
  tokenFor(identity: string): string | undefined;
  issueServiceAccountToken: SimContext['issueServiceAccountToken'];
  stop(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** What kube-controller-manager would add to a namespace: the `default` ServiceAccount and kube-root-ca.crt. */
function namespaceDefaults(store: Store, ns: string, caPem: string): void {
  if (!store.get('serviceaccounts', ns, 'default')) {
    store.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
  }
  if (!store.get('configmaps', ns, 'kube-root-ca.crt')) {
    store.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'kube-root-ca.crt',
        namespace: ns,
        annotations: {
          'kubernetes.io/description':
            'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
        },
      },
      data: { 'ca.crt': caPem },
    });
  }
}

export function controlPlaneView(s: Scenario): ControlPlaneView {
  const spec = s.spec.controlPlane ?? {};
  return {
    spec,
    serviceIP: spec.serviceIP ?? DEFAULT_SERVICE_IP,
    servicePort: spec.servicePort ?? 443,
    replicas: spec.replicas ?? [],
  };
}

/** A scenario object as the cluster would hold it: what kubelets report filled in. */
function asReported(o: KubeObject, scenario: Scenario, nodes: Map<string, KubeObject>): KubeObject {
  if (o.apiVersion !== 'v1') return o;
  if (o.kind === 'Pod')
    return reportedPod(o, nodes.get(String((o.spec as { nodeName?: string } | undefined)?.nodeName)));
  if (o.kind === 'Node') return reportedNode(o, scenario.spec.kubernetesVersion, minorVersion(scenario));
  return o;
}

/**
 * What the control plane keeps fresh, computed when read: identity Leases renewed every 10 s by
 * live servers, kubelet heartbeats on Nodes. Until a client writes the object itself.
 */
function keepControlPlaneFresh(store: Store, scenario: Scenario): void {
  const cp = scenario.spec.controlPlane as CPSpec | undefined;
  for (const { name, state, staleMs } of identityLeaseStates(cp)) {
    const lease = store.get('leases.coordination.k8s.io', 'kube-system', name);
    if (lease)
      store.keepFresh('leases.coordination.k8s.io', 'kube-system', name, (o, now) =>
        refreshIdentityLease(o, state, now, staleMs),
      );
  }
  const silentFor = new Map((cp?.replicas ?? []).filter((r) => r.node).map((r) => [r.node!, staleForMs(r)]));
  for (const node of store.all('nodes')) {
    const staleMs = silentFor.get(node.metadata.name);
    store.keepFresh('nodes', undefined, node.metadata.name, (o, now) => refreshNode(o, now, staleMs));
  }
}

/** Fills a store from a scenario as a fresh cluster would hold it. */
export function populateStore(store: Store, scenario: Scenario, caPem: string): void {
  store.apply(defaultRbacObjects());
  if (minorVersion(scenario) >= 29) store.apply(defaultFlowControlObjects());
  store.apply(SYSTEM_NAMESPACES.map(namespaceObject));
  const nodes = scenario.objects.filter((o) => o.kind === 'Node' && o.apiVersion === 'v1');
  const derived = deriveControlPlane(scenario.spec.controlPlane as CPSpec | undefined, nodes, store.now());
  const nodesByName = new Map(
    [...nodes, ...derived.filter((o) => o.kind === 'Node')].map((n) => [
      n.metadata.name,
      asReported(n, scenario, new Map()),
    ]),
  );
  store.apply(derived.map((o) => asReported(o, scenario, nodesByName)));
  // Namespaces first so objects in them land in an existing namespace; scenario objects win over derived ones.
  store.apply(scenario.objects.filter((o) => o.kind === 'Namespace'));
  store.apply(scenario.objects.filter((o) => o.kind !== 'Namespace').map((o) => asReported(o, scenario, nodesByName)));
  keepControlPlaneFresh(store, scenario);
  for (const ns of store.all('namespaces')) namespaceDefaults(store, ns.metadata.name, caPem);
  startQuotaController(store);
  store.onChange((e) => {
    if (e.type === 'ADDED' && e.resource.resource === 'namespaces')
      namespaceDefaults(store, e.object.metadata.name, caPem);
  });
}

export async function startSim(opts: StartOptions): Promise<Sim> {
  const scenario =
    opts.scenarioText !== undefined ? parseScenario(opts.scenarioText, opts.scenario) : loadScenario(opts.scenario);
  const view = controlPlaneView(scenario);

  const ca = await createCA();
  const serverCert = await createServerCert(ca, [view.serviceIP, ...view.replicas.map((r) => r.address)]);
  const clock = opts.clock ?? new SimClock();
  const store = new Store();
  store.now = () => clock.now();
  if (minorVersion(scenario) >= 33) store.generationResources.add('/pods');
  populateStore(store, scenario, ca.certPem);

  const authn = new Authenticator(store, scenario.spec.identities, scenario.spec.anonymousAuth ?? true);
  const log = new RequestLog();
  const faults = new Faults((scenario.spec.faults ?? []) as FaultRule[], scenario.spec.seed ?? 1, opts.latencyMs ?? 0);
  const sim = new SimServer({ key: serverCert.keyPem, cert: serverCert.certPem, ca: ca.certPem });

  let rbacCache: { rv: string; objects: RbacObjects } | undefined;
  const rbac = (): RbacObjects => {
    // Recomputed only when the store changed since the last request.
    if (rbacCache?.rv !== store.resourceVersion) {
      rbacCache = {
        rv: store.resourceVersion,
        objects: rbacObjectsFrom([
          ...store.all('roles'),
          ...store.all('rolebindings'),
          ...store.all('clusterroles'),
          ...store.all('clusterrolebindings'),
        ]),
      };
    }
    return rbacCache.objects;
  };

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    sim.server.once('error', reject);
    sim.server.listen(opts.port ?? 0, host, () => {
      sim.server.off('error', reject);
      resolve();
    });
  });
  const port = (sim.server.address() as AddressInfo).port;
  const url = `https://${host}:${port}`;

  const ctx: SimContext = {
    scenario,
    store,
    log,
    faults,
    authn,
    caPem: ca.certPem,
    server: sim.server,
    url,
    port,
    controlPlane: view,
    issueServiceAccountToken: (ns, sa, pod, o) => authn.issueServiceAccountToken(ns, sa, pod, o),
    rbac,
    authorize: (attrs, user) => authorize(attrs, user, rbac()),
  };
  sim.attach(ctx);

  let tmpDir: string | undefined;
  let kubeconfigPath = opts.kubeconfigPath;
  if (!kubeconfigPath) {
    tmpDir = mkdtempSync(join(tmpdir(), 'kubectl-airflow-sim-'));
    kubeconfigPath = join(tmpDir, 'kubeconfig');
  }
  const credentials: IdentityCredential[] = [];
  for (const identity of scenario.spec.identities) {
    if (identity.auth === 'clientCertificate') {
      const c = await createClientCert(ca, identity.user, identity.groups ?? []);
      credentials.push({ identity, certPem: c.certPem, keyPem: c.keyPem });
    } else credentials.push({ identity, token: authn.tokenFor(identity.name) });
  }
  writeKubeconfig(kubeconfigPath, {
    clusterName: scenario.metadata.name,
    server: url,
    caPem: ca.certPem,
    namespace: scenario.spec.namespace,
    currentContext: scenario.spec.currentContext,
    credentials,
  });

  let stopped = false;
  return {
    url,
    kubeconfigPath,
    scenario,
    log,
    faults,
    store,
    caPem: ca.certPem,
    ctx,
    clock,
    tokenFor: (id) => authn.tokenFor(id),
    issueServiceAccountToken: ctx.issueServiceAccountToken,
    async stop() {
      if (stopped) return;
      stopped = true;
      sim.releaseHung();
      closeExecSessions(sim.server); // running execs would hold server.close() until their commands end
      const closed = new Promise<void>((resolve) => sim.server.close(() => resolve()));
      sim.server.closeAllConnections();
      await closed;
      if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}
