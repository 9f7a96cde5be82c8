// make bench's per-cell baseline: the method users reach for instead of rbac. rakkess
// (corneliusweig/rakkess, internal/client/resource_access.go, CheckResourceAccess) sends one
// SelfSubjectAccessReview per resource and verb, concurrently, from one process; here the same,
// for a given list of cells, each impersonating its ServiceAccount (Impersonate-User only, as rbac
// does), at most CONCURRENCY in flight over keep-alive connections. Independent of src/: a user's
// script would not share our request layer either.
//
//   node test/bench/per-cell.ts KUBECONFIG CELLS.json [CONCURRENCY=16]
// CELLS.json: rbac -o json's checks (subject, namespace, group, resource, subresource, verb).
// Prints one JSON line: {cells, allowed, denied, errors}.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { parse } from 'yaml';

interface Cell {
  subject: string;
  namespace: string;
  group: string;
  resource: string;
  subresource: string;
  verb: string;
}

const [kubeconfigPath, cellsPath, concurrencyArg] = process.argv.slice(2);
if (!kubeconfigPath || !cellsPath) {
  console.error('usage: node test/bench/per-cell.ts KUBECONFIG CELLS.json [CONCURRENCY]');
  process.exit(2);
}
const concurrency = Number(concurrencyArg ?? 16);

// the current context's cluster and user: client certificate or bearer token (what the sim writes)
const kc = parse(readFileSync(kubeconfigPath, 'utf8')) as {
  'current-context': string;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
  clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data'?: string } }>;
  users: Array<{
    name: string;
    user: { 'client-certificate-data'?: string; 'client-key-data'?: string; token?: string };
  }>;
};
const context = kc.contexts.find((c) => c.name === kc['current-context'])!.context;
const cluster = kc.clusters.find((c) => c.name === context.cluster)!.cluster;
const user = kc.users.find((u) => u.name === context.user)!.user;
const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64') : undefined);
const agent = new https.Agent({
  keepAlive: true,
  maxSockets: concurrency,
  ca: b64(cluster['certificate-authority-data']),
  cert: b64(user['client-certificate-data']),
  key: b64(user['client-key-data']),
});
const server = new URL(cluster.server);

function review(c: Cell): Promise<boolean> {
  const body = JSON.stringify({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: {
      resourceAttributes: {
        namespace: c.namespace,
        verb: c.verb,
        group: c.group,
        resource: c.resource,
        ...(c.subresource ? { subresource: c.subresource } : {}),
      },
    },
  });
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', server),
      {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'Impersonate-User': c.subject,
          ...(user.token ? { Authorization: `Bearer ${user.token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          if (res.statusCode !== 201 && res.statusCode !== 200)
            return reject(new Error(`${res.statusCode}: ${text.slice(0, 200)}`));
          resolve((JSON.parse(text) as { status?: { allowed?: boolean } }).status?.allowed === true);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const cells = JSON.parse(readFileSync(cellsPath, 'utf8')) as Cell[];
let next = 0;
let allowed = 0;
let errors = 0;
// CONCURRENCY workers take the next cell as each answer arrives: never more in flight
await Promise.all(
  Array.from({ length: Math.min(concurrency, cells.length) }, async () => {
    while (next < cells.length) {
      const c = cells[next++]!;
      try {
        if (await review(c)) allowed++;
      } catch {
        errors++;
      }
    }
  }),
);
agent.destroy();
console.log(JSON.stringify({ cells: cells.length, allowed, denied: cells.length - allowed - errors, errors }));
