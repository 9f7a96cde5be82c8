// The official Kubernetes Python client (Debian's python3-kubernetes, the client Airflow uses) as a
// second real client of the simulated API server. Scripts live in test/conformance/python/ and run
// asynchronously: the sim answers from this same event loop.
import { execFile, execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's interpreter: the PATH python3 may be another one (pyenv) without the package. */
export const PYTHON = '/usr/bin/python3';
export const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), 'python');

let version: string | null | undefined;

/** The installed client's version, or null when Debian's python3 cannot import it. */
export function pythonClientVersion(): string | null {
  if (version !== undefined) return version;
  try {
    version = execFileSync(PYTHON, ['-c', 'import kubernetes; print(kubernetes.__version__)'], {
      encoding: 'utf8',
      timeout: 20_000,
    }).trim();
  } catch {
    version = null;
  }
  return version;
}

/** Say why and skip when the client is missing (CONTRIBUTING: a skipped test says why). */
export function skipWithoutPythonClient(ctx: Mocha.Context): void {
  if (pythonClientVersion() === null) {
    console.log(
      `    conformance: ${PYTHON} cannot import kubernetes (install Debian's python3-kubernetes, as .ci/run does): skipping`,
    );
    ctx.skip();
  }
}

export interface PythonResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs test/conformance/python/<script> with a JSON request on stdin. */
export function runPython(script: string, request: unknown, timeoutMs = 60_000): Promise<PythonResult> {
  return new Promise((resolve) => {
    const child = execFile(
      PYTHON,
      [join(SCRIPTS, script)],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : -1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(JSON.stringify(request));
  });
}
