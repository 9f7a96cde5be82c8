// Pod Security admission: levels from namespace labels, the checks' texts in upstream order.
import assert from 'node:assert/strict';
import { evaluatePod, namespacePolicy, podSecurity } from '../sim/admission/podsecurity.ts';
import type { PodSpec } from '../sim/admission/pod.ts';
import type { KubeObject } from '../sim/types.ts';

const base = (extra: object = {}, sc?: Record<string, unknown>): PodSpec => ({
  containers: [{ name: 'base', image: 'apache/airflow:3.1.0', ...(sc ? { securityContext: sc } : {}) }],
  ...extra,
});
const hardened = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
};
const restrictedMsg =
  'allowPrivilegeEscalation != false (container "base" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "base" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "base" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "base" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

describe('sim admission: PodSecurity', () => {
  const cases: [string, 'baseline' | 'restricted', PodSpec, string | undefined][] = [
    ['restricted: the chart-like pod with no securityContext', 'restricted', base(), restrictedMsg],
    ['restricted: a hardened container passes', 'restricted', base({}, hardened), undefined],
    [
      'restricted: pod-level runAsNonRoot and seccomp cover the container',
      'restricted',
      base(
        { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } },
        { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      ),
      undefined,
    ],
    [
      'restricted: runAsUser 0 and a hostPath volume',
      'restricted',
      base({ volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }] }, { ...hardened, runAsUser: 0 }),
      'restricted volume types (volume "logs" uses restricted volume type "hostPath"), runAsUser=0 (container "base" must not set runAsUser=0)',
    ],
    [
      'baseline: privileged and hostNetwork',
      'baseline',
      base({ hostNetwork: true }, { privileged: true }),
      'host namespaces (hostNetwork=true), privileged (container "base" must not set securityContext.privileged=true)',
    ],
    ['baseline: the chart-like pod passes', 'baseline', base(), undefined],
    [
      'baseline: SYS_ADMIN',
      'baseline',
      base({}, { capabilities: { add: ['SYS_ADMIN'] } }),
      'non-default capabilities (container "base" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
    ],
  ];
  for (const [what, level, spec, want] of cases) {
    it(what, () => assert.equal(evaluatePod(level, spec), want));
  }

  it('reads enforce/warn levels and versions from the namespace labels', () => {
    const p = namespacePolicy({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.30',
      'pod-security.kubernetes.io/warn': 'baseline',
    });
    assert.deepEqual(p.enforce, { level: 'restricted', version: 'v1.30' });
    assert.deepEqual(p.warn, { level: 'baseline', version: 'latest' });
    assert.deepEqual(p.audit, { level: 'privileged', version: 'latest' });
    assert.deepEqual(
      namespacePolicy({ 'pod-security.kubernetes.io/enforce': 'strict' }).enforce,
      { level: 'restricted', version: 'latest' },
      'an unknown level fails closed',
    );
  });

  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: base() };
  it('enforce denies with the policy named', () => {
    assert.equal(
      podSecurity(pod, { 'pod-security.kubernetes.io/enforce': 'restricted' }).deny,
      `violates PodSecurity "restricted:latest": ${restrictedMsg}`,
    );
  });
  it('warn only warns', () => {
    const v = podSecurity(pod, { 'pod-security.kubernetes.io/warn': 'restricted' });
    assert.equal(v.deny, undefined);
    assert.deepEqual(v.warnings, [`would violate PodSecurity "restricted:latest": ${restrictedMsg}`]);
  });
  it('no labels: privileged, nothing to say', () => assert.deepEqual(podSecurity(pod, {}), { warnings: [] }));
});
