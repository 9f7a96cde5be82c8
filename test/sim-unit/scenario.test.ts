// Scenario loading: built-in names, validation errors that say what is wrong, defaults.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, parseScenario, scenarioPath, ScenarioError, SCENARIOS_DIR } from '../sim/scenario.ts';

const HEAD = `apiVersion: sim.kubectl-airflow.dev/v1alpha1
kind: Scenario
metadata: {name: t}
`;

describe('sim scenario loading', () => {
  it('resolves a built-in name to test/scenarios/<name>.yaml and a path to itself', () => {
    assert.equal(scenarioPath('minimal'), join(SCENARIOS_DIR, 'minimal.yaml'));
    assert.equal(scenarioPath('/tmp/x.yaml'), '/tmp/x.yaml');
  });

  it('loads the minimal scenario: objects in order, identities, defaults', () => {
    const s = loadScenario('minimal');
    assert.equal(s.metadata.name, 'minimal');
    assert.equal(s.spec.namespace, 'team-a');
    assert.equal(s.spec.currentContext, 'admin');
    assert.deepEqual(
      s.spec.identities.map((i) => [i.name, i.auth]),
      [
        ['admin', 'clientCertificate'],
        ['alice', 'token'],
        ['bob', 'exec'],
      ],
    );
    assert.deepEqual(
      s.objects.map((o) => `${o.kind}/${o.metadata.name}`),
      ['Namespace/team-a', 'Pod/web', 'Pod/batch', 'RoleBinding/alice-view'],
    );
  });

  it('every built-in scenario loads', () => {
    const files = readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 1);
    for (const f of files) assert.doesNotThrow(() => loadScenario(f.replace(/\.yaml$/, '')), f);
  });

  it('defaults version, namespace, auth and current context', () => {
    const s = parseScenario(HEAD + 'spec:\n  identities: [{name: a, user: u}]\n');
    assert.equal(s.spec.kubernetesVersion, 'v1.32.0');
    assert.equal(s.spec.namespace, 'default');
    assert.equal(s.spec.currentContext, 'a');
    assert.equal(s.spec.identities[0].auth, 'clientCertificate');
    assert.deepEqual(s.spec.identities[0].groups, []);
  });

  const bad: [string, string, RegExp][] = [
    ['no Scenario document', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n', /no Scenario document/],
    [
      'two Scenario documents',
      HEAD + 'spec: {identities: [{name: a, user: u}]}\n---\n' + HEAD + 'spec: {identities: [{name: a, user: u}]}\n',
      /more than one Scenario/,
    ],
    ['no identities', HEAD + 'spec: {}\n', /spec.identities must list at least one identity/],
    [
      'duplicate identity',
      HEAD + 'spec: {identities: [{name: a, user: u}, {name: a, user: v}]}\n',
      /spec.identities\[1\].name "a" is used twice/,
    ],
    [
      'bad auth',
      HEAD + 'spec: {identities: [{name: a, user: u, auth: password}]}\n',
      /spec.identities\[0\].auth must be one of clientCertificate, token, exec/,
    ],
    [
      'unknown currentContext',
      HEAD + 'spec: {currentContext: z, identities: [{name: a, user: u}]}\n',
      /currentContext "z" names no identity/,
    ],
    [
      'bad version',
      HEAD + 'spec: {kubernetesVersion: "1.32", identities: [{name: a, user: u}]}\n',
      /kubernetesVersion must look like v1.32.0/,
    ],
    [
      'object without name',
      HEAD + 'spec: {identities: [{name: a, user: u}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {}\n',
      /document 2 \(Pod\): metadata.name is required/,
    ],
    ['YAML syntax', HEAD + 'spec: {identities: [\n', /document 1/],
    [
      'replica without address',
      HEAD + 'spec: {identities: [{name: a, user: u}], controlPlane: {replicas: [{name: r}]}}\n',
      /replicas\[0\] needs name and address/,
    ],
  ];
  for (const [what, text, re] of bad) {
    it(`refuses: ${what}`, () => {
      assert.throws(
        () => parseScenario(text, 'f.yaml'),
        (e: unknown) => e instanceof ScenarioError && re.test(e.message) && e.message.startsWith('f.yaml: '),
      );
    });
  }

  it('says which file is missing', () => {
    assert.throws(
      () => loadScenario('does-not-exist'),
      /scenario "does-not-exist" not found \(looked for .*does-not-exist.yaml\)/,
    );
  });
});
