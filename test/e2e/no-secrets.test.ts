// No output of any command, in any format, holds a secret value a scenario holds: Secret data,
// identity tokens and client keys, passwords in proxy variables and connection URIs (with or without
// a scheme). Every command runs against every built-in scenario (net on the pods that carry such
// values); every -o json/yaml output parses, and so does the YAML rbac --fix prints.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as YAML from 'yaml';
import { NEEDED_KEYS } from '../../src/airflow/config.ts';
import { SCENARIOS_DIR } from '../sim/scenario.ts';
import { startSim, type Sim } from '../sim/index.ts';
import { isolatedNetworkMissing, runMain } from './harness.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The password of every userinfo in a text (`scheme://user:PASS@`, `user:PASS@host:port`), and colon-less tokens before host:port. */
function userinfoSecrets(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:[a-z][a-z0-9+.-]*:\/\/)?([^\s"'<>/?#:@]+):([^\s"'<>/?#]+)@[^\s"'<>/?#@]+/gi)) out.push(m[2]);
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
        for (const line of plain.split('\n')) if (/^[A-Za-z0-9+/=]{40,}$/.test(line)) add(line, `${at} data.${k} (key material)`);
      }
      for (const [k, v] of Object.entries<string>(d.stringData ?? {})) add(v, `${at} stringData.${k}`);
    }
    if (d.kind === 'ConfigMap') for (const [k, v] of Object.entries<string>(d.data ?? {})) for (const p of userinfoSecrets(v)) add(p, `${at} data.${k} password`);
    const spec = d.kind === 'Pod' ? d.spec : d.spec?.template?.spec;
    for (const c of containers(spec)) {
      for (const e of c.env ?? []) {
        if (typeof e.value !== 'string') continue;
        for (const p of userinfoSecrets(e.value)) add(p, `${at} env ${e.name} password`);
        if (ENV_SECRET.test(e.name) && !/PROXY|CONN/.test(e.name) && !/NO_PROXY/i.test(e.name)) add(e.value, `${at} env ${e.name}`);
      }
    }
  }
  for (const u of kubeconfig.users ?? []) {
    const user = u.user ?? {};
    add(user.token, `kubeconfig user ${u.name} token`);
    add(user.password, `kubeconfig user ${u.name} password`);
    if (typeof user['client-key-data'] === 'string') {
      add(user['client-key-data'], `kubeconfig user ${u.name} client-key-data`);
      for (const line of Buffer.from(user['client-key-data'], 'base64').toString('utf8').split('\n')) if (/^[A-Za-z0-9+/=]{40,}$/.test(line)) add(line, `kubeconfig user ${u.name} client key`);
    }
    for (const e of user.exec?.env ?? []) add(e.value, `kubeconfig user ${u.name} exec env ${e.name}`);
  }
  return found;
}

const FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
const SCENARIOS = readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.yaml') && f !== 'bench-250.yaml').map((f) => f.replace(/\.yaml$/, ''));
/** Pods whose env carries a secret value: net probes them (the probe reads the env in the pod). */
function podsWithSecrets(docs: Obj[], secrets: Map<string, string>): Array<{ namespace: string; name: string }> {
  return docs
    .filter((d) => d.kind === 'Pod' && d.status?.phase === 'Running' && d.spec?.nodeName)
    .filter((d) => [...secrets.values()].some((w) => w.startsWith(`Pod ${d.metadata.namespace}/${d.metadata.name} env`)))
    .map((d) => ({ namespace: d.metadata.namespace, name: d.metadata.name }));
}

describe('no secret in any output', function () {
  this.timeout(300_000);
  const canExec = !isolatedNetworkMissing();
  if (!canExec) console.log(`    (net and doctor's network layer run without exec here: ${isolatedNetworkMissing()})`);

  for (const scenario of SCENARIOS) {
    describe(scenario, () => {
      let sim: Sim;
      let secrets: Map<string, string>;
      let docs: Obj[];
      before(async () => {
        sim = await startSim({ scenario });
        docs = YAML.parseAllDocuments(readFileSync(join(SCENARIOS_DIR, `${scenario}.yaml`), 'utf8')).map((d) => d.toJS() as Obj).filter(Boolean);
        secrets = secretsOf(docs, YAML.parse(readFileSync(sim.kubeconfigPath, 'utf8')));
      });
      after(async () => sim?.stop());

      it('holds secrets to look for (the check can fail)', () => {
        assert.ok(secrets.size > 0, 'every scenario has at least its identities\' tokens or keys');
      });

      it('every command, every format: no secret in stdout or stderr; json and yaml parse', async () => {
        const namespace = (sim.scenario.spec as { namespace?: string }).namespace ?? 'default';
        const runs: string[][] = [['doctor'], ['rbac'], ['ha'], ['config']];
        for (const p of canExec ? podsWithSecrets(docs, secrets) : []) runs.push(['net', p.name, '-n', p.namespace]);
        const outputs: Array<{ argv: string[]; text: string }> = [];
        for (const cmd of runs) {
          // the formats of one command at once: each is its own run; most of the time is the probe's waits
          const argvs = FORMATS.map((format) => [...cmd, '--kubeconfig', sim.kubeconfigPath, '-o', format, '--request-timeout', '20s']);
          const results = await Promise.all(argvs.map((argv) => runMain(argv)));
          for (const [i, r] of results.entries()) {
            const argv = argvs[i];
            const format = FORMATS[i];
            outputs.push({ argv, text: r.out + r.err });
            assert.ok([0, 1, 2, 3].includes(r.code), `${argv.join(' ')}: exit ${r.code}`);
            assert.doesNotMatch(r.err, /\n\s+at |internal error/, `${argv.join(' ')}: ${r.err}`);
            if (r.code <= 1 && format === 'json') JSON.parse(r.out);
            if (r.code <= 1 && format === 'yaml') for (const d of YAML.parseAllDocuments(r.out)) assert.deepEqual(d.errors, [], argv.join(' '));
          }
        }
        const fix = await runMain(['rbac', '--fix', '--kubeconfig', sim.kubeconfigPath, '-n', namespace]);
        outputs.push({ argv: ['rbac', '--fix'], text: fix.out + fix.err });
        if (fix.code <= 1 && fix.out.trim()) for (const d of YAML.parseAllDocuments(fix.out)) assert.deepEqual(d.errors, [], 'rbac --fix YAML');
        for (const { argv, text } of outputs) {
          for (const [secret, where] of secrets) assert.ok(!text.includes(secret), `${argv.join(' ')} printed ${where}`);
        }
      });
    });
  }

  it('the secret finder finds what it must (scheme-less proxy password, URI password, Secret data, token)', () => {
    const s = secretsOf(
      [
        { kind: 'Secret', metadata: { name: 's', namespace: 'a' }, data: { c: Buffer.from('postgresql://u:pw-in-uri@db:5432/x').toString('base64') } },
        { kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, spec: { containers: [{ env: [{ name: 'HTTPS_PROXY', value: 'user:Sch3meless@10.0.0.1:3128' }, { name: 'NO_PROXY', value: 'localhost,.svc' }] }] } },
      ],
      { users: [{ name: 'u', user: { token: 'tok-123456' } }] },
    );
    for (const want of ['pw-in-uri', 'Sch3meless', 'postgresql://u:pw-in-uri@db:5432/x', 'tok-123456']) assert.ok(s.has(want), want);
    assert.ok(![...s.keys()].some((k) => k.includes('localhost')));
  });
});
