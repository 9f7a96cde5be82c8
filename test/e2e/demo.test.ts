// `make demo` (scripts/demo.sh) tells its story in under 120 lines and exits 0: broken (the
// scheduler may not create pods), diagnosed (doctor FAILs on RBAC), fixed (rbac --fix piped to real
// kubectl apply), healthy (can-i yes, doctor exit 0). The plugin runs from the sources here; the
// build step is what `make dist` and the dist test cover.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTool, isolatedNetworkMissing } from './harness.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('make demo', function () {
  this.timeout(180_000);
  it('broken -> diagnosed -> fixed -> healthy, under 120 lines, exit 0', function () {
    const missing = !hasTool('kubectl') ? 'kubectl not on PATH' : isolatedNetworkMissing();
    if (missing) {
      console.log(`      skipped: the demo runs real kubectl and execs into pods (${missing})`);
      this.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), 'demo-test-'));
    try {
      const bin = join(dir, 'kubectl-airflow');
      writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'src/cli/main.ts')}" "$@"\n`);
      chmodSync(bin, 0o755);
      const r = spawnSync('bash', [join(ROOT, 'scripts/demo.sh')], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, KUBECTL_AIRFLOW_BIN: bin },
      });
      const out = r.stdout + r.stderr;
      assert.equal(r.status, 0, out);
      const lines = out.split('\n').length;
      assert.ok(lines < 120, `${lines} lines`);
      // the story, in order
      const plain = out.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
      const beats = [
        /== 1\. Broken/,
        /^no$/m,
        /== 2\. Diagnosed/,
        /^6\. RBAC +FAIL/m,
        /== 3\. Fixed/,
        /rolebinding\.rbac\.authorization\.k8s\.io\/\S+ created/,
        /== 4\. Healthy/,
        /^yes$/m,
        /^6\. RBAC +OK/m,
        /^no layer failed/m,
        /\(exit 0\)\n/,
      ];
      let at = 0;
      for (const b of beats) {
        const m = b.exec(plain.slice(at));
        assert.ok(m, `${b} after offset ${at}:\n${plain}`);
        at += m.index + m[0].length;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
