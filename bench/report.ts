/** The one table `npm run bench` prints: each goal, the peer it is measured against, both figures, pass or fail. */
export interface GoalRow {
  goal: string;
  peer: string;
  peerFigure: string;
  ours: string;
  /** undefined: a figure for information, no goal attached. */
  pass?: boolean;
}

export class Report {
  readonly rows: GoalRow[] = [];
  readonly notes: string[] = [];

  add(row: GoalRow): void {
    this.rows.push(row);
  }

  /** A section that could not run: its goals fail, with the reason. */
  failed(section: string, err: unknown): void {
    this.rows.push({ goal: section, peer: '-', peerFigure: '-', ours: `error: ${err instanceof Error ? err.message : String(err)}`.slice(0, 120), pass: false });
  }

  render(): string {
    const header = ['goal', 'peer', 'peer figure', 'ours', 'result'];
    const cells = this.rows.map((r) => [r.goal, r.peer, r.peerFigure, r.ours, r.pass === undefined ? 'info' : r.pass ? 'PASS' : 'FAIL']);
    const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
    const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c])).join(' | ');
    return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line), ...this.notes.map((n) => `note: ${n}`)].join('\n');
  }
}

export const ms = (n: number) => `${n.toFixed(1)} ms`;
export const seconds = (n: number) => `${n.toFixed(2)} s`;
export const mb = (n: number) => `${n.toFixed(0)} MB`;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
