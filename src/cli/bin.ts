// The executable's entry: main() with the process streams; the exit code via process.exitCode
// so pending output is flushed before Node exits (no top-level await: the bundle is CommonJS).
// `--help`, `-h`, no arguments and `version` are answered by fast.ts without loading the CLI (main.ts,
// yargs, the commands): the dynamic import keeps esbuild from running those modules at start.
import { fastMain } from './fast.ts';

// `kubectl airflow rbac | head`: the reader went away; stop quietly instead of a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const argv = process.argv.slice(2);
const fast = fastMain(argv, { stdout: process.stdout, stderr: process.stderr });
if (fast !== undefined) {
  process.exitCode = fast;
} else {
  void import('./main.ts').then(({ main }) => main(argv)).then((code) => {
    process.exitCode = code;
  });
}
