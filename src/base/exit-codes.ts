// The documented exit codes (README "Exit codes"). kubectl's own `auth can-i` uses 1 for both
// "no" and errors; we separate "problems found" from "could not ask" so scripts can tell them apart.
export const ExitCode = {
  OK: 0,
  PROBLEMS: 1,
  USAGE: 2,
  CLUSTER: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
