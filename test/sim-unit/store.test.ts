// The simulator's object store: metadata the apiserver fills, label and field selectors with
// k8s.io/apimachinery semantics, and limit/continue paging.
import assert from 'node:assert/strict';
import { Store, StoreError } from '../sim/store.ts';
import { matchesLabels, parseLabelSelector, SelectorError } from '../sim/selectors.ts';
import type { KubeObject } from '../sim/types.ts';

const pod = (
  ns: string,
  name: string,
  labels: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  ...extra,
});

function names(items: KubeObject[]): string[] {
  return items.map((o) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name));
}

describe('sim store', () => {
  let store: Store;
  beforeEach(() => {
    store = new Store();
    store.apply([
      pod('b', 'web-1', { app: 'web', tier: 'front' }, { spec: { nodeName: 'n1' }, status: { phase: 'Running' } }),
      pod('a', 'web-0', { app: 'web' }, { spec: { nodeName: 'n2' }, status: { phase: 'Running' } }),
      pod('a', 'db-0', { app: 'db', tier: 'back' }, { spec: { nodeName: 'n1' }, status: { phase: 'Pending' } }),
      pod('a', 'plain'),
    ]);
  });

  it('fills uid, resourceVersion and creationTimestamp; resourceVersion grows', () => {
    const a = store.get('pods', 'a', 'web-0')!;
    const b = store.get('pods', 'b', 'web-1')!;
    assert.match(a.metadata.uid!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.notEqual(a.metadata.uid, b.metadata.uid);
    assert.ok(Number(a.metadata.resourceVersion) > Number(b.metadata.resourceVersion));
    assert.match(a.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const [updated] = store.apply(pod('a', 'web-0', { app: 'web', v: '2' }));
    assert.equal(updated.metadata.uid, a.metadata.uid, 'an update keeps the uid');
    assert.ok(Number(updated.metadata.resourceVersion) > Number(a.metadata.resourceVersion));
  });

  it('lists in etcd key order (namespace, then name) and within a namespace', () => {
    assert.deepEqual(names(store.list('pods').items), ['a/db-0', 'a/plain', 'a/web-0', 'b/web-1']);
    assert.deepEqual(names(store.list('pods', { namespace: 'b' }).items), ['b/web-1']);
  });

  it('returns copies: mutating a result does not change the store', () => {
    const p = store.get('pods', 'a', 'web-0')!;
    p.metadata.labels!.app = 'changed';
    assert.equal(store.get('pods', 'a', 'web-0')!.metadata.labels!.app, 'web');
  });

  const labelCases: [string, string[]][] = [
    ['app=web', ['a/web-0', 'b/web-1']],
    ['app==web', ['a/web-0', 'b/web-1']],
    ['app!=web', ['a/db-0', 'a/plain']], // != also matches objects without the label
    ['app in (web,db)', ['a/db-0', 'a/web-0', 'b/web-1']],
    ['app notin (web)', ['a/db-0', 'a/plain']], // notin also matches objects without the label
    ['tier', ['a/db-0', 'b/web-1']],
    ['!tier', ['a/plain', 'a/web-0']],
    ['app=web,tier=front', ['b/web-1']],
    ['app in (web, db),!tier', ['a/web-0']],
    ['', ['a/db-0', 'a/plain', 'a/web-0', 'b/web-1']],
  ];
  for (const [sel, want] of labelCases) {
    it(`label selector "${sel}"`, () => {
      assert.deepEqual(names(store.list('pods', { labelSelector: sel }).items), want);
    });
  }

  it('rejects malformed label selectors', () => {
    assert.throws(() => parseLabelSelector('app=we b'), SelectorError);
    assert.throws(() => parseLabelSelector('-app=web'), SelectorError);
    assert.equal(matchesLabels(parseLabelSelector('x in ()'), { x: '' }), false);
  });

  const fieldCases: [string, string[]][] = [
    ['metadata.name=web-0', ['a/web-0']],
    ['metadata.namespace=b', ['b/web-1']],
    ['status.phase=Running', ['a/web-0', 'b/web-1']],
    ['status.phase!=Running', ['a/db-0', 'a/plain']],
    ['spec.nodeName=n1', ['a/db-0', 'b/web-1']],
    ['spec.nodeName==n1,status.phase=Running', ['b/web-1']],
  ];
  for (const [sel, want] of fieldCases) {
    it(`field selector "${sel}"`, () => {
      assert.deepEqual(names(store.list('pods', { fieldSelector: sel }).items), want);
    });
  }

  it('refuses field labels the resource does not support, with the apiserver messages', () => {
    assert.throws(() => store.list('pods', { fieldSelector: 'spec.foo=bar' }), {
      message: 'field label not supported: spec.foo',
    });
    assert.throws(() => store.list('configmaps', { fieldSelector: 'data.x=1' }), {
      message: '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
    });
  });

  it('pages with limit and continue, with remainingItemCount when unfiltered', () => {
    const p1 = store.list('pods', { limit: 3 });
    assert.deepEqual(names(p1.items), ['a/db-0', 'a/plain', 'a/web-0']);
    assert.equal(p1.remainingItemCount, 1);
    assert.ok(p1.continue);
    const p2 = store.list('pods', { limit: 3, continue: p1.continue });
    assert.deepEqual(names(p2.items), ['b/web-1']);
    assert.equal(p2.continue, undefined);
    assert.equal(p2.resourceVersion, p1.resourceVersion, 'every page reports the resourceVersion of the first');
  });

  it('pages a filtered list without a remaining count and never repeats an item', () => {
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = store.list('pods', { labelSelector: 'app', limit: 1, continue: cont });
      assert.equal(page.remainingItemCount, undefined);
      seen.push(...names(page.items));
      cont = page.continue;
      pages++;
    } while (cont && pages < 10);
    assert.deepEqual(seen, ['a/db-0', 'a/web-0', 'b/web-1']);
  });

  it('rejects a continue token it did not issue', () => {
    assert.throws(
      () => store.list('pods', { continue: 'garbage' }),
      (e: unknown) => e instanceof StoreError && e.code === 400,
    );
  });

  it('create refuses an existing name; delete removes; cluster-scoped objects have no namespace', () => {
    assert.throws(
      () => store.create(pod('a', 'web-0')),
      (e: unknown) => e instanceof StoreError && e.code === 409,
    );
    assert.ok(store.delete('pods', 'a', 'web-0'));
    assert.equal(store.get('pods', 'a', 'web-0'), undefined);
    assert.equal(store.delete('pods', 'a', 'web-0'), undefined);
    const [ns] = store.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', namespace: 'ignored' } });
    assert.equal(ns.metadata.namespace, undefined);
    assert.equal(ns.metadata.labels!['kubernetes.io/metadata.name'], 'x');
    assert.deepEqual(ns.status, { phase: 'Active' });
  });

  it('resolves resources by plural, plural.group, group/version/resource and refuses unknown kinds', () => {
    store.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'a' } });
    assert.ok(store.get('deployments', 'a', 'd'));
    assert.ok(store.get('deployments.apps', 'a', 'd'));
    assert.ok(store.get('apps/v1/deployments', 'a', 'd'));
    assert.throws(
      () => store.apply({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
      /no matches for kind "Widget"/,
    );
  });

  it('notifies listeners of changes', () => {
    const events: string[] = [];
    store.onChange((e) => events.push(`${e.type} ${e.resource.resource} ${e.object.metadata.name}`));
    store.apply(pod('a', 'new'));
    store.apply(pod('a', 'new', { x: 'y' }));
    store.delete('pods', 'a', 'new');
    assert.deepEqual(events, ['ADDED pods new', 'MODIFIED pods new', 'DELETED pods new']);
  });
});
