// Throwaway certificates for tests that play an HTTPS server: openssl makes a P-256 key and a
// certificate valid one day, self-signed or signed by a CA made the same way. Throws when openssl
// is missing (the caller skips visibly).
import { execFileSync } from 'node:child_process';

export interface CertificateFiles {
  /** Key and certificate file names, in dir. */
  key: string;
  cert: string;
  subject: string;
  /** The signing CA's files in dir; absent: self-signed. */
  ca?: { cert: string; key: string };
  /** subjectAltName, e.g. "IP:127.0.0.1,DNS:kubernetes.default.svc". */
  san?: string;
}

export function ecCertificate(dir: string, c: CertificateFiles): void {
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'];
  args.push('-keyout', c.key, '-out', c.cert, '-subj', c.subject);
  if (c.ca) args.push('-CA', c.ca.cert, '-CAkey', c.ca.key);
  if (c.san) args.push('-addext', `subjectAltName=${c.san}`);
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}
