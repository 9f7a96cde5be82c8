// Run by timeouts.test.ts in a process of its own: one exec, then what still keeps the process
// alive once the exec's socket has closed. Nothing of the exec may: its result is in.
import { connect } from '../../src/kube/connection.ts';
import { execInPod } from '../../src/kube/exec.ts';

const [kubeconfig, pod] = process.argv.slice(2);
const conn = await connect({ kubeconfig }, { env: {} });
const r = await execInPod(conn, {
  namespace: 'airflow',
  pod: pod!,
  container: 'scheduler',
  command: ['sh', '-c', 'echo ok'],
  timeoutMs: 20_000,
});
conn.close();
// turn with setImmediate (no timer of its own) until the last socket, the exec's WebSocket, has closed
const sockets = () => process.getActiveResourcesInfo().filter((x) => /TCP|TLS/.test(x));
const deadline = Date.now() + 5000;
while (sockets().length > 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
const timers = process.getActiveResourcesInfo().filter((x) => x === 'Timeout');
process.stdout.write(JSON.stringify({ stdout: r.stdout, exitCode: r.exitCode, sockets: sockets(), timers }) + '\n');
