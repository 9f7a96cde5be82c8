// Kubernetes resource quantities ("512Mi", "0.5", "250m") as exact milli-units, for quota arithmetic
// (k8s.io/apimachinery/pkg/api/resource). Values finer than 1m round up, as Quantity does.

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** Milli-units of a quantity, or undefined when it is not one. */
export function milli(q: string | number | undefined): bigint | undefined {
  if (q === undefined) return undefined;
  const m = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$/.exec(String(q).trim());
  if (!m) return undefined;
  const [whole, frac = ''] = m[2].split('.');
  let digits = BigInt((whole || '0') + frac);
  let exp = -frac.length + 3;
  const sfx = m[3] ?? '';
  if (sfx in BINARY) digits *= BINARY[sfx];
  else if (/^[eE]/.test(sfx)) exp += Number(sfx.slice(1));
  else exp += DECIMAL[sfx];
  const v = exp >= 0 ? digits * 10n ** BigInt(exp) : (digits + 10n ** BigInt(-exp) - 1n) / 10n ** BigInt(-exp);
  return m[1] === '-' ? -v : v;
}

/** A short human form: binary suffixes for byte-like values, cores otherwise. */
export function show(v: bigint, bytes: boolean): string {
  if (v === 0n) return '0';
  if (v % 1000n !== 0n) return `${v}m`;
  const n = v / 1000n;
  if (bytes) {
    for (const [sfx, unit] of Object.entries(BINARY).reverse())
      if (n >= unit && n % unit === 0n) return `${n / unit}${sfx}`;
  }
  return String(n);
}

export const isBytes = (resource: string): boolean => /memory|storage/.test(resource);
