// Loads a scenario: a multi-document YAML file of Kubernetes objects plus exactly one Scenario document.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './types.ts';
import type { ControlPlaneSpec } from './control-plane.ts';
import type { FaultRule } from './faults.ts';
import { parseKubernetesVersion } from './version.ts';

// The spec's controlPlane and faults are what control-plane.ts and faults.ts take: typed there.
export type { ControlPlaneSpec };

export const SCENARIO_API_VERSION = 'sim.kubectl-airflow.dev/v1alpha1';
export const SCENARIOS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

export type AuthKind = 'clientCertificate' | 'token' | 'exec';

export interface Identity {
  name: string;
  user: string;
  groups?: string[];
  uid?: string;
  auth: AuthKind;
}

export interface ScenarioSpec {
  kubernetesVersion: string;
  namespace: string;
  currentContext: string;
  identities: Identity[];
  controlPlane?: ControlPlaneSpec;
  faults?: FaultRule[];
  /** kube-apiserver --anonymous-auth (default true, as kubeadm): requests without credentials are system:anonymous. */
  anonymousAuth?: boolean;
  /** Seed for fault rates. */
  seed?: number;
  [key: string]: unknown;
}

export interface Scenario {
  apiVersion: typeof SCENARIO_API_VERSION;
  kind: 'Scenario';
  metadata: { name: string; annotations?: Record<string, string> };
  spec: ScenarioSpec;
  /** The ordinary Kubernetes objects of the file, in file order. */
  objects: KubeObject[];
  /** Absolute path of the file it came from. */
  file: string;
}

export class ScenarioError extends Error {}

/** A built-in name (`official-kubernetes-executor`) or a path to a file. */
export function scenarioPath(nameOrPath: string): string {
  const looksLikePath = nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath);
  if (looksLikePath) return isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
  return join(SCENARIOS_DIR, `${nameOrPath}.yaml`);
}

const AUTH_KINDS: AuthKind[] = ['clientCertificate', 'token', 'exec'];

function fail(file: string, msg: string): never {
  throw new ScenarioError(`${file}: ${msg}`);
}

export function parseScenario(text: string, file = '<inline>'): Scenario {
  const docs = parseAllDocuments(text);
  const objects: KubeObject[] = [];
  let scenarioDoc: Record<string, unknown> | undefined;
  docs.forEach((doc, i) => {
    if (doc.errors.length) fail(file, `document ${i + 1}: ${doc.errors[0].message}`);
    const v = doc.toJS() as unknown;
    if (v === null || v === undefined) return;
    if (typeof v !== 'object' || Array.isArray(v)) fail(file, `document ${i + 1} is not an object`);
    const o = v as Record<string, unknown>;
    if (o.kind === 'Scenario') {
      if (scenarioDoc) fail(file, 'more than one Scenario document');
      if (o.apiVersion !== SCENARIO_API_VERSION)
        fail(file, `Scenario apiVersion must be ${SCENARIO_API_VERSION}, got ${String(o.apiVersion)}`);
      scenarioDoc = o;
      return;
    }
    if (o.kind === 'List' && Array.isArray(o.items)) {
      for (const item of o.items as KubeObject[]) objects.push(checkObject(file, item, i));
      return;
    }
    objects.push(checkObject(file, o as unknown as KubeObject, i));
  });
  if (!scenarioDoc) fail(file, `no Scenario document (kind: Scenario, apiVersion: ${SCENARIO_API_VERSION})`);
  const meta = (scenarioDoc.metadata ?? {}) as Scenario['metadata'];
  if (!meta.name) fail(file, 'Scenario metadata.name is required');
  const spec = { ...((scenarioDoc.spec ?? {}) as Partial<ScenarioSpec>) } as ScenarioSpec;
  spec.kubernetesVersion = spec.kubernetesVersion ?? 'v1.32.0';
  if (!parseKubernetesVersion(spec.kubernetesVersion))
    fail(
      file,
      `spec.kubernetesVersion must look like v1.32.0 (or a platform build such as v1.31.5-gke.1000000, v1.29.4+k3s1), got ${spec.kubernetesVersion}`,
    );
  spec.namespace = spec.namespace ?? 'default';
  if (!Array.isArray(spec.identities) || spec.identities.length === 0)
    fail(file, 'spec.identities must list at least one identity');
  const seen = new Set<string>();
  spec.identities = spec.identities.map((id, i) => {
    const where = `spec.identities[${i}]`;
    if (!id || typeof id !== 'object') fail(file, `${where} is not an object`);
    if (!id.name) fail(file, `${where}.name is required`);
    if (seen.has(id.name)) fail(file, `${where}.name "${id.name}" is used twice`);
    seen.add(id.name);
    if (!id.user) fail(file, `${where}.user is required`);
    const auth = id.auth ?? 'clientCertificate';
    if (!AUTH_KINDS.includes(auth))
      fail(file, `${where}.auth must be one of ${AUTH_KINDS.join(', ')}, got ${String(auth)}`);
    if (id.groups !== undefined && !Array.isArray(id.groups)) fail(file, `${where}.groups must be a list`);
    return { ...id, auth, groups: id.groups ?? [] };
  });
  spec.currentContext = spec.currentContext ?? spec.identities[0].name;
  if (!seen.has(spec.currentContext)) fail(file, `spec.currentContext "${spec.currentContext}" names no identity`);
  if (spec.faults !== undefined && !Array.isArray(spec.faults)) fail(file, 'spec.faults must be a list');
  if (spec.controlPlane !== undefined) {
    const cp = spec.controlPlane;
    if (typeof cp !== 'object' || cp === null) fail(file, 'spec.controlPlane must be an object');
    if (cp.replicas !== undefined && !Array.isArray(cp.replicas))
      fail(file, 'spec.controlPlane.replicas must be a list');
    (cp.replicas ?? []).forEach((r, i) => {
      if (!r?.name || !r.address) fail(file, `spec.controlPlane.replicas[${i}] needs name and address`);
    });
  }
  return { apiVersion: SCENARIO_API_VERSION, kind: 'Scenario', metadata: meta, spec, objects, file };
}

function checkObject(file: string, o: KubeObject, i: number): KubeObject {
  if (!o.apiVersion || !o.kind) fail(file, `document ${i + 1}: apiVersion and kind are required`);
  if (!o.metadata?.name) fail(file, `document ${i + 1} (${o.kind}): metadata.name is required`);
  return o;
}

export function loadScenario(nameOrPath: string): Scenario {
  const file = scenarioPath(nameOrPath);
  if (!existsSync(file)) throw new ScenarioError(`scenario "${nameOrPath}" not found (looked for ${file})`);
  return parseScenario(readFileSync(file, 'utf8'), file);
}

/** Minor version number of the scenario's kubernetesVersion (v1.32.0 -> 32, v1.31.5-gke.1000000 -> 31). */
export function minorVersion(s: Scenario): number {
  return parseKubernetesVersion(s.spec.kubernetesVersion)!.minor;
}
