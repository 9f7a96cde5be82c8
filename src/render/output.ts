// -o json|yaml for machine readers; table/wide for people. One place decides the format.
import * as YAML from 'yaml';
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

export function renderData(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(data, null, 2) + '\n' : YAML.stringify(data, { lineWidth: 0 });
}
