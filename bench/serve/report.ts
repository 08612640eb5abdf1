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
  /** null for the floor, which logs nothing. */
  logLines: number | null;
}

/** Answered requests missing from the log. The log may hold more lines than answers (requests
 *  still in flight when autocannon stopped, answered and logged after), never more than sent. */
export function lostLines(r: LoadResult): number {
  return r.logLines === null ? 0 : Math.max(0, r.answered2xx - r.logLines);
}

export type Row = LoadResult | { service: string; missing: string };

export interface Round {
  round: number;
  ours: LoadResult;
  peer: Row;
  /** A bare node:http server answering a constant: what the client and the machine allow. */
  floor?: LoadResult;
}

const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function tableRow(round: number, r: Row): string {
  if ('missing' in r) return `| ${round} | ${r.service} | missing: ${r.missing} | | | | | | | |`;
  return `| ${round} | ${r.service} (${r.detail}) | ${fmt(r.requestsPerSecond)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${fmt(r.answered2xx)} | ${fmt(r.failed)} | ${fmt(r.sent)} | ${r.logLines === null ? '—' : fmt(r.logLines)} | ${r.logLines === null ? '—' : fmt(lostLines(r))} |`;
}

export function renderLoadTable(rounds: readonly Round[]): string {
  const lines = [
    '| round | service | requests/s | p50 ms | p99 ms | answered 2xx | failed | sent | log lines | lost lines |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rounds) lines.push(tableRow(r.round, r.ours), tableRow(r.round, r.peer), ...(r.floor ? [tableRow(r.round, r.floor)] : []));
  return lines.join('\n');
}

/** The issue's goals for the dvc-ts service, over the rounds: throughput ≥ 3× FastAPI's (median
 *  of the per-round ratios), p99 ≤ 20 ms (every round), no answered request missing from a log. */
export function renderGoals(rounds: readonly Round[]): string {
  const ratios = rounds.flatMap((r) => ('missing' in r.peer ? [] : [r.ours.requestsPerSecond / r.peer.requestsPerSecond]));
  const p99s = rounds.map((r) => r.ours.p99Ms);
  const lost = rounds.reduce((n, r) => n + lostLines(r.ours), 0);
  const overSent = rounds.some((r) => (r.ours.logLines ?? 0) > r.ours.sent);
  const ofFloor = rounds.flatMap((r) => (r.floor ? [r.ours.requestsPerSecond / r.floor.requestsPerSecond] : []));
  const peerLost = rounds.reduce((n, r) => n + ('missing' in r.peer ? 0 : lostLines(r.peer)), 0);
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const range = (xs: number[], d: number) => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;
  return [
    `- throughput ≥ 3× FastAPI: ${ratios.length === 0 ? 'not measured (FastAPI missing)' : `median ${median(ratios).toFixed(2)}× (rounds ${range(ratios, 2)}) — ${mark(median(ratios) >= 3)}`}`,
    `- p99 ≤ 20 ms: ${range(p99s, 1)} ms over the rounds — ${mark(Math.max(...p99s) <= 20)}`,
    `- zero lost log lines: ${lost} answered request(s) missing from the log${overSent ? ', and more lines than requests sent' : ''} — ${mark(lost === 0 && !overSent)} (FastAPI: ${peerLost} lost)`,
    ...(ofFloor.length ? [`- distance to the floor: the service answers ${(median(ofFloor) * 100).toFixed(0)}% (median; rounds ${range(ofFloor.map((x) => x * 100), 0)}%) of the requests/s of a bare node:http server answering a constant to the same client`] : []),
  ].join('\n');
}

/** One row of the concurrency sweep: one dvc-ts service, `connections` clients each sending its
 *  next request when the last is answered, and the machine's load average before the row. */
export interface SweepRow {
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  answered2xx: number;
  failed: number;
  /** os.loadavg() (1, 5, 15 min) just before the row started. */
  loadBefore: readonly number[];
}

export function renderSweepTable(rows: readonly SweepRow[], cores: number): string {
  return [
    `| connections | requests/s | p50 ms | p99 ms | p99.9 ms | answered 2xx | failed | load average before (1 / 5 / 15 min, ${cores} cores) |`,
    '|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.connections} | ${fmt(r.requestsPerSecond)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${fmt(r.p999Ms, 1)} | ${fmt(r.answered2xx)} | ${fmt(r.failed)} | ${r.loadBefore.map((x) => x.toFixed(2)).join(' / ')} |`),
  ].join('\n');
}

/** The rows, by rising concurrency, up to (not past) the first whose p99 is over the limit or
 *  that failed a request: the loads at which the latency goal holds. */
export function rowsWithinP99(rows: readonly SweepRow[], limitMs: number): SweepRow[] {
  const sorted = [...rows].sort((a, b) => a.connections - b.connections);
  const firstOver = sorted.findIndex((r) => r.p99Ms > limitMs || r.failed > 0);
  return firstOver === -1 ? sorted : sorted.slice(0, firstOver);
}

/** "p99 ≤ limit holds up to X req/s": the highest throughput of the rows within the limit. */
export function renderSweepVerdict(rows: readonly SweepRow[], limitMs: number, lost: number): string {
  const within = rowsWithinP99(rows, limitMs);
  const over = [...rows].sort((a, b) => a.connections - b.connections)[within.length];
  const best = within.reduce<SweepRow | undefined>((b, r) => (b && b.requestsPerSecond >= r.requestsPerSecond ? b : r), undefined);
  const loads = rows.map((r) => r.loadBefore[0] ?? 0);
  return [
    best
      ? `- p99 ≤ ${limitMs} ms holds up to ${fmt(best.requestsPerSecond)} req/s (${best.connections} connection(s), p99 ${fmt(best.p99Ms, 1)} ms)${over ? `; at ${over.connections} connections p99 is ${fmt(over.p99Ms, 1)} ms at ${fmt(over.requestsPerSecond)} req/s${over.failed ? ` with ${fmt(over.failed)} failed` : ''}` : ', the highest concurrency measured'}`
      : `- p99 ≤ ${limitMs} ms holds at no concurrency measured (${rows[0] ? `p99 ${fmt(rows[0].p99Ms, 1)} ms at ${rows[0].connections} connection(s)` : 'no rows'})`,
    `- 1-min load average before the rows: ${loads.length ? `${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}` : '—'} (the rows after the first include the benchmark's own load)`,
    `- zero lost log lines over the sweep: ${lost} answered request(s) missing from the log — ${lost === 0 ? 'met' : 'NOT met'}`,
  ].join('\n');
}
