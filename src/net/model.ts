// The probe's JSON document (what probe.py and probe.sh print) and the report `net` renders.
// The probe observes; src/net/verdict.ts decides.

export interface StepError {
  ok?: boolean;
  error?: string;
  detail?: string;
  skipped?: string;
  ms?: number;
}

export interface FileInfo {
  present: boolean;
  readable?: boolean;
  bytes?: number;
  error?: string;
}

/** The only claims the probes report: expiry, issue time, issuer, audience. */
export interface TokenClaims {
  exp?: number;
  iat?: number;
  iss?: string;
  aud?: string | string[];
}

export interface DnsAnswer extends StepError {
  name: string;
  addresses?: string[];
}

export interface TcpTarget {
  target: 'service' | 'endpoint';
  host: string;
  port: number;
  attempts?: StepError[];
  skipped?: string;
}

export interface HttpAnswer extends StepError {
  path: string;
  status?: number;
  message?: string;
  reason?: string;
  gitVersion?: string;
  text?: string;
}

export interface AccessAnswer {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace: string;
  allowed?: boolean;
  denied?: boolean;
  reason?: string;
  httpStatus?: number;
  message?: string;
  error?: string;
  detail?: string;
}

export interface ProbeDoc {
  probe: 'python3' | 'sh';
  schema: number;
  mode: 'net';
  now?: number | null;
  timeout?: number;
  tools?: string[];
  missing?: string[];
  env: Record<string, string>;
  files: {
    dir: string;
    dirPresent: boolean;
    token: FileInfo & { claims?: TokenClaims | null; claimsSkipped?: string };
    'ca.crt': FileInfo & { pem?: boolean; certificates?: number };
    namespace: FileInfo & { value?: string };
  };
  resolv: { nameservers: string[]; search: string[]; options: string[]; ndots?: number; error?: string };
  dns: DnsAnswer[] | { skipped: string };
  tcp: TcpTarget[] | { skipped: string };
  tls: StepError & { host?: string; port?: number; serverName?: string; verifyCode?: number | null; tool?: string };
  http: HttpAnswer[] | { skipped: string };
  access?: AccessAnswer[] | { skipped: string };
  proxy?: { proxy: string; target: string; status?: number | null; line?: string; error?: string; detail?: string };
  elapsedMs?: number;
}

export type Verdict = 'OK' | 'FAIL' | 'SKIP';

export interface Layer {
  id: 'env' | 'files' | 'dns' | 'tcp' | 'tls' | 'http' | 'access' | 'policy';
  title: string;
  verdict: Verdict;
  /** One short line per fact, shown under the layer. */
  evidence: string[];
  /** What to do, when the verdict is FAIL. */
  remedy?: string;
}

export interface NetReport {
  pod: string;
  namespace: string;
  container: string;
  serviceAccount: string;
  probe: 'python3' | 'sh' | 'none';
  /** Set when the program could not run (distroless, exec failure). */
  error?: string;
  layers: Layer[];
  /** The first layer whose verdict is FAIL, in layer order; undefined when none failed. */
  firstFailure?: Layer['id'];
  ok: boolean;
  /** Tools the sh probe looked for and did not find (layers needing them are SKIP). */
  missingTools?: string[];
  elapsedMs?: number;
}

/** What the plugin knows from the cluster, for correlation with what the pod saw. */
export interface ClusterFacts {
  service?: { ip: string; port: number; targetPort?: number };
  endpoints: Array<{ ip: string; port: number; portName?: string }>;
  /** automountServiceAccountToken on the pod and on its ServiceAccount (undefined: not set). */
  automount: { pod?: boolean; serviceAccount?: boolean; serviceAccountName: string };
  /** NetworkPolicy evaluation (src/net/netpol.ts); undefined when policies could not be read. */
  policy?: import('./netpol.ts').EgressEvaluation;
  policyError?: string;
  /** The pod probed: where a NetworkPolicy fix goes and what it selects. */
  pod?: { namespace: string; labels: Record<string, string> };
  /** The pod's network settings that change how DNS works. */
  podNetwork?: { hostNetwork?: boolean; dnsPolicy?: string };
  /** The clock of the plugin (epoch seconds) when the probe's own `now` is missing. */
  now: number;
  /** Why the API-server endpoints could not be read (the TCP layer says so when there are none). */
  endpointsError?: string;
  /** --debug-image: probed from an ephemeral container, which mounts nothing of the target. */
  ephemeral?: boolean;
  /** What the pod's account needs (src/net/plan.ts podRequirement); the Permissions layer asks exactly that. */
  required?: { profiles: string[]; namespaces: string[]; basis: string; asked: number };
}
