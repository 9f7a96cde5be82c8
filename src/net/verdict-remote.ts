// The "Remote cluster" layer: each kubeconfig Airflow loads instead of the in-cluster config
// (src/airflow/remote-kubeconfig.ts), as probe.py saw it from the pod, with one cause per way it
// fails. Pure: unit-tested without a server.
//
// What Airflow then sees comes from the kubernetes Python client (kubernetes/config/kube_config.py
// and exec_provider.py, read in Debian's python3-kubernetes 22.6; src/net/README.md "Remote clusters"):
// a missing file gives "Invalid kube-config file. No configuration found." (KubeConfigMerger skips
// paths that do not exist); an unknown context "Expected object with name X in kube-config/contexts
// list"; a missing certificate-authority file "File does not exist: X" (FileOrData.as_file); an exec
// plugin that cannot start is only logged by _load_from_exec_plugin ("[Errno 2] No such file or
// directory: 'aws'") and every request then goes out without credentials.
import type { RemotePlan } from '../airflow/remote-kubeconfig.ts';
import { layer } from './layer.ts';
import type { DnsAnswer, Layer, NetReport, ProbeDoc, RemoteResult } from './model.ts';
import { CONNECT_FAILURES } from './verdict.ts';

type Outcome = { verdict: 'OK' | 'FAIL' | 'SKIP'; lines: string[]; remedy?: string };

/** Where the usual exec credential plugins come from, for the fix. */
const PLUGINS: Record<string, string> = {
  aws: 'the AWS CLI (pip install awscli, or the AWS CLI v2 installer) with credentials for `aws eks get-token` (IRSA or Pod Identity)',
  'aws-iam-authenticator': 'aws-iam-authenticator (github.com/kubernetes-sigs/aws-iam-authenticator releases)',
  'gke-gcloud-auth-plugin':
    'gke-gcloud-auth-plugin (apt-get install google-cloud-cli-gke-gcloud-auth-plugin) with Workload Identity or a service-account key',
  gcloud: 'the Google Cloud CLI (google-cloud-cli)',
  kubelogin: 'kubelogin (github.com/Azure/kubelogin releases) with a workload identity or service principal',
};

function pluginFix(command: string): string {
  const base = command.split('/').pop() ?? command;
  return PLUGINS[base] ?? `the program ${base}`;
}

function where(r: RemoteResult): string {
  const file = r.source === 'inline' ? 'inline kubeconfig of the connection' : `kubeconfig ${r.path ?? '(unknown)'}`;
  const ctx = r.context
    ? `, context ${r.context}${r.contextFrom === 'current-context' ? ' (current-context)' : ''}`
    : '';
  return `${file}${ctx}`;
}

/** Before the network: reading the connection, the file, the context. */
function configOutcome(r: RemoteResult): Outcome | undefined {
  const fail = (line: string, remedy: string): Outcome => ({ verdict: 'FAIL', lines: [line], remedy });
  switch (r.error) {
    case undefined:
      return undefined;
    case 'connection-unset':
      return { verdict: 'SKIP', lines: ['the connection variable is not set in the running container'] };
    case 'connection-invalid':
      return fail(
        'the kubernetes_default connection is neither a connection URI nor valid JSON: the hook cannot load it',
        'Fix AIRFLOW_CONN_KUBERNETES_DEFAULT: kubernetes://?kube_config_path=... or {"conn_type": "kubernetes", "extra": {...}}.',
      );
    case 'connection-exclusive':
      return fail(
        `the kubernetes_default connection sets ${(r.set ?? []).join(', ')}: the hook fails with "Invalid connection configuration. Options kube_config_path, kube_config, in_cluster are mutually exclusive."`,
        'Keep exactly one of in_cluster, kube_config_path, kube_config in the connection extras.',
      );
    case 'file-missing':
      return fail(
        `${where(r)} does not exist in the container: Airflow fails with "Invalid kube-config file. No configuration found."`,
        `Mount the kubeconfig (a Secret volume) at ${r.path} in this container, or point the setting at where it is mounted.`,
      );
    case 'file-unreadable':
      return fail(
        `${where(r)} cannot be read (${r.file?.error ?? 'unreadable'})`,
        "Make the file readable by the container's user (the Secret volume's defaultMode, or fsGroup).",
      );
    case 'unparsable':
      return fail(
        `${where(r)} is not a kubeconfig: ${r.detail ?? 'unreadable'}`,
        'Give a kubeconfig as kubectl config view --minify --flatten writes it.',
      );
    case 'no-current-context':
      return fail(
        `${where(r)} has no current-context and no context is named: the client fails with "Invalid kube-config file. Expected key current-context"`,
        `Set cluster_context (or current-context in the kubeconfig)${r.contexts?.length ? ` to one of: ${r.contexts.join(', ')}` : ''}.`,
      );
    case 'context-not-found':
      return fail(
        `context "${r.context}" is not in the ${where(r).replace(/, context.*$/, '')}${r.contexts?.length ? ` (it has: ${r.contexts.join(', ')})` : ''}: the client fails with "Expected object with name ${r.context} in kube-config/contexts list"`,
        `Set cluster_context to a context of that kubeconfig${r.contexts?.length ? ` (${r.contexts.join(', ')})` : ''}, or add the context.`,
      );
    case 'cluster-not-found':
      return fail(
        `${where(r)} names cluster "${r.cluster}", which is not in its clusters list`,
        'Add the cluster to the kubeconfig or fix the context.',
      );
    case 'bad-server':
      return fail(`${where(r)}: the cluster's server is not an https:// URL`, 'Set the server to https://HOST:PORT.');
    default:
      return fail(`${where(r)}: ${r.error}${r.detail ? ` (${r.detail})` : ''}`, 'Check the kubeconfig.');
  }
}

function dnsOutcome(r: RemoteResult): Outcome | undefined {
  const d = r.dns as (DnsAnswer & { skipped?: string }) | undefined;
  if (!d) return undefined;
  if (d.skipped) return { verdict: 'SKIP', lines: [`DNS of ${r.host} not checked (${d.skipped})`] };
  if (d.addresses?.length) return undefined;
  const what =
    d.error === 'nxdomain' ? 'NXDOMAIN (no such name)' : d.error === 'timeout' ? 'no answer' : 'lookup failed';
  return {
    verdict: 'FAIL',
    lines: [`the server name ${r.host} does not resolve from the pod: ${what}`],
    remedy: `The pod cannot resolve ${r.host}: check the server name in the kubeconfig; a private API endpoint needs its DNS zone resolvable from this cluster (cluster DNS forwards other names to the node's resolvers).`,
  };
}

function tcpOutcome(r: RemoteResult): Outcome | undefined {
  const t = r.tcp;
  if (!t) return undefined;
  if (t.skipped) return { verdict: 'SKIP', lines: [`TCP to ${r.host}:${r.port} not checked (${t.skipped})`] };
  if (t.ok) return undefined;
  const kind = t.error ?? 'other';
  const f = CONNECT_FAILURES[kind];
  return {
    verdict: 'FAIL',
    lines: [`no connection to ${r.host}:${r.port}: ${f?.what ?? kind}`],
    remedy: `${r.host}:${r.port} ${f?.what ?? kind}: ${f?.causes ?? 'check the route from the pod'}; for a remote cluster also its API access rules (authorized networks, security groups) must admit this cluster's egress address.`,
  };
}

function tlsOutcome(r: RemoteResult): Outcome | undefined {
  const t = r.tls;
  if (!t) return undefined;
  const ca =
    t.ca === 'certificate-authority' || t.ca === 'ssl_ca_cert'
      ? `${t.ca === 'ssl_ca_cert' ? `Airflow's ${t.airflow ?? 'ssl_ca_cert'}, ` : 'certificate-authority '}${t.caFile}`
      : t.ca === 'system'
        ? "the image's system CAs (the kubeconfig has no CA)"
        : (t.ca ?? 'its CA');
  if (t.caError)
    return {
      verdict: 'FAIL',
      lines: [
        t.caError === 'file-missing'
          ? `${ca} does not exist in the container${t.ca === 'certificate-authority' ? `: the client fails with "File does not exist: ${t.caFile}"` : ''}`
          : `the CA cannot be used (${ca}: ${t.caError})`,
      ],
      remedy:
        'Embed the remote cluster CA as certificate-authority-data, or mount the CA file where the kubeconfig says.',
    };
  if (t.skipped) return { verdict: 'SKIP', lines: [`TLS not checked (${t.skipped})`] };
  if (t.ok) return undefined;
  const kind = t.error ?? 'handshake';
  const line =
    kind === 'unknown-authority'
      ? `the certificate of ${r.host} is not signed by ${ca}`
      : kind === 'name-mismatch'
        ? `the certificate of ${r.host}:${r.port} is not issued for ${r.host}`
        : kind === 'expired'
          ? `the certificate of ${r.host} has expired`
          : kind === 'timeout'
            ? `TCP connected, the TLS handshake with ${r.host}:${r.port} got no answer`
            : `the TLS handshake with ${r.host}:${r.port} failed (${kind})`;
  const remedy =
    kind === 'unknown-authority'
      ? "Put the remote cluster's CA in the kubeconfig (certificate-authority-data: kubectl config view --raw --minify --flatten on a machine that reaches it)."
      : kind === 'name-mismatch'
        ? 'Use a server address the API server certificate is issued for (its DNS name, not an IP or a load balancer alias).'
        : 'Something between the pod and the remote API server (a proxy, a firewall, a non-TLS listener) breaks the handshake.';
  return { verdict: 'FAIL', lines: [line], remedy };
}

function authLines(r: RemoteResult): string[] {
  const a = r.auth;
  if (!a) return [];
  const cert = a.clientCertificate && a.method !== 'clientCertificate' ? ' + client certificate' : '';
  const m =
    a.method === 'exec'
      ? `exec plugin ${a.exec?.command}${a.exec?.found ? ` (${a.exec.found})` : ''}`
      : a.method === 'auth-provider'
        ? `auth-provider ${a.provider ?? ''}`.trim()
        : a.method === 'tokenFile'
          ? `tokenFile ${a.tokenFile?.path ?? ''}`.trim()
          : a.method === 'none'
            ? 'none (anonymous)'
            : a.method;
  return [`credentials: ${m}${cert} (values never shown)`];
}

function execOutcome(r: RemoteResult): Outcome | undefined {
  const ex = r.auth?.exec;
  if (!ex) return undefined;
  if (!ex.found) {
    const hint = ex.installHint ? ` The kubeconfig's installHint: ${ex.installHint}` : '';
    return {
      verdict: 'FAIL',
      lines: [
        `the exec credential plugin "${ex.command}" is not in the image: not found on the PATH Airflow runs it with (${ex.path || '(empty)'}; the kubeconfig's exec env merged into the container's)`,
        `the Python client logs "[Errno 2] No such file or directory: '${ex.command}'" and calls the API without credentials`,
      ],
      remedy: `Install ${pluginFix(ex.command)} in the image this pod runs (on the PATH above), or give the kubeconfig a token instead of the exec plugin.${hint}`,
    };
  }
  const run = ex.run;
  if (!run || run.ok) return undefined;
  const why =
    run.error === 'exit'
      ? `exited ${run.exitCode}`
      : run.error === 'timeout'
        ? 'did not finish within the probe timeout'
        : run.error === 'no-credential'
          ? 'printed no ExecCredential with a token or client certificate'
          : `could not start (${run.detail ?? run.error})`;
  return {
    verdict: 'FAIL',
    lines: [`the exec credential plugin ${ex.command} ${why} (its output is not shown: it holds credentials)`],
    remedy: `Run ${ex.command} in the pod as the kubeconfig does to see why: the plugin needs its own credentials there (e.g. IRSA or Pod Identity for aws, Workload Identity for gke-gcloud-auth-plugin, a workload identity for kubelogin).`,
  };
}

function callOutcome(r: RemoteResult): Outcome {
  const c = r.call;
  if (r.auth?.tokenFile && !r.auth.tokenFile.present)
    return {
      verdict: 'FAIL',
      lines: [`the kubeconfig's tokenFile ${r.auth.tokenFile.path} does not exist in the container`],
      remedy: `Mount the token file at ${r.auth.tokenFile.path}.`,
    };
  if (!c) return { verdict: 'SKIP', lines: ['authenticated call not made'] };
  if (c.skipped) return { verdict: 'SKIP', lines: [`authenticated call not made: ${c.skipped}`] };
  const via = c.path?.includes('selfsubjectreviews') ? 'SelfSubjectReview' : `GET ${c.path ?? '/api'}`;
  if (c.status !== undefined && c.status >= 200 && c.status < 300)
    return { verdict: 'OK', lines: [`${via} answered ${c.status}${c.user ? `: authenticated as ${c.user}` : ''}`] };
  if (c.status === 403)
    return {
      verdict: 'OK',
      lines: [
        `${via} answered 403: the server authenticated the request and refused it; not a connectivity problem${r.auth?.method === 'none' ? ' (the kubeconfig has no credentials: the request was anonymous)' : ''}`,
      ],
    };
  if (c.status === 401)
    return {
      verdict: 'FAIL',
      lines: [
        `${via} answered 401 Unauthorized: the remote API server rejects these credentials${c.message ? ` (${c.message})` : ''}`,
      ],
      remedy:
        'The token or client certificate is expired, revoked or for another cluster: issue new credentials for the remote cluster (or let an exec plugin fetch them).',
    };
  if (c.status !== undefined)
    return {
      verdict: 'FAIL',
      lines: [`${via} answered HTTP ${c.status}${c.message ? `: ${c.message}` : ''}`],
      remedy: 'The remote API server answers, but not as an API server should: check what listens at that address.',
    };
  return {
    verdict: 'FAIL',
    lines: [`the authenticated call got no answer (${c.error ?? 'error'}${c.detail ? `: ${c.detail}` : ''})`],
    remedy: 'The connection broke after the handshake: a proxy or firewall between the pod and the remote API server.',
  };
}

/** The handshake that succeeded, in words: verified with which CA, or not verified and why. */
function tlsDone(r: RemoteResult): string {
  const t = r.tls;
  if (t?.ca === 'insecure-skip-tls-verify')
    return 'TLS not verified (insecure-skip-tls-verify: true in the kubeconfig)';
  if (t?.ca === 'not verified') return `TLS not verified (Airflow's ${t.airflow ?? 'setting'})`;
  if (t?.ca === 'ssl_ca_cert') return `TLS verified with ${t.caFile} (Airflow's ${t.airflow ?? 'ssl_ca_cert'})`;
  if (t?.ca === 'certificate-authority') return `TLS verified with certificate-authority ${t.caFile}`;
  if (t?.ca === 'system') return "TLS verified with the image's system CAs";
  return `TLS verified with ${t?.ca ?? 'its CA'}`;
}

/** One kubeconfig's verdict: the first step that fails (the exec plugin before the network: without it nothing authenticates). */
export function remoteOutcome(r: RemoteResult): Outcome {
  const head = `${r.origin}: ${where(r)}${r.server ? ` -> ${r.server}` : ''}`;
  if (r.connection)
    return {
      verdict: 'OK',
      lines: [
        `${r.origin}: the connection uses the in-cluster configuration (${r.connection === 'in_cluster' ? 'in_cluster' : 'no kubeconfig extra'})`,
      ],
    };
  const before = configOutcome(r);
  if (before) return { ...before, lines: [head, ...before.lines] };
  const auth = authLines(r);
  const steps = [execOutcome(r), dnsOutcome(r), tcpOutcome(r), tlsOutcome(r)];
  const failed = steps.find((s) => s?.verdict === 'FAIL');
  const reached = [r.tcp?.ok ? `TCP ${r.host}:${r.port} connected` : '', r.tls?.ok ? tlsDone(r) : ''].filter(Boolean);
  if (failed)
    return {
      ...failed,
      lines: [head, ...failed.lines, ...auth, ...(reached.length ? [reached.join(', ')] : [])],
    };
  const skip = steps.find((s) => s?.verdict === 'SKIP');
  if (skip) return { verdict: 'SKIP', lines: [head, ...skip.lines, ...auth] };
  const call = callOutcome(r);
  return { ...call, lines: [head, ...call.lines, ...auth, ...(reached.length ? [reached.join(', ')] : [])] };
}

/**
 * The layer, or undefined when every Airflow client in the pod uses the in-cluster configuration
 * (nothing changes then). probe.sh cannot read a kubeconfig: SKIP, saying so.
 */
export function remoteLayer(doc: ProbeDoc, plan: RemotePlan | undefined): Layer | undefined {
  if (!plan?.targets.length) return undefined;
  const notes = plan.notes;
  if (plan.ephemeral)
    return layer('remote', 'SKIP', [
      'not checkable: the ephemeral container mounts nothing of the target container (its kubeconfig and env)',
      ...notes,
    ]);
  if (doc.probe === 'sh')
    return layer('remote', 'SKIP', [
      'not checked: needs python3 (the sh probe cannot read a kubeconfig)',
      ...plan.targets.map(
        (t) =>
          `${t.origin}: ${t.path ?? (t.defaultLocation ? '$KUBECONFIG or ~/.kube/config' : 'from the connection')}`,
      ),
      ...notes,
    ]);
  if (!Array.isArray(doc.remote))
    return layer('remote', 'SKIP', ['not checked: the probe returned no remote-cluster result', ...notes]);
  const outcomes = doc.remote.map(remoteOutcome);
  const verdict = outcomes.some((o) => o.verdict === 'FAIL')
    ? 'FAIL'
    : outcomes.every((o) => o.verdict === 'OK')
      ? 'OK'
      : 'SKIP';
  const failing = outcomes.filter((o) => o.verdict === 'FAIL');
  // the failing kubeconfig first: its cause is the layer's first line of evidence
  const ordered = [...failing, ...outcomes.filter((o) => o.verdict !== 'FAIL')];
  const ev = ordered.flatMap((o) =>
    o.lines.slice(1)[0] !== undefined ? [o.lines[1], o.lines[0], ...o.lines.slice(2)] : o.lines,
  );
  return layer(
    'remote',
    verdict,
    [...ev, ...notes],
    failing
      .map((o) => o.remedy)
      .filter(Boolean)
      .join(' Also: '),
  );
}

/** The report with the remote layer added after the in-cluster layers (first failure and ok recomputed). */
export function withRemoteLayer(report: NetReport, doc: ProbeDoc, plan: RemotePlan | undefined): NetReport {
  const l = remoteLayer(doc, plan);
  if (!l) return report;
  const watchAt = report.layers.findIndex((x) => x.id === 'watch');
  const layers = [...report.layers];
  layers.splice(watchAt < 0 ? layers.length : watchAt, 0, l);
  const first = layers.find((x) => x.verdict === 'FAIL');
  return { ...report, layers, firstFailure: first?.id, ok: !first };
}
