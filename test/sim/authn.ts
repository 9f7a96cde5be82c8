// Authentication as kube-apiserver's union authenticator does it: a verified client certificate
// (CN user, O groups), a bearer token of a scenario identity, or a ServiceAccount JWT issued by the
// sim; a request with no credentials is system:anonymous when anonymous auth is on; anything
// presented but not valid is 401.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Store } from './store.ts';
import type { Identity } from './scenario.ts';
import type { UserInfo } from './types.ts';

export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const AUDIENCE = ISSUER;
export const TOKEN_ANNOTATION = 'sim.kubectl-airflow.dev/token';

const SA_PREFIX = 'system:serviceaccount:';

export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];
}

/** `system:serviceaccount:ns:name` -> {namespace, name}. */
export function parseServiceAccountUser(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SA_PREFIX)) return undefined;
  const rest = user.slice(SA_PREFIX.length).split(':');
  if (rest.length !== 2 || !rest[0] || !rest[1]) return undefined;
  return { namespace: rest[0], name: rest[1] };
}

function withAuthenticated(groups: string[]): string[] {
  const out = [...groups];
  if (!out.includes('system:authenticated') && !out.includes('system:unauthenticated'))
    out.push('system:authenticated');
  return out;
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

export interface TokenClaims {
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  iss: string;
  jti: string;
  sub: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    pod?: { name: string; uid: string };
    node?: { name: string; uid: string };
    warnafter?: number;
  };
}

export type AuthResult =
  | { user: UserInfo; via: 'x509' | 'token' | 'serviceaccount' | 'anonymous' }
  | { unauthorized: string };

export interface IssueOptions {
  /** Overrides the pod annotation `sim.kubectl-airflow.dev/token`. */
  state?: 'valid' | 'revoked' | 'expired';
  expirationSeconds?: number;
  /** TokenRequest audiences; the API server accepts only tokens for its own (the default). */
  audiences?: string[];
}

export class Authenticator {
  private tokens = new Map<string, UserInfo>();
  private identityTokens = new Map<string, string>();
  private revoked = new Set<string>();
  private privateKey: KeyObject;
  private publicKey: KeyObject;
  readonly keyId: string;
  anonymousAuth: boolean;
  private store: Store;

  constructor(store: Store, identities: Identity[], anonymousAuth = true) {
    this.store = store;
    this.anonymousAuth = anonymousAuth;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.privateKey = createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }));
    this.publicKey = createPublicKey(publicKey.export({ format: 'pem', type: 'spki' }));
    this.keyId = b64url(
      createHash('sha256')
        .update(publicKey.export({ format: 'der', type: 'spki' }))
        .digest(),
    );
    for (const id of identities) {
      if (id.auth === 'clientCertificate') continue;
      const token = randomBytes(24).toString('base64url');
      this.identityTokens.set(id.name, token);
      this.tokens.set(token, identityUser(id));
    }
  }

  /** The bearer token of a token or exec identity (what its kubeconfig user presents). */
  tokenFor(identityName: string): string | undefined {
    return this.identityTokens.get(identityName);
  }

  /** Public key (PEM) that verifies ServiceAccount tokens, as /openid/v1/jwks would publish it. */
  get serviceAccountPublicKeyPem(): string {
    return this.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  /**
   * A bound ServiceAccount token like the kubelet mounts (TokenRequest): ES256 JWT with iss/aud/exp/iat/nbf
   * and the kubernetes.io claims. The pod's `sim.kubectl-airflow.dev/token` annotation (revoked | expired)
   * makes the API server reject it later with 401.
   */
  issueServiceAccountToken(namespace: string, serviceAccount: string, pod?: string, opts: IssueOptions = {}): string {
    const sa = this.store.get('serviceaccounts', namespace, serviceAccount);
    const podObj = pod ? this.store.get('pods', namespace, pod) : undefined;
    const nodeName = (podObj?.spec as { nodeName?: string } | undefined)?.nodeName;
    const node = nodeName ? this.store.get('nodes', undefined, nodeName) : undefined;
    const state =
      opts.state ?? (podObj?.metadata.annotations?.[TOKEN_ANNOTATION] as IssueOptions['state'] | undefined) ?? 'valid';
    const now = Math.floor(Date.now() / 1000);
    const lifetime = opts.expirationSeconds ?? 365 * 24 * 3600;
    const iat = state === 'expired' ? now - lifetime - 3600 : now;
    const claims: TokenClaims = {
      aud: opts.audiences?.length ? [...opts.audiences] : [AUDIENCE],
      exp: iat + lifetime,
      iat,
      nbf: iat,
      iss: ISSUER,
      jti: randomUUID(),
      sub: `${SA_PREFIX}${namespace}:${serviceAccount}`,
      'kubernetes.io': {
        namespace,
        serviceaccount: { name: serviceAccount, uid: sa?.metadata.uid ?? '' },
        ...(podObj ? { pod: { name: podObj.metadata.name, uid: podObj.metadata.uid ?? '' } } : {}),
        // The pod's node is named only when the Node object exists (ServiceAccountTokenPodNodeInfo).
        ...(node ? { node: { name: node.metadata.name, uid: node.metadata.uid ?? '' } } : {}),
        // The kubelet asks for 3607 s and gets a year (ExtendExpiration); warnafter marks the real hour.
        ...(opts.expirationSeconds === undefined ? { warnafter: iat + 3607 } : {}),
      },
    };
    if (state === 'revoked') this.revoked.add(claims.jti);
    const header = b64url(JSON.stringify({ alg: 'ES256', kid: this.keyId }));
    const payload = b64url(JSON.stringify(claims));
    const sig = sign('sha256', Buffer.from(`${header}.${payload}`), {
      key: this.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${header}.${payload}.${b64url(sig)}`;
  }

  /** Revokes a token the sim issued (as deleting its bound object would). */
  revokeToken(token: string): void {
    const claims = this.decode(token);
    if (claims) this.revoked.add(claims.jti);
  }

  private decode(token: string): TokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString()) as { alg?: string };
      if (header.alg !== 'ES256') return undefined;
      const ok = verify(
        'sha256',
        Buffer.from(`${parts[0]}.${parts[1]}`),
        { key: this.publicKey, dsaEncoding: 'ieee-p1363' },
        Buffer.from(parts[2], 'base64url'),
      );
      if (!ok) return undefined;
      return JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as TokenClaims;
    } catch {
      return undefined;
    }
  }

  /** Verifies a ServiceAccount JWT; the string is why it fails (what the apiserver logs). */
  verifyServiceAccountToken(token: string): { user: UserInfo; claims: TokenClaims } | { error: string } {
    const c = this.decode(token);
    if (!c) return { error: 'invalid bearer token' };
    const now = Math.floor(Date.now() / 1000);
    if (c.iss !== ISSUER) return { error: 'token issuer not accepted' };
    if (!c.aud?.includes(AUDIENCE)) return { error: 'token audiences is invalid' };
    if (c.exp <= now) return { error: 'service account token has expired' };
    if (c.nbf > now + 60) return { error: 'service account token is not valid yet' };
    if (this.revoked.has(c.jti)) return { error: 'service account token has been invalidated' };
    const k = c['kubernetes.io'];
    const sa = this.store.get('serviceaccounts', k.namespace, k.serviceaccount.name);
    if (!sa) return { error: `serviceaccounts "${k.serviceaccount.name}" not found` };
    if (k.serviceaccount.uid && sa.metadata.uid !== k.serviceaccount.uid)
      return { error: 'service account UID does not match claim' };
    if (k.pod) {
      const pod = this.store.get('pods', k.namespace, k.pod.name);
      if (!pod) return { error: `pods "${k.pod.name}" not found` };
      if (k.pod.uid && pod.metadata.uid !== k.pod.uid) return { error: 'pod UID does not match claim' };
    }
    const extra: Record<string, string[]> = { 'authentication.kubernetes.io/credential-id': [`JTI=${c.jti}`] };
    if (k.pod) {
      extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
    }
    if (k.node) {
      extra['authentication.kubernetes.io/node-name'] = [k.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [k.node.uid];
    }
    return {
      claims: c,
      user: {
        name: c.sub,
        uid: sa.metadata.uid,
        groups: withAuthenticated(serviceAccountGroups(k.namespace)),
        extra,
      },
    };
  }

  /** Authenticates one request from its TLS socket and headers. */
  authenticate(socket: TLSSocket | undefined, headers: IncomingHttpHeaders): AuthResult {
    const cert = socket && typeof socket.getPeerCertificate === 'function' ? peerCertificate(socket) : undefined;
    const hasCert = !!cert && Object.keys(cert).length > 0;
    if (hasCert && socket!.authorized) {
      const subject = cert!.subject as unknown as Record<string, string | string[] | undefined>;
      const cn = subject.CN;
      const name = Array.isArray(cn) ? cn[0] : cn;
      const o = subject.O;
      const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
      if (name) return { user: { name, groups: withAuthenticated(groups) }, via: 'x509' };
    }
    const auth = headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      if (!m) return { unauthorized: 'invalid Authorization header' };
      const token = m[1];
      const static_ = this.tokens.get(token);
      if (static_) return { user: structuredClone(static_), via: 'token' };
      if (token.split('.').length === 3) {
        const v = this.verifyServiceAccountToken(token);
        if ('user' in v) return { user: v.user, via: 'serviceaccount' };
        return { unauthorized: v.error };
      }
      return { unauthorized: 'invalid bearer token' };
    }
    if (hasCert) return { unauthorized: 'x509: certificate signed by unknown authority' };
    if (this.anonymousAuth)
      return { user: { name: 'system:anonymous', groups: ['system:unauthenticated'] }, via: 'anonymous' };
    return { unauthorized: 'no credentials' };
  }
}

/**
 * A connection's client certificate, read once per connection. In kube-apiserver it is the one of
 * the handshake (Go's TLS server never renegotiates), parsed once in tls.ConnectionState; Node's
 * getPeerCertificate() translates it anew at every call (a tenth of the sim's CPU in a profile of
 * doctor).
 */
const peerCertificates = new WeakMap<TLSSocket, PeerCertificate>();
function peerCertificate(socket: TLSSocket): PeerCertificate {
  let cert = peerCertificates.get(socket);
  if (!cert) peerCertificates.set(socket, (cert = socket.getPeerCertificate()));
  return cert;
}

/** The UserInfo a token or exec identity authenticates as. */
export function identityUser(id: Identity): UserInfo {
  const sa = parseServiceAccountUser(id.user);
  // A ServiceAccount-shaped identity gets the groups a real ServiceAccount token would carry.
  const groups = [...(id.groups ?? []), ...(sa && !(id.groups ?? []).length ? serviceAccountGroups(sa.namespace) : [])];
  const u: UserInfo = { name: id.user, groups: withAuthenticated(groups) };
  if (id.uid) u.uid = id.uid;
  return u;
}
