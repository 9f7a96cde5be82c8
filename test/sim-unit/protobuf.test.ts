// The protobuf review decoder against bodies captured from real kubectl 1.33
// (`kubectl auth can-i ...` pointed at a capture server; see fixtures/), and against hand-built messages.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  decodeEnvelope,
  decodeFields,
  decodeReview,
  encodeEnvelope,
  isProtobufEnvelope,
  lenField,
  ProtobufError,
} from '../sim/protobuf.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

describe('sim protobuf: kubectl 1.33 bodies', () => {
  it('envelope: magic, typeMeta, raw, empty encoding and content type', () => {
    const body = fixture('kubectl-1.33-ssar-subresource-as-sa.pb');
    assert.ok(isProtobufEnvelope(body));
    const u = decodeEnvelope(body);
    assert.equal(u.apiVersion, 'authorization.k8s.io/v1');
    assert.equal(u.kind, 'SelfSubjectAccessReview');
    assert.equal(u.contentEncoding, '');
    assert.equal(u.contentType, '');
    assert.ok(u.raw.length > 0);
  });

  it('`auth can-i get pods --subresource=log -n team-a` (sent with --as an SA)', () => {
    assert.deepEqual(decodeReview(fixture('kubectl-1.33-ssar-subresource-as-sa.pb')), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'team-a', verb: 'get', resource: 'pods', subresource: 'log' } },
    });
  });

  it('`auth can-i create pods/exec` is resource pods named exec (kubectl reads TYPE/NAME)', () => {
    assert.deepEqual(decodeReview(fixture('kubectl-1.33-ssar-name.pb')).spec, {
      resourceAttributes: { namespace: 'airflow', verb: 'create', resource: 'pods', name: 'exec' },
    });
  });

  it('`auth can-i get /healthz`', () => {
    assert.deepEqual(decodeReview(fixture('kubectl-1.33-ssar-nonresource.pb')).spec, {
      nonResourceAttributes: { path: '/healthz', verb: 'get' },
    });
  });

  it('`auth can-i --list` sends a SelfSubjectRulesReview in protobuf too', () => {
    assert.deepEqual(decodeReview(fixture('kubectl-1.33-ssrr-list.pb')), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      metadata: {},
      spec: { namespace: 'airflow' },
    });
  });

  it('decodes to the same spec kubectl 1.27 sends as JSON', () => {
    for (const name of ['ssar-subresource-as-sa', 'ssar-name', 'ssar-nonresource', 'ssrr-list']) {
      const json = JSON.parse(readFileSync(new URL(`./fixtures/kubectl-1.27-${name}.json`, import.meta.url), 'utf8'));
      const pb = decodeReview(fixture(`kubectl-1.33-${name}.pb`));
      assert.equal(pb.kind, json.kind, name);
      assert.deepEqual(pb.spec, json.spec, name);
    }
  });
});

describe('sim protobuf: wire format', () => {
  it('SubjectAccessReview spec: user, groups, extra map, uid', () => {
    const ra = Buffer.concat([lenField(1, 'airflow'), lenField(2, 'create'), lenField(5, 'pods'), lenField(6, 'exec')]);
    const extraEntry = Buffer.concat([
      lenField(1, 'scopes'),
      lenField(2, Buffer.concat([lenField(1, 'a'), lenField(1, 'b')])),
    ]);
    const spec = Buffer.concat([
      lenField(1, ra),
      lenField(3, 'system:serviceaccount:airflow:w'),
      lenField(4, 'g1'),
      lenField(4, 'g2'),
      lenField(5, extraEntry),
      lenField(6, 'u-1'),
    ]);
    const raw = Buffer.concat([lenField(1, lenField(3, 'ns1')), lenField(2, spec)]);
    assert.deepEqual(decodeReview(encodeEnvelope('authorization.k8s.io/v1', 'LocalSubjectAccessReview', raw)), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'LocalSubjectAccessReview',
      metadata: { namespace: 'ns1' },
      spec: {
        resourceAttributes: { namespace: 'airflow', verb: 'create', resource: 'pods', subresource: 'exec' },
        user: 'system:serviceaccount:airflow:w',
        groups: ['g1', 'g2'],
        extra: { scopes: ['a', 'b'] },
        uid: 'u-1',
      },
    });
  });

  it('varints, fixed widths and multi-byte lengths', () => {
    const long = 'x'.repeat(300);
    const buf = Buffer.concat([
      Buffer.from([0x08, 0xac, 0x02]),
      Buffer.from([0x11, 1, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from([0x1d, 2, 0, 0, 0]),
      lenField(4, long),
    ]);
    const f = decodeFields(buf);
    assert.deepEqual(
      f.map((x) => [x.no, x.wire, x.int]),
      [
        [1, 0, 300n],
        [2, 1, 1n],
        [3, 5, 2n],
        [4, 2, undefined],
      ],
    );
    assert.equal(f[3]!.bytes!.toString(), long);
  });

  it('rejects truncated input, a missing magic and unknown kinds', () => {
    assert.throws(() => decodeFields(Buffer.from([0x0a, 0x05, 0x61])), ProtobufError);
    assert.throws(() => decodeFields(Buffer.from([0x08])), ProtobufError);
    assert.throws(() => decodeEnvelope(Buffer.from('{"kind":"x"}')), /expected prefix \[107 56 115 0\]/);
    assert.throws(
      () => decodeReview(encodeEnvelope('v1', 'Pod', Buffer.alloc(0))),
      /no protobuf decoder for kind "Pod"/,
    );
  });
});
