// The machine-readable output formats, -o json and -o yaml.
import * as YAML from 'yaml';

export function renderData(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(data, null, 2) + '\n' : YAML.stringify(data, { lineWidth: 0 });
}
