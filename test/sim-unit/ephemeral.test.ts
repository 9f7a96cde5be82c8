// The sim's pods/ephemeralcontainers decisions (test/sim/ephemeral.ts) and the image profile of an
// ephemeral container (pod-files.ts), without a server. The refusal wording is the sim's (field
// paths and reasons as kube-apiserver's validation names them); real kubectl debug against the sim is
// in conformance/kubectl-debug.
import assert from 'node:assert/strict';
import { addEphemeralContainers, ephemeralView, requestedContainers } from '../sim/ephemeral.ts';
import { ephemeralImageProfile } from '../sim/exec/pod-files.ts';
import type { KubeObject } from '../sim/types.ts';

const pod = (ephemeralContainers?: unknown[]): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: 'u1', resourceVersion: '7' },
    spec: {
      containers: [{ name: 'base', image: 'distroless' }],
      ...(ephemeralContainers ? { ephemeralContainers } : {}),
    },
    status: { phase: 'Running' },
  }) as unknown as KubeObject;

describe('sim: ephemeral containers', () => {
  it('adds a new container and starts it; the rest of the pod is kept as stored', () => {
    const r = addEphemeralContainers(
      pod(),
      [{ name: 'dbg', image: 'busybox', targetContainerName: 'base' }],
      '2026-11-22T00:00:00Z',
    );
    assert.ok('pod' in r);
    const spec = r.pod.spec as { containers: unknown[]; ephemeralContainers: Array<{ name: string }> };
    assert.deepEqual(
      spec.ephemeralContainers.map((c) => c.name),
      ['dbg'],
    );
    assert.deepEqual(spec.containers, [{ name: 'base', image: 'distroless' }]);
    const st = (r.pod.status as { ephemeralContainerStatuses: Array<{ name: string; state: unknown }> })
      .ephemeralContainerStatuses;
    assert.deepEqual(
      st.map((s) => [s.name, s.state]),
      [['dbg', { running: { startedAt: '2026-11-22T00:00:00Z' } }]],
    );
  });

  it('refuses changing or removing an existing one, a duplicate name, a missing image', () => {
    const existing = { name: 'dbg', image: 'busybox' };
    const causes = (wanted: unknown[]) => {
      const r = addEphemeralContainers(pod([existing]), wanted as never, 'now');
      return 'causes' in r ? r.causes.map((c) => `${c.field}: ${c.message}`) : [];
    };
    assert.deepEqual(causes([{ name: 'dbg', image: 'busybox:1.37' }]), [
      'spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be changed',
    ]);
    assert.deepEqual(causes([]), [
      'spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be removed',
    ]);
    assert.deepEqual(causes([existing, { name: 'base', image: 'x' }]), [
      'spec.ephemeralContainers[1].name: Duplicate value: "base"',
    ]);
    assert.deepEqual(causes([existing, { name: 'two' }]), ['spec.ephemeralContainers[1].image: Required value']);
    // the same container sent back with its keys in another order is unchanged
    assert.deepEqual(
      causes([
        { image: 'busybox', name: 'dbg' },
        { name: 'two', image: 'x' },
      ]),
      [],
    );
  });

  it('before 1.22 the subresource shows the EphemeralContainers kind, and reads its top-level list', () => {
    const v = ephemeralView(pod([{ name: 'a', image: 'i' }]), true) as unknown as {
      kind: string;
      ephemeralContainers: unknown[];
      metadata: { resourceVersion: string };
    };
    assert.deepEqual(
      [v.kind, v.ephemeralContainers.length, v.metadata.resourceVersion],
      ['EphemeralContainers', 1, '7'],
    );
    assert.deepEqual(requestedContainers({ ephemeralContainers: [{ name: 'b' }] } as never, true), [{ name: 'b' }]);
    // a 1.22+ patch shape sent to the legacy kind changes nothing (what makes kubectl debug fall back)
    assert.deepEqual(requestedContainers({ spec: { ephemeralContainers: [{ name: 'b' }] } } as never, true), []);
    assert.equal(ephemeralView(pod(), false).kind, 'Pod');
  });

  it('image profile: the scenario mapping first (a tagless entry matches every tag), else by name', () => {
    const mapping = 'gcr.io/distroless/static=none, busybox=shell, my/tools:1=shell-curl, bad=nonsense';
    assert.equal(ephemeralImageProfile('gcr.io/distroless/static', mapping), 'none');
    assert.equal(ephemeralImageProfile('busybox:1.36', mapping), 'shell');
    assert.equal(ephemeralImageProfile('my/tools:1', mapping), 'shell-curl');
    assert.equal(ephemeralImageProfile('my/tools:2', mapping), 'shell', 'a tagged entry matches only its tag');
    assert.equal(ephemeralImageProfile('python:3.12-slim', undefined), 'python');
    assert.equal(ephemeralImageProfile('apache/airflow:3.0.2', undefined), 'python');
    assert.equal(ephemeralImageProfile('curlimages/curl:8.10.1', undefined), 'shell-curl');
    assert.equal(ephemeralImageProfile('bad', mapping), 'shell', 'an unknown profile in the mapping is ignored');
    assert.equal(ephemeralImageProfile('alpine:3.20', undefined), 'shell');
  });
});
