// `make bench`: figures and ratios, never a failing assertion. One function per measured command;
// a command the plugin does not have yet is reported as "not built yet".
//
//   help   median wall time of `kubectl-airflow --help` (the single executable), `kubectl airflow
//          --help` and the bundle under node, against `kubectl version --client`
//   rbac   `kubectl airflow rbac` (table, and -o json which asks every cell's reason) against the
//          simulated API server with 25 ms latency per request, against the same cells asked one by
//          one with `kubectl auth can-i --as ...` in a loop (what an operator would script);
//          requests and max in flight from the sim's request log. Twice: the 55-cell broken-rbac
//          scenario, and bench-250 (issue 3's default-sized run: 5 accounts x 2 namespaces x 25)
//   ha     `kubectl airflow ha` wall time, same server
//   doctor `kubectl airflow doctor` wall time against config; net; ha; rbac run one after another
//
// Env: BENCH_RUNS (default 11 for help, 5 for cluster commands), BENCH_LATENCY_MS (25),
// KA_BINARY_DIR (reuse a built binary, see binary.ts), BENCH_ONLY (e.g. help,rbac-250; default all
// of help, rbac, ha, doctor, rbac-250).
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostBinary, tempDir, type HostBinary } from './binary.ts';
import { startSim, type Sim } from '../sim/index.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const CLUSTER_RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 25);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const wanted = (name: string) => !ONLY || ONLY.has(name);

interface Run { ms: number; code: number; stdout: string; stderr: string }

function timed(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const start = performance.now();
    execFile(file, args, { env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000 }, (err, stdout, stderr) => {
      resolve({ ms: performance.now() - start, code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

interface Ctx { hb: HostBinary; binDir: string; env: NodeJS.ProcessEnv; commands: Set<string>; bundle: string }

function line(name: string, value: string, note = ''): void {
  console.log(`  ${name.padEnd(44)} ${value.padStart(12)}  ${note}`);
}

async function benchHelp(ctx: Ctx): Promise<void> {
  console.log(`\n--help start-up (median of ${RUNS}, interleaved)`);
  const cases: Array<[string, string, string[]]> = [
    ['kubectl-airflow --help (single executable)', path.join(ctx.binDir, 'kubectl-airflow'), ['--help']],
    ['kubectl airflow --help (through kubectl)', 'kubectl', ['airflow', '--help']],
    ['node kubectl-airflow.cjs --help (bundle)', process.execPath, [ctx.bundle, '--help']],
    ['kubectl version --client', 'kubectl', ['version', '--client']],
  ];
  // the image's kubectl is a dispatcher that execs a versioned build: time that build alone too
  const direct = realpathSync(execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8', env: ctx.env }).trim());
  const versioned = `${direct}.1.32`;
  if (statSync(versioned, { throwIfNoEntry: false })) cases.push(['kubectl.1.32 version --client (no dispatcher)', versioned, ['version', '--client']]);
  const times = cases.map(() => [] as number[]);
  for (let i = 0; i < RUNS + 1; i++) {
    for (const [k, [, file, args]] of cases.entries()) {
      const r = await timed(file, args, ctx.env);
      if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
      if (i > 0) times[k]!.push(r.ms); // the first round warms the page cache
    }
  }
  const kubectl = median(times[3]!);
  for (const [k, [name]] of cases.entries()) {
    const m = median(times[k]!);
    line(name, fmt(m), k === 3 ? '' : `${ratio(m, kubectl)} kubectl version --client`);
  }
  console.log(`  (goal: the plugin's --help under 1.5x kubectl version --client)`);
}

interface Cell { subject: string; namespace: string; group: string; resource: string; subresource: string; verb: string }

/** issue 3's default-sized run on test/scenarios/bench-250.yaml: 5 accounts x 2 namespaces x 25 rules. */
export const BENCH_250_ARGS = [
  '-n', 'data',
  '--profile', 'kubernetes-executor,kubernetes-pod-operator,deferrable-pod-operator,log-reading,job-launching',
  '--resources', 'configmaps,persistentvolumeclaims', '--verbs', 'get,list,watch',
];

/**
 * `kubectl airflow rbac` (default table output, then -o json: every cell's reason, so one review per
 * cell) against the same cells asked one by one with `kubectl auth can-i --as` in a loop.
 */
async function benchRbac(ctx: Ctx, sim: Sim, kubeconfig: string, args: string[] = []): Promise<void> {
  console.log(`\nrbac against the simulated API server, ${LATENCY} ms added to every request (scenario ${sim.scenario.metadata?.name ?? ''}${args.length ? `; rbac ${args.join(' ')}` : ''})`);
  if (!ctx.commands.has('rbac')) return line('kubectl airflow rbac', 'not built yet');
  const measure = async (output: string[]) => {
    const runs: number[] = [];
    let requests = 0;
    let inFlight = 0;
    let last: Run | undefined;
    for (let i = 0; i < CLUSTER_RUNS; i++) {
      sim.log.reset();
      const r = await timed('kubectl', ['airflow', 'rbac', '--kubeconfig', kubeconfig, ...args, ...output], ctx.env);
      if (r.code > 1) throw new Error(`kubectl airflow rbac exited ${r.code}: ${r.stderr.trim()}`);
      runs.push(r.ms);
      requests = sim.log.entries.length;
      inFlight = sim.log.maxInFlight;
      last = r;
    }
    return { ms: median(runs), requests, inFlight, last: last! };
  };
  const table = await measure([]);
  const json = await measure(['-o', 'json']);
  const cells = (JSON.parse(json.last.stdout) as { checks: Cell[] }).checks;
  const pluginDenied = cells.filter((c) => !(c as Cell & { allowed: boolean }).allowed).length;
  line('kubectl airflow rbac', fmt(table.ms), `median of ${CLUSTER_RUNS}; ${cells.length} cells, ${table.requests} requests, max ${table.inFlight} in flight, exit ${table.last.code}`);
  line('kubectl airflow rbac -o json (every reason)', fmt(json.ms), `median of ${CLUSTER_RUNS}; ${json.requests} requests, max ${json.inFlight} in flight, ${pluginDenied} no`);

  // the same cells, asked the way a shell loop would
  sim.log.reset();
  const start = performance.now();
  let denied = 0;
  for (const c of cells) {
    // `can-i get pods/log` would ask about the pod NAMED log (TYPE/NAME): subresources by flag
    const res = `${c.resource}${c.group ? `.${c.group}` : ''}`;
    const sub = c.subresource ? ['--subresource', c.subresource] : [];
    const ns = c.namespace ? ['-n', c.namespace] : ['-A'];
    const r = await timed('kubectl', ['auth', 'can-i', c.verb, res, ...sub, '--as', c.subject, ...ns, '--kubeconfig', kubeconfig], ctx.env);
    if (r.stdout.trim() !== 'yes') denied++;
  }
  const loop = performance.now() - start;
  line('kubectl auth can-i --as ... (loop over cells)', fmt(loop), `${cells.length} runs, ${sim.log.entries.length} requests, max ${sim.log.maxInFlight} in flight, ${denied} no${denied === pluginDenied ? ' (same)' : ` (rbac says ${pluginDenied}: they disagree)`}`);
  line('speed-up of rbac over the loop', ratio(loop, table.ms), `(-o json: ${ratio(loop, json.ms)})`);
  if (cells.length >= 200) console.log(`  (goal, issue 3: ~250 cells under 1000 ms and at least 20x the loop, at most 16 in flight)`);
}

async function benchHa(ctx: Ctx, sim: Sim, kubeconfig: string): Promise<void> {
  console.log(`\nha against the same server`);
  if (!ctx.commands.has('ha')) return line('kubectl airflow ha', 'not built yet');
  const runs: number[] = [];
  for (let i = 0; i < CLUSTER_RUNS; i++) {
    sim.log.reset();
    const r = await timed('kubectl', ['airflow', 'ha', '--kubeconfig', kubeconfig], ctx.env);
    if (r.code > 1) throw new Error(`kubectl airflow ha exited ${r.code}: ${r.stderr.trim()}`);
    runs.push(r.ms);
  }
  line('kubectl airflow ha', fmt(median(runs)), `median of ${CLUSTER_RUNS}; ${sim.log.entries.length} requests, max ${sim.log.maxInFlight} in flight`);
}

async function benchDoctor(ctx: Ctx, sim: Sim, kubeconfig: string): Promise<void> {
  console.log(`\ndoctor against the same server (the probe runs for real in the scheduler's pod network)`);
  if (!ctx.commands.has('doctor')) return line('kubectl airflow doctor', 'not built yet');
  const scheduler = sim.store.all('pods', 'airflow').find((p) => p.metadata.labels?.component === 'scheduler');
  if (!scheduler) throw new Error('no scheduler pod in the scenario');
  const pod = scheduler.metadata.name;
  const base = ['--kubeconfig', kubeconfig, '-n', 'airflow'];
  // the same layers, one command after another, as an operator would without doctor
  const separately: string[][] = [['config'], ['net', pod], ['ha'], ['rbac']];
  const runs: number[] = [];
  const loops: number[] = [];
  let requests = 0;
  let inFlight = 0;
  let first = '';
  for (let i = 0; i < CLUSTER_RUNS; i++) {
    sim.log.reset();
    const r = await timed('kubectl', ['airflow', 'doctor', ...base, '-o', 'json'], ctx.env);
    if (r.code !== 0 && r.code !== 1) throw new Error(`kubectl airflow doctor exited ${r.code}: ${r.stderr.trim()}`);
    runs.push(r.ms);
    requests = sim.log.entries.length;
    inFlight = sim.log.maxInFlight;
    first = (JSON.parse(r.stdout) as { firstFailingLayer: string | null }).firstFailingLayer ?? 'none';
    const start = performance.now();
    for (const args of separately) {
      const s = await timed('kubectl', ['airflow', ...args, ...base, '-o', 'json'], ctx.env);
      if (s.code !== 0 && s.code !== 1) throw new Error(`kubectl airflow ${args[0]} exited ${s.code}: ${s.stderr.trim()}`);
    }
    loops.push(performance.now() - start);
  }
  const doctor = median(runs);
  const loop = median(loops);
  line('kubectl airflow doctor', fmt(doctor), `median of ${CLUSTER_RUNS}; ${requests} requests, max ${inFlight} in flight, first failing: ${first}`);
  line('config; net; ha; rbac one after another', fmt(loop), `median of ${CLUSTER_RUNS}`);
  line('speed-up of doctor over the four commands', ratio(loop, doctor));
}

async function main(): Promise<void> {
  const hb = await hostBinary();
  const binDir = tempDir('ka-bench-');
  copyFileSync(hb.binary, path.join(binDir, 'kubectl-airflow'));
  execFileSync('chmod', ['755', path.join(binDir, 'kubectl-airflow')]);
  const kubectlDir = path.dirname(realpathSync(execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim()));
  const env: NodeJS.ProcessEnv = { PATH: `${binDir}:${kubectlDir}:/usr/bin:/bin`, HOME: binDir, KUBECONFIG: path.join(binDir, 'none') };
  const help = execFileSync(path.join(binDir, 'kubectl-airflow'), ['--help'], { encoding: 'utf8' });
  const commands = new Set([...help.matchAll(/kubectl airflow (\w+)/g)].map((m) => m[1]!));
  const bundle = path.join(hb.dir, 'kubectl-airflow.cjs');
  const kv = execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8', env }).split('\n')[0];

  console.log(`kubectl-airflow bench on ${os.cpus().length} CPU(s), ${os.cpus()[0]?.model ?? ''}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${kv}`);
  console.log(`binary ${(statSync(hb.binary).size / 2 ** 20).toFixed(1)} MiB, archive ${(statSync(hb.archive).size / 2 ** 20).toFixed(1)} MiB, bundle ${(statSync(bundle).size / 2 ** 10).toFixed(0)} KiB; commands: ${[...commands].join(' ')}`);
  const ctx: Ctx = { hb, binDir, env, commands, bundle };
  const guard = async (name: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (e) {
      line(name, 'error', (e as Error).message.split('\n')[0] ?? '');
    }
  };
  if (wanted('help')) await guard('help', () => benchHelp(ctx));

  let sim: Sim | undefined;
  if (wanted('rbac') || wanted('ha') || wanted('doctor')) try {
    sim = await startSim({ scenario: 'official-kubernetes-executor-broken-rbac', latencyMs: LATENCY });
    const kubeconfig = path.join(binDir, 'kubeconfig');
    copyFileSync(sim.kubeconfigPath, kubeconfig);
    if (wanted('rbac')) await guard('rbac', () => benchRbac(ctx, sim!, kubeconfig));
    if (wanted('ha')) await guard('ha', () => benchHa(ctx, sim!, kubeconfig));
    if (wanted('doctor')) await guard('doctor', () => benchDoctor(ctx, sim!, kubeconfig));
  } catch (e) {
    line('simulated API server', 'error', (e as Error).message.split('\n')[0] ?? '');
  } finally {
    await sim?.stop();
  }

  let big: Sim | undefined;
  if (wanted('rbac-250')) try {
    big = await startSim({ scenario: 'bench-250', latencyMs: LATENCY });
    const kubeconfig = path.join(binDir, 'kubeconfig-250');
    copyFileSync(big.kubeconfigPath, kubeconfig);
    await guard('rbac', () => benchRbac(ctx, big!, kubeconfig, BENCH_250_ARGS));
  } catch (e) {
    line('simulated API server (bench-250)', 'error', (e as Error).message.split('\n')[0] ?? '');
  } finally {
    await big?.stop();
  }
}

await main();
