// What a container sees, decided from plain data: its environment (the container's env and the
// kubelet's service variables), the files the kubelet mounts (ServiceAccount token, ca.crt,
// namespace; ConfigMap and Secret volumes; /etc/resolv.conf and /etc/hosts), the executables of its
// image profile, and how the runtime resolves argv[0]. Pure: no I/O, unit-tested without a server.

import type { KubeObject } from '../types.ts';

export const ANNOTATION_PREFIX = 'sim.kubectl-airflow.dev/';
export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The usual image PATH (docker's default for Debian-based images such as apache/airflow). */
export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const CLUSTER_DOMAIN = 'cluster.local';

/** Reads the sim needs from its store (test/sim/store.ts's Store satisfies this). */
export interface ObjectLookup {
  get(ref: string, namespace: string | undefined, name: string): KubeObject | undefined;
  all(ref: string, namespace?: string): KubeObject[];
}

export interface Container {
  name: string;
  image?: string;
  env?: EnvVar[];
  envFrom?: {
    prefix?: string;
    configMapRef?: { name: string; optional?: boolean };
    secretRef?: { name: string; optional?: boolean };
  }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  workingDir?: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  /** Added through pods/ephemeralcontainers (kubectl debug); they mount nothing of the pod unless they ask. */
  ephemeralContainers?: (Container & { targetContainerName?: string })[];
  volumes?: Volume[];
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  nodeName?: string;
  hostNetwork?: boolean;
  dnsPolicy?: string;
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] };
}

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}
export interface Volume {
  name: string;
  configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { secretName: string; items?: KeyToPath[]; optional?: boolean };
  emptyDir?: Record<string, unknown>;
}

/** python: an Airflow image (python3 + sh + coreutils); shell: sh + coreutils only (no curl, nc,
 *  openssl); shell-curl: a Debian image with curl (shell + curl + openssl); none: distroless. */
export type Profile = 'python' | 'shell' | 'shell-curl' | 'none';
export const PROFILES: readonly Profile[] = ['python', 'shell', 'shell-curl', 'none'];

export function annotation(pod: KubeObject, key: string): string | undefined {
  return pod.metadata.annotations?.[ANNOTATION_PREFIX + key];
}

export function podSpec(pod: KubeObject): PodSpec {
  return (pod.spec ?? { containers: [] }) as PodSpec;
}

export function imageProfile(pod: KubeObject): Profile {
  const p = annotation(pod, 'image-profile');
  return PROFILES.includes(p as Profile) ? (p as Profile) : 'python';
}

/**
 * The image profile of an ephemeral container (it has no pod annotation of its own): the scenario's
 * `image-profiles` annotation (`IMAGE=PROFILE, ...`; an entry without a tag matches every tag),
 * else by name: python or airflow -> python, curl -> shell-curl, anything else -> shell.
 */
export function ephemeralImageProfile(image: string, mapping: string | undefined): Profile {
  const repo = (i: string) => i.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  for (const entry of (mapping ?? '').split(',')) {
    const [img, prof] = entry.split('=').map((x) => x.trim());
    if (!img || !PROFILES.includes(prof as Profile)) continue;
    if (img === image || (img === repo(img) && img === repo(image))) return prof as Profile;
  }
  if (/python|airflow/.test(image)) return 'python';
  if (/curl/.test(image)) return 'shell-curl';
  return 'shell';
}

/** Whose network namespace the pod's containers share: their own (the pod network), or the node's
 *  (`hostNetwork: true`; kubelet's kubecontainer.IsHostNetworkPod). */
export function podNetworkKind(pod: KubeObject): 'pod' | 'host' {
  return podSpec(pod).hostNetwork === true ? 'host' : 'pod';
}

/** Which resolv.conf the kubelet writes (pkg/kubelet/network/dns/dns.go getPodDNSType): cluster DNS
 *  for ClusterFirst (the default) and ClusterFirstWithHostNet, but a hostNetwork pod with ClusterFirst
 *  falls back to the node's (Default); None starts empty (dnsConfig only). */
export function podDnsType(pod: KubeObject): 'cluster' | 'node' | 'none' {
  const spec = podSpec(pod);
  switch (spec.dnsPolicy ?? 'ClusterFirst') {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'Default':
      return 'node';
    default:
      return spec.hostNetwork === true ? 'node' : 'cluster';
  }
}

// Executables of each profile: the host binary each container path is copied from.
// Coreutils-like tools a slim Debian image has; no curl, no nc, no openssl (probes must cope).
const CORE_TOOLS = [
  'cat',
  'echo',
  'ls',
  'env',
  'printf',
  'sleep',
  'head',
  'tail',
  'tr',
  'grep',
  'sed',
  'cut',
  'sort',
  'wc',
  'true',
  'false',
  'id',
  'test',
  '[',
  'mkdir',
  'rm',
  'cp',
  'mv',
  'ln',
  'touch',
  'date',
  'uname',
  'basename',
  'dirname',
  'expr',
  'timeout',
  'stat',
  'readlink',
  'getent',
  'hostname',
  'base64',
  'od',
];

/** What `apt-get install curl` adds to a slim Debian image (curl pulls in openssl's libraries; the
 *  openssl command is there in most such images too). Still no nc, no bash, no python. */
const CURL_TOOLS = ['curl', 'openssl'];

/** container path (under /usr/bin) -> host source path. */
export function profileExecutables(profile: Profile, hostPython = '/usr/bin/python3'): Map<string, string> {
  const m = new Map<string, string>();
  if (profile === 'none') return m;
  m.set('sh', '/usr/bin/sh');
  for (const t of CORE_TOOLS) m.set(t, `/usr/bin/${t}`);
  if (profile === 'python') {
    m.set('python3', hostPython);
    m.set('python', hostPython);
  }
  // The host's own binaries: their shared libraries come with the host's /usr, which the sandbox binds.
  if (profile === 'shell-curl') for (const t of CURL_TOOLS) m.set(t, `/usr/bin/${t}`);
  return m;
}

/** How runc finds argv[0]: a path is taken as is, a bare name is searched in the container's PATH. */
export function resolveExecutable(
  argv0: string,
  containerBins: Set<string>,
  containerFiles: Set<string>,
  path = CONTAINER_PATH,
): string | undefined {
  if (argv0.includes('/')) {
    const norm = argv0.replace(/^\/bin\//, '/usr/bin/').replace(/^\/sbin\//, '/usr/sbin/');
    if (norm.startsWith('/usr/bin/') && containerBins.has(norm.slice('/usr/bin/'.length))) return norm;
    return containerFiles.has(argv0) ? argv0 : undefined;
  }
  for (const dir of path.split(':')) {
    if ((dir === '/usr/bin' || dir === '/bin') && containerBins.has(argv0)) return `/usr/bin/${argv0}`;
  }
  return undefined;
}

// Environment.

export interface ServiceEndpoint {
  host: string;
  port: number;
}

/** The kubelet's variables for default/kubernetes (pkg/kubelet/envvars): always injected. */
export function kubernetesServiceEnv(svc: ServiceEndpoint): Record<string, string> {
  const { host, port } = svc;
  const url = `tcp://${host}:${port}`;
  return {
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: String(port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(port),
    KUBERNETES_PORT: url,
    [`KUBERNETES_PORT_${port}_TCP`]: url,
    [`KUBERNETES_PORT_${port}_TCP_PROTO`]: 'tcp',
    [`KUBERNETES_PORT_${port}_TCP_PORT`]: String(port),
    [`KUBERNETES_PORT_${port}_TCP_ADDR`]: host,
  };
}

function decodeData(obj: KubeObject | undefined, key: string, secret: boolean): string | undefined {
  if (!obj) return undefined;
  const data = obj.data as Record<string, string> | undefined;
  if (secret) {
    const sd = obj.stringData as Record<string, string> | undefined;
    if (sd && key in sd) return sd[key];
    return data && key in data ? Buffer.from(data[key], 'base64').toString('utf8') : undefined;
  }
  if (data && key in data) return data[key];
  const bin = obj.binaryData as Record<string, string> | undefined;
  return bin && key in bin ? Buffer.from(bin[key], 'base64').toString('utf8') : undefined;
}

function allData(obj: KubeObject, secret: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const keys = new Set([
    ...Object.keys((obj.data as object) ?? {}),
    ...Object.keys(((secret ? obj.stringData : obj.binaryData) as object) ?? {}),
  ]);
  for (const k of keys) out[k] = decodeData(obj, k, secret) ?? '';
  return out;
}

export function fieldRefValue(pod: KubeObject, fieldPath: string): string | undefined {
  const spec = podSpec(pod);
  const status = (pod.status ?? {}) as { podIP?: string; hostIP?: string };
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]];
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace;
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'spec.nodeName':
      return spec.nodeName;
    case 'spec.serviceAccountName':
      return serviceAccountName(pod);
    case 'status.podIP':
      return status.podIP;
    case 'status.hostIP':
      return status.hostIP;
    default:
      return undefined;
  }
}

/** $(VAR) expansion as the kubelet does it (expansion.MappingFuncFor): defined names expand, $$ escapes. */
export function expandRefs(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (whole === '$$') return '$';
    return name !== undefined && name in env ? env[name] : whole;
  });
}

export function containerEnv(
  pod: KubeObject,
  container: Container,
  lookup: ObjectLookup,
  svc: ServiceEndpoint,
): Record<string, string> {
  const ns = pod.metadata.namespace ?? 'default';
  // HOSTNAME is the sandbox's hostname (the runtime sets it): the node's for a hostNetwork pod.
  const hostname = podNetworkKind(pod) === 'host' && podSpec(pod).nodeName ? podSpec(pod).nodeName! : pod.metadata.name;
  const env: Record<string, string> = { PATH: CONTAINER_PATH, HOSTNAME: hostname, HOME: '/root' };
  // as an image whose packages were installed with pip --target adds that directory (the pod's own env may override)
  if (pythonPackages(pod).length) env.PYTHONPATH = PYTHON_PACKAGES_DIR;
  Object.assign(env, kubernetesServiceEnv(svc));
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const secret = !!from.secretRef;
    const obj = lookup.get(secret ? 'secrets' : 'configmaps', ns, ref.name);
    if (!obj) continue;
    for (const [k, v] of Object.entries(allData(obj, secret))) env[(from.prefix ?? '') + k] = v;
  }
  for (const e of container.env ?? []) {
    let v: string | undefined;
    if (e.valueFrom?.configMapKeyRef) {
      const r = e.valueFrom.configMapKeyRef;
      v = decodeData(lookup.get('configmaps', ns, r.name), r.key, false);
    } else if (e.valueFrom?.secretKeyRef) {
      const r = e.valueFrom.secretKeyRef;
      v = decodeData(lookup.get('secrets', ns, r.name), r.key, true);
    } else if (e.valueFrom?.fieldRef) {
      v = fieldRefValue(pod, e.valueFrom.fieldRef.fieldPath);
    } else {
      v = expandRefs(e.value ?? '', env);
    }
    if (v !== undefined) env[e.name] = v;
  }
  return env;
}

// Files.

/** Where the `python-packages` annotation's packages are installed (pip install --target), on PYTHONPATH. */
export const PYTHON_PACKAGES_DIR = '/opt/python-packages';

/** `sim.kubectl-airflow.dev/python-packages: "kubernetes=35.0.0, urllib3=2.2.3"`; malformed entries are ignored. */
export function pythonPackages(pod: KubeObject): { name: string; version: string }[] {
  const out: { name: string; version: string }[] = [];
  for (const part of (annotation(pod, 'python-packages') ?? '').split(',')) {
    const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*=\s*([0-9][0-9A-Za-z.+!-]*)\s*$/.exec(part);
    if (m) out.push({ name: m[1], version: m[2] });
  }
  return out;
}

/**
 * The metadata pip writes for each of those packages (PEP 376/566: NAME-VERSION.dist-info/METADATA,
 * the name normalised with underscores): the pod's Python reports these versions (importlib.metadata
 * finds PYTHONPATH before the system's site-packages). Metadata only: importing the package still
 * gets whatever the image really has.
 */
export function pythonPackageFiles(pod: KubeObject): ContainerFile[] {
  return pythonPackages(pod).map((p) => ({
    path: `${PYTHON_PACKAGES_DIR}/${p.name.replace(/[-.]+/g, '_')}-${p.version}.dist-info/METADATA`,
    content: `Metadata-Version: 2.1\nName: ${p.name}\nVersion: ${p.version}\n`,
  }));
}

export function serviceAccountName(pod: KubeObject): string {
  const spec = podSpec(pod);
  return spec.serviceAccountName || spec.serviceAccount || 'default';
}

/** The pod's setting beats the ServiceAccount's; both absent means mounted. */
export function automountsToken(pod: KubeObject, sa: KubeObject | undefined): boolean {
  const p = podSpec(pod).automountServiceAccountToken;
  if (typeof p === 'boolean') return p;
  const s = sa?.automountServiceAccountToken;
  return typeof s === 'boolean' ? s : true;
}

export interface ContainerFile {
  path: string;
  content: string;
  mode?: number;
  /** written at the container's start and never updated (a subPath mount) */
  fixed?: boolean;
}

function projectKeys(
  data: Record<string, string>,
  items: KeyToPath[] | undefined,
): { path: string; content: string; mode?: number }[] {
  if (!items || items.length === 0) return Object.entries(data).map(([k, v]) => ({ path: k, content: v }));
  return items.filter((i) => i.key in data).map((i) => ({ path: i.path, content: data[i.key], mode: i.mode }));
}

/** Files of the ConfigMap/Secret volumes the container mounts (subPath: one file or subdirectory). */
export function volumeFiles(
  pod: KubeObject,
  container: Container,
  lookup: ObjectLookup,
): { files: ContainerFile[]; dirs: string[] } {
  const ns = pod.metadata.namespace ?? 'default';
  const volumes = new Map((podSpec(pod).volumes ?? []).map((v) => [v.name, v]));
  const files: ContainerFile[] = [];
  const dirs: string[] = [];
  for (const vm of container.volumeMounts ?? []) {
    const vol = volumes.get(vm.name);
    if (!vol) continue;
    let entries: { path: string; content: string; mode?: number }[] | undefined;
    if (vol.configMap) {
      const cm = lookup.get('configmaps', ns, vol.configMap.name);
      entries = cm ? projectKeys(allData(cm, false), vol.configMap.items) : [];
    } else if (vol.secret) {
      const s = lookup.get('secrets', ns, vol.secret.secretName);
      entries = s ? projectKeys(allData(s, true), vol.secret.items) : [];
    } else if (vol.emptyDir) {
      dirs.push(vm.mountPath);
      continue;
    }
    if (!entries) continue;
    const mount = vm.mountPath.replace(/\/+$/, '');
    if (vm.subPath) {
      const sub = vm.subPath.replace(/\/+$/, '');
      const exact = entries.find((e) => e.path === sub);
      // a subPath is bound once at the container's start: the kubelet never updates it
      if (exact) files.push({ path: mount, content: exact.content, mode: exact.mode, fixed: true });
      else {
        for (const e of entries.filter((x) => x.path.startsWith(sub + '/')))
          files.push({
            path: `${mount}/${e.path.slice(sub.length + 1)}`,
            content: e.content,
            mode: e.mode,
            fixed: true,
          });
        dirs.push(mount);
      }
    } else {
      dirs.push(mount);
      for (const e of entries) files.push({ path: `${mount}/${e.path}`, content: e.content, mode: e.mode });
    }
  }
  return { files, dirs };
}

/** The node's own resolver settings (kubelet's --resolv-conf), as pods with the node's DNS get them. */
export interface NodeResolver {
  nameservers: string[];
  searches: string[];
}

/** The pod's /etc/resolv.conf as the kubelet builds it (dns.go GetPodDNS): by podDnsType, then
 *  spec.dnsConfig appended (nameservers and searches without duplicates, options by name). */
export function podResolvConf(
  pod: KubeObject,
  clusterDnsIP: string,
  node: NodeResolver,
): { text: string; nameservers: string[] } {
  const ns = pod.metadata.namespace ?? 'default';
  const type = podDnsType(pod);
  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (type === 'cluster') {
    servers = [clusterDnsIP];
    searches = [`${ns}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN, ...node.searches];
    options = ['ndots:5'];
  } else if (type === 'node') {
    servers = [...node.nameservers];
    searches = [...node.searches];
  }
  const cfg = podSpec(pod).dnsConfig;
  const uniq = (xs: string[]) => xs.filter((x, i) => xs.indexOf(x) === i);
  servers = uniq([...servers, ...(cfg?.nameservers ?? [])]);
  searches = uniq([...searches, ...(cfg?.searches ?? [])]);
  for (const o of cfg?.options ?? []) {
    options = options.filter((x) => x.split(':')[0] !== o.name);
    options.push(o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  }
  const lines = [
    ...(searches.length ? [`search ${searches.join(' ')}`] : []),
    ...servers.map((s) => `nameserver ${s}`),
    ...(options.length ? [`options ${options.join(' ')}`] : []),
  ];
  return { text: lines.join('\n') + '\n', nameservers: servers };
}

/** The kubelet-managed /etc/hosts (pkg/kubelet/kubelet_pods.go managedHostsFileContent); a
 *  hostNetwork pod gets the node's own hosts file under its own header (nodeHostsFileContent). */
export function hostsFile(pod: KubeObject, node?: { name: string; ip?: string }): string {
  const podIP = ((pod.status ?? {}) as { podIP?: string }).podIP;
  if (podNetworkKind(pod) === 'host') {
    const lines = [
      '# Kubernetes-managed hosts file (host network).',
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
    ];
    if (node?.ip) lines.push(`${node.ip}\t${node.name}`);
    return lines.join('\n') + '\n';
  }
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (podIP) lines.push(`${podIP}\t${pod.metadata.name}`);
  return lines.join('\n') + '\n';
}
