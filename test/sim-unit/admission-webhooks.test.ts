// Validating webhooks: matching, declared answers, failurePolicy and sideEffects under dry run.
import assert from 'node:assert/strict';
import { runValidatingWebhooks, type WebhookRequest } from '../sim/admission/webhooks.ts';
import type { KubeObject } from '../sim/types.ts';

const config = (annotations: Record<string, string>, webhook: object = {}): KubeObject => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  metadata: { name: 'policy', annotations },
  webhooks: [
    {
      name: 'pods.policy.example.com',
      sideEffects: 'None',
      failurePolicy: 'Fail',
      clientConfig: { service: { name: 'policy', namespace: 'policy-system', path: '/validate' } },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      ...webhook,
    },
  ],
});
const req = (extra: Partial<WebhookRequest> = {}): WebhookRequest => ({
  operation: 'CREATE',
  group: '',
  version: 'v1',
  resource: 'pods',
  namespaced: true,
  namespaceLabels: { team: 'data' },
  object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { component: 'worker' } } },
  dryRun: false,
  ...extra,
});
const deny = {
  'sim.kubectl-airflow.dev/answer': 'deny',
  'sim.kubectl-airflow.dev/message': 'images must come from registry.example.com',
};

describe('sim admission: validating webhooks', () => {
  it('a deny answer reads as ToStatusErr makes it (400 by default)', () => {
    const s = runValidatingWebhooks([config(deny)], req());
    assert.equal(s?.code, 400);
    assert.equal(
      s?.message,
      'admission webhook "pods.policy.example.com" denied the request: images must come from registry.example.com',
    );
  });
  it('the declared code and reason are kept', () => {
    const s = runValidatingWebhooks(
      [config({ ...deny, 'sim.kubectl-airflow.dev/code': '403', 'sim.kubectl-airflow.dev/reason': 'Forbidden' })],
      req(),
    );
    assert.equal(s?.code, 403);
    assert.equal(s?.reason, 'Forbidden');
  });
  it('allow (the default) admits', () => assert.equal(runValidatingWebhooks([config({})], req()), undefined));
  it('a timeout with failurePolicy Fail is an internal error naming the URL', () => {
    const s = runValidatingWebhooks([config({ 'sim.kubectl-airflow.dev/answer': 'timeout' })], req());
    assert.equal(s?.code, 500);
    assert.equal(
      s?.message,
      'Internal error occurred: failed calling webhook "pods.policy.example.com": failed to call webhook: Post "https://policy.policy-system.svc:443/validate?timeout=10s": context deadline exceeded',
    );
  });
  it('a timeout with failurePolicy Ignore admits', () => {
    assert.equal(
      runValidatingWebhooks(
        [config({ 'sim.kubectl-airflow.dev/answer': 'timeout' }, { failurePolicy: 'Ignore' })],
        req(),
      ),
      undefined,
    );
  });
  for (const sideEffects of ['Unknown', 'Some']) {
    it(`dry run with sideEffects ${sideEffects} is refused`, () => {
      const s = runValidatingWebhooks([config({}, { sideEffects })], req({ dryRun: true }));
      assert.equal(s?.code, 400);
      assert.equal(s?.message, 'admission webhook "pods.policy.example.com" does not support dry run');
    });
  }
  it('dry run with sideEffects NoneOnDryRun calls the webhook', () => {
    assert.match(
      runValidatingWebhooks([config(deny, { sideEffects: 'NoneOnDryRun' })], req({ dryRun: true }))?.message ?? '',
      /denied the request/,
    );
  });
  const misses: [string, object, Partial<WebhookRequest>][] = [
    ['another resource', {}, { resource: 'configmaps' }],
    [
      'another operation',
      { rules: [{ operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] },
      {},
    ],
    ['a namespaceSelector that does not match', { namespaceSelector: { matchLabels: { team: 'web' } } }, {}],
    [
      'an objectSelector that excludes',
      { objectSelector: { matchExpressions: [{ key: 'component', operator: 'NotIn', values: ['worker'] }] } },
      {},
    ],
    ['a subresource under a plain rule', {}, { subresource: 'exec' }],
  ];
  for (const [what, webhook, r] of misses) {
    it(`does not call the webhook for ${what}`, () =>
      assert.equal(runValidatingWebhooks([config(deny, webhook)], req(r)), undefined));
  }
});
