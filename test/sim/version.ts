// Kubernetes version strings as clusters report them: upstream (v1.32.0) and the platforms' own
// builds (v1.31.5-gke.1000000, v1.30.4-eks-a737599, v1.29.4+k3s1, v1.28.9+rke2r1). Features are
// gated on the parsed minor; /version serves the string as the platform does.

export interface KubernetesVersion {
  major: number;
  minor: number;
  patch: number;
  /** What follows the patch number, with its separator: "-gke.1000000", "+k3s1", "" upstream. */
  suffix: string;
}

const VERSION = /^v(1)\.(\d+)\.(\d+)((?:[-+])[0-9A-Za-z][0-9A-Za-z.+-]*)?$/;

export function parseKubernetesVersion(s: string): KubernetesVersion | undefined {
  const m = VERSION.exec(s);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), suffix: m[4] ?? '' };
}

/**
 * The `minor` field of /version. hack/lib/version.sh (kube::version::get_version_vars) appends "+"
 * when the build is not an exact release tag, which is what GKE and EKS builds are (they serve
 * "31+" with v1.31.5-gke.1000000, "30+" with v1.30.4-eks-a737599, as `kubectl version` shows on
 * them); k3s and rke2 set the version fields themselves and serve the bare minor ("29" with
 * v1.29.4+k3s1).
 */
export function servedMinor(v: KubernetesVersion): string {
  return v.suffix.startsWith('-') ? `${v.minor}+` : String(v.minor);
}
