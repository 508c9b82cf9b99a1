/**
 * The benchmark's table: one row per figure, each set beside a baseline measured in the same run,
 * with its target and pass/miss. Rows are plain data so results.json holds exactly what is printed.
 */

/** One printed figure. */
export interface Row {
  /** The section it belongs to, e.g. "2. Round trip". */
  section: string;
  /** What is measured, e.g. "throughput, 64 in flight". */
  figure: string;
  /** The permsocket figure, formatted with its unit. */
  value: string;
  /** The baseline it is compared with, named, formatted with its unit. */
  baseline: string;
  /** The comparison, e.g. "0.74x raw ws". */
  comparison: string;
  /** The goal, when the issue sets one. */
  target?: string;
  /** Whether the goal was met; absent for informational rows. */
  pass?: boolean;
  /** The raw numbers behind the row, for results.json. */
  data?: Record<string, unknown>;
}

/** Formats a number with a fixed number of decimals and thousands separators. */
export function num(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A ratio as "1.23x". */
export function times(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a';
}

/** Formats a byte count in KB (1,000 bytes, as the size targets are stated). */
export function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(2)} KB`;
}

const COLUMNS: { title: string; cell: (row: Row) => string }[] = [
  { title: 'figure', cell: (row) => row.figure },
  { title: 'permsocket', cell: (row) => row.value },
  { title: 'baseline (same run)', cell: (row) => row.baseline },
  { title: 'comparison', cell: (row) => row.comparison },
  { title: 'target', cell: (row) => row.target ?? '' },
  { title: 'result', cell: (row) => (row.pass === undefined ? 'info' : row.pass ? 'PASS' : 'MISS') },
];

/** Renders the rows as a Markdown table grouped by section (readable in a terminal and in docs). */
export function renderTable(rows: readonly Row[]): string {
  const lines: string[] = [];
  let section = '';
  const widths = COLUMNS.map((column) => Math.max(column.title.length, ...rows.map((row) => column.cell(row).length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`;
  for (const row of rows) {
    if (row.section !== section) {
      section = row.section;
      if (lines.length > 0) lines.push('');
      lines.push(`**${section}**`, '', line(COLUMNS.map((column) => column.title)), line(widths.map((width) => '-'.repeat(width))));
    }
    lines.push(line(COLUMNS.map((column) => column.cell(row))));
  }
  return lines.join('\n');
}
