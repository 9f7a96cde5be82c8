// What `kubectl airflow version` prints as text: only the build constants (no yaml), so
// `version` answers without loading anything a command needs.
import { buildInfo } from '../version.ts';

export function versionData(): { version: string; commit: string; node: string; clientNode: string } {
  const { version, commit, node, clientNode } = buildInfo();
  return { version, commit, node, clientNode };
}

export function renderVersionText(v: ReturnType<typeof versionData>): string {
  return (
    [
      `Version:     ${v.version}`,
      `Commit:      ${v.commit}`,
      `Node:        v${v.node}`,
      `client-node: ${v.clientNode}`,
    ].join('\n') + '\n'
  );
}
