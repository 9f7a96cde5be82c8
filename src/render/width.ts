// How wide the reader's screen is: the terminal's own width, else $COLUMNS (what shells export and
// what a pipe leaves the only hint); with neither, a pipe to a program: lines are not wrapped, so
// grep sees each whole.
export function outputWidth(stdout: { columns?: number }, env: NodeJS.ProcessEnv): number {
  if (stdout.columns && stdout.columns > 0) return stdout.columns;
  const n = Number(env.COLUMNS);
  return Number.isInteger(n) && n >= 40 ? n : Infinity;
}

/** Display width of a line: colour escapes take no columns. */
export function visibleWidth(line: string): number {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/**
 * A line of prose wrapped at spaces to `width` columns; continuation lines are indented two more
 * than the line. A word longer than the width (a path, a URL) stays whole: a person copies it.
 */
export function wrapLine(line: string, width: number): string[] {
  if (visibleWidth(line) <= width) return [line];
  const indent = ' '.repeat((/^ */.exec(line)?.[0].length ?? 0) + 2);
  const words = line.trimStart().split(' ');
  const out: string[] = [];
  let cur = line.slice(0, line.length - line.trimStart().length);
  let first = true;
  for (const w of words) {
    const sep = first ? '' : ' ';
    if (!first && visibleWidth(cur + sep + w) > width) {
      out.push(cur);
      cur = indent + w;
    } else cur += sep + w;
    first = false;
  }
  out.push(cur);
  return out;
}
