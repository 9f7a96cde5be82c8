// `make bench`: figures and ratios, never a failing assertion. One function per measured command;
// a command the plugin does not have yet is reported as "not built yet".
//
//   help   median wall time of `kubectl-airflow --help` (the single executable), `kubectl airflow
//          --help` and the bundle under node, against `kubectl version --client`
//   rbac   `kubectl airflow rbac` (table, and -o json which asks every cell's reason) against the
//          simulated API server with 25 ms latency per request, against the same cells asked one
//          SelfSubjectAccessReview each, 16 in flight, from one Node process (rakkess's method:
//          per-cell.ts), and one by one with `kubectl auth can-i --as ...` in a loop (what an
//          operator would script). Twice: the 55-cell broken-rbac scenario, and bench-250 (issue 3's
//          default-sized run: 5 accounts x 2 namespaces x 25), which prints issue 15's goals
//   ha     `kubectl airflow ha` wall time, same server
//   doctor `kubectl airflow doctor` wall time against config; net; ha; rbac run one after another,
//          and against rbac alone
// Per cluster command, from the sim's request log: requests, the most in flight at once, and the
// dependent round trips on the critical path (test/sim/critical-path.ts), also from one run at 300 ms
// per request where load cannot blur the waves; the time from spawning to the first request and
// from the last answer to exit; and the plugin's peak RSS (GNU time, the executable run directly)
// beside `kubectl version --client`'s.
//
// Env: BENCH_RUNS (default 11 for help, 5 for cluster commands), BENCH_LATENCY_MS (25),
// KA_BINARY_DIR (reuse a built binary, see binary.ts), BENCH_ONLY (e.g. help,rbac-250; default all
// of help, rbac, ha, doctor, rbac-250; rbac-250 brings doctor along).
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostBinary, tempDir, type HostBinary } from './binary.ts';
import { startSim, type Sim } from '../sim/index.ts';
import { criticalPath } from '../sim/critical-path.ts';

const PER_CELL = path.join(import.meta.dirname, 'per-cell.ts');

const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const CLUSTER_RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 25);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
// rbac-250 prints every goal of rbac's speed: doctor's ratio to rbac alone comes with it
const wanted = (name: string) => !ONLY || ONLY.has(name) || (name === 'doctor' && ONLY.has('rbac-250'));

interface Run {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
}

function timed(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const start = performance.now();
    execFile(file, args, { env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000 }, (err, stdout, stderr) => {
      resolve({
        ms: performance.now() - start,
        code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
        stdout,
        stderr,
      });
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

interface Ctx {
  hb: HostBinary;
  binDir: string;
  env: NodeJS.ProcessEnv;
  commands: Set<string>;
  bundle: string;
  /** kubectl's own build (the image's kubectl is a dispatcher), for its memory figure. */
  kubectlVersioned?: string;
  kubectlRss?: number;
}

function line(name: string, value: string, note = ''): void {
  console.log(`  ${name.padEnd(50)} ${value.padStart(10)}  ${note}`);
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
  const direct = realpathSync(
    execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8', env: ctx.env }).trim(),
  );
  const versioned = `${direct}.1.32`;
  if (statSync(versioned, { throwIfNoEntry: false }))
    cases.push(['kubectl.1.32 version --client (no dispatcher)', versioned, ['version', '--client']]);
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

interface Cell {
  subject: string;
  namespace: string;
  group: string;
  resource: string;
  subresource: string;
  verb: string;
}

/** issue 3's default-sized run on test/scenarios/bench-250.yaml: 5 accounts x 2 namespaces x 25 rules. */
export const BENCH_250_ARGS = [
  '-n',
  'data',
  '--profile',
  'kubernetes-executor,kubernetes-pod-operator,deferrable-pod-operator,log-reading,job-launching',
  '--resources',
  'configmaps,persistentvolumeclaims',
  '--verbs',
  'get,list,watch',
];

/** One command's figures, each the median over the runs. */
interface Measured {
  ms: number;
  requests: number;
  inFlight: number;
  /** Dependent round trips on the critical path of the sim's request log (test/sim/critical-path.ts). */
  trips: number;
  /**
   * The same, from one more run with every request slowed to SLOW_MS: under heavy load a wave the
   * client takes longer than one round trip to send counts twice at 25 ms, not at 300 ms.
   */
  slowTrips?: number;
  /** From spawning the process to the first request the sim saw, and from the last answer to exit. */
  beforeFirst: number;
  afterLast: number;
  last: Run;
}

const SLOW_MS = 300;

/** Dependent round trips of one run with every request taking SLOW_MS (the sim's latency plus a fault rule's). */
async function slowTrips(sim: Sim, file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  sim.faults.set([{ path: '.', latencyMs: Math.max(0, SLOW_MS - LATENCY) }]);
  try {
    sim.log.reset();
    await timed(file, args, env);
    return criticalPath(sim.log.entries).roundTrips;
  } finally {
    sim.faults.clear();
  }
}

interface MeasureOptions {
  runs?: number;
  okCodes?: number[];
  countSlow?: boolean;
}

/** Runs a command against the sim `runs` times; the sim shares this process's clock, so the log's times line up with the spawn. */
async function measure(
  sim: Sim,
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  { runs = CLUSTER_RUNS, okCodes = [0, 1], countSlow = runs > 1 }: MeasureOptions = {},
): Promise<Measured> {
  const per: Array<Omit<Measured, 'last'>> = [];
  let last: Run | undefined;
  for (let i = 0; i < runs; i++) {
    sim.log.reset();
    const spawned = performance.now();
    const r = await timed(file, args, env);
    if (!okCodes.includes(r.code))
      throw new Error(
        `${path.basename(file)} ${args.slice(0, 2).join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n')[0]}`,
      );
    const log = sim.log.entries;
    const first = Math.min(...log.map((e) => e.startedAt));
    const lastAnswer = Math.max(...log.map((e) => e.closedAt ?? e.endedAt));
    per.push({
      ms: r.ms,
      requests: log.length,
      inFlight: sim.log.maxInFlight,
      trips: criticalPath(log).roundTrips,
      beforeFirst: log.length ? first - spawned : r.ms,
      afterLast: log.length ? spawned + r.ms - lastAnswer : 0,
    });
    last = r;
  }
  const med = (k: 'ms' | 'requests' | 'trips' | 'beforeFirst' | 'afterLast') => median(per.map((p) => p[k]));
  return {
    ms: med('ms'),
    requests: med('requests'),
    inFlight: Math.max(...per.map((p) => p.inFlight)),
    trips: med('trips'),
    ...(countSlow ? { slowTrips: await slowTrips(sim, file, args, env) } : {}),
    beforeFirst: med('beforeFirst'),
    afterLast: med('afterLast'),
    last: last!,
  };
}

const tripsText = (m: Pick<Measured, 'trips' | 'slowTrips'>) =>
  `${m.trips} dependent round trips${m.slowTrips !== undefined ? ` (${m.slowTrips} at ${SLOW_MS} ms per request)` : ''}`;

const figures = (m: Measured, runs = CLUSTER_RUNS) =>
  `median of ${runs}; ${m.requests} requests, max ${m.inFlight} in flight, ${tripsText(m)}; ${fmt(m.beforeFirst)} to the first request, ${fmt(m.afterLast)} after the last answer`;

/** Peak resident memory (KiB) of one run, from GNU time (the kernel's ru_maxrss); undefined without it. */
async function peakRss(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  if (!statSync('/usr/bin/time', { throwIfNoEntry: false })) return undefined;
  const out = path.join(os.tmpdir(), `ka-bench-rss-${process.pid}`);
  const rss: number[] = [];
  for (let i = 0; i < 3; i++) {
    await timed('/usr/bin/time', ['-f', '%M', '-o', out, file, ...args], env);
    rss.push(Number(readFileSync(out, 'utf8').trim().split('\n').at(-1)));
  }
  rmSync(out, { force: true });
  return median(rss);
}

const mib = (kib: number | undefined) =>
  kib === undefined ? 'unknown (no /usr/bin/time)' : `${(kib / 1024).toFixed(0)} MiB`;

/** Peak RSS of the plugin itself (the executable kubectl would exec) beside `kubectl version --client`'s. */
async function rssLine(ctx: Ctx, name: string, args: string[]): Promise<void> {
  ctx.kubectlRss ??= await peakRss(ctx.kubectlVersioned ?? 'kubectl', ['version', '--client'], ctx.env);
  const own = await peakRss(path.join(ctx.binDir, 'kubectl-airflow'), args, ctx.env);
  line(
    `  peak RSS of kubectl-airflow ${name}`,
    mib(own),
    `median of 3; kubectl version --client: ${mib(ctx.kubectlRss)}`,
  );
}

function goal(what: string, value: string, met: boolean): void {
  line(`  goal: ${what}`, value, met ? 'met' : 'NOT MET');
}

/**
 * `kubectl airflow rbac` (default table output, then -o json: every cell's reason, so one review per
 * cell) against the same cells asked one SelfSubjectAccessReview each from one process (rakkess's
 * method, test/bench/per-cell.ts), and one by one with `kubectl auth can-i --as` in a loop.
 */
async function benchRbac(ctx: Ctx, sim: Sim, kubeconfig: string, args: string[] = []): Promise<void> {
  console.log(
    `\nrbac against the simulated API server, ${LATENCY} ms added to every request (scenario ${sim.scenario.metadata?.name ?? ''}${args.length ? `; rbac ${args.join(' ')}` : ''})`,
  );
  if (!ctx.commands.has('rbac')) return line('kubectl airflow rbac', 'not built yet');
  const rbacArgs = ['rbac', '--kubeconfig', kubeconfig, ...args];
  const table = await measure(sim, 'kubectl', ['airflow', ...rbacArgs], ctx.env);
  const json = await measure(sim, 'kubectl', ['airflow', ...rbacArgs, '-o', 'json'], ctx.env);
  const checks = (JSON.parse(json.last.stdout) as { checks: Array<Cell & { allowed: boolean }> }).checks;
  const pluginDenied = checks.filter((c) => !c.allowed).length;
  line('kubectl airflow rbac', fmt(table.ms), `${figures(table)}; ${checks.length} cells, exit ${table.last.code}`);
  line('kubectl airflow rbac -o json (every reason)', fmt(json.ms), `${figures(json)}; ${pluginDenied} no`);
  await rssLine(ctx, 'rbac', rbacArgs);

  // rakkess's method, from one Node process, interleaved with the plugin's executable run the same way
  // (both spawned directly, neither through kubectl), so load on the machine hits both alike
  const cellsFile = path.join(ctx.binDir, `cells-${checks.length}.json`);
  writeFileSync(
    cellsFile,
    JSON.stringify(
      checks.map(({ subject, namespace, group, resource, subresource, verb }) => ({
        subject,
        namespace,
        group,
        resource,
        subresource,
        verb,
      })),
    ),
  );
  const perCell: number[] = [];
  const direct: number[] = [];
  let baseline: Measured | undefined;
  let baselineDenied = -1;
  for (let i = 0; i < CLUSTER_RUNS; i++) {
    direct.push((await measure(sim, path.join(ctx.binDir, 'kubectl-airflow'), rbacArgs, ctx.env, { runs: 1 })).ms);
    baseline = await measure(sim, process.execPath, [PER_CELL, kubeconfig, cellsFile, '16'], ctx.env, {
      runs: 1,
      okCodes: [0],
      countSlow: i === CLUSTER_RUNS - 1,
    });
    perCell.push(baseline.ms);
    const out = JSON.parse(baseline.last.stdout) as { denied: number; errors: number };
    baselineDenied = out.errors ? -1 : out.denied;
  }
  const perCellMs = median(perCell);
  const directMs = median(direct);
  line(
    'SelfSubjectAccessReview per cell, 16 in flight',
    fmt(perCellMs),
    `rakkess's method, one Node process; median of ${CLUSTER_RUNS}; ${baseline!.requests} requests, max ${baseline!.inFlight} in flight, ${tripsText(baseline!)}, ${baselineDenied} no${baselineDenied === pluginDenied ? ' (same)' : ` (rbac says ${pluginDenied}: they disagree)`}`,
  );
  line(
    'kubectl-airflow rbac (executable, beside it)',
    fmt(directMs),
    `median of ${CLUSTER_RUNS}, interleaved with the per-cell runs: ${ratio(directMs, perCellMs)} the per-cell baseline`,
  );

  // the same cells, asked the way a shell loop would; `kubectl airflow rbac` runs CLUSTER_RUNS times
  // spread over the loop, so the ratio compares times taken under the same load
  const every = Math.max(1, Math.floor(checks.length / CLUSTER_RUNS));
  const beside: number[] = [];
  let loop = 0;
  let loopRequests = 0;
  let loopTrips = 0;
  let loopInFlight = 0;
  let denied = 0;
  for (const [i, c] of checks.entries()) {
    if (i % every === 0 && beside.length < CLUSTER_RUNS)
      beside.push((await measure(sim, 'kubectl', ['airflow', ...rbacArgs], ctx.env, { runs: 1 })).ms);
    // `can-i get pods/log` would ask about the pod NAMED log (TYPE/NAME): subresources by flag
    const res = `${c.resource}${c.group ? `.${c.group}` : ''}`;
    const sub = c.subresource ? ['--subresource', c.subresource] : [];
    const ns = c.namespace ? ['-n', c.namespace] : ['-A'];
    sim.log.reset();
    const r = await timed(
      'kubectl',
      ['auth', 'can-i', c.verb, res, ...sub, '--as', c.subject, ...ns, '--kubeconfig', kubeconfig],
      ctx.env,
    );
    loop += r.ms;
    loopRequests += sim.log.entries.length;
    loopTrips += criticalPath(sim.log.entries).roundTrips; // one run after another: their trips add up
    loopInFlight = Math.max(loopInFlight, sim.log.maxInFlight);
    if (r.stdout.trim() !== 'yes') denied++;
  }
  const besideMs = median(beside);
  line(
    'kubectl auth can-i --as ... (loop over cells)',
    fmt(loop),
    `${checks.length} runs, ${loopRequests} requests, max ${loopInFlight} in flight, ${loopTrips} dependent round trips, ${denied} no${denied === pluginDenied ? ' (same)' : ` (rbac says ${pluginDenied}: they disagree)`}`,
  );
  line('kubectl airflow rbac (during the loop)', fmt(besideMs), `median of ${beside.length}, spread over the loop`);
  line(
    'speed-up of rbac over the loop',
    ratio(loop, besideMs),
    `(before the loop: ${ratio(loop, table.ms)}; -o json: ${ratio(loop, json.ms)})`,
  );
  if (checks.length >= 200) {
    // issue 15's goals, as figures: never asserted (speed is measured here, not tested)
    goal('kubectl airflow rbac >= 100x the can-i loop', ratio(loop, besideMs), loop / besideMs >= 100);
    goal('rbac <= 0.6x the per-cell baseline', ratio(directMs, perCellMs), directMs <= 0.6 * perCellMs);
    goal(
      'rbac at most 16 in flight',
      String(Math.max(table.inFlight, json.inFlight)),
      Math.max(table.inFlight, json.inFlight) <= 16,
    );
  }
}

async function benchHa(ctx: Ctx, sim: Sim, kubeconfig: string): Promise<void> {
  console.log(`\nha against the same server`);
  if (!ctx.commands.has('ha')) return line('kubectl airflow ha', 'not built yet');
  const args = ['ha', '--kubeconfig', kubeconfig];
  const m = await measure(sim, 'kubectl', ['airflow', ...args], ctx.env);
  line('kubectl airflow ha', fmt(m.ms), figures(m));
  await rssLine(ctx, 'ha', args);
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
  const runs: Measured[] = [];
  const loops: number[] = [];
  const alone = new Map<string, Measured[]>(separately.map((a) => [a[0]!, []]));
  let first = '';
  for (let i = 0; i < CLUSTER_RUNS; i++) {
    const r = await measure(sim, 'kubectl', ['airflow', 'doctor', ...base, '-o', 'json'], ctx.env, {
      runs: 1,
      countSlow: i === CLUSTER_RUNS - 1,
    });
    runs.push(r);
    first = (JSON.parse(r.last.stdout) as { firstFailingLayer: string | null }).firstFailingLayer ?? 'none';
    let loop = 0;
    for (const args of separately) {
      const s = await measure(sim, 'kubectl', ['airflow', ...args, ...base, '-o', 'json'], ctx.env, {
        runs: 1,
        countSlow: i === CLUSTER_RUNS - 1,
      });
      alone.get(args[0]!)!.push(s);
      loop += s.ms;
    }
    loops.push(loop);
  }
  const doctor: Measured = {
    ...runs.at(-1)!,
    ...Object.fromEntries(
      (['ms', 'requests', 'trips', 'beforeFirst', 'afterLast'] as const).map((k) => [k, median(runs.map((r) => r[k]))]),
    ),
    inFlight: Math.max(...runs.map((r) => r.inFlight)),
  };
  const loop = median(loops);
  const medianOf = (name: string, k: 'ms' | 'requests' | 'trips') => median(alone.get(name)!.map((m) => m[k]));
  const rbacAlone = medianOf('rbac', 'ms');
  line(
    'kubectl airflow doctor -o json',
    fmt(doctor.ms),
    `${figures(doctor)} (the probe's own requests from the pod included); first failing: ${first}`,
  );
  await rssLine(ctx, 'doctor', ['doctor', ...base]);
  line('config; net; ha; rbac one after another', fmt(loop), `median of ${CLUSTER_RUNS}`);
  for (const [name] of separately) {
    line(
      `  kubectl airflow ${name} ${name === 'net' ? `${pod} ` : ''}-o json alone`,
      fmt(medianOf(name!, 'ms')),
      `${medianOf(name!, 'requests')} requests, ${tripsText({ trips: medianOf(name!, 'trips'), slowTrips: alone.get(name!)!.at(-1)!.slowTrips })}`,
    );
  }
  line('speed-up of doctor over the four commands', ratio(loop, doctor.ms));
  goal('doctor <= 1.5x rbac alone (-o json, interleaved)', ratio(doctor.ms, rbacAlone), doctor.ms <= 1.5 * rbacAlone);
}

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function main(): Promise<void> {
  const hb = await hostBinary();
  const binDir = tempDir('ka-bench-');
  copyFileSync(hb.binary, path.join(binDir, 'kubectl-airflow'));
  execFileSync('chmod', ['755', path.join(binDir, 'kubectl-airflow')]);
  const kubectlDir = path.dirname(
    realpathSync(execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim()),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: `${binDir}:${kubectlDir}:/usr/bin:/bin`,
    HOME: binDir,
    KUBECONFIG: path.join(binDir, 'none'),
  };
  const help = execFileSync(path.join(binDir, 'kubectl-airflow'), ['--help'], { encoding: 'utf8' });
  const commands = new Set([...help.matchAll(/kubectl airflow (\w+)/g)].map((m) => m[1]!));
  const bundle = path.join(hb.dir, 'kubectl-airflow.cjs');
  const kv = execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8', env }).split('\n')[0];

  console.log(
    `kubectl-airflow bench on ${os.cpus().length} CPU(s), ${os.cpus()[0]?.model ?? ''}, load average ${loadAverage()}; ${kv}`,
  );
  console.log(
    `binary ${(statSync(hb.binary).size / 2 ** 20).toFixed(1)} MiB, archive ${(statSync(hb.archive).size / 2 ** 20).toFixed(1)} MiB, bundle ${(statSync(bundle).size / 2 ** 10).toFixed(0)} KiB; commands: ${[...commands].join(' ')}`,
  );
  const versioned = `${realpathSync(execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8', env }).trim())}.1.32`;
  const ctx: Ctx = {
    hb,
    binDir,
    env,
    commands,
    bundle,
    ...(statSync(versioned, { throwIfNoEntry: false }) ? { kubectlVersioned: versioned } : {}),
  };
  const guard = async (name: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (e) {
      line(name, 'error', (e as Error).message.split('\n')[0] ?? '');
    }
  };
  if (wanted('help')) await guard('help', () => benchHelp(ctx));

  let sim: Sim | undefined;
  if (wanted('rbac') || wanted('ha') || wanted('doctor'))
    try {
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
  if (wanted('rbac-250'))
    try {
      big = await startSim({ scenario: 'bench-250', latencyMs: LATENCY });
      const kubeconfig = path.join(binDir, 'kubeconfig-250');
      copyFileSync(big.kubeconfigPath, kubeconfig);
      await guard('rbac', () => benchRbac(ctx, big!, kubeconfig, BENCH_250_ARGS));
    } catch (e) {
      line('simulated API server (bench-250)', 'error', (e as Error).message.split('\n')[0] ?? '');
    } finally {
      await big?.stop();
    }
  console.log(
    `\nload average at the end ${loadAverage()} (${os.cpus().length} CPUs shared with whatever else runs: compare ratios within one run)`,
  );
}

await main();
