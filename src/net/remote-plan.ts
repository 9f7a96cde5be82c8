// Which kubeconfigs the probed container's Airflow clients load (src/airflow/remote-kubeconfig.ts),
// from the pod spec and the release's config as `net` has them. Pure.
import type { AirflowConfig, Setting } from '../airflow/airflow-cfg.ts';
import { literalEnv, remoteKubeconfigs, type RemoteKubeconfig, type RemotePlan } from '../airflow/remote-kubeconfig.ts';

interface PodWithEnv {
  metadata: { name: string };
  spec?: { containers?: Array<{ name: string; env?: Array<{ name: string; value?: string; valueFrom?: unknown }> }> };
}

/**
 * The plan for one container. The release's config (airflow.cfg, Secrets and ConfigMaps loaded by
 * envFrom, the pods' literal env) fills what the container's own env does not set, except a value
 * from another pod's literal env: that is the other process's environment, not this one's.
 */
export function remotePlanFor(
  pod: PodWithEnv,
  container: string,
  config: Pick<AirflowConfig, 'inCluster' | 'configFile' | 'clusterContext' | 'verifySsl' | 'sslCaCert'> | undefined,
  ephemeral = false,
): RemotePlan & { probed: RemoteKubeconfig[] } {
  const c = pod.spec?.containers?.find((x) => x.name === container);
  const mine = <T>(s: Setting<T>): Setting<T> | undefined =>
    /\(pod \S+ env\)$/.test(s.source) && !s.source.endsWith(`(pod ${pod.metadata.name} env)`) ? undefined : s;
  const release = config && {
    inCluster: mine(config.inCluster),
    configFile: mine(config.configFile),
    clusterContext: mine(config.clusterContext),
    verifySsl: config.verifySsl && mine(config.verifySsl),
    sslCaCert: config.sslCaCert && mine(config.sslCaCert),
  };
  const plan = remoteKubeconfigs({ env: c ? literalEnv(c) : {}, config: release });
  // an ephemeral container (--debug-image) has none of the target's files or env: nothing to probe there
  return { ...plan, probed: ephemeral ? [] : plan.targets, ...(ephemeral ? { ephemeral } : {}) };
}
