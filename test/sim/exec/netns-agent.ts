// Runs inside a pod's network namespace (started by pod-network.ts under `unshare --net`).
// Reads one JSON NetworkConfig line on stdin; brings up lo with the cluster addresses, loads the
// iptables rules, listens on each alive replica address:port and hands each listening socket over
// to the sim through the IPC channel, once: the sim accepts the pod's connections itself (TLS and
// authentication are the sim's, on the pod's own TCP connection, with no relay and no per-connection
// message between them); answers DNS (cluster DNS, the node's resolver), prints `ready`, and exits
// when stdin closes (the sim is done with the pod, or died). The namespace disappears once the agent
// and the sockets in it (the sim's listeners, closed with the pod network, and its connections) are gone.

import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { answer } from './dns.ts';
import type { NetworkConfig } from './pod-network.ts';

function fail(msg: string): never {
  process.stderr.write(`netns-agent: ${msg}\n`);
  process.exit(1);
}

function run(cmd: string, args: string[], input: string): void {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
}

/** The legacy iptables backend loads a fresh namespace's few rules in milliseconds, where the
 *  nf_tables one often takes tens to hundreds under load (its netlink transactions queue behind every
 *  other namespace's), and every exec loads rules now. Both enforce the same rules: legacy first,
 *  nf_tables where the kernel has no legacy tables. -w: concurrent sims share the xtables lock. */
function loadRules(rules: string): void {
  const legacy = spawnSync('iptables-legacy-restore', ['-w', '5'], { input: rules, encoding: 'utf8' });
  if (!legacy.error && legacy.status === 0) return;
  run('iptables-restore', ['-w', '5'], rules);
}

/** The listening socket goes to the sim (pod-network.ts accepts on it); this process keeps no copy. */
function handOver(listener: string, server: Server): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) fail('no IPC channel to the sim');
  return new Promise((resolve, reject) =>
    send({ listener }, server, undefined, (e: Error | null) => {
      if (e) return reject(e);
      server.close();
      resolve();
    }),
  );
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
}

async function main(cfg: NetworkConfig): Promise<void> {
  run(
    'ip',
    ['-batch', '-'],
    ['link set lo up', ...cfg.addresses.map((a) => `addr add ${a}/32 dev lo`)].join('\n') + '\n',
  );
  if (cfg.iptables) loadRules(cfg.iptables);

  for (const l of cfg.listeners) {
    if (l.action === 'reset') {
      // a replica whose port resets every connection: nothing reaches the sim
      await listen(
        createServer({ pauseOnConnect: true }, (client) => client.resetAndDestroy()),
        l.address,
        l.port,
      );
      continue;
    }
    // never accepts here: the sim does, once the socket is handed over
    const server = createServer();
    await listen(server, l.address, l.port);
    await handOver(`${l.address}:${l.port}`, server);
  }

  for (const dns of cfg.dns) {
    const udp = createSocket('udp4');
    udp.on('message', (msg, rinfo) => {
      const reply = answer(msg, dns.records, dns.mode);
      if (reply) udp.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(53, dns.ip, () => resolve());
    });
  }

  process.stdout.write('ready\n');
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

let buf = '';
const onData = (d: Buffer) => {
  buf += d.toString('utf8');
  const nl = buf.indexOf('\n');
  if (nl < 0) return;
  process.stdin.off('data', onData);
  let cfg: NetworkConfig;
  try {
    cfg = JSON.parse(buf.slice(0, nl)) as NetworkConfig;
  } catch (e) {
    fail(`bad config: ${(e as Error).message}`);
  }
  main(cfg).catch((e: Error) => fail(e.message));
};
process.stdin.on('data', onData);
process.stdin.on('end', () => {
  if (!buf.includes('\n')) process.exit(0);
});
