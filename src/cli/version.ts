// `kubectl airflow version`: what was built and what runs it. No cluster access, so it answers even
// when the kubeconfig is broken (the first thing to ask for in a bug report).
import { buildInfo } from '../version.ts';
import { isMachine, renderData } from '../render/output.ts';
import { defineCommand } from './command.ts';
import { ExitCode } from './exit-codes.ts';

export function versionData(): { version: string; commit: string; node: string; clientNode: string } {
  const { version, commit, node, clientNode } = buildInfo();
  return { version, commit, node, clientNode };
}

export function renderVersionText(v: ReturnType<typeof versionData>): string {
  return [
    `Version:     ${v.version}`,
    `Commit:      ${v.commit}`,
    `Node:        v${v.node}`,
    `client-node: ${v.clientNode}`,
  ].join('\n') + '\n';
}

export const versionCommand = defineCommand<Record<string, never>>({
  command: 'version',
  describe: 'Print the plugin version, its commit, and the embedded Node and client-node versions',
  run: async (args, ctx) => {
    const v = versionData();
    ctx.out(isMachine(args.output) ? renderData(v, args.output) : renderVersionText(v));
    return ExitCode.OK;
  },
});
