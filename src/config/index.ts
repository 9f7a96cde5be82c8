// `config`: for each Airflow component pod, how Airflow's Kubernetes client will connect
// ([kubernetes_executor] and the kubernetes_default connection), with findings.
// fetch (the release as every command finds it, ConfigMaps, and of the Secrets pods load by envFrom
// only the allowlisted keys: airflow-cfg.ts decodeAllowed) -> decide (analyze.ts) -> render.
import { decodeAllowed } from '../airflow/airflow-cfg.ts';
import { launchNamespaces } from '../airflow/airflow-cfg.ts';
import type { launchNamespaceFinding as LaunchNamespaceFinding } from '../airflow/clients.ts';
import { listConfigMapData, type FoundRelease, type LoadedRelease } from '../airflow/discover.ts';
import { versionsLine, type Versions } from '../airflow/versions.ts';
import { ClusterError } from '../base/errors.ts';
import { ExitCode } from '../base/exit-codes.ts';
import { fetchedValue } from '../base/fetched.ts';
import type { Connection } from '../kube/connection.ts';
import { fetched } from '../kube/fetched.ts';
import { getObject } from '../kube/reads.ts';
import type { Palette } from '../render/colour.ts';
import { renderData } from '../render/data.ts';
import { isMachine, type OutputFormat } from '../render/output.ts';
import { renderTable } from '../render/table.ts';
import { visibleWidth, wrapLine } from '../render/width.ts';
import type { ContainerConfig, Pod, SecretRead, Severity } from './analyze.ts';

interface CM {
  metadata: { name: string };
  data?: Record<string, string>;
}
type ConfigMaps = Record<string, Record<string, string> | undefined>;

/** Only ConfigMaps the pods reference are fetched one by one when listing them is forbidden. */
async function referencedConfigMaps(conn: Connection, ns: string, pods: Pod[]): Promise<ConfigMaps> {
  const names = new Set<string>();
  for (const p of pods) {
    for (const v of p.spec?.volumes ?? []) if (v.configMap?.name) names.add(v.configMap.name);
    for (const c of p.spec?.containers ?? []) {
      for (const f of c.envFrom ?? []) if (f.configMapRef?.name) names.add(f.configMapRef.name);
      for (const e of c.env ?? []) if (e.valueFrom?.configMapKeyRef?.name) names.add(e.valueFrom.configMapKeyRef.name);
    }
  }
  const read = async (name: string) =>
    fetchedValue(await fetched(getObject<CM>(conn, 'configmaps', { namespace: ns, name }), { accept: [403, 404] }))
      ?.data;
  const got = await Promise.all([...names].map(async (n) => [n, await read(n)] as const));
  return Object.fromEntries(got);
}

/**
 * The Secrets the pods load whole (envFrom), each reduced at once to its allowlisted keys: no other
 * value leaves this function, decoded or not. Forbidden or missing is said, not thrown.
 */
async function envFromSecrets(conn: Connection, ns: string, pods: Pod[]): Promise<Record<string, SecretRead>> {
  const prefixes = new Map<string, Set<string>>();
  for (const p of pods)
    for (const c of p.spec?.containers ?? [])
      for (const f of c.envFrom ?? []) {
        if (f.secretRef?.name)
          prefixes.set(f.secretRef.name, (prefixes.get(f.secretRef.name) ?? new Set()).add(f.prefix ?? ''));
      }
  const read = async (name: string): Promise<SecretRead> => {
    const f = await fetched(getObject<{ data?: Record<string, string> }>(conn, 'secrets', { namespace: ns, name }), {
      accept: [403, 404],
    });
    if (f.ok) return { keys: decodeAllowed(f.value.data, [...prefixes.get(name)!]) };
    return f.code === 403
      ? { unreadable: `you may not get secrets in ${ns}`, permission: `get secrets in ${ns}` }
      : { unreadable: 'not found' };
  };
  return Object.fromEntries(await Promise.all([...prefixes.keys()].map(async (n) => [n, await read(n)] as const)));
}

const SEVERITY_ORDER: Severity[] = ['error', 'warning', 'info'];

/**
 * The table within `width` columns: settings every pod shares go on one line above it; a container
 * named like its component is not repeated; if it is still too wide, one block per pod instead.
 */
function narrowTable(head: string[], rows: string[][], width: number): string[] {
  const out: string[] = [];
  const settingCols = SETTING_HEAD.map((h) => head.indexOf(h));
  const shared = settingCols.filter((i) => rows.every((r) => r[i] === rows[0][i]));
  if (rows.length > 1 && shared.length)
    out.push(...wrapLine(`every pod: ${shared.map((i) => `${head[i]}=${rows[0][i]}`).join(', ')}`, width), '');
  const containerCol = head.indexOf('CONTAINER');
  const sameContainer = rows.every((r) => r[containerCol] === r[head.indexOf('COMPONENT')]);
  const keep = head
    .map((_, i) => i)
    .filter((i) => !(rows.length > 1 && shared.includes(i)) && !(sameContainer && i === containerCol));
  const table = renderTable(
    keep.map((i) => head[i]),
    rows.map((r) => keep.map((i) => r[i])),
  );
  if (table.split('\n').every((l) => visibleWidth(l) <= width)) return [...out, table];
  // one block per pod: the name, then its values, wrapped at the width
  const blocks: string[] = [];
  for (const r of rows) {
    blocks.push(`${r[0]} (${r[head.indexOf('COMPONENT')]}${sameContainer ? '' : `, container ${r[containerCol]}`})`);
    let line = ' ';
    for (const i of keep.slice(1).filter((i) => i !== containerCol && head[i] !== 'COMPONENT')) {
      const item = ` ${head[i]} ${r[i]}`;
      if (line.length > 1 && visibleWidth(line + item) > width) {
        blocks.push(line);
        line = ' ';
      }
      line += item;
    }
    if (line.trim()) blocks.push(line);
  }
  return [...out, ...blocks];
}

function paint(s: Severity, c: Palette): string {
  return s === 'error' ? c.red(s) : s === 'warning' ? c.yellow(s) : c.dim(s);
}

/** The settings columns: a value every pod shares is said once above the table, not repeated per row. */
const SETTING_HEAD = [
  'IN_CLUSTER',
  'CONFIG_FILE',
  'CONTEXT',
  'NAMESPACE',
  'MULTI_NS',
  'VERIFY_SSL',
  'TOKEN',
  'CONNECTION',
];

export function renderText(
  results: ContainerConfig[],
  release: string,
  ns: string,
  c: Palette,
  wide: boolean,
  width = Infinity,
): string {
  const lines: string[] = [];
  lines.push(`release ${release} in namespace ${ns}: how Airflow's Kubernetes client connects from each pod`);
  lines.push('');
  // unset shows '-', set but unknowable (from a Secret) shows '?'
  const showValue = (v: { value?: string; source: string }) => v.value ?? (v.source === 'default' ? '-' : c.dim('?'));
  const rows = results.map((r) => {
    const s = r.settings;
    const worst = SEVERITY_ORDER.find((sev) => r.findings.some((f) => f.severity === sev));
    const conn = r.connection
      ? r.connection.extras
        ? Object.keys(r.connection.extras).join(',') || '(no extras)'
        : /Secret/.test(r.connection.source)
          ? 'from Secret'
          : r.connection.error
            ? 'invalid'
            : '?'
      : '-';
    // an Airflow default while some env source could not be read may not be what the pod uses
    const show = (v: { value?: string; source: string }) =>
      r.opaque.length && v.source === 'default' ? `${v.value ?? '-'}${c.dim('?')}` : showValue(v);
    const row = [
      r.pod,
      r.component,
      r.container,
      show(s.in_cluster),
      show(s.config_file),
      show(s.cluster_context),
      show(s.namespace),
      `${show(s.multi_namespace_mode)}${s.multi_namespace_mode_namespace_list.value ? ` (${s.multi_namespace_mode_namespace_list.value})` : ''}`,
      show(s.verify_ssl),
      r.automount ? 'yes' : c.red('no'),
      conn,
      worst
        ? `${paint(worst, c)} (${r.findings.filter((f) => f.severity !== 'info').length || r.findings.length})`
        : c.green('ok'),
    ];
    if (wide) row.push(r.loads);
    return row;
  });
  const head = ['POD', 'COMPONENT', 'CONTAINER', ...SETTING_HEAD, 'FINDINGS'];
  if (wide) head.push('LOADS');
  const table = new Set<string>();
  if (wide) lines.push(renderTable(head, rows));
  else {
    const narrow = narrowTable(head, rows, width).join('\n').split('\n');
    for (const l of narrow) table.add(l);
    lines.push(...narrow);
  }
  if (wide) {
    lines.push('');
    for (const r of results) {
      lines.push(c.bold(`${r.pod}/${r.container}`) + `: ${r.loads}`);
      for (const [k, v] of Object.entries(r.settings))
        lines.push(`  ${k} = ${v.value ?? c.dim('(unknown)')}  ${c.dim(`<- ${v.source}`)}`);
      lines.push(`  token mounted: ${r.automount ? 'yes' : 'no'}  ${c.dim(`<- ${r.automountSource}`)}`);
      if (r.connection)
        lines.push(
          `  kubernetes_default: ${r.connection.extras ? JSON.stringify(r.connection.extras) : '(value not read)'}  ${c.dim(`<- ${r.connection.source}`)}`,
        );
    }
  }
  // Findings, each once with the pods it applies to.
  const grouped = new Map<string, { sev: Severity; message: string; remedy: string; where: string[] }>();
  for (const r of results) {
    for (const f of r.findings) {
      const key = `${f.severity}|${f.id}|${f.message}`;
      const g = grouped.get(key) ?? { sev: f.severity, message: f.message, remedy: f.remedy, where: [] };
      g.where.push(`${r.pod}/${r.container}`);
      grouped.set(key, g);
    }
  }
  const gs = [...grouped.values()].sort((a, b) => SEVERITY_ORDER.indexOf(a.sev) - SEVERITY_ORDER.indexOf(b.sev));
  if (gs.length) {
    lines.push('');
    for (const g of gs) {
      lines.push(`${paint(g.sev, c)}: ${g.message}`);
      lines.push(`  in: ${g.where.join(', ')}`);
      if (g.remedy) lines.push(`  fix: ${g.remedy}`);
    }
  }
  // prose wraps at the width; the table (and -o wide, which is for wide screens) is kept as built
  return (wide ? lines : lines.flatMap((l) => (table.has(l) ? [l] : wrapLine(l, width)))).join('\n') + '\n';
}

/**
 * Fetch and decide for one release: every Airflow container of its pods. The release comes from
 * findRelease (doctor hands over the one it loaded); `listed` is the namespace's ConfigMaps when the
 * caller already asked for them.
 */
export async function inspectClientConfig(
  conn: Connection,
  found: Pick<FoundRelease, 'release' | 'serviceAccounts'> &
    Partial<Pick<LoadedRelease, 'config' | 'versions' | 'workerAccount'>>,
  listed: Promise<ConfigMaps | undefined> = listConfigMapData(conn, found.release.namespace),
): Promise<{
  release: string;
  namespace: string;
  chart: string;
  versions: Versions;
  clients: string;
  pods: ContainerConfig[];
}> {
  const { release, serviceAccounts } = found;
  const [cc, { airflowClients, launchNamespaceFinding }, { releaseConfig, releaseModel }] = await Promise.all([
    import('./analyze.ts'),
    import('../airflow/clients.ts'),
    import('../airflow/discover.ts'),
  ]);
  // only the processes that run Airflow code are its clients (not redis, statsd, flower, ...)
  const choice = airflowClients(release.pods);
  const pods = choice.clients as unknown as Pod[];
  const all = release.pods as unknown as Pod[];
  const secrets = envFromSecrets(conn, release.namespace, all);
  secrets.catch(() => undefined); // awaited below, unless reading the ConfigMaps fails first
  const configMaps = (await listed) ?? (await referencedConfigMaps(conn, release.namespace, all));
  const read = await secrets;
  // the release's config from the same reads, unless the caller loaded it (doctor)
  const config =
    found.config ??
    releaseConfig(
      release,
      Object.fromEntries(Object.entries(read).map(([n, r]) => [n, 'keys' in r ? r.keys : undefined])),
      configMaps,
    );
  const model = found.versions
    ? { versions: found.versions, workerAccount: found.workerAccount }
    : releaseModel({ release, serviceAccounts, warnings: [] }, config, configMaps);
  const versions = model.versions;
  const lf = await launchNamespaceCheck(
    conn,
    { config, release, workerAccount: model.workerAccount },
    versions,
    launchNamespaceFinding,
  );
  const results = cc.analyzePods(pods, configMaps, serviceAccounts, release.namespace, read, versions.airflow.value);
  if (lf) {
    // the executor runs in the scheduler: the finding is said there
    const at = results.filter((r) => r.component === 'scheduler');
    for (const r of at.length ? at : results.slice(0, 1))
      r.findings.unshift({ id: 'launch-namespace', severity: lf.severity, message: lf.message, remedy: lf.remedy });
  }
  return {
    release: release.name,
    namespace: release.namespace,
    chart: release.chart,
    versions,
    clients: choice.how,
    pods: results,
  };
}

/** Whether the worker's account exists where the executor launches pods (404: no; 403: unknown). */
async function launchNamespaceCheck(
  conn: Connection,
  loaded: Required<Pick<LoadedRelease, 'config'>> & Pick<LoadedRelease, 'release' | 'workerAccount'>,
  versions: Versions,
  decide: typeof LaunchNamespaceFinding,
) {
  const input = {
    config: loaded.config,
    releaseNamespace: loaded.release.namespace,
    airflowVersion: versions.airflow.value,
  };
  if (!decide(input)) return undefined;
  const name = loaded.workerAccount?.name;
  if (!name) return decide(input);
  const [launch] = launchNamespaces(loaded.config, loaded.release.namespace);
  let exists: boolean | undefined;
  try {
    await conn.get(`/api/v1/namespaces/${encodeURIComponent(launch)}/serviceaccounts/${encodeURIComponent(name)}`);
    exists = true;
  } catch (e) {
    if (e instanceof ClusterError && e.status === 404) exists = false;
    else if (!(e instanceof ClusterError)) throw e;
  }
  return decide({ ...input, worker: { name, existsInLaunchNamespace: exists } });
}

export type ConfigResult = Awaited<ReturnType<typeof inspectClientConfig>>;

/** fetch -> decide for `config`: the release (one of the namespace's), every Airflow container of its pods. */
export async function runConfig(conn: Connection, opts: { release?: string }): Promise<ConfigResult> {
  const { findRelease } = await import('../airflow/discover.ts');
  const listed = listConfigMapData(conn, conn.namespace);
  listed.catch(() => undefined); // awaited in inspectClientConfig, unless finding the release fails first
  const found = await findRelease(conn, conn.namespace, opts.release);
  return inspectClientConfig(conn, found, listed);
}

/** `width`: the reader's screen (render/width.ts outputWidth); the default view fits it. */
export function renderConfig(r: ConfigResult, view: { output: OutputFormat; colour: Palette; width?: number }): string {
  const { release, namespace, chart, versions, clients, pods } = r;
  if (isMachine(view.output)) {
    const v = (d: { value?: string; source: string }) => ({ version: d.value ?? null, source: d.source });
    return renderData(
      {
        release,
        namespace,
        chart,
        versions: { airflow: v(versions.airflow), chart: v(versions.chart), provider: v(versions.provider) },
        clients,
        pods,
      },
      view.output,
    );
  }
  const width = view.output === 'wide' ? Infinity : (view.width ?? Infinity);
  const head =
    [`${versionsLine(versions)} (${versions.airflow.source})`, clients]
      .flatMap((l) => l.split('\n'))
      .flatMap((l) => wrapLine(l, width))
      .join('\n') + '\n';
  return (
    head +
    (pods.length
      ? renderText(pods, release, namespace, view.colour, view.output === 'wide', view.width)
      : `release ${release} in ${namespace}: no running Airflow client pods to inspect\n`)
  );
}

export function configExitCode(r: ConfigResult): number {
  return r.pods.some((p) => p.findings.some((f) => f.severity === 'error')) ? ExitCode.PROBLEMS : ExitCode.OK;
}
