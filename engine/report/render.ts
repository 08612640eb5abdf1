// Report tables as aligned text or GitHub markdown, with numbers printed without float noise.
import type { ReportValue } from './flatten.js';

/** Significant digits numbers are shown with (JSON output stays exact). */
export const DISPLAY_DIGITS = 6;

/** A value for display: integers whole, other numbers to 6 significant digits, '-' when absent. */
export function formatValue(value: ReportValue | undefined | null): string {
  if (value === undefined || value === null) return '-';
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(DISPLAY_DIGITS)));
}

/** A change for display: like formatValue, with an explicit `+` on increases. */
export function formatChange(change: number | undefined): string {
  if (change === undefined) return '-';
  const text = formatValue(change);
  return change > 0 ? `+${text}` : text;
}

export interface Table {
  headers: string[];
  rows: string[][];
}

/** Columns padded to their widest cell, two spaces apart; no trailing spaces. */
export function renderText(table: Table): string {
  const all = [table.headers, ...table.rows];
  const widths = table.headers.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + c.length - [...c].length))).join('  ').trimEnd()).join('\n') + '\n';
}

function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured markdown table, ready for a review comment or $GITHUB_STEP_SUMMARY. */
export function renderMarkdown(table: Table): string {
  const line = (cells: string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
  return [line(table.headers), `|${table.headers.map(() => '---').join('|')}|`, ...table.rows.map(line)].join('\n') + '\n';
}
