// The load benchmark's table and verdicts (pure): one row per service, then the issue's goals
// checked against the measured rows.

export interface LoadResult {
  service: string;
  /** Versions and settings worth printing (e.g. uvicorn's event loop and HTTP parser). */
  detail: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  answered2xx: number;
  /** Requests sent, answered or not: autocannon stops waiting for those in flight at the end. */
  sent: number;
  failed: number;
  logLines: number;
}

/** Answered requests missing from the log. The log may hold more lines than answers (requests
 *  still in flight when autocannon stopped, answered and logged after), never more than sent. */
export function lostLines(r: LoadResult): number {
  return Math.max(0, r.answered2xx - r.logLines);
}

export type Row = LoadResult | { service: string; missing: string };

const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function renderLoadTable(rows: readonly Row[]): string {
  const lines = [
    '| service | requests/s | p50 ms | p99 ms | answered 2xx | failed | sent | log lines | lost lines |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    if ('missing' in r) {
      lines.push(`| ${r.service} | missing: ${r.missing} | | | | | | | |`);
      continue;
    }
    lines.push(`| ${r.service} (${r.detail}) | ${fmt(r.requestsPerSecond)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.answered2xx)} | ${fmt(r.failed)} | ${fmt(r.sent)} | ${fmt(r.logLines)} | ${fmt(lostLines(r))} |`);
  }
  return lines.join('\n');
}

/** The issue's goals for the dvc-ts service: ≥ 3× FastAPI's throughput, p99 ≤ 20 ms, no lost line. */
export function renderGoals(ours: LoadResult, peer: Row | undefined): string {
  const ratio = peer && !('missing' in peer) ? ours.requestsPerSecond / peer.requestsPerSecond : undefined;
  const lost = lostLines(ours);
  const overSent = ours.logLines > ours.sent;
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return [
    `- throughput ≥ 3× FastAPI: ${ratio === undefined ? 'not measured (FastAPI missing)' : `${ratio.toFixed(2)}× — ${mark(ratio >= 3)}`}`,
    `- p99 ≤ 20 ms: ${ours.p99Ms.toFixed(2)} ms — ${mark(ours.p99Ms <= 20)}`,
    `- zero lost log lines: ${lost} answered request(s) missing from the log${overSent ? ', and more lines than requests sent' : ''} — ${mark(lost === 0 && !overSent)}`,
  ].join('\n');
}
