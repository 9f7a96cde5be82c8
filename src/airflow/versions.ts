// Airflow, chart and cncf.kubernetes provider versions, read from what the API server already shows
// (image tags, pod env, chart labels): no exec. Pure. An unknown version is said, with what was assumed.
import type { PodLike } from './release.ts';
import { byText } from '../base/order.ts';

export type Version = readonly [number, number, number];

/** "2.2.5", "v1.10.15", "2.7.1rc1", "3.0" -> [major, minor, patch]; anything else undefined. */
export function parseVersion(s: string | undefined): Version | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(s?.trim() ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export const versionText = (v: Version) => v.join('.');

/** A half-open range: min inclusive, max exclusive; absent ends are open. */
export interface Range {
  min?: Version;
  max?: Version;
}

/** "*", ">=2.3.0", "<3.0.0", ">=1.10.0 <3.0.0". Throws on anything else (the data file is ours). */
export function parseRange(s: string): Range {
  const text = s.trim();
  if (text === '*') return {};
  const out: { min?: Version; max?: Version } = {};
  for (const part of text.split(/\s+/)) {
    const m = /^(>=|<)(.+)$/.exec(part);
    const v = m && parseVersion(m[2]);
    if (!m || !v || !/^v?\d+\.\d+\.\d+$/.test(m[2]))
      throw new Error(`version range "${s}": expected "*", ">=X.Y.Z", "<X.Y.Z" or both`);
    if (m[1] === '>=') out.min = v;
    else out.max = v;
  }
  if (out.min && out.max && compareVersions(out.min, out.max) >= 0) throw new Error(`version range "${s}" is empty`);
  return out;
}

export function inRange(v: Version, r: Range): boolean {
  return (!r.min || compareVersions(v, r.min) >= 0) && (!r.max || compareVersions(v, r.max) < 0);
}

export const rangeText = (r: Range) =>
  [r.min && `>=${versionText(r.min)}`, r.max && `<${versionText(r.max)}`].filter(Boolean).join(' ') || 'any';

/** What we know of one version: `value` absent when unknown, `source` says where it came from or what was assumed. */
export interface Detected {
  value?: string;
  source: string;
}

export interface Versions {
  airflow: Detected;
  chart: Detected & { chart?: 'official' | 'community' };
  provider: Detected;
}

/**
 * The Airflow version an image tag names. Only the official image's repository (`apache/airflow`, any
 * registry in front) is trusted: its tags are `<version>[-pythonX.Y]` and `slim-<version>[-pythonX.Y]`;
 * a custom image's tag is its builder's own numbering. `latest`, digests and branch tags name none.
 */
export function airflowVersionFromImage(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const repo = noDigest.slice(0, colon);
  const tag = noDigest.slice(colon + 1);
  if (!/(^|\/)apache\/airflow$/.test(repo)) return undefined;
  const m = /^(?:slim-)?v?(\d+\.\d+\.\d+)(?:[-.].*)?$/.exec(tag);
  return m?.[1];
}

type EnvOf = (pod: PodLike) => Record<string, string>;

function literalEnvOf(pod: PodLike): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of pod.spec?.containers ?? [])
    for (const e of c.env ?? []) if (e.value !== undefined && out[e.name] === undefined) out[e.name] = e.value;
  return out;
}

function imagesOf(pod: PodLike): string[] {
  return ((pod.spec?.containers ?? []) as Array<{ image?: string }>)
    .map((c) => c.image)
    .filter((i): i is string => !!i);
}

/**
 * Airflow's version from the Airflow pods: an `AIRFLOW_VERSION` variable in the pod spec (the image sets
 * it too, but only what the pod spec says is visible without exec), else the official image's tag.
 * Pods disagreeing (an upgrade under way) are said; the scheduler's wins, as it runs the executor.
 */
export function airflowVersionOf(pods: PodLike[], envOf: EnvOf = literalEnvOf): Detected {
  const order = (p: PodLike) => (p.metadata.labels?.component === 'scheduler' ? 0 : 1);
  const found: Array<{ value: string; source: string }> = [];
  for (const pod of [...pods].sort((a, b) => order(a) - order(b) || byText(a.metadata.name, b.metadata.name))) {
    const env = envOf(pod).AIRFLOW_VERSION;
    if (parseVersion(env)) {
      found.push({ value: env!, source: `pod ${pod.metadata.name} env AIRFLOW_VERSION` });
      continue;
    }
    for (const image of imagesOf(pod)) {
      const v = airflowVersionFromImage(image);
      if (v) {
        found.push({ value: v, source: `pod ${pod.metadata.name} image ${image}` });
        break;
      }
    }
  }
  if (!found.length) {
    const images = [...new Set(pods.flatMap(imagesOf))];
    return {
      source: images.length
        ? `unknown: no AIRFLOW_VERSION in the pod env and no version in the image tag (${images.slice(0, 2).join(', ')}${images.length > 2 ? ', ...' : ''}); rules for every Airflow version were applied`
        : 'unknown: no Airflow pod to read it from; rules for every Airflow version were applied',
    };
  }
  const others = [...new Set(found.map((f) => f.value))].filter((v) => v !== found[0].value);
  return {
    value: found[0].value,
    source: found[0].source + (others.length ? ` (other pods run ${others.join(', ')})` : ''),
  };
}

/** The chart from the `chart` / `helm.sh/chart` label (`airflow-1.6.0`): the official chart is 1.x, the community chart 7.x/8.x. */
export function chartVersionOf(
  objects: Array<{ kind?: string; metadata: { name: string; labels?: Record<string, string> } }>,
  chart?: 'official' | 'community',
): Versions['chart'] {
  for (const o of objects) {
    const l = o.metadata.labels ?? {};
    for (const key of ['chart', 'helm.sh/chart']) {
      const m = /^airflow-(\d+\.\d+\.\d+.*)$/.exec(l[key] ?? '');
      if (m) return { value: m[1], chart, source: `${o.kind ?? 'object'} ${o.metadata.name} label ${key}=${l[key]}` };
    }
  }
  return {
    chart,
    source: "unknown: no chart / helm.sh/chart label on the release's pods, workloads or ServiceAccounts",
  };
}

/**
 * The cncf.kubernetes provider's version where the pod spec reveals it: a pin in
 * `_PIP_ADDITIONAL_REQUIREMENTS` (the official image installs it at start). Otherwise unknown: the
 * image bundles some provider, but which one needs `pip` inside the pod (`net` can read it there).
 */
export function providerVersionOf(pods: PodLike[], envOf: EnvOf = literalEnvOf): Detected {
  for (const pod of pods) {
    const reqs = envOf(pod)._PIP_ADDITIONAL_REQUIREMENTS;
    const m = reqs && /apache-airflow-providers-cncf-kubernetes\s*==\s*(\d+\.\d+\.\d+)/.exec(reqs);
    if (m) return { value: m[1], source: `pod ${pod.metadata.name} env _PIP_ADDITIONAL_REQUIREMENTS` };
  }
  return {
    source:
      'unknown: the image bundles a provider the pod spec does not name; calls of every provider version were assumed possible',
  };
}

/** One line for people: "Airflow 2.2.5 (pod x image ...), chart 1.5.0 (...), provider unknown". */
export function versionsLine(v: Versions): string {
  const one = (name: string, d: Detected) => (d.value ? `${name} ${d.value}` : `${name} unknown`);
  return [
    one('Airflow', v.airflow),
    one(v.chart.chart === 'community' ? 'community chart' : 'chart', v.chart),
    one('cncf.kubernetes provider', v.provider),
  ].join(', ');
}
