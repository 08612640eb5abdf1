// Figures derived from the measured rows (pure): ratios taken pair by pair within a round,
// per-stage overhead, throughput, and the targets, each checkable from the table.

import { difference, pairwise, ratio, summarize, type Summary } from './stats.js';
import { rowByKey, type BenchReport, type GroupId, type MeasuredRow, type WorkloadResult } from './results.js';

export type ComparisonOp = 'ratio' | 'minus' | 'minus-per-stage' | 'net-MBps' | 'ratio-net';

export interface ComparisonDef {
  group: GroupId;
  /**
   * Row keys: the value is a ÷ b, a − b, (a − b) ÷ stages, a's bytes ÷ (a − b) in MB/s, or
   * a ÷ (b − net) ('ratio-net': b with start-up taken out), round by round.
   */
  a: string;
  b: string;
  net?: string;
  op: ComparisonOp;
  title: string;
}

export interface Comparison extends ComparisonDef {
  value: Summary;
}

/** Every comparison the report shows, for the rows a workload has. */
export function comparisonDefs(w: WorkloadResult): ComparisonDef[] {
  const defs: ComparisonDef[] = [
    { group: 'noop', a: 'dvc-ts:repro', b: 'make:rq', op: 'ratio', title: 'no-op: dvc-ts repro ÷ make -r -q (the floor)' },
    { group: 'noop', a: 'dvc-ts:status', b: 'make:rq', op: 'ratio', title: 'no-op: dvc-ts status ÷ make -r -q (the floor)' },
    { group: 'noop', a: 'dvc-ts:repro', b: 'make:q', op: 'ratio', title: 'no-op: dvc-ts repro ÷ make -q (built-in rules tried: no floor)' },
    { group: 'noop', a: 'snakemake:n', b: 'dvc-ts:repro', op: 'ratio', title: 'no-op: snakemake -n ÷ dvc-ts repro (speed-up)' },
    { group: 'noop', a: 'snakemake:n', b: 'dvc-ts:status', op: 'ratio', title: 'no-op: snakemake -n ÷ dvc-ts status (speed-up)' },
    { group: 'noop', a: 'dvc-ts:version', b: 'node:start', op: 'minus', title: 'start-up: dvc-ts --version − node -e 0 (ms)' },
    { group: 'noop', a: 'dvc-ts:help', b: 'node:start', op: 'minus', title: 'start-up: dvc-ts --help − node -e 0 (ms)' },
    { group: 'noop', a: 'snakemake:noop', b: 'dvc-ts:repro', op: 'ratio', title: 'no-op: snakemake ÷ dvc-ts repro (speed-up)' },
    { group: 'noop', a: 'dvc:repro', b: 'dvc-ts:repro', op: 'ratio', title: 'no-op: dvc repro ÷ dvc-ts repro (speed-up)' },
    { group: 'noop', a: 'dvc-ts:status', b: 'node:start', op: 'minus', title: 'warm re-check: dvc-ts status − node -e 0 (ms)' },
    { group: 'noop', a: 'dvc-ts:repro', b: 'node:start', op: 'minus', title: 'no-op: dvc-ts repro − node -e 0 (ms)' },
    { group: 'noop', a: 'dvc-ts:repro:warm', b: 'make:rq', op: 'ratio', title: 'no-op, warm (repro --watch running): dvc-ts repro ÷ make -r -q' },
    { group: 'noop', a: 'dvc-ts:status:warm', b: 'make:rq', op: 'ratio', title: 'no-op, warm (repro --watch running): dvc-ts status ÷ make -r -q' },
    { group: 'noop', a: 'snakemake:n', b: 'dvc-ts:repro:warm', op: 'ratio', title: 'no-op, warm: snakemake -n ÷ dvc-ts repro (speed-up)' },
    { group: 'noop', a: 'snakemake:n', b: 'dvc-ts:status:warm', op: 'ratio', title: 'no-op, warm: snakemake -n ÷ dvc-ts status (speed-up)' },
    { group: 'noop', a: 'dvc-ts:repro:warm', b: 'node:start', op: 'minus', title: 'no-op, warm: dvc-ts repro − node -e 0 (ms)' },
    { group: 'noop', a: 'dvc-ts:status:warm', b: 'node:start', op: 'minus', title: 'no-op, warm: dvc-ts status − node -e 0 (ms)' },
    { group: 'cold', a: 'dvc-ts:repro', b: 'commands', op: 'minus-per-stage', title: 'per-stage overhead: (dvc-ts repro − commands) ÷ stages (ms)' },
    { group: 'cold', a: 'make:build', b: 'commands', op: 'minus-per-stage', title: 'per-stage overhead: (make − commands) ÷ stages (ms)' },
    { group: 'cold', a: 'snakemake:build', b: 'commands', op: 'minus-per-stage', title: 'per-stage overhead: (snakemake − commands) ÷ stages (ms)' },
    { group: 'cold', a: 'dvc:repro', b: 'commands', op: 'minus-per-stage', title: 'per-stage overhead: (dvc repro − commands) ÷ stages (ms)' },
    { group: 'cold', a: 'dvc-ts:repro', b: 'make:build', op: 'ratio', title: 'cold: dvc-ts repro ÷ make' },
    { group: 'changed', a: 'dvc-ts:repro', b: 'make:build', op: 'ratio', title: 'one dep changed: dvc-ts repro ÷ make' },
    { group: 'changed', a: 'snakemake:build', b: 'dvc-ts:repro', op: 'ratio', title: 'one dep changed: snakemake ÷ dvc-ts repro (speed-up)' },
  ];
  for (const g of new Set(w.rows.map((r) => r.group))) {
    if (!g.startsWith('hash-') && !g.startsWith('evicted-')) continue;
    const what = g.startsWith('hash-') ? `cold hashing (${g.slice(5)})` : `evicted page cache (${g.slice(8)})`;
    defs.push(
      { group: g, a: 'b3sum:1', b: 'dvc-ts:status', op: 'ratio', title: `${what}: dvc-ts speed ÷ b3sum --num-threads 1 speed (2 cores)` },
      { group: g, a: 'b3sum:1', b: 'dvc-ts:status-1core', op: 'ratio', title: `${what}: dvc-ts speed ÷ b3sum --num-threads 1 speed (1 core)` },
      { group: g, a: 'dvc-ts:status-1core', b: 'dvc-ts:status', op: 'ratio', title: `${what}: dvc-ts 2 cores ÷ 1 core speed` },
      { group: g, a: 'sha256sum', b: 'dvc-ts:status', op: 'ratio', title: `${what}: dvc-ts speed ÷ sha256sum speed` },
    );
    if (g.startsWith('hash-')) {
      defs.push(
        { group: g, a: 'dvc-ts:status', b: 'dvc-ts:status-warm', op: 'net-MBps', title: `${what}: dvc-ts net MB/s = bytes ÷ (cold − warm status), start-up excluded` },
        // The hashing phase alone: start-up and module loading (the state-kept row) taken out.
        { group: g, a: 'b3sum:1', b: 'dvc-ts:status', net: 'dvc-ts:status-warm', op: 'ratio-net', title: `${what}: hashing phase alone, dvc-ts speed ÷ b3sum --num-threads 1 speed = b3sum ÷ (cold − warm status) (2 cores)` },
        { group: g, a: 'b3sum:1', b: 'dvc-ts:status-1core', net: 'dvc-ts:status-warm', op: 'ratio-net', title: `${what}: hashing phase alone, b3sum ÷ (1-core cold − warm status) (1 core)` },
      );
    }
  }
  return defs;
}

function valuesOf(w: WorkloadResult, def: ComparisonDef): number[] {
  const a = rowByKey(w, def.group, def.a);
  const b = rowByKey(w, def.group, def.b);
  if (!a || !b) return [];
  if (def.op === 'ratio-net') {
    const net = def.net === undefined ? undefined : rowByKey(w, def.group, def.net);
    if (!net) return [];
    // A difference at or below zero is noise: no ratio can be said for that round.
    const phase = b.samplesMs.map((x, k) => {
      const y = net.samplesMs[k];
      return x === undefined || y === undefined ? undefined : x - y;
    });
    return pairwise(a.samplesMs, phase, (x, d) => (d > 0 ? x / d : NaN));
  }
  switch (def.op) {
    case 'ratio':
      return pairwise(a.samplesMs, b.samplesMs, ratio);
    case 'minus':
      return pairwise(a.samplesMs, b.samplesMs, difference);
    case 'minus-per-stage':
      return pairwise(a.samplesMs, b.samplesMs, difference).map((d) => d / w.stageCount);
    case 'net-MBps': {
      const bytes = a.bytes;
      if (bytes === undefined) return [];
      // A difference at or below zero is noise: no rate can be said for that round.
      return pairwise(a.samplesMs, b.samplesMs, difference).filter((d) => d > 0).map((d) => bytes / 1e6 / (d / 1000));
    }
  }
}

/** The comparisons whose two rows were both measured. */
export function comparisons(w: WorkloadResult): Comparison[] {
  const out: Comparison[] = [];
  for (const def of comparisonDefs(w)) {
    const value = summarize(valuesOf(w, def));
    if (value) out.push({ ...def, value });
  }
  return out;
}

export function findComparison(w: WorkloadResult | undefined, group: GroupId, a: string, b: string, op: ComparisonOp, net?: string): Summary | undefined {
  if (!w) return undefined;
  return summarize(valuesOf(w, { group, a, b, op, title: '', ...(net === undefined ? {} : { net }) }));
}

/** MB/s (10^6 bytes) from a throughput row's median time. */
export function throughputMBps(row: MeasuredRow): number | undefined {
  const s = summarize(row.samplesMs);
  if (!s || row.bytes === undefined || s.median <= 0) return undefined;
  return row.bytes / 1e6 / (s.median / 1000);
}

/** The largest peak RSS of any dvc-ts row of the workload, in KiB. */
export function peakDvcTsRssKb(w: WorkloadResult): number | undefined {
  const rss = w.rows.filter((r) => r.tool === 'dvc-ts' && r.rssKb !== undefined).map((r) => r.rssKb!);
  return rss.length ? Math.max(...rss) : undefined;
}

export type TargetStatus = 'met' | 'not met' | 'not measured';

export interface TargetCheck {
  target: string;
  goal: string;
  measured: string;
  status: TargetStatus;
}

const fmtRange = (s: Summary, digits: number, unit = ''): string =>
  `${s.median.toFixed(digits)}${unit} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

function check(target: string, goal: string, s: Summary | undefined, ok: (median: number) => boolean, digits: number, unit = '', missing = 'rows not measured'): TargetCheck {
  if (!s) return { target, goal, measured: missing, status: 'not measured' };
  return { target, goal, measured: fmtRange(s, digits, unit), status: ok(s.median) ? 'met' : 'not met' };
}

function rowSummary(w: WorkloadResult | undefined, group: GroupId, key: string): Summary | undefined {
  const r = w && rowByKey(w, group, key);
  return r ? summarize(r.samplesMs) : undefined;
}

/** The dvc-ts row with the largest peak RSS. */
function peakRow(w: WorkloadResult): MeasuredRow | undefined {
  return w.rows.filter((r) => r.tool === 'dvc-ts' && r.rssKb !== undefined).sort((a, b) => b.rssKb! - a.rssKb!)[0];
}

function rssCheck(target: string, row: MeasuredRow | undefined, limitBytes: number): TargetCheck {
  const goal = `≤ ${limitBytes / 1e6} MB`;
  if (row?.rssKb === undefined) return { target, goal, measured: 'not measured', status: 'not measured' };
  const bytes = row.rssKb * 1024;
  return { target, goal, measured: `${(bytes / 1e6).toFixed(1)} MB (${row.label})`, status: bytes <= limitBytes ? 'met' : 'not met' };
}

/** RSS limit: 200 MB (decimal), as `/usr/bin/time` reports KiB. */
export const RSS_LIMIT_KB = 200e6 / 1024;
/** Cost at 10× the size may be at most this many times the cost at 1× to count as linear. */
export const LINEARITY_LIMIT = 12;

/** Each of the targets, judged on the medians of pairwise values. */
export function checkTargets(report: BenchReport): TargetCheck[] {
  const w = (id: string) => report.workloads.find((x) => x.id === id);
  const W1 = w('W1');
  const W2 = w('W2');
  const W3 = w('W3');
  const W4 = w('W4');
  const W5 = w('W5');
  const cmp = findComparison;
  const checks: TargetCheck[] = [
    // Each no-op goal judged on both paths: cold (a fresh process does the check) and warm
    // (a `repro --watch` running beside it answers).
    check('W1 no-op repro ≤ 3× make -r -q (the floor), cold', 'dvc-ts repro ÷ make -r -q ≤ 3', cmp(W1, 'noop', 'dvc-ts:repro', 'make:rq', 'ratio'), (m) => m <= 3, 2, '×'),
    check('W1 no-op status ≤ 3× make -r -q (the floor), cold', 'dvc-ts status ÷ make -r -q ≤ 3', cmp(W1, 'noop', 'dvc-ts:status', 'make:rq', 'ratio'), (m) => m <= 3, 2, '×'),
    check('W1 no-op repro ≥ 10× faster than snakemake -n, cold', 'snakemake -n ÷ dvc-ts repro ≥ 10', cmp(W1, 'noop', 'snakemake:n', 'dvc-ts:repro', 'ratio'), (m) => m >= 10, 2, '×'),
    check('W1 no-op status ≥ 10× faster than snakemake -n, cold', 'snakemake -n ÷ dvc-ts status ≥ 10', cmp(W1, 'noop', 'snakemake:n', 'dvc-ts:status', 'ratio'), (m) => m >= 10, 2, '×'),
    check('W1 no-op repro ≤ 3× make -r -q (the floor), warm: repro --watch running', 'dvc-ts repro ÷ make -r -q ≤ 3', cmp(W1, 'noop', 'dvc-ts:repro:warm', 'make:rq', 'ratio'), (m) => m <= 3, 2, '×'),
    check('W1 no-op status ≤ 3× make -r -q (the floor), warm: repro --watch running', 'dvc-ts status ÷ make -r -q ≤ 3', cmp(W1, 'noop', 'dvc-ts:status:warm', 'make:rq', 'ratio'), (m) => m <= 3, 2, '×'),
    check('W1 no-op repro ≥ 10× faster than snakemake -n, warm: repro --watch running', 'snakemake -n ÷ dvc-ts repro ≥ 10', cmp(W1, 'noop', 'snakemake:n', 'dvc-ts:repro:warm', 'ratio'), (m) => m >= 10, 2, '×'),
    check('W1 no-op status ≥ 10× faster than snakemake -n, warm: repro --watch running', 'snakemake -n ÷ dvc-ts status ≥ 10', cmp(W1, 'noop', 'snakemake:n', 'dvc-ts:status:warm', 'ratio'), (m) => m >= 10, 2, '×'),
    check('W4 (100,000-file dep dir) no-op repro ≤ 1 s', 'median ≤ 1000 ms', rowSummary(W4, 'noop', 'dvc-ts:repro'), (m) => m <= 1000, 0, ' ms'),
    rssCheck('W4 (100,000-file dep dir) no-op repro peak RSS ≤ 200 MB', W4 && rowByKey(W4, 'noop', 'dvc-ts:repro'), 200e6),
    check('W4 (100,000-file dep dir) cold hashing ≤ 2× b3sum', 'dvc-ts status (no state) ÷ b3sum ≤ 2', cmp(W4, 'hash-dir', 'dvc-ts:status', 'b3sum:all', 'ratio'), (m) => m <= 2, 2, '×'),
    check('start-up: dvc-ts --version ≤ 20 ms above node -e 0', 'dvc-ts --version − node -e 0 ≤ 20 ms', cmp(W1, 'noop', 'dvc-ts:version', 'node:start', 'minus'), (m) => m <= 20, 1, ' ms'),
    check('W3 cold hashing (dir) on 1 core ≥ 0.6× b3sum --num-threads 1', 'speed ratio ≥ 0.6', cmp(W3, 'hash-dir', 'b3sum:1', 'dvc-ts:status-1core', 'ratio'), (m) => m >= 0.6, 2, '×'),
    check('W3 cold hashing (file) on 1 core ≥ 0.6× b3sum --num-threads 1', 'speed ratio ≥ 0.6', cmp(W3, 'hash-file', 'b3sum:1', 'dvc-ts:status-1core', 'ratio'), (m) => m >= 0.6, 2, '×'),
    check('W3 cold hashing (dir) with 2 cores ≥ 1.0× b3sum --num-threads 1', 'speed ratio ≥ 1.0', cmp(W3, 'hash-dir', 'b3sum:1', 'dvc-ts:status', 'ratio'), (m) => m >= 1, 2, '×'),
    check('W3 cold hashing (file) with 2 cores ≥ 1.0× b3sum --num-threads 1', 'speed ratio ≥ 1.0', cmp(W3, 'hash-file', 'b3sum:1', 'dvc-ts:status', 'ratio'), (m) => m >= 1, 2, '×'),
    rssCheck('W5 (50 MB params file) peak RSS ≤ 500 MB', W5 && peakRow(W5), 500e6),
    check('W3 warm re-check < 50 ms beyond node start-up', 'dvc-ts status − node -e 0 < 50 ms', cmp(W3, 'noop', 'dvc-ts:status', 'node:start', 'minus'), (m) => m < 50, 1, ' ms'),
    check('W2 per-stage overhead ≤ 10 ms', '(repro − commands) ÷ stages ≤ 10 ms', cmp(W2, 'cold', 'dvc-ts:repro', 'commands', 'minus-per-stage'), (m) => m <= 10, 2, ' ms'),
  ];
  for (const x of report.workloads) {
    if (x.id === 'W4' || x.id === 'W5') continue; // their own limits, above
    const kb = peakDvcTsRssKb(x);
    const target = `${x.id} peak RSS < 200 MB`;
    if (kb === undefined) checks.push({ target, goal: '< 200 MB', measured: 'not measured (no GNU time)', status: 'not measured' });
    else checks.push({ target, goal: '< 200 MB', measured: `${((kb * 1024) / 1e6).toFixed(1)} MB`, status: kb < RSS_LIMIT_KB ? 'met' : 'not met' });
  }
  const lin = report.linearity;
  if (!lin) {
    checks.push({ target: 'W1 cost at scale 10 within 12× of scale 1', goal: `10× scale ≤ ${LINEARITY_LIMIT}× time`, measured: 'not measured (pass --linearity)', status: 'not measured' });
  } else {
    const rss = lin.rows.map((r) => r.tenfoldRssKb).filter((kb): kb is number => kb !== undefined);
    const target = `W1 at scale ${lin.tenfoldScale} (linearity run) peak RSS < 200 MB`;
    if (rss.length === 0) checks.push({ target, goal: '< 200 MB', measured: 'not measured (no GNU time)', status: 'not measured' });
    else {
      const kb = Math.max(...rss);
      checks.push({ target, goal: '< 200 MB', measured: `${((kb * 1024) / 1e6).toFixed(1)} MB`, status: kb < RSS_LIMIT_KB ? 'met' : 'not met' });
    }
    for (const r of lin.rows) {
      const target = `W1 ${r.figure} linear from ×1 to ×10`;
      const goal = `≤ ${LINEARITY_LIMIT}× (10 = linear)`;
      if (r.baseMs === undefined || r.tenfoldMs === undefined) checks.push({ target, goal, measured: 'not measured', status: 'not measured' });
      else {
        const q = r.tenfoldMs / r.baseMs;
        checks.push({ target, goal, measured: `${q.toFixed(2)}×`, status: q <= LINEARITY_LIMIT ? 'met' : 'not met' });
      }
    }
  }
  return checks;
}
