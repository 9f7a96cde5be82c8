// The probe's readyz document (src/net/probe.py and probe.sh share its shape) -> one result per endpoint.
import assert from 'node:assert/strict';
import { parseProbeOutput, probeInput } from '../../src/ha/from-pod.ts';

describe('ha --from: reading the in-pod probe', () => {
  it('sends the endpoints as data in readyz mode', () => {
    assert.deepEqual(JSON.parse(probeInput([{ address: '10.0.0.11', port: 6443 }], 2)), { mode: 'readyz', timeout: 2, endpoints: [{ ip: '10.0.0.11', port: 6443 }] });
  });

  it('reachable + ready, refused, TLS failure, not ready, no token', () => {
    const doc = {
      probe: 'python3', schema: 1, mode: 'readyz',
      endpoints: [
        { ip: '10.0.0.11', port: 6443, tcp: { ok: true, ms: 1 }, tls: { ok: true }, readyz: { path: '/readyz?verbose', status: 200 } },
        { ip: '10.0.0.12', port: 6443, tcp: { ok: false, error: 'timeout', detail: 'timed out' } },
        { ip: '10.0.0.13', port: 6443, tcp: { ok: true }, tls: { ok: false, error: 'unknown-ca' } },
        { ip: '10.0.0.14', port: 6443, tcp: { ok: true }, tls: { ok: true }, readyz: { status: 500, message: 'etcd failed' } },
        { ip: '10.0.0.15', port: 6443, tcp: { ok: true }, tls: { ok: true } },
      ],
    };
    const r = parseProbeOutput('noise\n' + JSON.stringify(doc) + '\n');
    assert.deepEqual(r.map((x) => x.ok), [true, false, false, false, true]);
    assert.equal(r[1]!.error, 'TCP connect: timeout (timed out)');
    assert.equal(r[2]!.error, 'TLS: unknown-ca');
    assert.equal(r[3]!.error, 'GET /readyz answered 500: etcd failed');
    assert.match(r[4]!.error!, /no ServiceAccount token/);
  });

  it('refuses a document of the other mode', () => {
    assert.throws(() => parseProbeOutput(JSON.stringify({ mode: 'net' })), /readyz mode/);
  });
});
