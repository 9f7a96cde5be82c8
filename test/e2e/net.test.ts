// `kubectl airflow net <pod>` in-process against the simulated API server: the acceptance of issue 6.
// Every pod is exec'd for real: the sim runs the probe in the pod's own mount namespace and its own
// network namespace, the pod network (DNAT to the endpoints, NetworkPolicies enforced with
// iptables, a DNS server). Each case runs for three image profiles: `python` (probe.py),
// `shell-curl` (a Debian image with curl: probe.sh diagnoses every layer with curl and openssl) with
// the same verdicts, and the minimal `shell` (sh + coreutils: probe.sh can check env, files and DNS
// only and says SKIP for the rest, naming the missing tools).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { probeExecTimeoutMs } from '../../src/net/plan.ts';
import { startSim, type Sim } from '../sim/index.ts';
import type { KubeObject } from '../sim/types.ts';
import { runMain, skipWithoutIsolatedNetwork, withSim as withSimOf, type Run as MainRun } from './harness.ts';

interface Run extends MainRun {
  ms: number;
}

async function run(sim: Sim, args: string[]): Promise<Run> {
  const t0 = Date.now();
  const r = await runMain(['net', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', ...args]);
  return { ...r, ms: Date.now() - t0 };
}

interface Layer {
  layer: string;
  verdict: string;
  evidence: string[];
  remedy?: string;
}
interface Item {
  pod: string;
  container: string;
  serviceAccount: string;
  probe: string;
  ok: boolean;
  error?: string;
  firstFailure?: string;
  missingTools?: string[];
  layers: Layer[];
}

async function report(
  sim: Sim,
  pod: string,
  extra: string[] = [],
): Promise<{ item: Item; code: number; err: string; ms: number }> {
  const r = await run(sim, [pod, '-o', 'json', ...extra]);
  let doc: { items: Item[] };
  try {
    doc = JSON.parse(r.out) as { items: Item[] };
  } catch {
    throw new Error(`no JSON report (exit ${r.code}): ${r.err || r.out}`);
  }
  return { item: doc.items[0], code: r.code, err: r.err, ms: r.ms };
}

function verdicts(item: Item): Record<string, string> {
  return Object.fromEntries(item.layers.map((l) => [l.layer, l.verdict]));
}
function layer(item: Item, id: string): Layer {
  const l = item.layers.find((x) => x.layer === id);
  assert.ok(l, `layer ${id}`);
  return l;
}
const text = (l: Layer) => [...l.evidence, l.remedy ?? ''].join('\n');

/** The sh probe in the `shell` profile (sh + coreutils, no curl/openssl/nc/bash) cannot open connections. */
const SH_CANNOT = { tcp: 'SKIP', tls: 'SKIP', http: 'SKIP', access: 'SKIP' };

/** Profiles whose probe can check every layer: python3 (probe.py) and a Debian image with curl (probe.sh). */
type Full = 'py' | 'curl';
const FULL: Full[] = ['py', 'curl'];
const PROBE: Record<Full, string> = { py: 'python3', curl: 'sh' };

/**
 * The pod of a case in profile p: `<case>-py` as the scenario has it; for `curl`, the scenario's
 * `<case>-sh` pod (same ServiceAccount, env, annotations) copied once as `<case>-curl` with
 * image-profile shell-curl, so the two shell profiles differ only by the image's tools.
 */
function podFor(sim: Sim, base: string, p: Full | 'sh'): string {
  if (p !== 'curl') return `${base}-${p}`;
  return twin(sim, `${base}-sh`, `${base}-curl`);
}

function twin(sim: Sim, from: string, name: string, profile = 'shell-curl'): string {
  if (sim.store.get('pods', 'airflow', name)) return name;
  const src = sim.store.get('pods', 'airflow', from);
  assert.ok(src, `pod ${from} in the scenario`);
  const pod = structuredClone(src) as KubeObject;
  const meta = pod.metadata as KubeObject['metadata'] & { uid?: string; resourceVersion?: string };
  delete meta.uid;
  delete meta.resourceVersion;
  meta.name = name;
  meta.annotations = { ...meta.annotations, 'sim.kubectl-airflow.dev/image-profile': profile };
  sim.store.apply(pod);
  return name;
}

/** Every pod here is exec'd into: each block needs the sim's pod network namespaces. */
function withSim(scenario: string, fn: (sim: () => Sim) => void) {
  withSimOf(scenario, fn, { needsIsolatedNetwork: "net needs the sim's isolated pod network" });
}

describe('e2e: kubectl airflow net', function () {
  this.timeout(90_000);

  withSim('net-cases', (sim) => {
    for (const p of FULL) {
      it(`healthy (${p}): every layer OK, exit 0, with the pod's own permissions`, async () => {
        const { item, code } = await report(sim(), podFor(sim(), 'healthy', p));
        assert.equal(code, 0);
        assert.equal(item.probe, PROBE[p]);
        assert.deepEqual(verdicts(item), {
          env: 'OK',
          files: 'OK',
          dns: 'OK',
          tcp: 'OK',
          tls: 'OK',
          http: 'OK',
          access: 'OK',
          policy: 'OK',
        });
        assert.match(text(layer(item, 'dns')), /kubernetes\.default\.svc -> 10\.96\.0\.1/);
        assert.match(text(layer(item, 'tcp')), /endpoint 10\.0\.0\.12:6443: 2\/2 connected/);
        assert.match(
          text(layer(item, 'tls')),
          /handshake with 10\.96\.0\.1:443 as 10\.96\.0\.1 verified against the mounted ca\.crt/,
        );
        assert.match(text(layer(item, 'http')), /GET \/version -> 200 \(v1\.32\.0\)/);
        // healthy-py is a worker, healthy-curl (a twin of healthy-sh) the scheduler: each asked what it needs
        const component = p === 'py' ? 'worker' : 'scheduler';
        const profile = p === 'py' ? 'kubernetes-pod-operator' : 'kubernetes-executor';
        assert.equal(
          layer(item, 'access').evidence[0],
          `required for the ${component} of release airflow (KubernetesExecutor, Airflow 3.0.2): ${profile}, in airflow`,
        );
        // asked in the model's row order (kpo-create-pod, kpo-find-pod / the executor's create, list)
        assert.match(text(layer(item, 'access')), /allowed: create pods, (get|list) pods/);
        if (p === 'curl')
          assert.deepEqual(
            item.missingTools?.filter((t) => ['curl', 'openssl'].includes(t)),
            [],
          );
      });
    }

    it('healthy, shell only: what sh can check is OK; TCP/TLS/HTTP are SKIP naming the missing tools', async () => {
      const { item, code } = await report(sim(), 'healthy-sh');
      assert.equal(code, 0);
      assert.equal(item.probe, 'sh');
      assert.deepEqual(verdicts(item), { env: 'OK', files: 'OK', dns: 'OK', ...SH_CANNOT, policy: 'OK' });
      assert.match(text(layer(item, 'tcp')), /curl, nc and bash not found/);
      assert.ok(item.missingTools?.includes('curl'));
    });

    it('the human table: one row per layer and the summary line', async () => {
      const r = await run(sim(), ['healthy-py']);
      assert.equal(r.code, 0);
      assert.match(
        r.out,
        /^pod airflow\/healthy-py {2}container base {2}ServiceAccount airflow-worker {2}probe python3\nLAYER +VERDICT +EVIDENCE\n/,
      );
      assert.match(r.out, /\nTLS +OK +handshake with 10\.96\.0\.1:443 as 10\.96\.0\.1 verified/);
      assert.match(r.out, /All layers OK/);
    });

    for (const p of ['py', 'curl', 'sh'] as const) {
      it(`automount off (${p}): files FAIL with who disabled it and the fix, exit 1`, async () => {
        const { item, code } = await report(sim(), podFor(sim(), 'automount-off', p));
        assert.equal(code, 1);
        assert.equal(item.firstFailure, 'files');
        assert.match(text(layer(item, 'files')), /the pod sets automountServiceAccountToken: false/);
        assert.match(layer(item, 'files').remedy ?? '', /automountServiceAccountToken: true/);
      });

      it(`proxy without NO_PROXY (${p}): the proxy password never printed; the shell probe cannot know the client, says what it assumed and FAILs`, async () => {
        const pod = podFor(sim(), 'proxy', p);
        const r = await run(sim(), [pod, '-o', 'yaml']);
        assert.ok(!(r.out + r.err).includes('pr0xy-Pa55word'), 'proxy credentials redacted');
        const { item } = await report(sim(), pod);
        // with a scheme (py) or without (sh, as curl takes it): the user stays, the password does not
        assert.match(
          text(layer(item, 'env')),
          p !== 'py' ? /proxy user:xxxxx@10\.96\.200\.1:3128;/ : /proxy http:\/\/user:xxxxx@10\.96\.200\.1:3128;/,
        );
        if (p !== 'py') {
          assert.equal(r.code, 1);
          assert.equal(item.firstFailure, 'env');
          assert.match(text(layer(item, 'env')), /NO_PROXY lacks 10\.96\.0\.1, \.svc, \.cluster\.local/);
          assert.match(
            text(layer(item, 'env')),
            /client versions unknown \(no python3: the Kubernetes client versions are unknown\): assumed a client that honours HTTPS_PROXY and NO_PROXY/,
          );
        }
        assert.deepEqual(
          layer(item, 'env').evidence.filter((l) => l.includes('\n')),
          [],
          'one line per piece of evidence',
        );
        // what a client honouring HTTPS_PROXY gets (python's urllib, curl): the proxy does not answer
        if (p !== 'sh')
          assert.match(
            text(layer(item, 'env')),
            /through the proxy, CONNECT 10\.96\.0\.1:443 failed: (refused|net-unreachable|host-unreachable|timeout)/,
          );
        else assert.doesNotMatch(text(layer(item, 'env')), /through the proxy/);
      });

      it(`broken DNS (${p}): DNS FAIL; by the env IP the API is still reachable`, async () => {
        const { item, code } = await report(sim(), podFor(sim(), 'dns-broken', p));
        assert.equal(code, 1);
        assert.equal(item.firstFailure, 'dns');
        assert.match(layer(item, 'dns').remedy ?? '', /clients use the env IP 10\.96\.0\.1/);
        assert.match(text(layer(item, 'dns')), /no answer \(timeout\)/);
        if (p !== 'sh') {
          assert.deepEqual(
            [
              layer(item, 'tcp').verdict,
              layer(item, 'tls').verdict,
              layer(item, 'http').verdict,
              layer(item, 'access').verdict,
            ],
            ['OK', 'OK', 'OK', 'OK'],
          );
        } else {
          assert.equal(layer(item, 'tcp').verdict, 'SKIP');
        }
      });
    }

    /** proxy-py with the given client installed (pip --target metadata) and, optionally, another NO_PROXY. */
    function proxyPodWith(name: string, packages: string, noProxy?: string): string {
      if (sim().store.get('pods', 'airflow', name)) return name;
      const pod = structuredClone(sim().store.get('pods', 'airflow', 'proxy-py')) as KubeObject & {
        spec: { containers: { env?: { name: string; value?: string }[] }[] };
      };
      const meta = pod.metadata as KubeObject['metadata'] & { uid?: string; resourceVersion?: string };
      delete meta.uid;
      delete meta.resourceVersion;
      meta.name = name;
      meta.annotations = { ...meta.annotations, 'sim.kubectl-airflow.dev/python-packages': packages };
      if (noProxy !== undefined)
        pod.spec.containers[0].env = pod.spec.containers[0].env?.map((e) =>
          e.name === 'NO_PROXY' ? { ...e, value: noProxy } : e,
        );
      sim().store.apply(pod);
      return name;
    }

    it('a client that ignores HTTPS_PROXY (kubernetes 22.6.0 in the pod) is not failed for the proxy', async () => {
      const { item, code } = await report(sim(), proxyPodWith('proxy-k22-py', 'kubernetes=22.6.0, urllib3=1.26.12'));
      assert.equal(layer(item, 'env').verdict, 'OK', text(layer(item, 'env')));
      assert.match(
        text(layer(item, 'env')),
        /kubernetes 22\.6\.0 ignores the proxy variables: its API calls go direct/,
      );
      assert.equal(code, 0);
    });

    it('a client that honours HTTPS_PROXY and ignores NO_PROXY (kubernetes 35.0.0) fails, the version named, although NO_PROXY lists the service IP', async () => {
      const { item, code } = await report(
        sim(),
        proxyPodWith('proxy-k35-py', 'kubernetes=35.0.0', '10.96.0.1,.svc,.cluster.local'),
      );
      assert.equal(code, 1);
      assert.equal(item.firstFailure, 'env');
      assert.equal(
        layer(item, 'env').evidence[0],
        'kubernetes 35.0.0 honours HTTPS_PROXY/HTTP_PROXY and ignores NO_PROXY: every API call goes to the proxy',
      );
      assert.match(text(layer(item, 'env')), /#2460.*#2520/);
      // kubernetes 36 with the same env: not failed
      const ok = await report(
        sim(),
        proxyPodWith('proxy-k36-py', 'kubernetes=36.0.0', '10.96.0.1,.svc,.cluster.local'),
      );
      assert.equal(layer(ok.item, 'env').verdict, 'OK', text(layer(ok.item, 'env')));
    });

    it('egress blocked after DNAT (shell only): TCP cannot be checked, the NetworkPolicy layer names the policy', async () => {
      const { item, code } = await report(sim(), 'egress-blocked-sh');
      assert.equal(code, 1);
      assert.equal(item.firstFailure, 'policy');
      assert.equal(layer(item, 'tcp').verdict, 'SKIP');
      assert.match(text(layer(item, 'policy')), /only-clusterip allows the ClusterIP:443 only/);
      assert.match(layer(item, 'policy').remedy ?? '', /cidr: 10\.0\.0\.11\/32[\s\S]*cidr: 10\.0\.0\.12\/32/);
    });

    for (const p of FULL) {
      it(`egress blocked after DNAT (${p}): TCP FAIL timeout first, the same policy named`, async () => {
        const { item, code } = await report(sim(), podFor(sim(), 'egress-blocked', p));
        assert.equal(code, 1);
        assert.equal(item.firstFailure, 'tcp');
        assert.match(text(layer(item, 'tcp')), /no connection to the service 10\.96\.0\.1:443: timeout/);
        assert.match(text(layer(item, 'tcp')), /service 10\.96\.0\.1:443: 0\/5 connected \(5 timeout\)/);
        assert.match(layer(item, 'tcp').remedy ?? '', /NetworkPolicy only-clusterip selects this pod/);
        assert.deepEqual(
          [layer(item, 'tls').verdict, layer(item, 'http').verdict, layer(item, 'policy').verdict],
          ['SKIP', 'SKIP', 'FAIL'],
        );
        assert.match(text(layer(item, 'policy')), /only-clusterip allows the ClusterIP:443 only/);
      });
    }

    it('NXDOMAIN (python) is told apart from a nameserver that does not answer; sh says getent cannot tell', async () => {
      const py = await report(sim(), 'dns-nxdomain-py');
      assert.equal(py.item.firstFailure, 'dns');
      assert.match(text(layer(py.item, 'dns')), /kubernetes\.default\.svc: NXDOMAIN \(no such name\)/);
      assert.match(layer(py.item, 'dns').remedy ?? '', /cluster domain or the search list/);
      const sh = await report(sim(), 'dns-nxdomain-sh');
      assert.match(text(layer(sh.item, 'dns')), /getent cannot tell NXDOMAIN from an unreachable nameserver/);
    });

    it('automount off on the ServiceAccount: the fix patches the ServiceAccount', async () => {
      const { item } = await report(sim(), 'automount-sa-off-py');
      assert.match(
        text(layer(item, 'files')),
        /ServiceAccount airflow-noautomount sets automountServiceAccountToken: false/,
      );
      assert.match(layer(item, 'files').remedy ?? '', /kubectl patch serviceaccount airflow-noautomount/);
    });

    for (const p of FULL) {
      it(`wrong CA (${p}): TLS FAIL unknown authority, the token is not sent`, async () => {
        sim().log.reset();
        const { item, code } = await report(sim(), podFor(sim(), 'wrong-ca', p));
        assert.equal(code, 1);
        assert.equal(item.firstFailure, 'tls');
        assert.match(text(layer(item, 'tls')), /unknown-authority/);
        assert.match(layer(item, 'tls').remedy ?? '', /not signed by the mounted ca\.crt/);
        assert.equal(layer(item, 'http').verdict, 'SKIP');
        assert.ok(
          !sim().log.entries.some((e) => e.user?.startsWith('system:serviceaccount:')),
          "no request reached the API server with the pod's token",
        );
      });
    }

    it('wrong CA (curl) in an image whose trust store holds the cluster CA: only the mounted ca.crt counts', async () => {
      // Debian's curl keeps its compiled-in CApath (/etc/ssl/certs) beside --cacert: with the cluster's
      // CA there (a ConfigMap mounted over the image's store), a probe that did not override it would
      // verify the server and send the token although the mounted ca.crt is wrong.
      const kc = parseYaml(readFileSync(sim().kubeconfigPath, 'utf8')) as {
        clusters: { cluster: { 'certificate-authority-data': string } }[];
      };
      const caPem = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8');
      const hash = execFileSync('openssl', ['x509', '-hash', '-noout'], { input: caPem, encoding: 'utf8' }).trim();
      sim().store.apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'image-trust-store', namespace: 'airflow' },
        data: { [`${hash}.0`]: caPem, 'ca-certificates.crt': caPem },
      } as KubeObject);
      const name = twin(sim(), 'wrong-ca-sh', 'wrong-ca-truststore-curl');
      const pod = sim().store.get('pods', 'airflow', name) as KubeObject & {
        spec: { volumes?: unknown[]; containers: { volumeMounts?: unknown[] }[] };
      };
      pod.spec.volumes = [...(pod.spec.volumes ?? []), { name: 'trust', configMap: { name: 'image-trust-store' } }];
      pod.spec.containers[0].volumeMounts = [
        ...(pod.spec.containers[0].volumeMounts ?? []),
        { name: 'trust', mountPath: '/etc/ssl/certs' },
      ];
      sim().store.apply(pod);
      sim().log.reset();
      const { item, code } = await report(sim(), name);
      assert.equal(code, 1);
      assert.equal(item.firstFailure, 'tls');
      assert.match(text(layer(item, 'tls')), /unknown-authority/);
      assert.equal(layer(item, 'http').verdict, 'SKIP');
      assert.ok(!sim().log.entries.some((e) => e.user?.startsWith('system:serviceaccount:')), 'the token was not sent');
    });

    it('wrong CA (shell only): TLS cannot be checked without openssl/curl, and says so', async () => {
      const { item } = await report(sim(), 'wrong-ca-sh');
      assert.deepEqual(verdicts(item), { env: 'OK', files: 'OK', dns: 'OK', ...SH_CANNOT, policy: 'OK' });
      assert.match(text(layer(item, 'tls')), /openssl and curl not found/);
    });

    for (const p of FULL) {
      it(`revoked token (${p}): HTTP FAIL with 401, told apart from 403`, async () => {
        const { item, code } = await report(sim(), podFor(sim(), 'revoked-token', p));
        assert.equal(code, 1);
        assert.equal(item.firstFailure, 'http');
        assert.equal(layer(item, 'files').verdict, 'OK', 'the token looks valid on disk');
        assert.match(
          text(layer(item, 'http')),
          /GET \/version -> 401 Unauthorized: the API server rejects the pod's token/,
        );
        assert.doesNotMatch(text(layer(item, 'http')), /-> 403/);
        assert.match(layer(item, 'http').remedy ?? '', /revoked or expired/);
      });
    }

    it('revoked token (shell only): the token looks valid on disk; the 401 needs curl, so HTTP is SKIP', async () => {
      const { item, code } = await report(sim(), 'revoked-token-sh');
      assert.equal(code, 0);
      assert.equal(layer(item, 'files').verdict, 'OK');
      assert.match(text(layer(item, 'http')), /curl not found/);
    });

    it('expired token (every profile): the files layer decodes exp and FAILs', async () => {
      for (const p of ['py', 'curl', 'sh'] as const) {
        const { item } = await report(sim(), podFor(sim(), 'expired-token', p));
        assert.equal(item.firstFailure, 'files', p);
        assert.match(text(layer(item, 'files')), /EXPIRED/);
      }
    });

    for (const p of FULL) {
      it(`no pod permissions (${p}): the pod's own SelfSubjectAccessReviews say no, 403 on its pod read`, async () => {
        sim().log.reset();
        const { item, code } = await report(sim(), podFor(sim(), 'no-pod-permissions', p));
        assert.equal(code, 1);
        assert.equal(layer(item, 'http').verdict, 'OK');
        // the ten reviews were asked from inside the pod with its own token, through the service and
        // at each of the two endpoints directly
        const reviews = sim().log.entries.filter(
          (e) =>
            e.path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' &&
            e.user === 'system:serviceaccount:airflow:airflow-noperm',
        );
        // nine: the operator never watches pods (kpo-unused-grants), so watch is no longer asked
        assert.equal(reviews.length, 27);
        assert.equal(item.firstFailure, 'access');
        assert.match(
          text(layer(item, 'access')),
          /denied create pods, get pods, delete pods, get pods\/log, list pods, patch pods \(/,
        );
        // the XCom sidecar's exec and the pod events are optional features (kpo-xcom-sidecar, kpo-pod-events)
        assert.match(
          text(layer(item, 'access')),
          /^WARN: denied create pods\/exec in airflow, needed only for: XCom sidecar/m,
        );
        assert.match(
          text(layer(item, 'access')),
          /^WARN: denied list events in airflow, needed only for: pod events in task logs/m,
        );
        assert.match(
          text(layer(item, 'http')),
          /pods\?limit=1 -> 403: pods is forbidden: User "system:serviceaccount:airflow:airflow-noperm" cannot list resource "pods"/,
        );
        assert.match(
          text(layer(item, 'access')),
          /^required for the worker of release airflow \(KubernetesExecutor, Airflow 3\.0\.2\): kubernetes-pod-operator, in airflow$/m,
        );
        assert.match(
          layer(item, 'access').remedy ?? '',
          /kubectl airflow rbac -n airflow --sa airflow:airflow-noperm --profile kubernetes-pod-operator --fix/,
        );
      });
    }

    it('no pod permissions (shell only): permissions need curl: SKIP, not a false OK', async () => {
      const { item } = await report(sim(), 'no-pod-permissions-sh');
      assert.equal(layer(item, 'access').verdict, 'SKIP');
    });

    it('a container without python3 or sh: one clear line, --debug-image offered, exit 1, no stack', async () => {
      const r = await run(sim(), ['distroless']);
      assert.equal(r.code, 1);
      assert.match(
        r.out,
        /FAIL {2}container base has neither python3 nor sh \(distroless\?\): rerun with --debug-image IMAGE/,
      );
      assert.ok(!/\n\s+at /.test(r.out + r.err), 'no stack trace');
    });

    it('a multi-container pod without -c and no default: kubectl\'s "Defaulted container" line; -c chooses', async () => {
      const r = await run(sim(), ['multi', '-o', 'json']);
      assert.equal(r.err, 'Defaulted container "sidecar" out of: sidecar, main (use -c to choose)\n');
      assert.equal(JSON.parse(r.out).items[0].container, 'sidecar');
      const c = await run(sim(), ['multi', '-c', 'main', '-o', 'json']);
      assert.equal(c.err, '');
      assert.equal(JSON.parse(c.out).items[0].container, 'main');
      const bad = await run(sim(), ['multi', '-c', 'nope']);
      assert.equal(bad.code, 2);
      assert.equal(
        bad.err,
        'kubectl-airflow: container nope is not valid for pod multi: choose one of: sidecar, main\n',
      );
    });

    it('a pod that is not Running (exit 1), a missing pod (exit 2), a bad name (exit 2): one line each', async () => {
      const pending = await run(sim(), ['pending']);
      assert.deepEqual([pending.code, pending.out], [1, '']);
      assert.equal(
        pending.err,
        'kubectl-airflow: pod pending is Pending, not Running: nothing to exec into (kubectl describe pod pending)\n',
      );
      // a pod the user names that does not exist is a usage error (exit 2), as in ha --from and doctor --pod
      const gone = await run(sim(), ['no-such-pod']);
      assert.deepEqual([gone.code, gone.out], [2, '']);
      assert.equal(
        gone.err,
        'kubectl-airflow: pod "no-such-pod" not found in namespace "airflow": check the name with kubectl get pods -n airflow\n',
      );
      const bad = await run(sim(), ['x;rm']);
      assert.equal(bad.code, 2);
      assert.match(bad.err, /^kubectl-airflow: "x;rm" is not a valid pod name/);
    });

    it('--debug-image without the permission: refused before any change to the pod', async () => {
      // the viewer identity may read pods but not patch ephemeralcontainers
      const before = JSON.stringify(sim().store.get('pods', 'airflow', 'distroless'));
      const r = await run(sim(), ['distroless', '--context', 'viewer', '--debug-image', 'python:3.12-slim']);
      assert.equal(r.code, 1);
      assert.equal(
        r.err,
        'kubectl-airflow: --debug-image needs patch pods/ephemeralcontainers, get pods/exec, create pods/exec in namespace airflow: ask for them, or run net without --debug-image\n',
      );
      const after = JSON.stringify(sim().store.get('pods', 'airflow', 'distroless'));
      assert.equal(after, before, 'the pod is unchanged');
    });
  });

  withSim('net-cases', (sim) => {
    it('exec goes as the impersonated identity (--as on the WebSocket upgrade)', async () => {
      const denied = await run(sim(), ['healthy-py', '--as', 'viewer']);
      assert.equal(denied.code, 3);
      assert.match(denied.err, /pods "healthy-py" is forbidden: User "viewer" cannot get resource "pods\/exec"/);
      const allowed = await run(sim(), [
        'healthy-py',
        '--as',
        'kubernetes-admin',
        '--as-group',
        'system:masters',
        '-o',
        'json',
      ]);
      assert.equal(allowed.code, 0, allowed.err);
      const execs = sim().log.entries.filter((e) => e.subresource === 'exec');
      assert.ok(
        execs.some((e) => e.user === 'viewer' && e.requester === 'kubernetes-admin'),
        'the admin certificate, impersonating viewer',
      );
      assert.ok(execs.some((e) => e.user === 'kubernetes-admin'));
    });

    it('--all: one pod per Airflow component of the release, each with its report', async () => {
      const r = await run(sim(), ['--all', '-o', 'json']);
      const items = (JSON.parse(r.out) as { items: Item[] }).items;
      // workers sort first by name: automount-off-py (files FAIL); the scheduler is healthy-sh
      assert.deepEqual(
        items.map((i) => i.pod),
        ['healthy-sh', 'automount-off-py'],
      );
      assert.deepEqual(
        items.map((i) => i.ok),
        [true, false],
      );
      assert.equal(r.code, 1);
    });

    it('--debug-image on a distroless pod, end to end: permissions asked, one PATCH adds the ephemeral container, the probe runs in it', async () => {
      sim().log.reset();
      const r = await run(sim(), ['distroless', '--debug-image', 'python:3.12-slim', '-o', 'json']);
      assert.equal(r.code, 0, r.err + r.out);
      const item = (JSON.parse(r.out) as { items: Item[] }).items[0];
      assert.equal(item.probe, 'python3', 'the image python:3.12-slim runs with the python profile');
      // the pod's network (env, DNS, TCP through the ClusterIP), none of its ServiceAccount files
      assert.deepEqual(verdicts(item), {
        env: 'OK',
        files: 'SKIP',
        dns: 'OK',
        tcp: 'OK',
        tls: 'SKIP',
        http: 'SKIP',
        access: 'SKIP',
        policy: 'OK',
      });
      assert.deepEqual(layer(item, 'files').evidence, [
        'not checkable: the ephemeral container mounts nothing of the target container',
      ]);
      assert.match(text(layer(item, 'env')), /KUBERNETES_SERVICE_HOST=10\.96\.0\.1 /);
      assert.match(text(layer(item, 'tcp')), /endpoint 10\.0\.0\.12:6443: 2\/2 connected/);
      assert.match(text(layer(item, 'tls')), /ca\.crt missing/);
      const stored = sim().store.get('pods', 'airflow', 'distroless') as KubeObject & {
        spec: {
          ephemeralContainers?: Array<{
            name: string;
            image: string;
            targetContainerName?: string;
            command?: string[];
          }>;
        };
        status: { ephemeralContainerStatuses?: Array<{ name: string; state: Record<string, unknown> }> };
      };
      const ec = stored.spec.ephemeralContainers ?? [];
      assert.equal(ec.length, 1);
      assert.deepEqual(
        [ec[0].image, ec[0].targetContainerName, ec[0].command],
        ['python:3.12-slim', 'base', ['sleep', '600']],
      );
      // told when it is added (before any exec: an interrupted run has said it), then which container probed
      assert.equal(
        r.err,
        `added ephemeral container ${ec[0].name} (python:3.12-slim) to pod airflow/distroless; it stays in the pod spec until the pod is deleted (the API cannot remove one)\nprobing from ephemeral container ${ec[0].name} (python:3.12-slim)\n`,
      );
      assert.ok(
        'running' in (stored.status.ephemeralContainerStatuses?.find((c) => c.name === ec[0].name)?.state ?? {}),
      );
      // exactly one mutating request: the strategic merge PATCH, after the three permission reviews
      const entries = sim().log.entries;
      const mutating = entries.filter(
        (e) =>
          ['POST', 'PUT', 'PATCH', 'DELETE'].includes(e.method) &&
          !e.path.endsWith('accessreviews') &&
          e.subresource !== 'exec',
      );
      assert.deepEqual(
        mutating.map((e) => `${e.method} ${e.path} ${e.headers['content-type']} ${e.code}`),
        [
          'PATCH /api/v1/namespaces/airflow/pods/distroless/ephemeralcontainers application/strategic-merge-patch+json 200',
        ],
      );
      const patchAt = entries.indexOf(mutating[0]);
      const reviews = entries.filter(
        (e, i) =>
          i < patchAt &&
          e.path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' &&
          e.user === 'kubernetes-admin',
      );
      assert.equal(
        reviews.length,
        3,
        'patch pods/ephemeralcontainers, get and create pods/exec asked before the change',
      );
      // the probe's one exec (sh finds the debug image's python3) went to the ephemeral container
      const execs = entries.filter((e) => e.subresource === 'exec');
      assert.equal(execs.length, 1);
      assert.ok(
        execs.every((e) => new URLSearchParams(e.query).get('container') === ec[0].name),
        execs.map((e) => e.query).join(' | '),
      );
    });

    it('--debug-image without the permission: refused before any change, naming exactly the missing verb', async () => {
      sim().log.reset();
      const before = JSON.stringify(sim().store.get('pods', 'airflow', 'healthy-sh'));
      // prober may read pods and exec into them, not patch pods/ephemeralcontainers
      const r = await run(sim(), ['healthy-sh', '--context', 'prober', '--debug-image', 'busybox:1.36']);
      assert.deepEqual([r.code, r.out], [1, '']);
      assert.equal(
        r.err,
        'kubectl-airflow: --debug-image needs patch pods/ephemeralcontainers in namespace airflow: ask for them, or run net without --debug-image\n',
      );
      assert.equal(JSON.stringify(sim().store.get('pods', 'airflow', 'healthy-sh')), before, 'the pod is unchanged');
      assert.deepEqual(
        sim().log.entries.filter((e) => ['PUT', 'PATCH', 'DELETE'].includes(e.method)),
        [],
      );
    });

    it('--debug-image: the scenario maps an image to its profile (busybox: shell), a curl image gets shell-curl by name', async () => {
      const shell = await report(sim(), 'healthy-sh', ['--debug-image', 'busybox:1.36']);
      assert.equal(shell.item.probe, 'sh');
      assert.deepEqual(verdicts(shell.item), { env: 'OK', files: 'SKIP', dns: 'OK', ...SH_CANNOT, policy: 'OK' });
      const curl = await report(sim(), 'healthy-sh', ['--debug-image', 'curlimages/curl:8.10.1']);
      assert.equal(curl.item.probe, 'sh');
      assert.equal(layer(curl.item, 'tcp').verdict, 'OK', 'curl opens the connections');
      assert.ok(!curl.item.missingTools?.includes('curl'));
    });
  });

  describe('--debug-image against older API servers (net-cases at another kubernetesVersion)', () => {
    let dir: string;
    const at = async (version: string): Promise<Sim> => {
      const file = path.join(dir, `net-cases-${version}.yaml`);
      const text = readFileSync(new URL('../scenarios/net-cases.yaml', import.meta.url), 'utf8');
      writeFileSync(file, text.replace(/kubernetesVersion: v1\.\d+\.\d+/, `kubernetesVersion: ${version}`));
      return startSim({ scenario: file });
    };
    before(function () {
      skipWithoutIsolatedNetwork(this, "net needs the sim's isolated pod network");
      dir = mkdtempSync(path.join(tmpdir(), 'net-old-'));
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    it("1.21 (the EphemeralContainers kind): the strategic merge patch, then kubectl debug's JSON-patch fallback; the probe runs", async () => {
      const old = await at('v1.21.14');
      try {
        const r = await run(old, ['distroless', '--debug-image', 'python:3.12-slim', '-o', 'json']);
        assert.equal(r.code, 0, r.err + r.out);
        assert.equal((JSON.parse(r.out) as { items: Item[] }).items[0].probe, 'python3');
        const patches = old.log.entries
          .filter((e) => e.method === 'PATCH')
          .map((e) => `${e.headers['content-type']} ${e.code}`);
        assert.deepEqual(patches, ['application/strategic-merge-patch+json 200', 'application/json-patch+json 200']);
        assert.equal(
          ((old.store.get('pods', 'airflow', 'distroless') as KubeObject).spec as { ephemeralContainers?: unknown[] })
            .ephemeralContainers?.length,
          1,
        );
      } finally {
        await old.stop();
      }
    });

    it('1.15 (no ephemeralcontainers subresource): one line saying they are disabled, exit 1, the pod unchanged', async () => {
      const old = await at('v1.15.12');
      try {
        const r = await run(old, ['distroless', '--debug-image', 'python:3.12-slim']);
        assert.deepEqual([r.code, r.out], [1, '']);
        assert.match(
          r.err,
          /^kubectl-airflow: ephemeral containers are disabled for this cluster \(HTTP 404 on PATCH \/api\/v1\/namespaces\/airflow\/pods\/distroless\/ephemeralcontainers\)/,
        );
        assert.equal(
          ((old.store.get('pods', 'airflow', 'distroless') as KubeObject).spec as { ephemeralContainers?: unknown[] })
            .ephemeralContainers,
          undefined,
        );
      } finally {
        await old.stop();
      }
    });
  });

  withSim('net-egress-blocked', (sim) => {
    for (const p of FULL) {
      it(`egress blocked after DNAT (${p}): TCP FAIL timeout, the NetworkPolicy named with the ipBlock fix`, async () => {
        const pod = 'etl-daily-extract-orders-h3k9w2qz';
        const { item, code } = await report(sim(), p === 'py' ? pod : twin(sim(), pod, `${pod}-curl`));
        assert.equal(code, 1);
        assert.equal(item.probe, PROBE[p]);
        assert.equal(item.container, 'base');
        assert.equal(item.firstFailure, 'tcp');
        assert.deepEqual(
          [layer(item, 'env').verdict, layer(item, 'files').verdict, layer(item, 'dns').verdict],
          ['OK', 'OK', 'OK'],
        );
        assert.match(text(layer(item, 'tcp')), /no connection to the service 10\.96\.0\.1:443: timeout/);
        assert.match(layer(item, 'tcp').remedy ?? '', /NetworkPolicy airflow-worker-egress/);
        const pol = layer(item, 'policy');
        assert.equal(pol.verdict, 'FAIL');
        assert.match(text(pol), /airflow-worker-egress allows the ClusterIP:443 only/);
        for (const ip of ['10.0.0.11', '10.0.0.12', '10.0.0.13'])
          assert.match(pol.remedy ?? '', new RegExp(`cidr: ${ip.replace(/\./g, '\\.')}/32`));
        assert.match(pol.remedy ?? '', /port: 6443/);
      });
    }

    it('the NetworkPolicy the fix prints, applied as copied from the text output, lets the pod reach the API server', async () => {
      const pod = 'etl-daily-extract-orders-h3k9w2qz';
      const r = await run(sim(), [pod]);
      assert.equal(r.code, 1, r.err);
      // what a person copies: from the line after the Fix text to the end of the YAML
      const lines = r.out.split('\n');
      const at = lines.findIndex((l) => /apply this NetworkPolicy \(kubectl apply -f -\)/.test(l));
      assert.ok(at > 0, r.out);
      const rest = lines.slice(at + 1);
      const end = rest.findIndex((l) => l.trim() !== '' && !/^[ a-zA-Z-]/.test(l));
      const manifest = rest.slice(0, end < 0 ? undefined : end).join('\n');
      const doc = parseYaml(manifest) as KubeObject & {
        spec: { podSelector: { matchLabels: Record<string, string> } };
      };
      assert.equal(doc.kind, 'NetworkPolicy');
      assert.equal(doc.metadata.namespace, 'airflow');
      // the chart's labels: every worker pod, not this task's try
      assert.deepEqual(doc.spec.podSelector.matchLabels, { component: 'worker', release: 'airflow', tier: 'airflow' });
      const before = JSON.stringify(
        sim()
          .store.list('networkpolicies', { namespace: 'airflow' })
          .items.map((o) => o.metadata.name),
      );
      sim().store.apply(doc);
      try {
        const { item, code } = await report(sim(), pod);
        assert.equal(code, 0, JSON.stringify(item.layers));
        assert.equal(layer(item, 'tcp').verdict, 'OK');
        assert.equal(layer(item, 'policy').verdict, 'OK');
      } finally {
        sim().store.delete('networkpolicies', 'airflow', 'allow-kube-apiserver-egress');
        assert.equal(
          JSON.stringify(
            sim()
              .store.list('networkpolicies', { namespace: 'airflow' })
              .items.map((o) => o.metadata.name),
          ),
          before,
        );
      }
    });

    // The scenario's other pods (no policy selects them) pass every layer: e2e/pod-network.
  });

  withSim('net-dns-broken', (sim) => {
    it("the scenario engineer's broken-DNS pod: DNS FAIL, TCP/TLS/HTTP by IP OK", async () => {
      const pods = sim().store.list('pods', { namespace: 'airflow' }).items;
      const target = pods.find((p) => p.metadata.annotations?.['sim.kubectl-airflow.dev/dns'] === 'broken');
      assert.ok(target, 'a pod with dns: broken');
      for (const name of [target.metadata.name, twin(sim(), target.metadata.name, `${target.metadata.name}-curl`)]) {
        const { item, code } = await report(sim(), name);
        assert.equal(code, 1);
        assert.equal(item.firstFailure, 'dns');
        assert.deepEqual(
          [layer(item, 'tcp').verdict, layer(item, 'tls').verdict, layer(item, 'http').verdict],
          ['OK', 'OK', 'OK'],
          `${name} (${item.probe})`,
        );
        assert.match(text(layer(item, 'tcp')), /service 10\.96\.0\.1:443: 5\/5 connected/);
      }
    });
  });

  withSim('net-stale-endpoint', (sim) => {
    for (const p of FULL) {
      it(`stale endpoint (${p}): some attempts fail, the dead endpoint is named`, async () => {
        const { item, code } = await report(sim(), podFor(sim(), 'stale', p), ['--attempts', '9']);
        assert.equal(code, 1);
        assert.equal(item.probe, PROBE[p]);
        assert.equal(item.firstFailure, 'tcp');
        const tcp = text(layer(item, 'tcp'));
        // stale by the control plane's word: its Lease is not renewed and its node NotReady
        assert.match(
          tcp,
          /endpoint 10\.0\.0\.13:6443 never connected \(refused\): a stale endpoint, Lease \S+ renewed \d+[smhd]\w* ago; node cp-3 is NotReady/,
        );
        assert.match(tcp, /endpoint 10\.0\.0\.11:6443: (\d)\/\1 connected/);
        // kube-proxy picks endpoints at random: with 9 attempts at 1/3 each, all-good has probability (2/3)^9 < 3%
        assert.match(tcp, /service 10\.96\.0\.1:443: \d\/9 connected/);
        assert.match(layer(item, 'tcp').remedy ?? '', /stale endpoint/);
        // the replica is down with "refused": told apart from a timeout
        assert.match(tcp, /endpoint 10\.0\.0\.13:6443: 0\/4 connected \(4 refused\)/);
      });
    }

    it('ha --from a pod with curl and no python (readyz mode of probe.sh): the dead replica named, the others ready', async () => {
      const pod = podFor(sim(), 'stale', 'curl');
      sim().log.reset();
      const { code, out } = await runMain([
        'ha',
        '--kubeconfig',
        sim().kubeconfigPath,
        '--from',
        pod,
        '-n',
        'airflow',
        '-o',
        'json',
      ]);
      const doc = JSON.parse(out) as {
        from: { results: { address: string; ok: boolean; status?: number; error?: string }[] };
      };
      const results = doc.from.results.map((x) => [x.address, x.ok, x.status ?? x.error]);
      assert.deepEqual(results.slice(0, 2), [
        ['10.0.0.11', true, 200],
        ['10.0.0.12', true, 200],
      ]);
      assert.deepEqual(results[2].slice(0, 2), ['10.0.0.13', false]);
      assert.match(String(results[2][2]), /TCP connect: refused/);
      assert.equal(code, 1);
      const execs = sim().log.entries.filter((e) => e.subresource === 'exec' && e.name === pod);
      assert.equal(execs.length, 2, 'python3 first (missing), then sh');
    });

    it('stale endpoint (shell only): TCP cannot be checked; the report says which tools are missing', async () => {
      const { item } = await report(sim(), 'stale-sh');
      assert.equal(layer(item, 'tcp').verdict, 'SKIP');
    });
  });

  describe('one stale endpoint of three, refused or dropped: ten runs give the same verdicts', () => {
    // net-stale-endpoint as it is (the dead replica refuses), and with its packets dropped instead
    // (a dead machine): kube-proxy sends each connection to a random endpoint, so a verdict that
    // rested on one attempt through the ClusterIP would change from run to run.
    let dir: string;
    const sims: Sim[] = [];
    before(function () {
      skipWithoutIsolatedNetwork(this, "net needs the sim's isolated pod network");
      dir = mkdtempSync(path.join(tmpdir(), 'net-stale-'));
    });
    after(async () => {
      for (const s of sims) await s.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const scenario = async (failure: 'refused' | 'timeout'): Promise<Sim> => {
      const file = path.join(dir, `net-stale-${failure}.yaml`);
      const yaml = readFileSync(new URL('../scenarios/net-stale-endpoint.yaml', import.meta.url), 'utf8');
      const changed = yaml.replace('alive: false, failure: refused', `alive: false, failure: ${failure}`);
      assert.ok(changed.includes(`failure: ${failure}`));
      writeFileSync(file, changed);
      const s = await startSim({ scenario: file });
      sims.push(s);
      return s;
    };
    /** What must not change between runs: every verdict, the first failure and every remedy. */
    const outcome = (item: Item) => ({
      firstFailure: item.firstFailure,
      layers: item.layers.map((l) => `${l.layer} ${l.verdict} ${l.remedy ?? ''}`),
    });

    for (const failure of ['refused', 'timeout'] as const) {
      for (const p of FULL) {
        it(`${failure === 'refused' ? 'refused' : 'dropped'} (${p}): TCP FAIL naming the stale endpoint; TLS, HTTP and permissions OK, every run alike`, async () => {
          const s = await scenario(failure);
          const pod = podFor(s, 'stale', p);
          const runs: ReturnType<typeof outcome>[] = [];
          let last: Item | undefined;
          for (let i = 0; i < 10; i++) {
            const { item, code } = await report(s, pod, ['--probe-timeout', '1']);
            assert.equal(code, 1);
            runs.push(outcome(item));
            last = item;
          }
          for (const r of runs) assert.deepEqual(r, runs[0]);
          assert.ok(last);
          assert.equal(last.firstFailure, 'tcp');
          const words = failure === 'refused' ? 'refused' : 'timed out';
          assert.match(
            text(layer(last, 'tcp')),
            new RegExp(`endpoint 10\\.0\\.0\\.13:6443 never connected \\(${words}\\): a stale endpoint`),
          );
          assert.match(layer(last, 'tcp').remedy ?? '', /remove the stale endpoint/);
          assert.deepEqual(
            [layer(last, 'tls').verdict, layer(last, 'http').verdict, layer(last, 'access').verdict],
            ['OK', 'OK', 'OK'],
          );
          // the endpoints that answer were each tried directly, verified as the service IP
          assert.match(
            text(layer(last, 'tls')),
            /(with|and) 2 endpoint\(s\) directly \(10\.0\.0\.11:6443, 10\.0\.0\.12:6443\)/,
          );
          assert.match(
            text(layer(last, 'tls')),
            /not counted here \(no TCP connection, see TCP\):.*endpoint 10\.0\.0\.13:6443/,
          );
        });
      }
    }
  });

  withSim('net-blackholed', (sim) => {
    for (const p of ['py', 'curl', 'sh'] as const) {
      it(`everything blackholed (${p}): returns within the documented bound with DNS and TCP FAIL`, async () => {
        const timeout = 1;
        const { item, code, ms } = await report(sim(), podFor(sim(), 'blackholed', p), [
          '--probe-timeout',
          String(timeout),
        ]);
        assert.equal(code, 1);
        assert.equal(item.firstFailure, 'dns');
        assert.equal(layer(item, 'policy').verdict, 'FAIL');
        if (p !== 'sh')
          assert.match(text(layer(item, 'tcp')), /no connection to the service 10\.96\.0\.1:443: timeout/);
        // the bound: two probe exec caps (python-first, then sh), plus a few API reads (generous: 10 s for the reads)
        const bound = 2 * probeExecTimeoutMs(timeout) + 10_000;
        assert.ok(ms < bound, `${ms} ms < ${bound} ms`);
        console.log(`      (blackholed ${p}: ${ms} ms at --probe-timeout ${timeout}s; bound ${bound} ms)`);
      });
    }
  });
});
