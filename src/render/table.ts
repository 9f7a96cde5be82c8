// Tables through cli-table3, in kubectl's borderless style so output stays grep-able.
import Table from 'cli-table3';

export interface TableOptions {
  /** Draw box borders (matrix views); default borderless like `kubectl get`. */
  borders?: boolean;
}

// Printable ASCII only: one character is one column, so cli-table3's layout reduces to padEnd.
const PLAIN = /^[\x20-\x7e]*$/;

/**
 * The borderless layout cli-table3 gives when every cell is printable ASCII and every row is as
 * long as the head, without its per-cell string-width and colour handling (26 ms of `rbac`'s
 * 250-cell table in a CPU profile). Anything else, undefined: cli-table3 lays it out.
 */
export function plainTable(head: string[], rows: string[][]): string | undefined {
  const n = head.length;
  if (n === 0 || rows.some((r) => r.length !== n)) return undefined;
  const all = [head, ...rows];
  if (!all.every((r) => r.every((c) => typeof c === 'string' && PLAIN.test(c)))) return undefined;
  // cli-table3 gives a column of empty cells one column still
  const widths = head.map((_, i) => Math.max(1, ...all.map((r) => r[i]!.length)));
  return all
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('   ')
        .replace(/\s+$/, ''),
    )
    .join('\n');
}

export function renderTable(head: string[], rows: string[][], opts: TableOptions = {}): string {
  if (!opts.borders) {
    const plain = plainTable(head, rows);
    if (plain !== undefined) return plain;
  }
  return cliTable3(head, rows, opts);
}

/** Any table through cli-table3 (colour escapes, wide characters, borders). */
export function cliTable3(head: string[], rows: string[][], opts: TableOptions = {}): string {
  const table = opts.borders
    ? new Table({ head, style: { head: [], border: [] } })
    : new Table({
        head,
        chars: {
          top: '',
          'top-mid': '',
          'top-left': '',
          'top-right': '',
          bottom: '',
          'bottom-mid': '',
          'bottom-left': '',
          'bottom-right': '',
          left: '',
          'left-mid': '',
          mid: '',
          'mid-mid': '',
          right: '',
          'right-mid': '',
          middle: '   ',
        },
        style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
      });
  for (const r of rows) table.push(r);
  return table
    .toString()
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n');
}
