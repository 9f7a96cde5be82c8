// @peculiar/x509 pulls in tsyringe, which refuses to load without the Reflect metadata API
// (normally the reflect-metadata package, which is not a dependency). This is the small subset it uses.
type Target = object;
const store = new WeakMap<Target, Map<string | symbol | undefined, Map<unknown, unknown>>>();

function table(target: Target, prop: string | symbol | undefined, create: boolean): Map<unknown, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp) {
    if (!create) return undefined;
    store.set(target, (byProp = new Map()));
  }
  let t = byProp.get(prop);
  if (!t && create) byProp.set(prop, (t = new Map()));
  return t;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  const getOwnMetadata = (key: unknown, target: Target, prop?: string | symbol): unknown => table(target, prop, false)?.get(key);
  const getMetadata = (key: unknown, target: Target, prop?: string | symbol): unknown => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const m = table(t, prop, false);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
  const defineMetadata = (key: unknown, value: unknown, target: Target, prop?: string | symbol): void => {
    table(target, prop, true)!.set(key, value);
  };
  R.getOwnMetadata = getOwnMetadata;
  R.getMetadata = getMetadata;
  R.defineMetadata = defineMetadata;
  R.hasMetadata = (key: unknown, target: Target, prop?: string | symbol) => getMetadata(key, target, prop) !== undefined;
  R.metadata = (key: unknown, value: unknown) => (target: Target, prop?: string | symbol) => defineMetadata(key, value, target, prop);
}
