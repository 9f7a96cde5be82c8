// The built-in scenarios are internally consistent: they load, every Pod names a ServiceAccount that
// exists, mounts ConfigMaps that exist, sits on a Node whose address and pod CIDR match, and carries
// the sim annotations; addresses follow the one plan (10.x only); expectations name real objects.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { deriveControlPlane, type ControlPlaneSpec } from '../sim/control-plane.ts';
import { PROFILES } from '../sim/exec/pod-files.ts';
import { loadScenario, SCENARIOS_DIR } from '../sim/scenario.ts';
import type { KubeObject } from '../sim/types.ts';

const OWNED = [
  'official-celery',
  'official-kubernetes-executor',
  'official-kubernetes-executor-broken-rbac',
  'official-multi-namespace',
  'official-multi-namespace-narrowed',
  'official-multi-namespace-cluster-wide',
  'community-chart',
  'rbac-edge-cases',
  'ha-healthy',
  'ha-three-replicas-one-stale',
  'ha-single-replica',
  'ha-endpoints-disagree',
  'ha-managed-eks',
  'ha-no-lease-access',
  'ha-port-mismatch',
  'net-egress-blocked',
  'net-dns-broken',
];
const SIM = 'sim.kubectl-airflow.dev/';

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((a, p) => a * 256 + Number(p), 0);
  const mask = Number(bits) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(bits));
  return (n(ip) & mask) >>> 0 === (n(base) & mask) >>> 0;
}

describe('built-in scenarios', () => {
  it('every owned scenario file exists and the README lists every scenario file', () => {
    const files = readdirSync(SCENARIOS_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''));
    for (const name of OWNED) assert.ok(files.includes(name), `${name}.yaml`);
    const readme = readFileSync(join(SCENARIOS_DIR, 'README.md'), 'utf8');
    for (const name of OWNED) assert.ok(readme.includes(`\`${name}\``), `README mentions ${name}`);
  });

  for (const name of OWNED) {
    describe(name, () => {
      const s = loadScenario(name);
      const objs = s.objects;
      const derived = deriveControlPlane(
        s.spec.controlPlane as ControlPlaneSpec,
        objs.filter((o) => o.kind === 'Node'),
      );
      const all = [...derived, ...objs];
      const find = (kind: string, ns: string | undefined, n: string) =>
        all.find((o) => o.kind === kind && o.metadata.name === n && (o.metadata.namespace ?? undefined) === ns);
      const pods = objs.filter((o) => o.kind === 'Pod') as any[];
      const nodes = all.filter((o) => o.kind === 'Node') as any[];

      it('has a description, a current context that exists, and an exec-plugin identity', () => {
        assert.equal(s.metadata.name, name);
        assert.ok(s.metadata.annotations?.description);
        assert.ok(
          s.spec.identities.some((i) => i.auth === 'exec'),
          'an identity with auth: exec',
        );
        assert.ok(
          s.spec.identities.some((i) => i.groups?.includes('system:masters')),
          'an admin identity',
        );
      });

      it('every namespaced object lives in a declared namespace', () => {
        const declared = new Set([
          ...objs.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name),
          'default',
          'kube-system',
        ]);
        for (const o of objs)
          if (o.metadata.namespace)
            assert.ok(declared.has(o.metadata.namespace), `${o.kind} ${o.metadata.name} in ${o.metadata.namespace}`);
      });

      it('Pods: ServiceAccount and ConfigMaps exist, Running with a status per container, on a matching Node', () => {
        assert.ok(pods.length > 0);
        const podIPs = new Set<string>();
        for (const p of pods) {
          const ns = p.metadata.namespace;
          const where = `${ns}/${p.metadata.name}`;
          assert.ok(
            find('ServiceAccount', ns, p.spec.serviceAccountName),
            `${where}: ServiceAccount ${p.spec.serviceAccountName}`,
          );
          for (const v of p.spec.volumes ?? [])
            if (v.configMap)
              assert.ok(find('ConfigMap', ns, v.configMap.name), `${where}: ConfigMap ${v.configMap.name}`);
          for (const c of p.spec.containers)
            for (const m of c.volumeMounts ?? [])
              assert.ok(
                (p.spec.volumes ?? []).some((v: any) => v.name === m.name),
                `${where}: volume ${m.name}`,
              );
          assert.equal(p.status.phase, 'Running', where);
          assert.deepEqual(
            p.status.containerStatuses.map((c: any) => c.name),
            p.spec.containers.map((c: any) => c.name),
            where,
          );
          const node = nodes.find((n) => n.metadata.name === p.spec.nodeName);
          assert.ok(node, `${where}: node ${p.spec.nodeName}`);
          assert.equal(
            p.status.hostIP,
            node.status.addresses.find((a: any) => a.type === 'InternalIP').address,
            `${where}: hostIP`,
          );
          if (node.spec?.podCIDR)
            assert.ok(
              ipInCidr(p.status.podIP, node.spec.podCIDR),
              `${where}: ${p.status.podIP} in ${node.spec.podCIDR}`,
            );
          assert.ok(!podIPs.has(p.status.podIP), `${where}: pod IP ${p.status.podIP} unique`);
          podIPs.add(p.status.podIP);
          // every profile the sim's exec knows (python, shell, shell-curl, none), not a copy of the list
          assert.ok(
            PROFILES.includes(p.metadata.annotations?.[SIM + 'image-profile']),
            `${where}: image-profile annotation one of ${PROFILES.join(', ')}`,
          );
        }
      });

      it('Airflow pods carry the chart labels and the env/config the chart renders', () => {
        for (const p of pods.filter(
          (x) => x.metadata.labels?.tier === 'airflow' || x.metadata.labels?.app === 'airflow',
        )) {
          const where = `${p.metadata.namespace}/${p.metadata.name}`;
          assert.ok(p.metadata.labels.component && p.metadata.labels.release, `${where}: component and release labels`);
          if (name === 'rbac-edge-cases') continue;
          const c = p.spec.containers[0];
          const env = Object.fromEntries(
            (c.env ?? []).filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]),
          );
          if (p.metadata.labels.tier === 'airflow') {
            assert.match(env.AIRFLOW__CORE__EXECUTOR ?? '', /Executor$/, `${where}: AIRFLOW__CORE__EXECUTOR`);
            assert.ok(
              c.volumeMounts.some(
                (m: any) => m.mountPath === '/opt/airflow/airflow.cfg' && m.subPath === 'airflow.cfg',
              ),
              `${where}: airflow.cfg mount`,
            );
          } else {
            assert.ok(
              c.envFrom.some((e: any) => e.secretRef?.name === `${p.metadata.labels.release}-config-envs`),
              `${where}: envFrom config-envs`,
            );
          }
        }
      });

      it('addresses follow the plan: 10.x only, node IPs and replica addresses unique, ClusterIP in 10.96.0.0/12', () => {
        const cp = s.spec.controlPlane as ControlPlaneSpec;
        assert.ok(ipInCidr(cp.serviceIP ?? '10.96.0.1', '10.96.0.0/12'));
        const nodeIPs = nodes.map((n) => n.status.addresses.find((a: any) => a.type === 'InternalIP').address);
        assert.equal(new Set(nodeIPs).size, nodeIPs.length);
        for (const ip of [...nodeIPs, ...(cp.replicas ?? []).map((r) => r.address), ...pods.map((p) => p.status.podIP)])
          assert.ok(ipInCidr(ip, '10.0.0.0/8'), ip);
        for (const svc of all.filter((o) => o.kind === 'Service') as any[])
          assert.ok(ipInCidr(svc.spec.clusterIP, '10.96.0.0/12'), svc.metadata.name);
      });

      it('ownerReferences name an object of the scenario with that uid (a ReplicaSet named by a Pod is there, owned by its Deployment)', () => {
        for (const o of objs as any[]) {
          for (const ref of o.metadata.ownerReferences ?? []) {
            const where = `${o.kind} ${o.metadata.namespace}/${o.metadata.name} -> ${ref.kind} ${ref.name}`;
            const owner: any = find(ref.kind, o.metadata.namespace, ref.name);
            assert.ok(owner, where);
            assert.equal(owner.apiVersion, ref.apiVersion, where);
            assert.ok(ref.uid && owner.metadata.uid === ref.uid, `${where}: uid ${ref.uid} vs ${owner.metadata.uid}`);
            if (ref.kind === 'ReplicaSet') {
              // as the Deployment controller makes it: selecting the pod by pod-template-hash, itself controlled by a Deployment
              for (const [k, v] of Object.entries(owner.spec.selector.matchLabels))
                assert.equal(o.metadata.labels?.[k], v, `${where}: selector ${k}`);
              assert.ok(owner.spec.selector.matchLabels['pod-template-hash'], `${where}: pod-template-hash`);
              assert.deepEqual(
                owner.metadata.ownerReferences?.filter((r: any) => r.controller).map((r: any) => r.kind),
                ['Deployment'],
                where,
              );
            }
          }
        }
      });

      // Airflow images have Python, so net and doctor probe them with probe.py as in a cluster.
      if (name.startsWith('official-') || name.startsWith('ha-') || name === 'community-chart') {
        it('Airflow component pods have the python image profile and are on the pod network (no hostNetwork)', () => {
          const airflow = pods.filter(
            (p) => p.metadata.labels?.tier === 'airflow' || p.metadata.labels?.app === 'airflow',
          );
          assert.ok(airflow.length >= 4);
          for (const p of airflow) {
            const where = `${p.metadata.namespace}/${p.metadata.name}`;
            assert.notEqual(p.spec?.hostNetwork, true, where);
            assert.equal(p.metadata.annotations[SIM + 'image-profile'], 'python', where);
          }
        });
      }

      // Every pod is on the pod network (or the node's with hostNetwork): the sim's former
      // `network` annotation means nothing any more, and a scenario carrying it would mislead.
      it('no pod carries the retired sim network annotation', () => {
        for (const p of pods)
          assert.equal(
            p.metadata.annotations?.[SIM + 'network'],
            undefined,
            `${p.metadata.namespace}/${p.metadata.name}`,
          );
      });

      it('RoleBindings reference roles that exist (or the default ClusterRoles)', () => {
        const defaults = new Set(['cluster-admin', 'admin', 'edit', 'view']);
        for (const b of objs.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') as any[]) {
          const ref = b.roleRef;
          const ok =
            ref.kind === 'Role'
              ? !!find('Role', b.metadata.namespace, ref.name)
              : defaults.has(ref.name) || !!find('ClusterRole', undefined, ref.name);
          assert.ok(ok, `${b.kind} ${b.metadata.name} -> ${ref.kind} ${ref.name}`);
        }
      });

      const expFile = join(SCENARIOS_DIR, 'expectations', `${name}.yaml`);
      it('has hand-checked expectations that name objects of the scenario', () => {
        assert.ok(existsSync(expFile), expFile);
        const exp = parse(readFileSync(expFile, 'utf8'));
        assert.equal(exp.scenario, name);
        for (const e of exp.rbac ?? []) {
          const [ns, sa] = e.serviceAccount.split('/');
          assert.ok(find('ServiceAccount', ns, sa), e.serviceAccount);
        }
        if (exp.pod) {
          const [ns, pod] = exp.pod.split('/');
          const p: any = find('Pod', ns, pod);
          assert.ok(p, exp.pod);
        }
        if (exp.from) {
          const [ns, pod] = exp.from.pod.split('/');
          const p: any = find('Pod', ns, pod);
          assert.ok(p, exp.from.pod);
        }
        if (exp.context)
          assert.ok(
            s.spec.identities.some((i) => i.name === exp.context),
            exp.context,
          );
        if (exp.controlPlane?.endpoints) {
          const ep: any = derived.find((o: KubeObject) => o.kind === 'Endpoints');
          const got = ep.subsets.flatMap((sub: any) =>
            sub.addresses.map((a: any) => ({ ip: a.ip, port: sub.ports[0].port })),
          );
          assert.deepEqual(got, exp.controlPlane.endpoints);
        }
      });
    });
  }
});
