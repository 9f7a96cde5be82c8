// A certificate authority made per run, the API server's certificate and client certificates.
// ECDSA P-256 through WebCrypto: fast to generate, accepted by Go's crypto/tls (kubectl) and Node.
import 'reflect-metadata'; // @peculiar/x509 pulls in tsyringe, which needs the Reflect metadata API
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface KeyAndCert {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthority extends KeyAndCert {
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}

function validity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  // Back-dated an hour so clock skew between a pod's view and the server never matters.
  return { notBefore: new Date(now - 3600_000), notAfter: new Date(now + 365 * 24 * 3600_000) };
}

export async function createCA(commonName = 'kubernetes'): Promise<CertificateAuthority> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: ALG,
    ...validity(),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { keys, cert, certPem: cert.toString('pem') + '\n', keyPem: await keyPem(keys.privateKey) };
}

async function issue(
  ca: CertificateAuthority,
  subject: x509.JsonName,
  usage: x509.ExtendedKeyUsage,
  extra: x509.Extension[],
): Promise<KeyAndCert> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    ...validity(),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([usage]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
      ...extra,
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await keyPem(keys.privateKey) };
}

/** The SANs kube-apiserver's certificate carries (kubeadm): service names, the service IP, every address. */
export function serverSANs(ipAddresses: string[]): { dns: string[]; ips: string[] } {
  const dns = [
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
  ];
  const ips = [...new Set(['127.0.0.1', ...ipAddresses.filter(Boolean)])];
  return { dns, ips };
}

export async function createServerCert(ca: CertificateAuthority, ipAddresses: string[]): Promise<KeyAndCert> {
  const { dns, ips } = serverSANs(ipAddresses);
  const names: x509.JsonGeneralNames = [
    ...dns.map((value) => ({ type: 'dns' as const, value })),
    ...ips.map((value) => ({ type: 'ip' as const, value })),
  ];
  return issue(ca, [{ CN: ['kube-apiserver'] }], x509.ExtendedKeyUsage.serverAuth, [
    new x509.SubjectAlternativeNameExtension(names),
  ]);
}

/** A client certificate as kube-apiserver reads it: CN is the user name, each O a group. */
export async function createClientCert(ca: CertificateAuthority, user: string, groups: string[]): Promise<KeyAndCert> {
  const subject: x509.JsonName = [{ CN: [user] }, ...groups.map((g) => ({ O: [g] }))];
  return issue(ca, subject, x509.ExtendedKeyUsage.clientAuth, []);
}
