// The probe's readyz document (src/net/probe.py and probe.sh share its shape) -> one result per endpoint.
import assert from 'node:assert/strict';
import { fromContainer, parseProbeOutput, probeOutcome, probeTargets } from '../../src/ha/from-pod.ts';
import { readyzInput as probeInput } from '../../src/net/plan.ts';

describe('ha --from: reading the in-pod probe', () => {
  it('sends the endpoints as data in readyz mode', () => {
    assert.deepEqual(JSON.parse(probeInput([{ address: '10.0.0.11', port: 6443 }], 2)), {
      mode: 'readyz',
      timeout: 2,
      endpoints: [{ ip: '10.0.0.11', port: 6443 }],
    });
  });

  it('reachable + ready, refused, TLS failure, not ready, no token', () => {
    const doc = {
      probe: 'python3',
      schema: 1,
      mode: 'readyz',
      endpoints: [
        {
          ip: '10.0.0.11',
          port: 6443,
          tcp: { ok: true, ms: 1 },
          tls: { ok: true },
          readyz: { path: '/readyz?verbose', status: 200 },
        },
        { ip: '10.0.0.12', port: 6443, tcp: { ok: false, error: 'timeout', detail: 'timed out' } },
        { ip: '10.0.0.13', port: 6443, tcp: { ok: true }, tls: { ok: false, error: 'unknown-ca' } },
        {
          ip: '10.0.0.14',
          port: 6443,
          tcp: { ok: true },
          tls: { ok: true },
          readyz: { status: 500, message: 'etcd failed' },
        },
        { ip: '10.0.0.15', port: 6443, tcp: { ok: true }, tls: { ok: true } },
      ],
    };
    const r = parseProbeOutput('noise\n' + JSON.stringify(doc) + '\n');
    assert.deepEqual(
      r.map((x) => x.ok),
      [true, false, false, false, true],
    );
    assert.equal(r[1]!.error, 'TCP connect: timeout (timed out)');
    assert.equal(r[2]!.error, 'TLS: unknown-ca');
    assert.equal(r[3]!.error, 'GET /readyz answered 500: etcd failed');
    assert.match(r[4]!.error!, /no ServiceAccount token/);
  });

  it('refuses a document of the other mode', () => {
    assert.throws(() => parseProbeOutput(JSON.stringify({ mode: 'net' })), /readyz mode/);
  });

  it('probes each endpoint at its EndpointSlice port, else its Endpoints port, else 443', () => {
    const e = (address: string, slicePorts: number[], endpointsPorts: number[]) => ({
      address,
      slicePorts,
      endpointsPorts,
      inEndpoints: true,
      inSlices: true,
      ready: true,
    });
    assert.deepEqual(
      probeTargets({ endpoints: [e('10.0.0.1', [6443], [8443]), e('10.0.0.2', [], [8443]), e('10.0.0.3', [], [])] }),
      [
        { address: '10.0.0.1', port: 6443 },
        { address: '10.0.0.2', port: 8443 },
        { address: '10.0.0.3', port: 443 },
      ],
    );
  });

  it('container: -c, else the default-container annotation, else the first', () => {
    const pod = {
      metadata: { annotations: { 'kubectl.kubernetes.io/default-container': 'base' } },
      spec: { containers: [{ name: 'sidecar' }, { name: 'base' }] },
    };
    assert.equal(fromContainer(pod, 'sidecar'), 'sidecar');
    assert.equal(fromContainer(pod), 'base');
    assert.equal(fromContainer({ spec: pod.spec }), 'sidecar');
  });

  it('the exec outcome: a timeout, a missing interpreter, a failed program, no document, the results', () => {
    const r = { stdout: '', stderr: '', exitCode: 0 as number | null, timedOut: false };
    assert.deepEqual(probeOutcome({ ...r, exitCode: null, timedOut: true }, 'p', 'c', 33_000), {
      ok: false,
      reason: 'timeout',
      message: 'the probe in p did not finish in 33s',
    });
    const missing = probeOutcome(
      { ...r, exitCode: null, message: 'OCI runtime exec failed: exec: "sh": executable file not found in $PATH' },
      'p',
      'c',
      1000,
    );
    assert.equal(
      missing.ok === false && missing.message,
      'neither python3 nor sh in container c of p: OCI runtime exec failed: exec: "sh": executable file not found in $PATH',
    );
    const crashed = probeOutcome({ ...r, exitCode: 2, stderr: 'Traceback\nValueError: x\n' }, 'p', 'c', 1000);
    assert.equal(crashed.ok === false && crashed.message, 'the probe failed in p: ValueError: x');
    const silent = probeOutcome({ ...r, stdout: 'nothing' }, 'p', 'c', 1000);
    assert.match(silent.ok === false ? silent.message : '', /^the probe in p printed no readable result: /);
    const doc = {
      mode: 'readyz',
      endpoints: [{ ip: '10.0.0.11', port: 6443, tcp: { ok: true }, tls: { ok: true }, readyz: { status: 200 } }],
    };
    assert.deepEqual(probeOutcome({ ...r, stdout: JSON.stringify(doc) }, 'p', 'c', 1000), {
      ok: true,
      value: [{ address: '10.0.0.11', port: 6443, ok: true, status: 200, error: undefined }],
    });
  });
});
