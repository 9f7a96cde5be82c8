// Which containers of a pod run Airflow, and where each one's airflow.cfg comes from. Pure.
import type { Container, Pod } from './container-env.ts';

/** The containers that run Airflow: an Airflow image or any AIRFLOW_* variable; among those, the ones
 *  that mount airflow.cfg when any does (the chart's log-groomer sidecars use the Airflow image but
 *  never start a Kubernetes client); else the first container. A git-sync sidecar is never one, though
 *  the community chart gives it the release's envFrom: it is kubernetes/git-sync's Go binary
 *  (cmd/git-sync/main.go), configured by its own GIT_SYNC_* (v3) / GITSYNC_* (v4) variables. */
export function airflowContainers(
  pod: Pod,
  configMaps: Record<string, Record<string, string> | undefined> = {},
): Container[] {
  const cs = pod.spec?.containers ?? [];
  const af = cs.filter(
    (c) =>
      !isGitSync(c) &&
      (/airflow/i.test(c.image ?? '') ||
        (c.env ?? []).some((e) => e.name.startsWith('AIRFLOW_')) ||
        (c.envFrom ?? []).length > 0),
  );
  const withCfg = af.filter((c) => locateAirflowCfg(pod, c, configMaps) !== undefined);
  return withCfg.length ? withCfg : af.length ? af : cs.slice(0, 1);
}

function isGitSync(c: Container): boolean {
  return (
    /(^|\/)git-sync(:|@|$)/.test(c.image ?? '') ||
    (c.env ?? []).some((e) => e.name === 'GIT_SYNC_REPO' || e.name === 'GITSYNC_REPO')
  );
}

/** Where this container's airflow.cfg comes from: the ConfigMap (name, key) mounted at
 *  $AIRFLOW_CONFIG, else $AIRFLOW_HOME/airflow.cfg (the official image's AIRFLOW_HOME is /opt/airflow),
 *  else any ConfigMap mount that provides an `airflow.cfg` key. */
export function locateAirflowCfg(
  pod: Pod,
  c: Container,
  configMaps: Record<string, Record<string, string> | undefined> = {},
): { configMap: string; key: string; path: string } | undefined {
  const env = new Map((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  const home = (env.get('AIRFLOW_HOME') ?? '/opt/airflow').replace(/\/+$/, '');
  const wanted = env.get('AIRFLOW_CONFIG') ?? `${home}/airflow.cfg`;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const candidates: { configMap: string; key: string; path: string }[] = [];
  for (const m of c.volumeMounts ?? []) {
    const cm = volumes.get(m.name)?.configMap;
    if (!cm?.name) continue;
    const items = cm.items;
    if (m.subPath) {
      // subPath names a file of the volume: an item path, or the key itself
      const key = items?.find((i) => i.path === m.subPath)?.key ?? m.subPath;
      candidates.push({ configMap: cm.name, key, path: m.mountPath });
    } else {
      const files = items
        ? items.map((i) => ({ key: i.key, file: i.path }))
        : Object.keys(configMaps[cm.name] ?? { 'airflow.cfg': '' }).map((k) => ({ key: k, file: k }));
      for (const f of files)
        candidates.push({ configMap: cm.name, key: f.key, path: `${m.mountPath.replace(/\/+$/, '')}/${f.file}` });
    }
  }
  return (
    candidates.find((x) => x.path === wanted) ??
    candidates.find((x) => x.key === 'airflow.cfg' || x.path.endsWith('/airflow.cfg'))
  );
}
