// Tables through cli-table3, in kubectl's borderless style so output stays grep-able.
import Table from 'cli-table3';

export interface TableOptions {
  /** Draw box borders (matrix views); default borderless like `kubectl get`. */
  borders?: boolean;
}

export function renderTable(head: string[], rows: string[][], opts: TableOptions = {}): string {
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
