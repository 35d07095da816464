/** Exit codes scripts can rely on. */
export const EXIT = { done: 0, failed: 1, usage: 2, review: 3 } as const;

/** A mistake in how the command was called (exit 2). */
export class UsageError extends Error {}

/**
 * Human text on stdout by default; with --json one JSON object per line (events while working,
 * then the result), so scripts can read progress and outcome alike.
 */
export class Output {
  constructor(readonly json: boolean) {}

  /** A line for people (suppressed in JSON mode). */
  say(text: string): void {
    if (!this.json) process.stdout.write(`${text}\n`);
  }

  /** A progress event: JSON only. */
  event(type: string, data: Record<string, unknown>): void {
    if (this.json) process.stdout.write(`${JSON.stringify({ event: type, ...data })}\n`);
  }

  /** The command's result: JSON object, or the given human rendering. */
  result(data: unknown, human: () => string): void {
    if (this.json) process.stdout.write(`${JSON.stringify({ event: 'result', data })}\n`);
    else process.stdout.write(`${human()}\n`);
  }

  warn(text: string): void {
    if (this.json) this.event('warning', { message: text });
    else process.stderr.write(`warning: ${text}\n`);
  }
}

/** A plain text table with padded columns. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = headers.map((_h, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
