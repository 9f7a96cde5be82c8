// One way to say how old something is, in the tree, the checks and their evidence alike: kubectl's
// AGE column (k8s.io/apimachinery/pkg/util/duration/duration.go ShortHumanDuration).
export function age(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  const s = Math.floor(seconds);
  if (s < 0) return '0s';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  if (s < 86400 * 365) return `${Math.floor(s / 86400)}d`;
  return `${Math.floor(s / (86400 * 365))}y`;
}
