// Running exec sessions per simulator server, so stopping the sim ends them as a stopping
// kube-apiserver drops its streams (server.close() would otherwise wait for every running command).
// Deliberately free of heavy imports: test/sim/index.ts loads it on stop.

interface Abortable {
  abort(): void;
}

const byServer = new WeakMap<object, Set<Abortable>>();
const onClose = new WeakMap<object, (() => void)[]>();

export function trackSession(server: object, session: Abortable): () => void {
  let set = byServer.get(server);
  if (!set) byServer.set(server, (set = new Set()));
  set.add(session);
  return () => set.delete(session);
}

/** Runs when the sim stops (e.g. the spare network agent exits). */
export function onServerStop(server: object, f: () => void): void {
  const l = onClose.get(server) ?? [];
  l.push(f);
  onClose.set(server, l);
}

/** Ends every running exec of this server and releases what exec keeps per server. */
export function closeExecSessions(server: object): void {
  for (const s of byServer.get(server) ?? []) s.abort();
  byServer.delete(server);
  for (const f of onClose.get(server) ?? []) f();
  onClose.delete(server);
}
