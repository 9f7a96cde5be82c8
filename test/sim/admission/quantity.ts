// resource.Quantity as admission plugins print it (k8s.io/apimachinery/pkg/api/resource/quantity.go):
// parse "512Mi", "0.5", "500m", "1e3"; add; compare; and String() in canonical form, which is what
// "exceeded quota ... requested: limits.memory=1Gi" and the LimitRanger messages show.
// Values are kept exactly, as milli-units in a bigint (values below 1m round up, as Quantity does).

export type Format = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

export interface Quantity {
  milli: bigint;
  format: Format;
}

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export class QuantityError extends Error {}

/** Parses a quantity the way resource.ParseQuantity accepts it (number, then suffix). */
export function parseQuantity(input: string | number): Quantity {
  const s = String(input).trim();
  const m = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$/.exec(s);
  if (!m)
    throw new QuantityError(
      `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
  const sign = m[1] === '-' ? -1n : 1n;
  const [whole, frac = ''] = m[2].split('.');
  const suffix = m[3] ?? '';
  // digits as an integer scaled by 10^-frac.length
  let digits = BigInt((whole || '0') + frac);
  let exp10 = -frac.length;
  let format: Format = 'DecimalSI';
  let mult = 1n;
  if (suffix in BINARY) {
    mult = BINARY[suffix];
    format = 'BinarySI';
  } else if (/^[eE]/.test(suffix)) {
    exp10 += Number(suffix.slice(1));
    format = 'DecimalExponent';
  } else {
    exp10 += DECIMAL[suffix];
  }
  digits *= mult;
  // to milli-units, rounding up what is finer than 1m
  const shift = exp10 + 3;
  let milli: bigint;
  if (shift >= 0) milli = digits * 10n ** BigInt(shift);
  else {
    const div = 10n ** BigInt(-shift);
    milli = digits / div + (digits % div === 0n ? 0n : 1n);
  }
  return { milli: sign * milli, format };
}

export function zero(): Quantity {
  return { milli: 0n, format: 'DecimalSI' };
}

/** Quantity.Add keeps the receiver's format (the first operand's); a zero receiver takes the other's. */
export function add(a: Quantity, b: Quantity): Quantity {
  return { milli: a.milli + b.milli, format: a.milli === 0n && a.format === 'DecimalSI' ? b.format : a.format };
}

export function cmp(a: Quantity, b: Quantity): number {
  return a.milli === b.milli ? 0 : a.milli < b.milli ? -1 : 1;
}

export function maxOf(a: Quantity, b: Quantity): Quantity {
  return cmp(a, b) >= 0 ? a : b;
}

/** Quantity.String(): the canonical form (CanonicalizeBytes). */
export function formatQuantity(q: Quantity): string {
  if (q.milli === 0n) return '0';
  const neg = q.milli < 0n;
  const abs = neg ? -q.milli : q.milli;
  const sign = neg ? '-' : '';
  const whole = abs % 1000n === 0n ? abs / 1000n : undefined;
  // BinarySI falls back to DecimalSI below 1024 or for fractions (quantity.go CanonicalizeBytes).
  if (q.format === 'BinarySI' && whole !== undefined && whole >= 1024n) {
    const suffixes = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'];
    for (const sfx of suffixes) {
      const unit = BINARY[sfx];
      if (whole % unit === 0n) return `${sign}${whole / unit}${sfx}`;
    }
    return `${sign}${whole}`;
  }
  if (whole === undefined) return `${sign}${abs}m`;
  const decimal: [string, bigint][] = [
    ['E', 10n ** 18n],
    ['P', 10n ** 15n],
    ['T', 10n ** 12n],
    ['G', 10n ** 9n],
    ['M', 10n ** 6n],
    ['k', 10n ** 3n],
  ];
  if (q.format === 'DecimalExponent') {
    let n = whole;
    let e = 0;
    while (n % 1000n === 0n && n !== 0n) {
      n /= 1000n;
      e += 3;
    }
    return e ? `${sign}${n}e${e}` : `${sign}${n}`;
  }
  for (const [sfx, unit] of decimal) if (whole % unit === 0n) return `${sign}${whole / unit}${sfx}`;
  return `${sign}${whole}`;
}

export type ResourceList = Record<string, Quantity>;

/** A container's `resources.requests` / `limits` as quantities; unparsable values are left out. */
export function resourceList(raw: unknown): ResourceList {
  const out: ResourceList = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    try {
      out[k] = parseQuantity(v);
    } catch {
      // validation rejects it elsewhere
    }
  }
  return out;
}
