// -o json|yaml for machine readers; table/wide for people. One place decides the format (render/data.ts
// writes the machine formats: it loads the yaml library, which --help must not pay for).
import { UsageError } from '../base/errors.ts';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'wide', 'json', 'yaml'];

export function parseOutput(o: string | undefined): OutputFormat {
  if (o === undefined || o === '') return 'table';
  if ((OUTPUT_FORMATS as readonly string[]).includes(o)) return o as OutputFormat;
  throw new UsageError(`unknown output format "${o}": use one of ${OUTPUT_FORMATS.join(', ')}`);
}

export function isMachine(f: OutputFormat): f is 'json' | 'yaml' {
  return f === 'json' || f === 'yaml';
}
