// Measures what one exec costs in the simulator (WebSocket open to channel-3 Status), for pods on
// the pod network (with and without a NetworkPolicy) and a hostNetwork pod:
// `node test/sim/exec/measure.ts [runs] [gap-ms]`.
// The first exec into a pod makes its container and network (printed apart); the others enter them.
// gap-ms (default 0) waits between execs (separate commands). Prints medians.
// A figure for the bench report, not a test (needs root, like the sandbox).
import WebSocket from 'ws';
import { startSim } from '../index.ts';

const runs = Number(process.argv[2] ?? 15);
const gapMs = Number(process.argv[3] ?? 0);
const sim = await startSim({ scenario: 'exec-basic' });

function once(pod: string, command: string[]): Promise<number> {
  const q = command.map((c) => `command=${encodeURIComponent(c)}`).join('&');
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `${sim.url}/api/v1/namespaces/exec-ns/pods/${pod}/exec?${q}&stdout=true&stderr=true`,
      ['v5.channel.k8s.io'],
      { ca: sim.caPem, headers: { Authorization: `Bearer ${sim.tokenFor('operator')}` } },
    );
    let status = '';
    ws.on('message', (d: Buffer) => {
      if (d[0] === 3) status = d.subarray(1).toString();
    });
    ws.on('close', () =>
      status.includes('Success') ? resolve(performance.now() - t0) : reject(new Error(status || 'no status')),
    );
    ws.on('error', reject);
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const cases: [string, string, string[]][] = [
  ['pod network, true', 'shelly', ['true']],
  ['pod network, python3 -c pass', 'runner', ['python3', '-c', 'pass']],
  ['with a NetworkPolicy, true', 'isolated-blocked', ['true']],
  ['hostNetwork pod, true', 'node-agent', ['true']],
  ['hostNetwork pod, python3 -c pass', 'node-agent', ['python3', '-c', 'pass']],
];
try {
  for (const [label, pod, cmd] of cases) {
    const first = await once(pod, cmd); // also copies the profile's executables, once per process
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      ms.push(await once(pod, cmd));
    }
    console.log(
      `${label.padEnd(32)} gap ${gapMs} ms: median ${median(ms).toFixed(1)} ms  min ${Math.min(...ms).toFixed(1)}  max ${Math.max(...ms).toFixed(1)}  (n=${runs}); first ${first.toFixed(1)}`,
    );
  }
} finally {
  await sim.stop();
}
