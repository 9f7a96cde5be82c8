// Authentication: client certificates (CN/O), identity tokens, ServiceAccount JWTs the sim issues
// (claims, expiry, revocation, bound objects), anonymous requests.
import assert from 'node:assert/strict';
import type { TLSSocket } from 'node:tls';
import { Authenticator, AUDIENCE, ISSUER, type TokenClaims } from '../sim/authn.ts';
import { Store } from '../sim/store.ts';
import type { Identity } from '../sim/scenario.ts';

const ids: Identity[] = [
  { name: 'admin', user: 'kubernetes-admin', groups: ['system:masters'], auth: 'clientCertificate' },
  { name: 'alice', user: 'alice', groups: ['dev'], auth: 'token' },
  { name: 'bob', user: 'bob', auth: 'exec' },
  { name: 'robot', user: 'system:serviceaccount:ci:robot', auth: 'token' },
];

function fakeSocket(subject: Record<string, string | string[]> | undefined, authorized: boolean): TLSSocket {
  return { getPeerCertificate: () => (subject ? { subject } : {}), authorized } as unknown as TLSSocket;
}

function claims(token: string): TokenClaims {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as TokenClaims;
}

describe('sim authentication', () => {
  let store: Store;
  let authn: Authenticator;
  beforeEach(() => {
    store = new Store();
    store.apply([
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'worker', namespace: 'airflow' } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'on-ghost-node', namespace: 'airflow' },
        spec: { nodeName: 'ghost' },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'w-0', namespace: 'airflow' },
        spec: { serviceAccountName: 'worker', nodeName: 'n1' },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'w-revoked',
          namespace: 'airflow',
          annotations: { 'sim.kubectl-airflow.dev/token': 'revoked' },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'w-expired',
          namespace: 'airflow',
          annotations: { 'sim.kubectl-airflow.dev/token': 'expired' },
        },
      },
    ]);
    authn = new Authenticator(store, ids);
  });

  it('reads a verified client certificate: CN is the user, each O a group, plus system:authenticated', () => {
    const r = authn.authenticate(fakeSocket({ CN: 'kubernetes-admin', O: ['system:masters', 'ops'] }, true), {});
    assert.deepEqual(r, {
      user: { name: 'kubernetes-admin', groups: ['system:masters', 'ops', 'system:authenticated'] },
      via: 'x509',
    });
    const one = authn.authenticate(fakeSocket({ CN: 'x', O: 'solo' }, true), {});
    assert.ok('user' in one && one.user.groups.join() === 'solo,system:authenticated');
  });

  it('refuses a certificate from another CA when nothing else authenticates', () => {
    assert.ok('unauthorized' in authn.authenticate(fakeSocket({ CN: 'mallory' }, false), {}));
  });

  it('maps each token/exec identity to its own token; certificate identities get none', () => {
    const a = authn.tokenFor('alice')!;
    const b = authn.tokenFor('bob')!;
    assert.ok(a && b && a !== b);
    assert.equal(authn.tokenFor('admin'), undefined);
    const r = authn.authenticate(undefined, { authorization: `Bearer ${a}` });
    assert.deepEqual(r, { user: { name: 'alice', groups: ['dev', 'system:authenticated'] }, via: 'token' });
    const sa = authn.authenticate(undefined, { authorization: `Bearer ${authn.tokenFor('robot')}` });
    assert.ok('user' in sa);
    assert.deepEqual(sa.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated']);
  });

  it('treats no credentials as system:anonymous, or 401 when anonymous auth is off', () => {
    assert.deepEqual(authn.authenticate(fakeSocket(undefined, false), {}), {
      user: { name: 'system:anonymous', groups: ['system:unauthenticated'] },
      via: 'anonymous',
    });
    authn.anonymousAuth = false;
    assert.ok('unauthorized' in authn.authenticate(undefined, {}));
  });

  it('refuses unknown tokens and malformed Authorization headers', () => {
    assert.ok('unauthorized' in authn.authenticate(undefined, { authorization: 'Bearer nope' }));
    assert.ok('unauthorized' in authn.authenticate(undefined, { authorization: 'Basic YTpi' }));
    assert.ok('unauthorized' in authn.authenticate(undefined, { authorization: 'Bearer a.b.c' }));
  });

  it('issues bound ServiceAccount tokens with the claims kube-apiserver puts in them', () => {
    const t = authn.issueServiceAccountToken('airflow', 'worker', 'w-0');
    const c = claims(t);
    const header = JSON.parse(Buffer.from(t.split('.')[0], 'base64url').toString()) as { alg: string; kid: string };
    assert.equal(header.alg, 'ES256');
    assert.equal(header.kid, authn.keyId);
    assert.equal(c.iss, ISSUER);
    assert.deepEqual(c.aud, [AUDIENCE]);
    assert.equal(c.sub, 'system:serviceaccount:airflow:worker');
    assert.ok(c.exp > c.iat && c.nbf === c.iat);
    assert.equal(c['kubernetes.io'].namespace, 'airflow');
    assert.equal(
      c['kubernetes.io'].serviceaccount.uid,
      store.get('serviceaccounts', 'airflow', 'worker')!.metadata.uid,
    );
    assert.equal(c['kubernetes.io'].pod!.uid, store.get('pods', 'airflow', 'w-0')!.metadata.uid);
    assert.deepEqual(c['kubernetes.io'].node, { name: 'n1', uid: store.get('nodes', undefined, 'n1')!.metadata.uid });
    assert.equal(c['kubernetes.io'].warnafter, c.iat + 3607, 'kubelet-style token: a year, warnafter after the hour');
    assert.equal(
      claims(authn.issueServiceAccountToken('airflow', 'worker', 'on-ghost-node'))['kubernetes.io'].node,
      undefined,
      'no Node object, no node claim',
    );
    const short = claims(
      authn.issueServiceAccountToken('airflow', 'worker', undefined, { expirationSeconds: 1200, audiences: ['vault'] }),
    );
    assert.equal(short.exp - short.iat, 1200);
    assert.equal(short['kubernetes.io'].warnafter, undefined);
    assert.deepEqual(short.aud, ['vault']);
    const r = authn.authenticate(undefined, { authorization: `Bearer ${t}` });
    assert.ok('user' in r);
    assert.equal(r.via, 'serviceaccount');
    assert.equal(r.user.name, 'system:serviceaccount:airflow:worker');
    assert.deepEqual(r.user.groups, [
      'system:serviceaccounts',
      'system:serviceaccounts:airflow',
      'system:authenticated',
    ]);
    assert.deepEqual(r.user.extra!['authentication.kubernetes.io/pod-name'], ['w-0']);
  });

  it('rejects expired, revoked, tampered tokens and tokens whose bound objects are gone', () => {
    const verdict = (t: string) => authn.verifyServiceAccountToken(t);
    assert.deepEqual(verdict(authn.issueServiceAccountToken('airflow', 'worker', 'w-expired')), {
      error: 'service account token has expired',
    });
    assert.deepEqual(verdict(authn.issueServiceAccountToken('airflow', 'worker', 'w-revoked')), {
      error: 'service account token has been invalidated',
    });
    assert.deepEqual(verdict(authn.issueServiceAccountToken('airflow', 'worker', 'w-0', { state: 'expired' })), {
      error: 'service account token has expired',
    });
    const good = authn.issueServiceAccountToken('airflow', 'worker', 'w-0');
    const [h, p, s] = good.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...claims(good), sub: 'system:serviceaccount:kube-system:admin' }),
    ).toString('base64url');
    assert.deepEqual(verdict(`${h}.${forged}.${s}`), { error: 'invalid bearer token' });
    assert.ok('user' in verdict(`${h}.${p}.${s}`));
    authn.revokeToken(good);
    assert.deepEqual(verdict(good), { error: 'service account token has been invalidated' });
    const t2 = authn.issueServiceAccountToken('airflow', 'worker', 'w-0');
    store.delete('pods', 'airflow', 'w-0');
    assert.deepEqual(verdict(t2), { error: 'pods "w-0" not found' });
    const t3 = authn.issueServiceAccountToken('airflow', 'worker');
    store.delete('serviceaccounts', 'airflow', 'worker');
    assert.deepEqual(verdict(t3), { error: 'serviceaccounts "worker" not found' });
    const other = new Authenticator(store, ids);
    store.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'worker', namespace: 'airflow' } });
    assert.deepEqual(
      other.verifyServiceAccountToken(authn.issueServiceAccountToken('airflow', 'worker')),
      { error: 'invalid bearer token' },
      'another signing key',
    );
  });
});
