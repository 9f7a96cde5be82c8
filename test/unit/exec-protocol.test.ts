// The exec subresource as we speak it without client-node: the path and query kubectl sends, and
// the Status frame read as the server writes it.
import assert from 'node:assert/strict';
import { execPath, exitFromStatus, parseExecStatus, queryEscape } from '../../src/kube/exec.ts';

describe('exec protocol: the path and the status frame', () => {
  it('puts the streams first, then every argv item as its own command parameter, then the container', () => {
    const p = execPath({ namespace: 'airflow', pod: 'sched-0', container: 'scheduler', command: ['sh', '-c', 'a b'] });
    assert.equal(
      p,
      '/api/v1/namespaces/airflow/pods/sched-0/exec?stdout=true&stderr=true&stdin=false&tty=false&command=sh&command=-c&command=a+b&container=scheduler',
    );
  });

  it('carries any program text through the query unchanged (newlines, quotes, %, &, unicode)', () => {
    const program = 'printf "%s\\n" \'x&y=z\' # é\n\tdone';
    const p = execPath({ namespace: 'ns', pod: 'p', command: ['python3', '-c', program, '{"a":1}'] });
    const q = new URLSearchParams(p.slice(p.indexOf('?') + 1));
    assert.deepEqual(q.getAll('command'), ['python3', '-c', program, '{"a":1}']);
    assert.equal(q.get('container'), null, 'no container parameter: the server picks the default');
  });

  it("escapes a value as client-go does, but ! ' ( ) *, which a server reads the same either way", () => {
    // Go: url.QueryEscape("a b!'()*~-_.é%&=+") == "a+b%21%27%28%29%2A~-_.%C3%A9%25%26%3D%2B"
    const value = "a b!'()*~-_.é%&=+";
    assert.equal(queryEscape(value), "a+b!'()*~-_.%C3%A9%25%26%3D%2B");
    assert.equal(new URLSearchParams(`v=${queryEscape(value)}`).get('v'), value);
    assert.equal(queryEscape('\n\t"#'), '%0A%09%22%23');
  });

  it('reads the Status frame: success, a non-zero exit, and text that is not JSON', () => {
    assert.deepEqual(exitFromStatus(parseExecStatus('{"metadata":{},"status":"Success"}')), { exitCode: 0 });
    const nonZero = parseExecStatus(
      JSON.stringify({
        status: 'Failure',
        message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
      }),
    );
    assert.equal(exitFromStatus(nonZero).exitCode, 3);
    assert.deepEqual(exitFromStatus(parseExecStatus('OCI runtime exec failed\n')), {
      exitCode: null,
      message: 'OCI runtime exec failed',
      reason: undefined,
    });
  });
});
