// The in-pod probe programs, as shipped. One place reads them: scripts/build.ts inlines each
// `readFileSync(new URL(...), 'utf8')` into the bundle, so every further read would embed the
// program once more.
import { readFileSync } from 'node:fs';

export const probePy = (): string => readFileSync(new URL('./probe.py', import.meta.url), 'utf8');
export const probeSh = (): string => readFileSync(new URL('./probe.sh', import.meta.url), 'utf8');
