// One layer's verdict as the net report shows it, and the helpers every layer's decision uses. Pure.
import type { Layer } from './model.ts';

export const ORDER: Layer['id'][] = [
  'env',
  'files',
  'dns',
  'tcp',
  'tls',
  'http',
  'access',
  'policy',
  'remote',
  'watch',
];
export const TITLES: Record<Layer['id'], string> = {
  env: 'Service env',
  files: 'ServiceAccount files',
  dns: 'DNS',
  tcp: 'TCP',
  tls: 'TLS',
  http: 'HTTP + auth',
  access: 'Permissions (SSAR)',
  policy: 'NetworkPolicy',
  remote: 'Remote cluster',
  watch: 'Watch (--watch)',
};

export function layer(id: Layer['id'], verdict: Layer['verdict'], evidence: string[], remedy?: string): Layer {
  return { id, title: TITLES[id], verdict, evidence, ...(verdict === 'FAIL' && remedy ? { remedy } : {}) };
}

export function skipped(x: unknown): string | undefined {
  return x && typeof x === 'object' && !Array.isArray(x) && typeof (x as { skipped?: unknown }).skipped === 'string'
    ? (x as { skipped: string }).skipped
    : undefined;
}
