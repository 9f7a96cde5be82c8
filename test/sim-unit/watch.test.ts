// Watch as kube-apiserver serves it, through the real HTTPS server: the watch parameter decoded as
// apimachinery decodes booleans, resuming from a resourceVersion, 410 for a compacted one,
// timeoutSeconds, bookmarks, "cannot watch", and faults that end a watch or make it go silent.
import assert from 'node:assert/strict';
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { startSim, type Sim } from '../sim/index.ts';
import { queryBool, requestInfo } from '../sim/request-info.ts';

interface Event {
  type: string;
  object: {
    kind?: string;
    code?: number;
    reason?: string;
    message?: string;
    metadata?: { name?: string; resourceVersion?: string };
  };
}

interface Watch {
  code: Promise<number>;
  events: Event[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  body: Promise<string>;
  req: ClientRequest;
}

function watch(sim: Sim, path: string, token: string): Watch {
  const events: Event[] = [];
  let setCode!: (c: number) => void;
  let setEnded!: () => void;
  let setBody!: (b: string) => void;
  const code = new Promise<number>((r) => (setCode = r));
  const ended = new Promise<void>((r) => (setEnded = r));
  const body = new Promise<string>((r) => (setBody = r));
  const req = request(
    `${sim.url}${path}`,
    { ca: sim.caPem, agent: false, headers: { authorization: `Bearer ${token}` } },
    (res) => {
      setCode(res.statusCode!);
      let buf = '';
      let all = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        all += c.toString();
        let i;
        while (res.statusCode === 200 && (i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)) as Event);
          buf = buf.slice(i + 1);
        }
      });
      res.on('end', () => {
        setBody(all);
        setEnded();
      });
    },
  );
  req.on('error', () => setEnded());
  req.end();
  return { code, events, ended, body, req };
}

/** Waits until `pred` holds; polls. The guard only keeps a broken stream from hanging the run past mocha's timeout. */
async function until(pred: () => boolean): Promise<void> {
  const guard = Date.now() + 30_000;
  while (!pred()) {
    if (Date.now() > guard) throw new Error('gave up waiting for the stream');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cm = (name: string, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'team-a', labels: { watched: 'yes' } },
  data,
});
const seen = (w: Watch) => w.events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`.trim());

describe('sim watch', function () {
  this.timeout(20_000);
  let sim: Sim;
  let alice: string;
  before(async () => {
    sim = await startSim({ scenario: 'minimal' });
    alice = sim.tokenFor('alice')!;
  });
  after(async () => sim.stop());
  afterEach(() => sim.faults.clear());

  describe('the watch parameter, decoded as apimachinery decodes booleans', () => {
    const cases: [string, string][] = [
      ['watch=true', 'watch'],
      ['watch=True', 'watch'],
      ['watch=1', 'watch'],
      ['watch=', 'watch'],
      ['watch=yes', 'watch'],
      ['watch=false', 'list'],
      ['watch=FALSE', 'list'],
      ['watch=0', 'list'],
      ['', 'list'],
    ];
    for (const [q, verb] of cases) {
      it(`GET /api/v1/pods?${q} is ${verb}`, () => {
        assert.equal(requestInfo('GET', '/api/v1/pods', new URLSearchParams(q)).verb, verb);
      });
    }
    it('a named GET stays get whatever ?watch says; the /watch/ prefix watches one object', () => {
      assert.equal(requestInfo('GET', '/api/v1/namespaces/a/pods/p', new URLSearchParams('watch=true')).verb, 'get');
      assert.equal(requestInfo('GET', '/api/v1/watch/namespaces/a/pods/p', new URLSearchParams()).verb, 'watch');
      assert.equal(queryBool(new URLSearchParams('allowWatchBookmarks=True'), 'allowWatchBookmarks'), true);
    });
  });

  it('?watch=True (the Python client) streams ADDED for what exists, then MODIFIED for a change made during it', async () => {
    sim.store.apply(cm('py-1'));
    const w = watch(sim, '/api/v1/namespaces/team-a/configmaps?watch=True&labelSelector=watched%3Dyes', alice);
    assert.equal(await w.code, 200);
    await until(() => w.events.length >= 1);
    sim.store.apply(cm('py-1', { changed: 'yes' }));
    await until(() => w.events.length >= 2);
    w.req.destroy();
    assert.deepEqual(seen(w).slice(0, 2), ['ADDED py-1', 'MODIFIED py-1']);
    sim.store.delete('configmaps', 'team-a', 'py-1');
  });

  it('from a resourceVersion: only the changes after it, deletions included', async () => {
    const start = sim.store.resourceVersion;
    sim.store.apply(cm('rv-1'));
    sim.store.apply(cm('rv-1', { a: 'b' }));
    sim.store.delete('configmaps', 'team-a', 'rv-1');
    const w = watch(
      sim,
      `/api/v1/namespaces/team-a/configmaps?watch=1&resourceVersion=${start}&timeoutSeconds=1`,
      alice,
    );
    await w.ended;
    assert.deepEqual(seen(w), ['ADDED rv-1', 'MODIFIED rv-1', 'DELETED rv-1']);
    const rvs = w.events.map((e) => Number(e.object.metadata!.resourceVersion));
    assert.deepEqual(
      [...rvs].sort((a, b) => a - b),
      rvs,
      'resourceVersions increase',
    );
  });

  it('an object moving into or out of the selection is ADDED or DELETED for that watch', async () => {
    const start = sim.store.resourceVersion;
    const labelled = (v: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'mover', namespace: 'team-a', labels: { lane: v } },
    });
    sim.store.apply(labelled('out'));
    sim.store.apply(labelled('in'));
    sim.store.apply({ ...labelled('in'), data: { a: 'b' } });
    sim.store.apply(labelled('out'));
    sim.store.delete('configmaps', 'team-a', 'mover');
    const w = watch(
      sim,
      `/api/v1/namespaces/team-a/configmaps?watch=true&resourceVersion=${start}&timeoutSeconds=1&labelSelector=lane%3Din`,
      alice,
    );
    await w.ended;
    assert.deepEqual(seen(w), ['ADDED mover', 'MODIFIED mover', 'DELETED mover']);
  });

  it('a resourceVersion compacted away: one ERROR event with a 410 Expired Status, then the end', async () => {
    const old = sim.store.resourceVersion;
    sim.store.apply(cm('gone'));
    sim.store.compact();
    const w = watch(sim, `/api/v1/namespaces/team-a/configmaps?watch=true&resourceVersion=${old}`, alice);
    await w.ended;
    assert.equal(w.events.length, 1);
    assert.equal(w.events[0].type, 'ERROR');
    assert.equal(w.events[0].object.kind, 'Status');
    assert.equal(w.events[0].object.code, 410);
    assert.equal(w.events[0].object.reason, 'Expired');
    assert.match(w.events[0].object.message!, new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`));
    sim.store.delete('configmaps', 'team-a', 'gone');
  });

  it('timeoutSeconds ends the stream; allowWatchBookmarks sends a BOOKMARK before it', async () => {
    const w = watch(
      sim,
      '/api/v1/namespaces/team-a/configmaps?watch=true&resourceVersion=0&timeoutSeconds=3&allowWatchBookmarks=true&labelSelector=none%3Dnone',
      alice,
    );
    await w.ended;
    assert.deepEqual(
      w.events.map((e) => e.type),
      ['BOOKMARK'],
    );
    assert.equal(w.events[0].object.kind, 'ConfigMap');
    assert.match(w.events[0].object.metadata!.resourceVersion!, /^\d+$/);
  });

  it('a user who may not watch gets 403 "cannot watch"', async () => {
    const w = watch(sim, '/api/v1/namespaces/team-a/configmaps?watch=True', sim.tokenFor('bob')!);
    assert.equal(await w.code, 403);
    assert.match(
      await w.body,
      /cannot watch resource \\"configmaps\\" in API group \\"\\" in the namespace \\"team-a\\"/,
    );
  });

  it('fault: the server closes the watch after N seconds', async () => {
    sim.faults.set([{ path: '/configmaps$', watchCloseAfterSeconds: 1 }]);
    const w = watch(sim, '/api/v1/namespaces/team-a/configmaps?watch=true&labelSelector=none%3Dnone', alice);
    assert.equal(await w.code, 200);
    await w.ended;
    assert.deepEqual(w.events, []);
  });

  it('fault: the watch goes silent while the connection stays open', async () => {
    sim.faults.set([{ path: '/configmaps$', watchSilentAfterSeconds: 0 }]);
    const w = watch(sim, '/api/v1/namespaces/team-a/configmaps?watch=true&labelSelector=phase%3Dsilent', alice);
    assert.equal(await w.code, 200);
    let ended = false;
    void w.ended.then(() => (ended = true));
    // a change the watch would carry, then a second watch that sees it: the first stays open and silent
    await new Promise((r) => setTimeout(r, 50));
    sim.store.apply({ ...cm('silent-1'), metadata: { ...cm('silent-1').metadata, labels: { phase: 'silent' } } });
    sim.faults.clear();
    const control = watch(sim, '/api/v1/namespaces/team-a/configmaps?watch=true&labelSelector=phase%3Dsilent', alice);
    await until(() => control.events.length >= 1);
    control.req.destroy();
    assert.deepEqual(w.events, []);
    assert.equal(ended, false);
    assert.equal(w.req.socket?.destroyed, false);
    w.req.destroy();
    sim.store.delete('configmaps', 'team-a', 'silent-1');
  });
});
