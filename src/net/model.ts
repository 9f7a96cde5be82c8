// The probe's JSON document (what probe.py and probe.sh print) and the report `net` renders.
// The probe observes; src/net/verdict.ts decides.

/** Where an attempt stopped: no connection (tcp), connected without a verified handshake (tls), no answer after it (http). */
export type Step = 'tcp' | 'tls' | 'http';

export interface StepError {
  ok?: boolean;
  /** timeout, refused, net-unreachable, host-unreachable, reset, blocked; TLS kinds (unknown-authority ...) */
  error?: string;
  detail?: string;
  skipped?: string;
  ms?: number;
  step?: Step;
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
  /** Which target answered (set by the verdict when it merges the paths). */
  via?: string;
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
  step?: Step;
  skipped?: string;
}

/** One target tried layer by layer on one connection: the service address, or one endpoint directly (verified as the service IP). */
export interface PathResult {
  target: 'service' | 'endpoint';
  host: string;
  port: number;
  serverName?: string;
  connect?: StepError;
  tls?: StepError & { verifyCode?: number | null; tool?: string };
  http?: HttpAnswer[];
  access?: AccessAnswer[];
  skipped?: string;
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
  /** Installed versions of the Kubernetes client packages (null: not installed), or why unknown (sh probe). */
  clients?: Record<string, string | null> | { skipped: string };
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
  tls?: StepError & { host?: string; port?: number; serverName?: string; verifyCode?: number | null; tool?: string };
  http?: HttpAnswer[] | { skipped: string };
  access?: AccessAnswer[] | { skipped: string };
  /** Every target tried through TLS, HTTP and permissions (schema 2): the service first, then each endpoint. */
  paths?: PathResult[] | { skipped: string };
  proxy?: { proxy: string; target: string; status?: number | null; line?: string; error?: string; detail?: string };
  /** Each kubeconfig Airflow loads instead of the in-cluster config, probed from the pod (probe.py only). */
  remote?: RemoteResult[];
  elapsedMs?: number;
}

/** What probe.py saw of one kubeconfig (src/airflow/remote-kubeconfig.ts): names and outcomes, never a credential. */
export interface RemoteResult {
  origin: string;
  source?: 'file' | 'inline';
  path?: string;
  /** With a connection read in the pod: the extra it uses. */
  field?: string;
  defaultFrom?: string;
  /** The connection uses the in-cluster config after all (its in_cluster extra, or no extra). */
  connection?: 'in_cluster' | 'default';
  /** The extras set when they are mutually exclusive. */
  set?: string[];
  file?: FileInfo;
  /** Where it stopped before the network: connection-unset, connection-invalid, connection-exclusive,
   *  file-missing, file-unreadable, unparsable, no-current-context, context-not-found, cluster-not-found, bad-server. */
  error?: string;
  detail?: string;
  context?: string;
  contextFrom?: 'named' | 'current-context';
  contexts?: string[];
  cluster?: string;
  server?: string;
  host?: string;
  port?: number;
  scheme?: string;
  auth?: {
    method: string;
    provider?: string;
    tokenFile?: { path: string; present: boolean; error?: string };
    exec?: {
      command: string;
      found: string | null;
      apiVersion?: string;
      path?: string;
      installHint?: string;
      run?: { ok: boolean; error?: string; exitCode?: number; gave?: string; detail?: string; ms?: number };
    };
    clientCertificate?: boolean;
    clientCertificateError?: string;
  };
  dns?: DnsAnswer | { skipped: string };
  tcp?: StepError;
  /** ca: certificate-authority-data, certificate-authority, system, insecure-skip-tls-verify, or Airflow's override
   *  (ssl_ca_cert, "not verified"), `airflow` naming the setting. */
  tls?: StepError & { ca?: string; caFile?: string; caError?: string; verifyCode?: number | null; airflow?: string };
  call?: StepError & { path?: string; status?: number; message?: string; user?: string };
}

export type Verdict = 'OK' | 'FAIL' | 'SKIP';

export interface Layer {
  id: 'env' | 'files' | 'dns' | 'tcp' | 'tls' | 'http' | 'access' | 'policy' | 'remote' | 'watch';
  title: string;
  verdict: Verdict;
  /** One short line per fact, shown under the layer. */
  evidence: string[];
  /** What to do, when the verdict is FAIL. */
  remedy?: string;
  /** What happened, for callers that word it themselves (doctor): Permissions 'denied' or 'not-answered'. */
  finding?: string;
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
  /**
   * What the control plane says about each endpoint (identity Leases, nodes: src/ha staleEndpoints):
   * the addresses no live server stands behind. Undefined when neither Leases nor Nodes were readable,
   * so an endpoint that does not connect is never called stale on the probe's word alone.
   */
  controlPlane?: { stale: Array<{ address: string; reasons: string[] }>; basis: string };
  /** What the pod's account needs (src/net/plan.ts podRequirement); the Permissions layer asks exactly that. */
  required?: {
    profiles: string[];
    namespaces: string[];
    basis: string;
    asked: number;
    /** Asks only optional features need (plan.ts accessKey -> the features): denied, a WARN. */
    optional?: Record<string, string[]>;
    /** The remedy for a denied required ask (src/rbac/remedy.ts), the same text rbac and doctor give. */
    remedy?: string;
  };
}
