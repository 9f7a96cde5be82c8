// --watch, the imperative shell: one more exec, probe.py or probe.sh in its watch mode, handed to watchLayer.
import type { KeepaliveConfig } from '../airflow/airflow-cfg.ts';
import type { Connection } from '../kube/connection.ts';
import { runProbe } from '../kube/probe-runner.ts';
import { layer } from './layer.ts';
import type { Layer, NetReport } from './model.ts';
import { probePy, probeSh } from './programs.ts';
import { executorAnswer, type InstalledClients } from './clients.ts';
import { parseWatchDoc, SILENCE_SECONDS, watchLayer } from './watch.ts';

/** The report with one more layer; ok and the first failure follow it. */
export function withLayer(report: NetReport, l: Layer): NetReport {
  const layers = [...report.layers, l];
  const failed = layers.find((x) => x.verdict === 'FAIL');
  return { ...report, layers, ok: !failed, firstFailure: failed?.id };
}

/** --watch: one more exec, the probe in its watch mode, bounded by the duration plus the connect time. */
export async function holdWatch(
  conn: Connection,
  target: { namespace: string; pod: string; container: string },
  kind: 'sh' | 'python3',
  namespace: string,
  seconds: number,
  timeoutSeconds: number,
  keepalive: KeepaliveConfig | undefined,
  installed?: InstalledClients,
): Promise<Layer> {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(namespace)) throw new Error(`refusing namespace ${namespace}`);
  const input = { mode: 'watch', seconds, silence: SILENCE_SECONDS, namespace, timeout: timeoutSeconds };
  // the same data for both programs; sh takes it as arguments (its MODE TIMEOUT ATTEMPTS first)
  const command =
    kind === 'python3'
      ? ['python3', '-c', probePy(), JSON.stringify(input)]
      : [
          'sh',
          '-c',
          probeSh(),
          'kubectl-airflow-probe',
          'watch',
          String(Math.max(1, Math.ceil(timeoutSeconds))),
          '1',
        ].concat([String(seconds), namespace, String(SILENCE_SECONDS)]);
  const run = await runProbe(conn, target, [command], (seconds + 3 * timeoutSeconds + 10) * 1000);
  const result = run.started ? run.result : undefined;
  if (!result || result.timedOut)
    return layer('watch', 'FAIL', [`the watch probe did not finish within ${seconds + 3 * timeoutSeconds + 10}s`]);
  try {
    const executor = {
      watch410: executorAnswer('watch-410', installed),
      keepalive: executorAnswer('tcp-keepalive', installed),
    };
    return watchLayer(parseWatchDoc(result.stdout), keepalive, executor);
  } catch (e) {
    return layer('watch', 'FAIL', [`the watch probe failed (exit ${result.exitCode}): ${(e as Error).message}`]);
  }
}
