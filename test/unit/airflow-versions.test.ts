import { strict as assert } from 'node:assert';
import { deprecatedSectionApplies, executorSection, ignoredOptions, setOptionText } from '../../src/airflow/advice.ts';
import { configMapKeyAt, findPodTemplate, parsePodTemplate, workerAccount } from '../../src/airflow/pod-template.ts';
import type { PodLike } from '../../src/airflow/release.ts';
import {
  airflowVersionFromImage,
  airflowVersionOf,
  chartVersionOf,
  parseRange,
  providerVersionOf,
  versionsLine,
} from '../../src/airflow/versions.ts';

const pod = (name: string, component: string, image: string, env: Record<string, string> = {}): PodLike => ({
  metadata: { name, labels: { tier: 'airflow', component, release: 'airflow' } },
  spec: {
    containers: [
      { name: component, image, env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })) } as { name: string },
    ],
  },
});

describe('versions from what the API server shows (no exec)', () => {
  const images: Array<[string, string | undefined]> = [
    ['apache/airflow:2.2.5', '2.2.5'],
    ['apache/airflow:2.7.1-python3.11', '2.7.1'],
    ['apache/airflow:slim-2.9.3-python3.12', '2.9.3'],
    ['docker.io/apache/airflow:1.10.15', '1.10.15'],
    ['quay.io/mirror/apache/airflow:3.0.2@sha256:abc', '3.0.2'],
    ['apache/airflow:latest', undefined],
    ['apache/airflow@sha256:0123', undefined],
    ['apache/airflow', undefined],
    ['mycorp/airflow:2.5.0', undefined], // a custom image's tag is its builder's numbering
    ['registry:5000/apache/airflow-custom:2.5.0', undefined],
  ];
  for (const [image, want] of images)
    it(`image ${image} -> ${want ?? 'unknown'}`, () => assert.equal(airflowVersionFromImage(image), want));

  it('AIRFLOW_VERSION in the pod env beats the tag; the scheduler decides; disagreement is said', () => {
    const v = airflowVersionOf([
      pod('w-0', 'worker', 'apache/airflow:2.8.0'),
      pod('s-0', 'scheduler', 'mycorp/af:7', { AIRFLOW_VERSION: '2.8.1' }),
    ]);
    assert.equal(v.value, '2.8.1');
    assert.match(v.source, /pod s-0 env AIRFLOW_VERSION \(other pods run 2\.8\.0\)/);
  });

  it('unknown says why and what was assumed', () => {
    const v = airflowVersionOf([pod('s-0', 'scheduler', 'mycorp/airflow:prod')]);
    assert.equal(v.value, undefined);
    assert.match(v.source, /^unknown: .*mycorp\/airflow:prod.*rules for every Airflow version were applied/);
  });

  it('chart version from the chart / helm.sh/chart label; provider from a pinned _PIP_ADDITIONAL_REQUIREMENTS', () => {
    const c = chartVersionOf(
      [
        { kind: 'ServiceAccount', metadata: { name: 'x', labels: {} } },
        { kind: 'Deployment', metadata: { name: 'airflow-scheduler', labels: { chart: 'airflow-1.5.0' } } },
      ],
      'official',
    );
    assert.deepEqual([c.value, c.source], ['1.5.0', 'Deployment airflow-scheduler label chart=airflow-1.5.0']);
    assert.equal(
      chartVersionOf([{ metadata: { name: 'a', labels: { 'helm.sh/chart': 'airflow-8.9.0' } } }], 'community').value,
      '8.9.0',
    );
    assert.match(chartVersionOf([], 'official').source, /^unknown/);
    const p = providerVersionOf([
      pod('s', 'scheduler', 'apache/airflow:2.6.3', {
        _PIP_ADDITIONAL_REQUIREMENTS: 'pandas apache-airflow-providers-cncf-kubernetes==7.1.0',
      }),
    ]);
    assert.equal(p.value, '7.1.0');
    assert.match(providerVersionOf([]).source, /^unknown/);
    assert.equal(
      versionsLine({
        airflow: { value: '2.2.5', source: '' },
        chart: { value: '1.5.0', chart: 'official', source: '' },
        provider: { source: '' },
      }),
      'Airflow 2.2.5, chart 1.5.0, cncf.kubernetes provider unknown',
    );
  });

  it('ranges: min inclusive, max exclusive', () => {
    assert.deepEqual(parseRange('>=2.3.0 <3.0.0'), { min: [2, 3, 0], max: [3, 0, 0] });
    assert.deepEqual(parseRange('*'), {});
    assert.throws(() => parseRange('2.3'), /expected/);
  });
});

describe('advice by version', () => {
  const cases: Array<[string | undefined, string, boolean | undefined]> = [
    ['1.10.15', 'kubernetes', false],
    ['2.2.5', 'kubernetes', false],
    ['2.4.3', 'kubernetes', false],
    ['2.5.0', 'kubernetes_executor', true],
    ['3.0.2', 'kubernetes_executor', true],
    [undefined, 'kubernetes_executor', undefined],
  ];
  for (const [v, section, deprecated] of cases) {
    it(`Airflow ${v ?? 'unknown'}: [${section}], moving off [kubernetes] advised: ${deprecated}`, () => {
      assert.equal(executorSection(v).section, section);
      assert.equal(deprecatedSectionApplies(v), deprecated);
      const text = setOptionText('namespace', 'prod', v);
      assert.ok(text.startsWith(`set namespace = prod in [${section}]`), text);
      if (v && !v.startsWith('2.5') && !v.startsWith('3'))
        assert.ok(!text.includes('kubernetes_executor'), `never advise [kubernetes_executor] to ${v}: ${text}`);
      if (!v) assert.match(text, /\[kubernetes\] before/);
    });
  }

  it('options the detected version does not read are flagged as ignored; none when the version is unknown', () => {
    assert.deepEqual(
      ignoredOptions(['worker_service_account_name', 'namespace'], '2.2.5').map((o) => o.option),
      ['worker_service_account_name'],
    );
    assert.deepEqual(
      ignoredOptions(['multi_namespace_mode_namespace_list'], '2.5.1').map((o) => o.option),
      ['multi_namespace_mode_namespace_list'],
    );
    assert.deepEqual(
      ignoredOptions(['multi_namespace_mode_namespace_list', 'worker_service_account_name'], '1.10.15').map(
        (o) => o.option,
      ),
      ['multi_namespace_mode_namespace_list'],
    );
    assert.deepEqual(ignoredOptions(['worker_service_account_name'], undefined), []);
  });
});

describe('the pod template and the worker account', () => {
  const TEMPLATE = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: placeholder, namespace: elsewhere, labels: {tier: airflow, component: worker}}',
    'spec:',
    '  serviceAccountName: airflow-worker',
    '  automountServiceAccountToken: true',
    '  containers:',
    '    - name: sidecar',
    '      image: busybox',
    '    - name: base',
    '      image: apache/airflow:2.7.3',
    '      env: [{name: AIRFLOW__CORE__EXECUTOR, value: LocalExecutor}]',
  ].join('\n');
  const scheduler = {
    metadata: { name: 'airflow-scheduler-0', labels: { component: 'scheduler' } },
    spec: {
      containers: [
        {
          name: 'scheduler',
          volumeMounts: [
            {
              name: 'config',
              mountPath: '/opt/airflow/pod_templates/pod_template_file.yaml',
              subPath: 'pod_template_file.yaml',
            },
          ],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'airflow-config' } }],
    },
  };

  it('parses serviceAccountName, namespace, automount, the base container image and env', () => {
    const t = parsePodTemplate(TEMPLATE, 'here')!;
    assert.deepEqual(
      [t.serviceAccountName, t.namespace, t.automountServiceAccountToken, t.image, t.env[0].name],
      ['airflow-worker', 'elsewhere', true, 'apache/airflow:2.7.3', 'AIRFLOW__CORE__EXECUTOR'],
    );
    assert.equal(parsePodTemplate('kind: ConfigMap\ndata: {}', 'x'), undefined);
    // chart 1.4 renders its license as a comment-only document before the Pod
    assert.equal(
      parsePodTemplate(`\n# Licensed to the ASF\n---\n${TEMPLATE}`, 'x')?.serviceAccountName,
      'airflow-worker',
    );
    assert.equal(parsePodTemplate(': : bad', 'x'), undefined);
  });

  it('reads it from the ConfigMap key mounted at pod_template_file (subPath and directory mounts)', () => {
    assert.deepEqual(configMapKeyAt(scheduler, '/opt/airflow/pod_templates/pod_template_file.yaml'), {
      configMap: 'airflow-config',
      key: 'pod_template_file.yaml',
    });
    const dir = {
      spec: {
        containers: [{ volumeMounts: [{ name: 'v', mountPath: '/tpl/' }] }],
        volumes: [{ name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path: 'pod.yaml' }] } }],
      },
    };
    assert.deepEqual(configMapKeyAt(dir, '/tpl/pod.yaml'), { configMap: 'cm', key: 'k' });
    const t = findPodTemplate({
      pods: [scheduler],
      podTemplateFile: '/opt/airflow/pod_templates/pod_template_file.yaml',
      configMaps: { 'airflow-config': { 'pod_template_file.yaml': TEMPLATE } },
    });
    assert.equal(
      t?.source,
      'ConfigMap airflow-config key pod_template_file.yaml (pod_template_file /opt/airflow/pod_templates/pod_template_file.yaml)',
    );
    assert.equal(findPodTemplate({ pods: [scheduler], configMaps: {} }), undefined);
  });

  it("the worker account: the template from 2.0 (in the executor's namespace), worker_service_account_name in 1.10", () => {
    const template = parsePodTemplate(TEMPLATE, 'T')!;
    const option = { value: 'legacy-worker', source: 'airflow.cfg [kubernetes]' };
    assert.deepEqual(
      workerAccount({
        airflowVersion: '2.7.3',
        template,
        workerServiceAccountName: option,
        launchNamespace: 'airflow',
      }),
      {
        name: 'airflow-worker',
        namespace: 'airflow',
        source: 'pod template T',
        automount: true,
      },
    );
    assert.equal(
      workerAccount({ airflowVersion: '2.7.3', workerServiceAccountName: option, launchNamespace: 'airflow' }),
      undefined,
      '2.x no longer reads the option',
    );
    assert.equal(
      workerAccount({ airflowVersion: '1.10.12', workerServiceAccountName: option, launchNamespace: 'airflow' })?.name,
      'legacy-worker',
    );
    // 1.10 with a template mounted but no pod_template_file set: the option decides
    assert.equal(
      workerAccount({
        airflowVersion: '1.10.15',
        template,
        workerServiceAccountName: option,
        launchNamespace: 'airflow',
        templateConfigured: false,
      })?.name,
      'legacy-worker',
    );
    assert.equal(
      workerAccount({
        airflowVersion: '1.10.15',
        template,
        workerServiceAccountName: option,
        launchNamespace: 'airflow',
        templateConfigured: true,
      })?.name,
      'airflow-worker',
    );
    assert.equal(workerAccount({ workerServiceAccountName: option, launchNamespace: 'x' })?.name, 'legacy-worker');
    const noSa = parsePodTemplate(TEMPLATE.replace('  serviceAccountName: airflow-worker\n', ''), 'T')!;
    assert.match(
      workerAccount({ airflowVersion: '2.7.3', template: noSa, launchNamespace: 'a' })!.source,
      /no serviceAccountName: default/,
    );
  });
});
