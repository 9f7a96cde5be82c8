// The three redactions agree: src/render/redact.ts (everything the plugin prints), probe.sh's
// redact() and probe.py's redact_proxy() (proxy values inside the pod), over one table of cases,
// scheme-less `user:PASSWORD@host:port` included (curl and urllib take it).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { redact } from '../../src/render/redact.ts';
import { PROXY_VALUE_CASES } from './redact-cases.ts';

const SH = readFileSync(new URL('../../src/net/probe.sh', import.meta.url), 'utf8');
const PY = readFileSync(new URL('../../src/net/probe.py', import.meta.url), 'utf8');

/** The function's own text as shipped, cut from the program (it runs nothing on its own). */
function cut(src: string, start: RegExp, end: RegExp): string {
  const s = src.search(start);
  assert.ok(s >= 0, `${start} not found`);
  const rest = src.slice(s);
  const e = rest.search(end);
  assert.ok(e > 0, `end of ${start} not found`);
  return rest.slice(0, e);
}

const shFn = cut(SH, /^redact\(\) \{$/m, /^\}$/m) + '}\n';
const pyFn = cut(PY, /^def redact_proxy\(v\):$/m, /\n\n\n/);

function has(tool: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

const shells = ['sh', 'dash', 'bash'].map(has).filter((p, i, a) => p && a.indexOf(p) === i);
const busybox = has('busybox');

describe('redaction: one table for src, probe.sh and probe.py', () => {
  for (const c of PROXY_VALUE_CASES) {
    it(`src: ${JSON.stringify(c.value)} -> ${JSON.stringify(c.shown)}`, () => {
      assert.equal(redact(c.value), c.shown);
      // inside a line of text, JSON or YAML the same value is redacted the same way
      assert.equal(redact(`proxy ${c.value}; NO_PROXY=(unset)`), `proxy ${c.shown}; NO_PROXY=(unset)`);
      assert.equal(redact(JSON.stringify({ HTTPS_PROXY: c.value })), JSON.stringify({ HTTPS_PROXY: c.shown }));
      assert.equal(redact(`HTTPS_PROXY: ${c.value}\n`), `HTTPS_PROXY: ${c.shown}\n`);
      if (c.secret) assert.ok(!redact(c.value).includes(c.secret));
    });
  }

  for (const shell of [...shells, ...(busybox ? [`${busybox} sh`] : [])]) {
    it(`probe.sh redact() under ${shell}: every case`, () => {
      const [bin, ...pre] = shell.split(' ');
      for (const c of PROXY_VALUE_CASES) {
        const r = spawnSync(bin, [...pre, '-c', `${shFn}\nredact "$1"`, 'redact', c.value], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, c.shown, `${shell}: ${c.value}`);
      }
    });
  }

  it('probe.py redact_proxy(): every case', function () {
    if (!has('python3')) {
      console.log('      (skipped: no python3 on this machine)');
      this.skip();
    }
    const prog = `import json, sys\n${pyFn}\nprint(json.dumps([redact_proxy(v) for v in json.loads(sys.argv[1])]))`;
    const out = JSON.parse(
      execFileSync('python3', ['-c', prog, JSON.stringify(PROXY_VALUE_CASES.map((c) => c.value))], {
        encoding: 'utf8',
      }),
    );
    assert.deepEqual(
      out,
      PROXY_VALUE_CASES.map((c) => c.shown),
    );
  });

  it('src: kubeconfig server URLs and free text', () => {
    assert.equal(
      redact('cannot reach https://admin:hunter2@10.0.0.1:6443/api'),
      'cannot reach https://admin:xxxxx@10.0.0.1:6443/api',
    );
    assert.equal(redact('url=https://tok@h'), 'url=https://xxxxx@h');
    // user names and image digests are not secrets
    assert.equal(redact('User "alice@example.com" cannot list pods'), 'User "alice@example.com" cannot list pods');
    assert.equal(redact('image apache/airflow@sha256:0a1b2c'), 'image apache/airflow@sha256:0a1b2c');
    assert.equal(redact('no userinfo http://10.0.0.1:3128'), 'no userinfo http://10.0.0.1:3128');
  });
});
