// No output of any command, in any format, holds a secret value a scenario holds: Secret data,
// identity tokens and client keys, passwords in proxy variables and connection URIs (with or without
// a scheme). Every command runs against every built-in scenario (net on the pods that carry such
// values); every -o json/yaml output parses, and so does the YAML rbac --fix prints.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as YAML from 'yaml';
import { NEEDED_KEYS } from '../../src/airflow/airflow-cfg.ts';
import { GLOBAL_FLAGS } from '../../src/cli/flags.ts';
import { COMMANDS } from '../../src/cli/main.ts';
import { SCENARIOS_DIR } from '../sim/scenario.ts';
import { startSim } from '../sim/index.ts';
import { isolatedNetworkMissing, runMain } from './harness.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The password of every userinfo in a text (`scheme://user:PASS@`, `user:PASS@host:port`), and colon-less tokens before host:port. */
function userinfoSecrets(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:[a-z][a-z0-9+.-]*:\/\/)?([^\s"'<>/?#:@]+):([^\s"'<>/?#]+)@[^\s"'<>/?#@]+/gi))
    out.push(m[2]);
  for (const m of text.matchAll(/[a-z][a-z0-9+.-]*:\/\/([^\s"'<>/?#:@]+)@/gi)) out.push(m[1]);
  return out;
}

const ENV_SECRET = /PASS|TOKEN|SECRET|_KEY|CONN|PROXY|CREDENTIAL/i;

/** Every secret value the scenario's objects and its kubeconfig hold (at least 6 characters: shorter ones match by chance). */
export function secretsOf(docs: Obj[], kubeconfig: Obj): Map<string, string> {
  const found = new Map<string, string>();
  const add = (v: unknown, where: string) => {
    if (typeof v === 'string' && v.length >= 6 && !found.has(v)) found.set(v, where);
  };
  const containers = (spec: Obj | undefined): Obj[] => [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  for (const d of docs) {
    const at = `${d.kind} ${d.metadata?.namespace ?? ''}/${d.metadata?.name}`;
    if (d.kind === 'Secret') {
      for (const [k, v] of Object.entries<string>(d.data ?? {})) {
        // the few keys config reads from a Secret by design (the executor, the client settings)
        if (NEEDED_KEYS.includes(k)) continue;
        const plain = Buffer.from(v, 'base64').toString('utf8');
        add(v, `${at} data.${k}`);
        add(plain, `${at} data.${k} (decoded)`);
        for (const p of userinfoSecrets(plain)) add(p, `${at} data.${k} password`);
        for (const line of plain.split('\n'))
          if (/^[A-Za-z0-9+/=]{40,}$/.test(line)) add(line, `${at} data.${k} (key material)`);
      }
      for (const [k, v] of Object.entries<string>(d.stringData ?? {})) add(v, `${at} stringData.${k}`);
    }
    if (d.kind === 'ConfigMap')
      for (const [k, v] of Object.entries<string>(d.data ?? {}))
        for (const p of userinfoSecrets(v)) add(p, `${at} data.${k} password`);
    const spec = d.kind === 'Pod' ? d.spec : d.spec?.template?.spec;
    for (const c of containers(spec)) {
      for (const e of c.env ?? []) {
        if (typeof e.value !== 'string') continue;
        for (const p of userinfoSecrets(e.value)) add(p, `${at} env ${e.name} password`);
        if (ENV_SECRET.test(e.name) && !/PROXY|CONN/.test(e.name) && !/NO_PROXY/i.test(e.name))
          add(e.value, `${at} env ${e.name}`);
      }
    }
  }
  kubeconfigSecrets(kubeconfig, 'kubeconfig', add);
  // kubeconfigs held in Secrets (a mounted file, or inline in a kubernetes_default connection): their credentials one by one
  for (const [v, where] of [...found]) {
    if (!where.startsWith('Secret ')) continue;
    let parsed: Obj | undefined;
    try {
      parsed = YAML.parse(v) as Obj;
    } catch {
      continue;
    }
    const inline = parsed?.extra?.kube_config;
    const kc = typeof inline === 'string' ? (YAML.parse(inline) as Obj) : (inline ?? parsed);
    if (kc && typeof kc === 'object') kubeconfigSecrets(kc, `${where} kubeconfig`, add);
  }
  // a value the scenario also shows outside any Secret (an image name in a pod spec) is public there
  const open = docs
    .filter((d) => d.kind !== 'Secret')
    .map((d) => JSON.stringify(d))
    .join('\n');
  for (const [v, where] of [...found])
    if (where.startsWith('Secret ') && open.includes(JSON.stringify(v).slice(1, -1))) found.delete(v);
  return found;
}

/** The credentials of a kubeconfig's users: tokens, passwords, client keys, exec plugin env values. */
function kubeconfigSecrets(kubeconfig: Obj, at: string, add: (v: unknown, where: string) => void): void {
  for (const u of Array.isArray(kubeconfig.users) ? kubeconfig.users : []) {
    const user = u?.user ?? {};
    add(user.token, `${at} user ${u.name} token`);
    add(user.password, `${at} user ${u.name} password`);
    if (typeof user['client-key-data'] === 'string') {
      add(user['client-key-data'], `${at} user ${u.name} client-key-data`);
      for (const line of Buffer.from(user['client-key-data'], 'base64').toString('utf8').split('\n'))
        if (/^[A-Za-z0-9+/=]{40,}$/.test(line)) add(line, `${at} user ${u.name} client key`);
    }
    for (const e of user.exec?.env ?? []) add(e.value, `${at} user ${u.name} exec env ${e.name}`);
  }
}

const FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
const SCENARIOS = readdirSync(SCENARIOS_DIR)
  .filter((f) => f.endsWith('.yaml') && f !== 'bench-250.yaml')
  .map((f) => f.replace(/\.yaml$/, ''));
/** Where an Airflow container names a kubeconfig: net reads it in the pod (Remote cluster layer). */
const KUBECONFIG_ENV = /^AIRFLOW_CONN_KUBERNETES_DEFAULT$|^AIRFLOW__KUBERNETES(_EXECUTOR)?__CONFIG_FILE$/;

/** Pods whose env carries a secret value or names a kubeconfig: net probes them (the probe reads both in the pod). */
function podsWithSecrets(docs: Obj[], secrets: Map<string, string>): Array<{ namespace: string; name: string }> {
  return docs
    .filter((d) => d.kind === 'Pod' && d.status?.phase === 'Running' && d.spec?.nodeName)
    .filter(
      (d) =>
        [...secrets.values()].some((w) => w.startsWith(`Pod ${d.metadata.namespace}/${d.metadata.name} env`)) ||
        (d.spec?.containers ?? []).some((c: Obj) => (c.env ?? []).some((e: Obj) => KUBECONFIG_ENV.test(e.name))),
    )
    .map((d) => ({ namespace: d.metadata.namespace, name: d.metadata.name }));
}

interface Ran {
  argv: string[];
  code: number;
  out: string;
  err: string;
}
interface ScenarioRuns {
  secrets: Map<string, string>;
  runs: Ran[];
  fix: Ran;
  advised: Ran[];
}

/**
 * A `kubectl airflow ...` command in an output, as far as it is a command: its flags (with their
 * values) and the positionals the command takes; prose after it ("ha shows which ...") is cut off.
 */
export function adviceCommand(text: string): string[] | undefined {
  const words = text.trim().split(/\s+/);
  const cmd = COMMANDS.find((c) => c.name === words[0]);
  if (!cmd) return undefined;
  const flags = [...GLOBAL_FLAGS, ...(cmd.flags ?? [])];
  const isBare = (f: string) =>
    flags.some((x) => (x.name === f || x.short === f) && (x.type === 'boolean' || x.type === 'count'));
  let positionals = cmd.positionals?.length ?? 0;
  const out = [words[0]];
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (/^[A-Z][A-Z_]+$|^</.test(w)) return undefined; // a placeholder: not a command as is
    if (w.startsWith('-')) {
      const name = w.replace(/^-+/, '').split('=')[0];
      out.push(w);
      if (!w.includes('=') && !isBare(name) && i + 1 < words.length) out.push(words[++i]);
    } else if (positionals-- > 0) out.push(w);
    else break;
  }
  return out;
}

async function runScenario(scenario: string, canExec: boolean): Promise<ScenarioRuns> {
  const sim = await startSim({ scenario });
  try {
    const docs = YAML.parseAllDocuments(readFileSync(join(SCENARIOS_DIR, `${scenario}.yaml`), 'utf8'))
      .map((d) => d.toJS() as Obj)
      .filter(Boolean);
    const secrets = secretsOf(docs, YAML.parse(readFileSync(sim.kubeconfigPath, 'utf8')));
    const namespace = (sim.scenario.spec as { namespace?: string }).namespace ?? 'default';
    const cmds: string[][] = [['doctor'], ['rbac'], ['ha'], ['config']];
    for (const p of canExec ? podsWithSecrets(docs, secrets) : []) cmds.push(['net', p.name, '-n', p.namespace]);
    const run = async (argv: string[]): Promise<Ran> => ({ argv, ...(await runMain(argv)) });
    const runs: Ran[] = [];
    for (const cmd of cmds)
      runs.push(
        ...(await Promise.all(
          FORMATS.map((f) => run([...cmd, '--kubeconfig', sim.kubeconfigPath, '-o', f, '--request-timeout', '20s'])),
        )),
      );
    const fix = await run(['rbac', '--fix', '--kubeconfig', sim.kubeconfigPath, '-n', namespace]);
    // every `kubectl airflow ...` the text outputs advise, run as a person copies it
    const advised = new Map<string, string[]>();
    for (const r of [...runs.filter((x) => !x.argv.includes('json') && !x.argv.includes('yaml')), fix]) {
      for (const m of (r.out + r.err).matchAll(/kubectl airflow ([a-z][^\n`'"()]*)/g)) {
        const argv = adviceCommand(m[1].replace(/[.,;:]+(\s|$)/g, '$1'));
        if (argv) advised.set(argv.join(' '), argv);
      }
    }
    // at once: each waits mostly on its own probe
    const ran = await Promise.all(
      [...advised.values()].map((argv) =>
        run(argv.includes('--kubeconfig') ? argv : [...argv, '--kubeconfig', sim.kubeconfigPath]),
      ),
    );
    return { secrets, runs, fix, advised: ran };
  } finally {
    await sim.stop();
  }
}

describe('no secret in any output', function () {
  this.timeout(600_000);
  const canExec = !isolatedNetworkMissing();
  const results = new Map<string, Promise<ScenarioRuns>>();
  before(() => {
    if (!canExec)
      console.log(`    (net and doctor's network layer run without exec here: ${isolatedNetworkMissing()})`);
    // a few scenarios at a time: most of the time is spent waiting on probes' timeouts
    const queue = [...SCENARIOS];
    const pending = new Map<string, { resolve: (r: ScenarioRuns) => void; reject: (e: unknown) => void }>();
    for (const sc of SCENARIOS) {
      const p = new Promise<ScenarioRuns>((resolve, reject) => pending.set(sc, { resolve, reject }));
      p.catch(() => undefined);
      results.set(sc, p);
    }
    const worker = async () => {
      for (let sc = queue.shift(); sc; sc = queue.shift()) {
        const h = pending.get(sc)!;
        await runScenario(sc, canExec).then(h.resolve, h.reject);
      }
    };
    for (let i = 0; i < 4; i++) void worker();
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario}: every command, every format: no secret on stdout or stderr; json/yaml parse; advice works as copied`, async () => {
      const { secrets, runs, fix, advised } = await results.get(scenario)!;
      assert.ok(secrets.size > 0, "every scenario has at least its identities' tokens or keys (the check can fail)");
      for (const r of runs) {
        const what = r.argv.join(' ');
        assert.ok([0, 1, 2, 3].includes(r.code), `${what}: exit ${r.code}`);
        assert.doesNotMatch(r.err, /\n\s+at |internal error/, `${what}: ${r.err}`);
        if (r.code <= 1 && r.argv.includes('json')) JSON.parse(r.out);
        if (r.code <= 1 && r.argv.includes('yaml'))
          for (const d of YAML.parseAllDocuments(r.out)) assert.deepEqual(d.errors, [], what);
      }
      if (fix.code <= 1 && fix.out.trim())
        for (const d of YAML.parseAllDocuments(fix.out)) assert.deepEqual(d.errors, [], 'rbac --fix YAML');
      for (const r of [...runs, fix, ...advised]) {
        for (const [secret, where] of secrets)
          assert.ok(!(r.out + r.err).includes(secret), `${r.argv.join(' ')} printed ${where}`);
      }
      for (const r of advised) {
        const what = `advised "kubectl airflow ${r.argv.join(' ')}"`;
        assert.doesNotMatch(
          r.err,
          /Unknown argument|Not enough arguments|see --help|Missing required/,
          `${what}: ${r.err}`,
        );
        assert.ok([0, 1, 3].includes(r.code), `${what}: exit ${r.code} ${r.err}`);
      }
    });
  }

  it('the secret finder finds what it must (scheme-less proxy password, URI password, Secret data, token)', () => {
    const s = secretsOf(
      [
        {
          kind: 'Secret',
          metadata: { name: 's', namespace: 'a' },
          data: { c: Buffer.from('postgresql://u:pw-in-uri@db:5432/x').toString('base64') },
        },
        {
          kind: 'Pod',
          metadata: { name: 'p', namespace: 'a' },
          spec: {
            containers: [
              {
                env: [
                  { name: 'HTTPS_PROXY', value: 'user:Sch3meless@10.0.0.1:3128' },
                  { name: 'NO_PROXY', value: 'localhost,.svc' },
                ],
              },
            ],
          },
        },
      ],
      { users: [{ name: 'u', user: { token: 'tok-123456' } }] },
    );
    const inline = secretsOf(
      [
        {
          kind: 'Secret',
          metadata: { name: 'conn', namespace: 'a' },
          stringData: {
            k: JSON.stringify({
              extra: {
                kube_config: {
                  users: [{ name: 'x', user: { exec: { env: [{ name: 'K', value: 'exec-env-secret' }] } } }],
                },
              },
            }),
          },
        },
        {
          kind: 'Secret',
          metadata: { name: 'file', namespace: 'a' },
          stringData: { config: 'users:\n- name: y\n  user:\n    token: mounted-kubeconfig-token\n' },
        },
      ],
      {},
    );
    for (const want of ['exec-env-secret', 'mounted-kubeconfig-token']) assert.ok(inline.has(want), want);
    for (const want of ['pw-in-uri', 'Sch3meless', 'postgresql://u:pw-in-uri@db:5432/x', 'tok-123456'])
      assert.ok(s.has(want), want);
    assert.ok(![...s.keys()].some((k) => k.includes('localhost')));
  });

  it('advice is cut where the command ends and the sentence goes on', () => {
    assert.deepEqual(adviceCommand('ha shows which replica holds a lease'), ['ha']);
    assert.deepEqual(adviceCommand('rbac -n airflow --release airflow --fix'), [
      'rbac',
      '-n',
      'airflow',
      '--release',
      'airflow',
      '--fix',
    ]);
    assert.deepEqual(adviceCommand('net my-pod -n airflow and then'), ['net', 'my-pod', '-n', 'airflow']);
    assert.equal(adviceCommand('net POD'), undefined);
    assert.equal(adviceCommand('nothing here'), undefined);
  });
});
