// The executable's entry: main() with the process streams; the exit code via process.exitCode
// so pending output is flushed before Node exits (no top-level await: the bundle is CommonJS).
// main() loads no feature (nor the Kubernetes client) before a command runs, so `--help` and
// `version` answer from the command data alone.
import { main } from './main.ts';

// `kubectl airflow rbac | head`: the reader went away; stop quietly instead of a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
