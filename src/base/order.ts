// The order names and addresses are listed in. Code-unit order, as kubectl sorts (Go compares
// strings byte by byte): unlike localeCompare it does not depend on the user's locale (the same
// cluster gives the same listing everywhere), and it needs no ICU collator, whose first use cost
// about 9 ms of every command's start.

/** a before b in code-unit order: -1, 0 or 1 (for Array.prototype.sort). */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** IP addresses part by part, numeric parts as numbers: 10.0.0.9 before 10.0.0.11. */
export function byAddress(a: string, b: string): number {
  const pa = a.split(/[.:]/);
  const pb = b.split(/[.:]/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    const d = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : byText(x, y);
    if (d !== 0) return Math.sign(d);
  }
  return Math.sign(pa.length - pb.length) || byText(a, b);
}
