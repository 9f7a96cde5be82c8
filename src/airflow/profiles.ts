// Required-permission profiles (profiles.yaml, embedded in the bundle) and how they are chosen.
import { readFileSync } from 'node:fs';
import * as YAML from 'yaml';
import { UsageError } from '../base/errors.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface Profile {
  name: string;
  description: string;
  components: string[];
  when?: { executors?: string[]; deployed?: string[] };
  explicit?: boolean;
  scope: 'launch';
  rules: PolicyRule[];
}

export function parseProfiles(text: string): Profile[] {
  return profileList(YAML.parse(text));
}

/** The same checks over the parsed document (the bundle embeds it parsed at build time). */
export function profileList(parsed: unknown): Profile[] {
  const doc = parsed as { profiles?: Record<string, Omit<Profile, 'name'>> };
  if (!doc?.profiles || typeof doc.profiles !== 'object') throw new Error('profiles.yaml has no `profiles` mapping');
  return Object.entries(doc.profiles).map(([name, p]) => ({ name, ...p, scope: p.scope ?? 'launch' }));
}

// Defined by scripts/build.ts: profiles.yaml already parsed (no YAML parsing at start in the bundle).
declare const __KA_PROFILES__: unknown;

let cached: Profile[] | undefined;
export function builtinProfiles(): Profile[] {
  cached ??=
    typeof __KA_PROFILES__ !== 'undefined'
      ? profileList(__KA_PROFILES__)
      : parseProfiles(readFileSync(new URL('./profiles.yaml', import.meta.url), 'utf8'));
  return cached;
}

export interface ProfileChoiceInput {
  executors: string[];
  /** Components with a pod (or workload) in the release. */
  deployed: string[];
  /** --profile values; when given, exactly these are used. */
  explicit?: string[];
}

export function chooseProfiles(profiles: Profile[], input: ProfileChoiceInput): Profile[] {
  if (input.explicit?.length) {
    return input.explicit.map((n) => {
      const p = profiles.find((x) => x.name === n);
      if (!p) throw new UsageError(`unknown profile "${n}": choose from ${profiles.map((x) => x.name).join(', ')}`);
      return p;
    });
  }
  return profiles.filter((p) => {
    if (p.explicit || !p.when) return false;
    const byExecutor = (p.when.executors ?? []).some((e) => input.executors.includes(e));
    const byDeployment = (p.when.deployed ?? []).some((c) => input.deployed.includes(c));
    return byExecutor || byDeployment;
  });
}
