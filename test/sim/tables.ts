// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for (`Accept: ...;as=Table`), with the
// columns of pkg/printers/internalversion/printers.go, so `kubectl get` prints what it prints against
// a real cluster.
import type { Reply } from './discovery.ts';
import { gvString, type ResourceType } from './resources.ts';
import type { KubeObject } from './types.ts';

export function wantsTable(accept: string): boolean {
  return /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

interface Column {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
}
type Cells = (string | number | boolean)[];

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
};
const AGE: Column = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
};
const col = (name: string, priority = 0, type = 'string'): Column => ({
  name,
  type,
  description: '',
  ...(priority ? { priority } : {}),
});

function age(o: KubeObject, now: Date): string {
  const ts = o.metadata.creationTimestamp;
  return ts ? humanDuration(now.getTime() - Date.parse(ts)) : '<unknown>';
}

function podRow(p: Obj, now: Date): Cells {
  const spec = p.spec ?? {};
  const st = p.status ?? {};
  const containers: Obj[] = spec.containers ?? [];
  const statuses: Obj[] = st.containerStatuses ?? [];
  let reason: string = st.reason || st.phase || '';
  let restarts = 0;
  let ready = 0;
  let lastRestart = 0;
  for (const c of [...statuses].reverse()) {
    restarts += c.restartCount ?? 0;
    const fin = c.lastState?.terminated?.finishedAt;
    if (fin) lastRestart = Math.max(lastRestart, Date.parse(fin));
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
    else if (c.state?.terminated)
      reason = c.state.terminated.signal
        ? `Signal:${c.state.terminated.signal}`
        : `ExitCode:${c.state.terminated.exitCode}`;
    else if (c.ready && c.state?.running) ready++;
  }
  if (p.metadata.deletionTimestamp) reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  const restartCell =
    lastRestart && restarts ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)` : String(restarts);
  const gates: Obj[] = spec.readinessGates ?? [];
  const podIP = st.podIP || '<none>';
  return [
    p.metadata.name,
    `${ready}/${containers.length}`,
    reason,
    restartCell,
    age(p as KubeObject, now),
    podIP,
    spec.nodeName || '<none>',
    st.nominatedNodeName || '<none>',
    gates.length ? `0/${gates.length}` : '<none>',
  ];
}

function nodeRow(n: Obj, now: Date): Cells {
  const conds: Obj[] = n.status?.conditions ?? [];
  const readyCond = conds.find((c) => c.type === 'Ready');
  let st = readyCond ? (readyCond.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown';
  if (n.spec?.unschedulable) st += ',SchedulingDisabled';
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  const addrs: Obj[] = n.status?.addresses ?? [];
  const info = n.status?.nodeInfo ?? {};
  return [
    n.metadata.name,
    st,
    roles.length ? roles.sort().join(',') : '<none>',
    age(n as KubeObject, now),
    info.kubeletVersion ?? '',
    addrs.find((a) => a.type === 'InternalIP')?.address ?? '<none>',
    addrs.find((a) => a.type === 'ExternalIP')?.address ?? '<none>',
    info.osImage ?? '<unknown>',
    info.kernelVersion ?? '<unknown>',
    info.containerRuntimeVersion ?? '<unknown>',
  ];
}

function servicePorts(ports: Obj[]): string {
  if (!ports.length) return '<none>';
  return ports
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',');
}

function endpointsList(pairs: string[]): string {
  if (!pairs.length) return '<none>';
  return pairs.length > 3 ? `${pairs.slice(0, 3).join(',')} + ${pairs.length - 3} more...` : pairs.join(',');
}

const TABLES: Record<string, { columns: Column[]; row(o: Obj, now: Date): Cells }> = {
  pods: {
    columns: [
      NAME,
      col('Ready'),
      col('Status'),
      col('Restarts'),
      AGE,
      col('IP', 1),
      col('Node', 1),
      col('Nominated Node', 1),
      col('Readiness Gates', 1),
    ],
    row: podRow,
  },
  namespaces: {
    columns: [NAME, col('Status'), AGE],
    row: (o, now) => [o.metadata.name, o.status?.phase ?? 'Active', age(o as KubeObject, now)],
  },
  nodes: {
    columns: [
      NAME,
      col('Status'),
      col('Roles'),
      AGE,
      col('Version'),
      col('Internal-IP', 1),
      col('External-IP', 1),
      col('OS-Image', 1),
      col('Kernel-Version', 1),
      col('Container-Runtime', 1),
    ],
    row: nodeRow,
  },
  services: {
    columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 1)],
    row: (o, now) => {
      const s = o.spec ?? {};
      const ext = (o.status?.loadBalancer?.ingress ?? [])
        .map((i: Obj) => i.ip || i.hostname)
        .concat(s.externalIPs ?? []);
      const sel = Object.entries(s.selector ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .sort()
        .join(',');
      return [
        o.metadata.name,
        s.type ?? 'ClusterIP',
        s.clusterIP ?? '<none>',
        ext.length ? ext.join(',') : s.type === 'LoadBalancer' ? '<pending>' : '<none>',
        servicePorts(s.ports ?? []),
        age(o as KubeObject, now),
        sel || '<none>',
      ];
    },
  },
  endpoints: {
    columns: [NAME, col('Endpoints'), AGE],
    row: (o, now) => {
      const pairs: string[] = [];
      for (const sub of (o.subsets ?? []) as Obj[]) {
        const ports: Obj[] = sub.ports?.length ? sub.ports : [{}];
        for (const a of (sub.addresses ?? []) as Obj[])
          for (const p of ports) pairs.push(p.port ? `${a.ip}:${p.port}` : a.ip);
      }
      return [o.metadata.name, endpointsList(pairs), age(o as KubeObject, now)];
    },
  },
  endpointslices: {
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    row: (o, now) => {
      const ports: Obj[] = o.ports ?? [];
      const addrs: string[] = ((o.endpoints ?? []) as Obj[]).flatMap((e) => e.addresses ?? []);
      const portStr = ports.length
        ? ports.map((p) => (p.port === undefined ? '<unset>' : String(p.port))).join(',')
        : '<unset>';
      return [
        o.metadata.name,
        o.addressType ?? '',
        portStr,
        addrs.length ? endpointsList(addrs) : '<unset>',
        age(o as KubeObject, now),
      ];
    },
  },
  serviceaccounts: {
    columns: [NAME, col('Secrets', 0, 'string'), AGE],
    row: (o, now) => [o.metadata.name, String((o.secrets ?? []).length), age(o as KubeObject, now)],
  },
  configmaps: {
    columns: [NAME, col('Data', 0, 'string'), AGE],
    row: (o, now) => [
      o.metadata.name,
      String(Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length),
      age(o as KubeObject, now),
    ],
  },
  secrets: {
    columns: [NAME, col('Type'), col('Data', 0, 'string'), AGE],
    row: (o, now) => [
      o.metadata.name,
      o.type ?? 'Opaque',
      String(Object.keys(o.data ?? {}).length),
      age(o as KubeObject, now),
    ],
  },
  leases: {
    columns: [NAME, col('Holder'), AGE],
    row: (o, now) => [o.metadata.name, o.spec?.holderIdentity ?? '', age(o as KubeObject, now)],
  },
  roles: {
    columns: [NAME, col('Created At', 0, 'date')],
    row: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
  },
  clusterroles: {
    columns: [NAME, col('Created At', 0, 'date')],
    row: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
  },
  rolebindings: {
    columns: [NAME, col('Role'), AGE, col('Users', 1), col('Groups', 1), col('ServiceAccounts', 1)],
    row: bindingRow,
  },
  clusterrolebindings: {
    columns: [NAME, col('Role'), AGE, col('Users', 1), col('Groups', 1), col('ServiceAccounts', 1)],
    row: bindingRow,
  },
  deployments: {
    columns: [
      NAME,
      col('Ready'),
      col('Up-to-date', 0, 'string'),
      col('Available', 0, 'string'),
      AGE,
      col('Containers', 1),
      col('Images', 1),
      col('Selector', 1),
    ],
    row: (o, now) => {
      const s = o.status ?? {};
      const c: Obj[] = o.spec?.template?.spec?.containers ?? [];
      return [
        o.metadata.name,
        `${s.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
        String(s.updatedReplicas ?? 0),
        String(s.availableReplicas ?? 0),
        age(o as KubeObject, now),
        c.map((x) => x.name).join(','),
        c.map((x) => x.image).join(','),
        labelSelector(o.spec?.selector),
      ];
    },
  },
  statefulsets: {
    columns: [NAME, col('Ready'), AGE, col('Containers', 1), col('Images', 1)],
    row: (o, now) => {
      const c: Obj[] = o.spec?.template?.spec?.containers ?? [];
      return [
        o.metadata.name,
        `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
        age(o as KubeObject, now),
        c.map((x) => x.name).join(','),
        c.map((x) => x.image).join(','),
      ];
    },
  },
  replicasets: {
    columns: [
      NAME,
      col('Desired', 0, 'integer'),
      col('Current', 0, 'integer'),
      col('Ready', 0, 'integer'),
      AGE,
      col('Containers', 1),
      col('Images', 1),
      col('Selector', 1),
    ],
    row: (o, now) => {
      const c: Obj[] = o.spec?.template?.spec?.containers ?? [];
      return [
        o.metadata.name,
        o.spec?.replicas ?? 1,
        o.status?.replicas ?? 0,
        o.status?.readyReplicas ?? 0,
        age(o as KubeObject, now),
        c.map((x) => x.name).join(','),
        c.map((x) => x.image).join(','),
        labelSelector(o.spec?.selector),
      ];
    },
  },
  daemonsets: {
    columns: [
      NAME,
      col('Desired', 0, 'integer'),
      col('Current', 0, 'integer'),
      col('Ready', 0, 'integer'),
      col('Up-to-date', 0, 'integer'),
      col('Available', 0, 'integer'),
      col('Node Selector'),
      AGE,
    ],
    row: (o, now) => {
      const st = o.status ?? {};
      const sel = Object.entries(o.spec?.template?.spec?.nodeSelector ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return [
        o.metadata.name,
        st.desiredNumberScheduled ?? 0,
        st.currentNumberScheduled ?? 0,
        st.numberReady ?? 0,
        st.updatedNumberScheduled ?? 0,
        st.numberAvailable ?? 0,
        sel || '<none>',
        age(o as KubeObject, now),
      ];
    },
  },
  cronjobs: {
    columns: [
      NAME,
      col('Schedule'),
      col('Timezone'),
      col('Suspend', 0, 'boolean'),
      col('Active', 0, 'integer'),
      col('Last Schedule'),
      AGE,
    ],
    row: (o, now) => {
      const last = o.status?.lastScheduleTime;
      return [
        o.metadata.name,
        o.spec?.schedule ?? '',
        o.spec?.timeZone ?? '<none>',
        o.spec?.suspend ?? false,
        (o.status?.active ?? []).length,
        last ? humanDuration(now.getTime() - Date.parse(last)) : '<none>',
        age(o as KubeObject, now),
      ];
    },
  },
  persistentvolumeclaims: {
    columns: [
      NAME,
      col('Status'),
      col('Volume'),
      col('Capacity'),
      col('Access Modes'),
      col('StorageClass'),
      col('VolumeAttributesClass'),
      AGE,
      col('VolumeMode', 1),
    ],
    row: (o, now) => {
      const modes: string[] = o.status?.accessModes ?? [];
      const short: Record<string, string> = {
        ReadWriteOnce: 'RWO',
        ReadOnlyMany: 'ROX',
        ReadWriteMany: 'RWX',
        ReadWriteOncePod: 'RWOP',
      };
      return [
        o.metadata.name,
        o.status?.phase ?? 'Pending',
        o.spec?.volumeName ?? '',
        o.status?.capacity?.storage ?? '',
        modes.map((m) => short[m] ?? m).join(','),
        o.spec?.storageClassName ?? '<unset>',
        o.spec?.volumeAttributesClassName ?? '<unset>',
        age(o as KubeObject, now),
        o.spec?.volumeMode ?? 'Filesystem',
      ];
    },
  },
  poddisruptionbudgets: {
    columns: [NAME, col('Min Available'), col('Max Unavailable'), col('Allowed Disruptions', 0, 'integer'), AGE],
    row: (o, now) => [
      o.metadata.name,
      o.spec?.minAvailable !== undefined ? String(o.spec.minAvailable) : 'N/A',
      o.spec?.maxUnavailable !== undefined ? String(o.spec.maxUnavailable) : 'N/A',
      o.status?.disruptionsAllowed ?? 0,
      age(o as KubeObject, now),
    ],
  },
  networkpolicies: {
    columns: [NAME, col('Pod-Selector'), AGE],
    row: (o, now) => [o.metadata.name, labelSelector(o.spec?.podSelector) || '<none>', age(o as KubeObject, now)],
  },
  events: {
    columns: [
      col('Last Seen'),
      col('Type'),
      col('Reason'),
      col('Object'),
      col('Subobject', 1),
      col('Source', 1),
      col('Message'),
      col('First Seen', 1),
      col('Count', 1),
      NAME,
    ],
    row: (o, now) => {
      const last = o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
      const first = o.firstTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
      const io = o.involvedObject ?? {};
      return [
        last ? humanDuration(now.getTime() - Date.parse(last)) : '<unknown>',
        o.type ?? '',
        o.reason ?? '',
        `${String(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`,
        io.fieldPath ?? '',
        o.source?.component ?? '',
        o.message ?? '',
        first ? humanDuration(now.getTime() - Date.parse(first)) : '<unknown>',
        String(o.count ?? 1),
        o.metadata.name,
      ];
    },
  },
  jobs: {
    columns: [NAME, col('Status'), col('Completions'), col('Duration'), AGE],
    row: (o, now) => {
      const conds: Obj[] = o.status?.conditions ?? [];
      const done = conds.find((c) => c.type === 'Complete' && c.status === 'True');
      const failed = conds.find((c) => c.type === 'Failed' && c.status === 'True');
      const start = o.status?.startTime ? Date.parse(o.status.startTime) : 0;
      const end = o.status?.completionTime ? Date.parse(o.status.completionTime) : now.getTime();
      return [
        o.metadata.name,
        done ? 'Complete' : failed ? 'Failed' : 'Running',
        `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`,
        start ? humanDuration(end - start) : '',
        age(o as KubeObject, now),
      ];
    },
  },
};

function bindingRow(o: Obj, now: Date): Cells {
  const subj: Obj[] = o.subjects ?? [];
  const pick = (k: string) =>
    subj
      .filter((s) => s.kind === k)
      .map((s) => (k === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
      .join(', ');
  return [
    o.metadata.name,
    `${o.roleRef?.kind}/${o.roleRef?.name}`,
    age(o as KubeObject, now),
    pick('User'),
    pick('Group'),
    pick('ServiceAccount'),
  ];
}

function labelSelector(sel: Obj | undefined): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of (sel.matchExpressions ?? []) as Obj[]) {
    const op = String(e.operator).toLowerCase();
    if (op === 'exists') parts.push(e.key);
    else if (op === 'doesnotexist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${op} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

const DEFAULT_TABLE = {
  columns: [NAME, col('Created At', 0, 'date')],
  row: (o: Obj) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
};

function partialMetadata(o: KubeObject): object {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(
  r: ResourceType,
  objects: KubeObject[],
  resourceVersion: string,
  query: URLSearchParams,
  now: Date,
  listMeta?: Record<string, unknown>,
): Reply {
  const t = TABLES[r.resource] ?? DEFAULT_TABLE;
  const include = query.get('includeObject') ?? 'Metadata';
  const rows = objects.map((o) => {
    const row: Record<string, unknown> = { cells: t.row(o as Obj, now) };
    if (include === 'Object') row.object = { ...o, apiVersion: gvString(r.group, r.version), kind: r.kind };
    else if (include === 'Metadata') row.object = partialMetadata(o);
    return row;
  });
  const table = {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta ?? { resourceVersion },
    columnDefinitions: t.columns,
    rows,
  };
  return { code: 200, contentType: 'application/json;as=Table;v=v1;g=meta.k8s.io', body: JSON.stringify(table) };
}
