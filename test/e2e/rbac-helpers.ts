import assert from 'node:assert/strict';
// Shared by the rbac e2e tests: captured IO for in-process main(), and the expectation files.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import * as YAML from 'yaml';
import type { IO } from '../../src/cli/main.ts';

export interface Captured extends IO {
  out(): string;
  err(): string;
}

export function captureIO(env: NodeJS.ProcessEnv = {}): Captured {
  let out = '';
  let err = '';
  const stdout = new Writable({
    write(c, _e, cb) {
      out += String(c);
      cb();
    },
  });
  const stderr = new Writable({
    write(c, _e, cb) {
      err += String(c);
      cb();
    },
  });
  return {
    stdout,
    stderr,
    env: { PATH: process.env.PATH, HOME: '/nonexistent', ...env },
    out: () => out,
    err: () => err,
  };
}

export interface ExpectedCells {
  resource: string;
  verbs: string[];
  reason?: string;
}
export interface ExpectedEntry {
  serviceAccount: string;
  namespace: string;
  allowed: ExpectedCells[] | null;
  missing: ExpectedCells[];
  /** Denied cells an optional feature needs (requirements.yaml level feature): WARN, not a failure. Absent: none. */
  warnings?: ExpectedCells[];
}
export interface Expectation {
  scenario: string;
  release: { name: string; namespace: string; chart: string; executor: string };
  matrix: Record<string, string[]>;
  rbac: ExpectedEntry[];
  rbacExitCode: number;
}

export function loadExpectation(name: string): Expectation {
  return YAML.parse(
    readFileSync(new URL(`../scenarios/expectations/${name}.yaml`, import.meta.url), 'utf8'),
  ) as Expectation;
}

export interface CheckRecord {
  subject: string;
  namespace: string;
  group: string;
  resource: string;
  subresource: string;
  verb: string;
  required: boolean;
  level?: string;
  maybe?: string;
  allowed: boolean;
  reason: string;
  via: string;
}

export const label = (c: Pick<CheckRecord, 'resource' | 'subresource' | 'verb'>) =>
  `${c.subresource ? `${c.resource}/${c.subresource}` : c.resource} ${c.verb}`;
export const expand = (cells: ExpectedCells[] | null | undefined) =>
  (cells ?? []).flatMap((c) => c.verbs.map((v) => `${c.resource} ${v}`)).sort();

/**
 * The cells rbac asked for one account in one namespace against its expectation: the whole matrix
 * asked, and exactly the expected allowed, missing and warned (optional feature) cells.
 */
export function assertCellsMatch(cells: CheckRecord[], entry: ExpectedEntry, matrix: string[]): void {
  const where = `${entry.serviceAccount} in ${entry.namespace}`;
  const labels = (keep: (c: CheckRecord) => boolean) => cells.filter(keep).map(label).sort();
  assert.deepEqual(cells.map(label).sort(), matrix, `${where}: cells asked`);
  assert.deepEqual(
    labels((c) => c.allowed),
    expand(entry.allowed),
    `${where}: allowed`,
  );
  assert.deepEqual(
    labels((c) => c.required && !c.allowed),
    expand(entry.missing),
    `${where}: missing`,
  );
  assert.deepEqual(
    labels((c) => !c.allowed && !c.required && (c.level === 'feature' || (c.level === 'required' && !!c.maybe))),
    expand(entry.warnings),
    `${where}: warnings (optional features)`,
  );
}
