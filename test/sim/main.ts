// `npm run -s sim -- --scenario <name|file> --kubeconfig <out> [--port N] [--latency-ms N]`:
// prints `ready <url>` and serves until SIGTERM or SIGINT.
import { parseArgs } from 'node:util';
import { startSim } from './index.ts';

const USAGE = 'usage: npm run -s sim -- --scenario <name|file> --kubeconfig <out> [--port N] [--latency-ms N]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        scenario: { type: 'string' },
        kubeconfig: { type: 'string' },
        port: { type: 'string' },
        'latency-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`sim: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (!values.scenario) {
    process.stderr.write(`sim: --scenario is required\n${USAGE}\n`);
    return 2;
  }
  const port = values.port ? Number(values.port) : 0;
  const latencyMs = values['latency-ms'] ? Number(values['latency-ms']) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isFinite(latencyMs) || latencyMs < 0) {
    process.stderr.write(`sim: --port and --latency-ms take non-negative numbers\n${USAGE}\n`);
    return 2;
  }
  let sim;
  try {
    sim = await startSim({ scenario: values.scenario, kubeconfigPath: values.kubeconfig, port, latencyMs });
  } catch (e) {
    process.stderr.write(`sim: ${(e as Error).message}\n`);
    return 1;
  }
  // Handlers go in before the ready line: a caller may send SIGTERM the moment it reads it.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  process.stdout.write(`ready ${sim.url}\n`);
  if (!values.kubeconfig) process.stderr.write(`sim: kubeconfig written to ${sim.kubeconfigPath}\n`);
  await stopped;
  await sim.stop();
  return 0;
}

process.exitCode = await main();
