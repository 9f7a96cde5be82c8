// Real kubectl exec (WebSocket: kubectl >= 1.30) against the simulator's pods/exec and its sandbox:
// output and exit codes, container selection, the real errors, what the container sees (files, env,
// executables of its image profile), the pod network every pod is on (cluster DNS, the ClusterIP DNAT
// to a replica, a NetworkPolicy that blocks egress after DNAT), and the node's network a hostNetwork
// pod sees instead. Also a raw WebSocket client for what kubectl
// cannot ask (no container name, v4 only, stdin CLOSE). Needs root (namespaces) and iptables.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { setNetworkIdleMs } from '../sim/exec/pod-runtime.ts';
import { startSim, type Sim } from '../sim/index.ts';
import { has, kubectlBinary, kubectlDir } from './kubectl.ts';

/** Why the sandbox cannot run here, or undefined. */
function sandboxUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: the exec sandbox needs mount/UTS/network namespaces';
  for (const c of ['unshare', 'nsenter', 'iptables-restore', 'ip']) if (!has(c)) return `${c} is missing`;
  return undefined;
}

const kubectl = (bin: string, kubeconfig: string, args: string[], input?: string) =>
  kubectlBinary(bin, kubeconfig, 'exec-ns', args, input);

const GET_VERSION = [
  'import json, os, ssl, urllib.request',
  "d = '/var/run/secrets/kubernetes.io/serviceaccount'",
  "ctx = ssl.create_default_context(cafile=d + '/ca.crt')",
  "url = 'https://%s:%s/version' % (os.environ['KUBERNETES_SERVICE_HOST'], os.environ['KUBERNETES_SERVICE_PORT'])",
  "req = urllib.request.Request(url, headers={'Authorization': 'Bearer ' + open(d + '/token').read()})",
  'try:',
  "    print(json.loads(urllib.request.urlopen(req, context=ctx, timeout=2).read())['gitVersion'])",
  'except Exception as e:',
  "    print('FAILED', repr(e)); raise SystemExit(4)",
].join('\n');

describe('conformance: kubectl exec against the sim', function () {
  this.timeout(120_000);
  const dir = kubectlDir();
  const versions = ['1.30', '1.33'].filter((v) => dir && existsSync(join(dir, `kubectl.${v}`)));
  let sim: Sim;
  let tmp: string;
  let savedTmp: string | undefined;

  before(async function () {
    const why =
      sandboxUnavailable() ??
      (versions.length === 0 ? 'no kubectl.1.30 or kubectl.1.33 beside kubectl on PATH' : undefined);
    if (why) {
      console.log(`    skipped: ${why}`);
      this.skip();
    }
    // The sandbox stages under os.tmpdir(): a private one proves nothing is left behind.
    savedTmp = process.env['TMPDIR'];
    tmp = mkdtempSync(join(tmpdir(), 'kaf-exec-conformance-'));
    process.env['TMPDIR'] = tmp;
    sim = await startSim({ scenario: 'exec-basic' });
  });

  after(async () => {
    await sim?.stop();
    if (savedTmp === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = savedTmp;
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  for (const v of versions) {
    describe(`kubectl ${v}`, () => {
      const k = (args: string[], input?: string) =>
        kubectl(join(dir!, `kubectl.${v}`), sim.kubeconfigPath, args, input);
      const sh = (pod: string, script: string) => k(['exec', pod, '--', 'sh', '-c', script]);

      it("prints stdout and stderr and exits with the command's code", async () => {
        const r = await sh('runner', 'echo out; echo err >&2; exit 3');
        assert.equal(r.stdout, 'out\n');
        assert.equal(r.stderr, 'err\ncommand terminated with exit code 3\n');
        assert.equal(r.code, 3);
      });

      it('exit 0 and stdin forwarded (-i, v5 CLOSE ends it)', async () => {
        const r = await k(['exec', '-i', 'runner', '--', 'sh', '-c', 'tr a-z A-Z; echo done'], 'hello\n');
        assert.deepEqual(r, { code: 0, stdout: 'HELLO\ndone\n', stderr: '' });
      });

      it('-c selects the container; an unknown one is a BadRequest', async () => {
        const side = await k(['exec', 'duo', '-c', 'sidecar', '--', 'sh', '-c', 'echo $WHO']);
        assert.deepEqual(side, { code: 0, stdout: 'sidecar\n', stderr: '' });
        const bad = await k(['exec', 'duo', '-c', 'nope', '--', 'true']);
        assert.equal(bad.code, 1);
        assert.equal(bad.stderr, 'Error from server (BadRequest): container nope is not valid for pod duo\n');
      });

      it("a pod whose container is not running: the kubelet's container not found", async () => {
        const r = await k(['exec', 'starting', '--', 'true']);
        assert.equal(r.code, 1);
        assert.equal(
          r.stderr,
          'error: Internal error occurred: unable to upgrade connection: container not found ("main")\n',
        );
      });

      it("a missing executable: the runtime's OCI error", async () => {
        const r = await k(['exec', 'runner', '--', 'python4', '-V']);
        assert.equal(r.code, 1);
        assert.match(
          r.stderr,
          /^error: Internal error occurred: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "python4": executable file not found in \$PATH: unknown\n$/,
        );
      });

      it("the ServiceAccount namespace file, the pod's env and ConfigMap volumes", async () => {
        const r = await sh(
          'runner',
          'cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo; echo "$MESSAGE|$LOG_LEVEL|$POD_NAMESPACE|$HOSTNAME|$KUBERNETES_SERVICE_HOST"; cat /opt/app/app.cfg /etc/app-conf/log/level.txt; echo; pwd',
        );
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
          r.stdout,
          'exec-ns\nhello world|debug|exec-ns|runner|10.96.0.1\n[core]\nexecutor = KubernetesExecutor\ndebug\n/opt/app\n',
        );
      });
    });
  }

  describe('sandbox (newest kubectl available)', () => {
    const k = (args: string[], input?: string) =>
      kubectl(join(dir!, `kubectl.${versions.at(-1)}`), sim.kubeconfigPath, args, input);
    const sh = (pod: string, script: string) => k(['exec', pod, '--', 'sh', '-c', script]);

    it('command -v python3 differs by image profile; none has not even sh', async () => {
      assert.deepEqual(await sh('runner', 'command -v python3'), {
        code: 0,
        stdout: '/usr/bin/python3\n',
        stderr: '',
      });
      const shell = await sh('shelly', 'command -v python3 || echo no-python; command -v cat');
      assert.deepEqual(shell, { code: 0, stdout: 'no-python\n/usr/bin/cat\n', stderr: '' });
      const py = await k(['exec', 'shelly', '--', 'python3', '-V']);
      assert.match(py.stderr, /exec: "python3": executable file not found in \$PATH: unknown\n$/);
      const none = await sh('distroless', 'true');
      assert.match(none.stderr, /exec: "sh": executable file not found in \$PATH: unknown\n$/);
      assert.equal(none.code, 1);
    });

    it('the host is hidden: its binaries, its /work and /root/.pyenv are not in the container', async () => {
      const r = await sh(
        'runner',
        'ls /usr/bin | wc -l; ls -d /work /root/.pyenv /usr/local/bin/* 2>&1 | wc -l; hostname',
      );
      const [count, missing, host] = r.stdout.trim().split('\n');
      assert.ok(Number(count) < 60, `only the profile's executables in /usr/bin, got ${count}`);
      assert.equal(missing, '3', 'three "cannot access" lines');
      assert.equal(host, 'runner');
    });

    it('a container outlives its execs: its files stay, mounted ConfigMaps follow, subPath and env do not', async () => {
      // runc exec joins the running container: what one exec wrote, the next one reads
      assert.deepEqual(await sh('runner', 'echo kept > /tmp/kept'), {
        code: 0,
        stdout: '',
        stderr: '',
      });
      assert.deepEqual(await k(['exec', 'runner', '--', 'cat', '/tmp/kept']), {
        code: 0,
        stdout: 'kept\n',
        stderr: '',
      });
      // the kubelet updates a ConfigMap volume in place; a subPath file and the env keep what the container started with
      const before = structuredClone(sim.store.get('configmaps', 'exec-ns', 'app-config')!);
      const data = before['data'] as Record<string, string>;
      sim.store.apply({ ...structuredClone(before), data: { ...data, level: 'info', 'app.cfg': '[core]\n' } });
      try {
        const r = await sh('runner', 'cat /etc/app-conf/log/level.txt; echo; echo "$LOG_LEVEL"; cat /opt/app/app.cfg');
        assert.deepEqual(r, { code: 0, stdout: 'info\ndebug\n[core]\nexecutor = KubernetesExecutor\n', stderr: '' });
      } finally {
        sim.store.apply(before);
      }
    });

    it('a pod replaced under the same name is a new container: nothing of the old one is left', async () => {
      await sh('runner', 'echo old > /tmp/from-old-pod');
      const pod = structuredClone(sim.store.get('pods', 'exec-ns', 'runner')!);
      sim.store.delete('pods', 'exec-ns', 'runner');
      const {
        uid: _uid,
        resourceVersion: _rv,
        ...metadata
      } = pod.metadata as typeof pod.metadata & {
        resourceVersion?: string;
      };
      sim.store.apply({ ...pod, metadata });
      assert.notEqual(sim.store.get('pods', 'exec-ns', 'runner')!.metadata.uid, pod.metadata.uid);
      const r = await sh('runner', 'cat /tmp/from-old-pod 2>/dev/null || echo gone');
      assert.deepEqual(r, { code: 0, stdout: 'gone\n', stderr: '' });
    });

    it('a NetworkPolicy created between two execs applies to the second (the pod network follows its plan)', async () => {
      assert.deepEqual(await k(['exec', 'runner', '--', 'python3', '-c', GET_VERSION]), {
        code: 0,
        stdout: 'v1.32.0\n',
        stderr: '',
      });
      sim.store.apply({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'runner-no-egress', namespace: 'exec-ns' },
        spec: { podSelector: { matchLabels: { app: 'runner' } }, policyTypes: ['Egress'] },
      });
      try {
        const r = await k(['exec', 'runner', '--', 'python3', '-c', GET_VERSION]);
        assert.equal(r.code, 4, r.stderr);
        assert.match(r.stdout, /^FAILED .*timed out/);
      } finally {
        sim.store.delete('networkpolicies', 'exec-ns', 'runner-no-egress');
      }
      assert.equal((await k(['exec', 'runner', '--', 'python3', '-c', GET_VERSION])).stdout, 'v1.32.0\n');
    });

    it('a pod network is kept between execs, let go once unused for a while, and made again', async () => {
      const netns = async () =>
        (await k(['exec', 'runner', '--', 'python3', '-c', "import os; print(os.readlink('/proc/self/ns/net'))"]))
          .stdout;
      const first = await netns();
      assert.match(first, /^net:\[\d+\]\n$/);
      assert.equal(await netns(), first, 'the second exec joins the same network namespace');
      setNetworkIdleMs(200);
      try {
        assert.equal(await netns(), first);
        await new Promise((r) => setTimeout(r, 1000));
        // a new one: the spare agent's, made while the first was alive, so its inode cannot be the first's
        assert.notEqual(await netns(), first, 'unused for longer than the idle time: a new one');
      } finally {
        setNetworkIdleMs(30_000);
      }
    });

    it("/etc is the host's below the pod's own files; writes there stay in the container", async () => {
      const r = await sh(
        'runner',
        'test -f /etc/passwd && echo passwd; echo x > /etc/kaf-written && cat /etc/kaf-written; cat /etc/hostname',
      );
      assert.deepEqual(r, { code: 0, stdout: 'passwd\nx\nrunner\n', stderr: '' });
      assert.equal(existsSync('/etc/kaf-written'), false);
    });

    it('automount off on the ServiceAccount: no token directory', async () => {
      const r = await sh('quiet', 'ls /var/run/secrets/kubernetes.io/serviceaccount 2>&1; echo rc=$?');
      assert.match(r.stdout, /No such file or directory\nrc=2\n$/);
    });

    it('every pod is on the pod network: HTTPS GET /version to the ClusterIP with the mounted CA and token', async () => {
      const r = await k(['exec', 'runner', '--', 'python3', '-c', GET_VERSION]);
      assert.deepEqual(r, { code: 0, stdout: 'v1.32.0\n', stderr: '' });
      const env = await sh('runner', 'echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT');
      assert.equal(env.stdout, '10.96.0.1:443\n');
    });

    it('nothing leaves the machine: an address outside the scenario is unreachable at once', async () => {
      const r = await k([
        'exec',
        'runner',
        '--',
        'python3',
        '-c',
        "import socket\ntry: socket.create_connection(('192.0.2.1', 443), timeout=2)\nexcept OSError as e: print(e.errno)",
      ]);
      assert.deepEqual(r, { code: 0, stdout: '101\n', stderr: '' }, 'ENETUNREACH');
    });

    it('pod network: cluster DNS resolves kubernetes.default.svc through the search list', async () => {
      const r = await k([
        'exec',
        'isolated',
        '--',
        'python3',
        '-c',
        "import socket; print(socket.gethostbyname('kubernetes.default.svc')); print(socket.gethostbyname('kubernetes.default.svc.cluster.local'))",
      ]);
      assert.deepEqual(r, { code: 0, stdout: '10.96.0.1\n10.96.0.1\n', stderr: '' });
      const env = await sh('isolated', 'echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT; cat /etc/resolv.conf');
      assert.equal(
        env.stdout,
        '10.96.0.1:443\nsearch exec-ns.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
      );
    });

    it('pod network: a NetworkPolicy allowing only ClusterIP:443 times out after DNAT', async () => {
      const r = await k(['exec', 'isolated-blocked', '--', 'python3', '-c', GET_VERSION]);
      assert.equal(r.code, 4);
      assert.match(r.stdout, /^FAILED .*timed out/);
      // DNS is allowed by the same policy.
      const dns = await k([
        'exec',
        'isolated-blocked',
        '--',
        'python3',
        '-c',
        "import socket; print(socket.gethostbyname('kubernetes.default.svc'))",
      ]);
      assert.equal(dns.stdout, '10.96.0.1\n');
    });

    it("hostNetwork pod: the node's hostname, hosts file and resolver (node names, no cluster names: dnsPolicy ClusterFirst falls back to Default)", async () => {
      const r = await sh('node-agent', 'hostname; echo $HOSTNAME; cat /etc/resolv.conf; head -1 /etc/hosts');
      assert.deepEqual(r, {
        code: 0,
        stdout: 'worker-1\nworker-1\nnameserver 10.0.0.2\n# Kubernetes-managed hosts file (host network).\n',
        stderr: '',
      });
      const dns = await k([
        'exec',
        'node-agent',
        '--',
        'python3',
        '-c',
        [
          'import socket',
          "print(socket.gethostbyname('cp-1'))",
          'try: socket.gethostbyname("kubernetes.default.svc")',
          'except socket.gaierror as e: print("no", e.errno == socket.EAI_NONAME)',
        ].join('\n'),
      ]);
      assert.deepEqual(dns, { code: 0, stdout: '10.0.0.11\nno True\n', stderr: '' });
    });

    it("hostNetwork pod: the ClusterIP through kube-proxy's rules and the endpoint directly; NetworkPolicies do not apply to it", async () => {
      // only-clusterip selects its labels and would time out a pod-network pod (see isolated-blocked)
      const r = await k(['exec', 'node-agent', '--', 'python3', '-c', GET_VERSION]);
      assert.deepEqual(r, { code: 0, stdout: 'v1.32.0\n', stderr: '' });
      const direct = await k([
        'exec',
        'node-agent',
        '--',
        'python3',
        '-c',
        "import socket; socket.create_connection(('10.0.0.11', 6443), timeout=2).close(); print('ok')",
      ]);
      assert.deepEqual(direct, { code: 0, stdout: 'ok\n', stderr: '' });
    });

    it('kubectl picks the first container itself and says so; a missing pod is the pods GET 404', async () => {
      const r = await sh('duo', 'echo $WHO');
      assert.deepEqual(r, { code: 0, stdout: 'app\n', stderr: 'Defaulted container "app" out of: app, sidecar\n' });
      const missing = await k(['exec', 'nosuch', '--', 'true']);
      assert.deepEqual(missing, {
        code: 1,
        stdout: '',
        stderr: 'Error from server (NotFound): pods "nosuch" not found\n',
      });
    });

    it('kubectl <= 1.29 (SPDY only) gets a one-line refusal', async function () {
      const old = join(dir!, 'kubectl.1.29');
      if (!existsSync(old)) {
        console.log('      skipped: no kubectl.1.29');
        this.skip();
      }
      const r = await kubectl(old, sim.kubeconfigPath, ['exec', 'runner', '--', 'true']);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'Error from server (BadRequest): the simulated API server supports exec over WebSocket only (v5.channel.k8s.io, v4.channel.k8s.io): use kubectl >= 1.30\n',
      );
    });

    it('an identity without pods/exec: kubectl falls back to SPDY and prints the create denial', async () => {
      const r = await k(['--context', 'viewer', 'exec', 'runner', '--', 'true']);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'Error from server (Forbidden): pods "runner" is forbidden: User "viewer" cannot create resource "pods/exec" in API group "" in the namespace "exec-ns"\n',
      );
    });
  });

  describe('raw WebSocket client', () => {
    function open(
      path: string,
      protocols: string[],
    ): Promise<{ frames: Buffer[]; protocol: string; status?: number; body?: string }> {
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(`${sim.url}${path}`, protocols, {
          ca: sim.caPem,
          headers: { Authorization: `Bearer ${sim.tokenFor('operator')}` },
        });
        const frames: Buffer[] = [];
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => {
            body += d;
          });
          res.on('end', () => resolve({ frames, protocol: '', status: res.statusCode, body }));
        });
        ws.on('open', () => ws.send(Buffer.from([255, 0])));
        ws.on('message', (d: Buffer) => frames.push(Buffer.from(d)));
        ws.on('close', () => resolve({ frames, protocol: ws.protocol }));
        ws.on('error', reject);
      });
    }

    it('no container name for a two-container pod: 400 listing the containers', async () => {
      const r = await open('/api/v1/namespaces/exec-ns/pods/duo/exec?command=true&stdout=true', ['v5.channel.k8s.io']);
      assert.equal(r.status, 400);
      const s = JSON.parse(r.body!);
      assert.deepEqual(
        [s.kind, s.reason, s.code, s.message],
        ['Status', 'BadRequest', 400, 'a container name must be specified for pod duo, choose one of: [app sidecar]'],
      );
    });

    it('v4: readiness frame, stdout on 1, stderr on 2, one Status on 3, then close', async () => {
      // ";" escaped as clients do: Go (>= 1.17) drops a query pair holding a raw one
      const r = await open(
        '/api/v1/namespaces/exec-ns/pods/runner/exec?command=sh&command=-c&command=printf+a%3Bprintf+b+>%262%3Bexit+7&stdout=true&stderr=true',
        ['v4.channel.k8s.io'],
      );
      assert.equal(r.protocol, 'v4.channel.k8s.io');
      assert.deepEqual([...r.frames[0]], [1], 'an empty stdout frame first');
      const on = (c: number) =>
        Buffer.concat(
          r.frames
            .slice(1)
            .filter((f) => f[0] === c)
            .map((f) => f.subarray(1)),
        ).toString();
      assert.equal(on(1), 'a');
      assert.equal(on(2), 'b');
      const statuses = r.frames.filter((f) => f[0] === 3);
      assert.equal(statuses.length, 1);
      assert.deepEqual(JSON.parse(statuses[0].subarray(1).toString()).details, {
        causes: [{ reason: 'ExitCode', message: '7' }],
      });
    });

    it('v5 preferred; Success status', async () => {
      const r = await open('/api/v1/namespaces/exec-ns/pods/runner/exec?command=true&stdout=true', [
        'v4.channel.k8s.io',
        'v5.channel.k8s.io',
      ]);
      assert.equal(r.protocol, 'v5.channel.k8s.io');
      assert.equal(r.frames.at(-1)!.subarray(1).toString(), '{"metadata":{},"status":"Success"}');
    });
  });

  describe('teardown', () => {
    it('stopping the sim ends a running exec at once (as a stopping API server drops its streams)', async () => {
      const running = kubectl(join(dir!, `kubectl.${versions.at(-1)}`), sim.kubeconfigPath, [
        'exec',
        'isolated',
        '--',
        'sh',
        '-c',
        'echo started; sleep 30',
      ]);
      for (let i = 0; i < 100 && !sim.log.entries.some((e) => e.path.endsWith('/exec') && e.code === 101); i++)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      await sim.stop();
      const r = await running;
      // Had stop() waited for the command, kubectl would have exited 0 after `sleep 30`.
      assert.equal(r.code, 1);
      assert.match(r.stderr, /websocket: close 1006 \(abnormal closure\)/);
    });

    it('nothing is left behind once the sim stops: no staging directories, no namespace agents', async () => {
      await sim.stop();
      // Per-process caches stay until the process exits: the profile executables and the agent script.
      const left = () =>
        readdirSync(tmp).filter((f) => !/^kaf-exec-(bins|agent)-/.test(f) && !f.startsWith('kubectl-airflow-sim-'));
      const agents = () =>
        execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
          .split('\n')
          .filter((l) => /unshare|nsenter|netns-agent/.test(l));
      // The last exec's teardown and the spare agent (it exits on stdin EOF) finish asynchronously.
      for (let i = 0; i < 40 && (agents().length > 0 || left().length > 0); i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(left(), []);
      assert.deepEqual(agents(), []);
    });
  });
});

describe('conformance: pod networks (exec-network scenario)', function () {
  this.timeout(120_000);
  const dir = kubectlDir();
  const bin = dir && ['1.33', '1.32', '1.30'].map((v) => join(dir, `kubectl.${v}`)).find((p) => existsSync(p));
  let sim: Sim;
  const k = (args: string[]) => kubectl(bin!, sim.kubeconfigPath, ['-n', 'net', ...args]);
  const py = (pod: string, code: string) => k(['exec', pod, '--', 'python3', '-c', code]);
  // The live replica itself: through the ClusterIP three of this scenario's four endpoints are dead.
  const toLiveReplica = (pod: string, code: string) =>
    k([
      'exec',
      pod,
      '--',
      'env',
      'KUBERNETES_SERVICE_HOST=10.0.0.11',
      'KUBERNETES_SERVICE_PORT=6443',
      'python3',
      '-c',
      code,
    ]);

  before(async function () {
    const why = sandboxUnavailable() ?? (bin ? undefined : 'no kubectl >= 1.30 beside kubectl on PATH');
    if (why) {
      console.log(`    skipped: ${why}`);
      this.skip();
    }
    sim = await startSim({ scenario: 'exec-network' });
  });
  after(async () => {
    await sim?.stop();
  });

  it('each replica fails its own way; the ClusterIP spreads over all four (statistic random)', async () => {
    const r = await py('probe', CONNECT);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 4), ['10.0.0.11 ok', '10.0.0.12 refused', '10.0.0.13 reset', '10.0.0.14 timeout']);
    const seen = JSON.parse(lines[4]) as Record<string, number>;
    assert.equal(
      Object.values(seen).reduce((a, b) => a + b, 0),
      24,
    );
    assert.ok(
      (seen.ok ?? 0) > 0 && (seen.ok ?? 0) < 24,
      `some but not all of 24 attempts through the ClusterIP reach the live replica: ${lines[4]}`,
    );
  });

  it('dns: broken blackholes the nameserver (no answer, no error); nxdomain answers NXDOMAIN', async () => {
    assert.deepEqual(await py('dns-broken', UDP_QUERY), { code: 0, stdout: 'timeout\n', stderr: '' });
    assert.deepEqual(await py('dns-nxdomain', UDP_QUERY), { code: 0, stdout: 'rcode 3\n', stderr: '' });
    assert.deepEqual(await py('probe', UDP_QUERY), { code: 0, stdout: 'rcode 0 10.96.0.1\n', stderr: '' });
  });

  it('ca: wrong mounts a CA that did not sign the server certificate', async () => {
    const r = await toLiveReplica('wrong-ca', GET_VERSION);
    assert.equal(r.code, 4);
    assert.match(r.stdout, /CERTIFICATE_VERIFY_FAILED/);
  });

  it('token: revoked and expired are rejected with 401 by the API server', async () => {
    for (const pod of ['revoked-token', 'expired-token']) {
      const r = await toLiveReplica(pod, GET_VERSION);
      assert.equal(r.code, 4, pod);
      assert.match(r.stdout, /^FAILED <HTTPError 401: 'Unauthorized'>/, pod);
    }
  });
});

const CONNECT = [
  'import collections, json, socket',
  'def attempt(host, port):',
  '    s = socket.socket(); s.settimeout(0.5)',
  '    try:',
  '        s.connect((host, port)); s.sendall(b"\\x16\\x03\\x01\\x00\\x05hello")',
  '        return "ok" if s.recv(1) else "closed"',
  '    except socket.timeout: return "timeout"',
  '    except ConnectionRefusedError: return "refused"',
  '    except ConnectionResetError: return "reset"',
  '    finally: s.close()',
  'for a in ["10.0.0.11", "10.0.0.12", "10.0.0.13", "10.0.0.14"]: print(a, attempt(a, 6443))',
  'print(json.dumps(collections.Counter(attempt("10.96.0.1", 443) for _ in range(24))))',
].join('\n');

const UDP_QUERY = [
  'import socket',
  's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)',
  'q = b"\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00" + b"".join(bytes([len(p)]) + p.encode() for p in "kubernetes.default.svc.cluster.local".split(".")) + b"\\x00\\x00\\x01\\x00\\x01"',
  's.sendto(q, ("10.96.0.10", 53))',
  'try:',
  '    d = s.recv(512)',
  '    print("rcode", d[3] & 15, *([".".join(str(b) for b in d[-4:])] if d[7] else []))',
  'except socket.timeout: print("timeout")',
].join('\n');
