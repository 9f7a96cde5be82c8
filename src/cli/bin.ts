// The executable's entry: main() with the process streams. It exits once its output is flushed
// (no top-level await: the bundle is CommonJS).
// main() loads no feature (nor the Kubernetes client) before a command runs, so `--help` and
// `version` answer from the command data alone.
import { main } from './main.ts';

// `kubectl airflow rbac | head`: the reader went away; stop quietly instead of a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

// As kubectl does, the process ends with the answer: a socket still closing (the exec's WebSocket,
// a kept-alive connection) must not hold the shell after it is printed (doctor waited 35 ms more).
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
