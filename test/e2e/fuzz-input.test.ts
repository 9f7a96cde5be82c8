// Random bytes as every flag value and every Kubernetes name, for every command: always at most one
// line on stderr, a documented exit code (0-3), never a stack trace or an internal error. Seeded and
// bounded: the same samples on every run.
import { strict as assert } from 'node:assert';
import { GLOBAL_FLAGS } from '../../src/cli/flags.ts';
import { COMMANDS } from '../../src/cli/main.ts';
import { serverURL } from '../../src/kube/resolve.ts';
import { seededRandom } from '../sim/faults.ts';
import { runMain, withSim } from './harness.ts';
import type { FlagSpec } from '../../src/cli/command.ts';

/** The flags that take a value (booleans and counts take none). */
const valueFlags = (flags: readonly FlagSpec[] = []) =>
  flags.filter((f) => f.type === 'string' || f.type === 'number').map((f) => f.name);

const GLOBAL = valueFlags(GLOBAL_FLAGS);
const CLUSTER_COMMANDS = COMMANDS.filter((c) => !['version', 'completion'].includes(c.name));

/** A random value: raw bytes, printable noise, flag-like, path-like or a near-valid name. */
function sample(rand: () => number): string {
  const len = 1 + Math.floor(rand() * 24);
  const kind = Math.floor(rand() * 5);
  const bytes = Array.from({ length: len }, () => Math.floor(rand() * 256));
  if (kind === 0) return Buffer.from(bytes).toString('latin1');
  if (kind === 1) return Buffer.from(bytes).toString('utf8');
  if (kind === 2) return '-' + bytes.map((b) => String.fromCharCode(33 + (b % 94))).join('');
  if (kind === 3) return '/' + bytes.map((b) => String.fromCharCode(33 + (b % 94))).join('');
  return bytes.map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789-.:_'[b % 40]).join('');
}

const SAMPLES_PER_FLAG = 3;

describe('random bytes as every flag value and name: one line, a documented exit code, no stack', function () {
  this.timeout(300_000);
  withSim('official-kubernetes-executor', (sim) => {
    for (const cmd of CLUSTER_COMMANDS) {
      const name = cmd.name;
      const own = valueFlags(cmd.flags).filter((k) => !GLOBAL.includes(k));
      const positional = cmd.positionals?.length ? [null] : [];
      it(`${name}: ${[...own, ...GLOBAL].length} flags${positional.length ? ' and its positional name' : ''}`, async () => {
        // one generator per command: adding a command does not change another's samples
        const rand = seededRandom([...name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7));
        const cases: string[][] = [];
        for (const flag of [...own, ...GLOBAL, ...positional]) {
          for (let i = 0; i < SAMPLES_PER_FLAG; i++) {
            const v = sample(rand);
            if (flag === 'server') {
              // a value that is a usable address would be dialled: only loopback may be
              let usable = true;
              try {
                serverURL(v, '--server');
              } catch {
                usable = false;
              }
              if (usable) continue;
            }
            cases.push(
              flag === null
                ? [name, v]
                : [name, ...(name === 'net' ? ['airflow-scheduler-5d8c9f7b6-x7k2p'] : []), `--${flag}`, v],
            );
          }
        }
        assert.ok(cases.length >= (own.length + GLOBAL.length) * 2, `enough samples (${cases.length})`);
        const codes = new Set<number>();
        for (const argv of cases) {
          // the sim's kubeconfig and a short timeout come first: the sample, given last, wins
          const r = await runMain([
            argv[0],
            '--kubeconfig',
            sim().kubeconfigPath,
            '--request-timeout',
            '5s',
            ...argv.slice(1),
          ]);
          const what = JSON.stringify(argv);
          codes.add(r.code);
          assert.ok([0, 1, 2, 3].includes(r.code), `${what}: exit ${r.code}`);
          assert.doesNotMatch(
            r.err,
            /\n\s+at |internal error|TypeError|RangeError|ReferenceError/,
            `${what}: ${r.err}`,
          );
          const errLines = r.err.split('\n').filter(Boolean);
          // exit 2/3 with nothing on stdout is a refusal: exactly its one line (doctor's partial report may come with 3)
          if (r.code >= 2 && !r.out) {
            assert.equal(errLines.length, 1, `${what}: ${r.err}`);
            assert.match(errLines[0], /^kubectl-airflow: \S/, what);
          }
          assert.ok(errLines.length <= 2, `${what}: ${r.err}`);
        }
        assert.ok(codes.has(2), `bad input was refused at least once for ${name}`);
      });
    }
  });
});
