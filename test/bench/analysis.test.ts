import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkTargets, comparisons, findComparison, peakDvcTsRssKb, throughputMBps } from '../../bench/analysis.js';
import { renderReport } from '../../bench/report.js';
import type { BenchReport, MeasuredRow, WorkloadResult } from '../../bench/results.js';
import { pairwise, ratio, summarize } from '../../bench/stats.js';

describe('stats', () => {
  test('median of an odd and an even count, min and max, undefined skipped', () => {
    assert.deepEqual(summarize([5, 1, 3]), { median: 3, min: 1, max: 5, n: 3 });
    assert.deepEqual(summarize([4, undefined, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
    assert.equal(summarize([undefined]), undefined);
  });
  test('pairwise only pairs rounds where both were measured', () => {
    assert.deepEqual(pairwise([10, 20, undefined, 40], [5, undefined, 3, 8], ratio), [2, 5]);
  });
});

const row = (group: MeasuredRow['group'], key: string, tool: string, samplesMs: (number | undefined)[], extra: Partial<MeasuredRow> = {}): MeasuredRow => ({
  group,
  key,
  tool,
  figure: key,
  label: key,
  samplesMs,
  ...extra,
});

function workload(id: 'W1' | 'W2' | 'W3', stageCount: number, rows: MeasuredRow[]): WorkloadResult {
  return { id, title: id, shape: 'test', stageCount, notes: [], rows };
}

describe('comparisons', () => {
  test('ratios and per-stage overheads are taken round by round', () => {
    const w = workload('W2', 10, [
      row('cold', 'commands', 'sh', [100, 200, 100]),
      row('cold', 'dvc-ts:repro', 'dvc-ts', [200, 300, 1100]),
      row('noop', 'make:q', 'make', [10, 20, 10]),
      row('noop', 'dvc-ts:repro', 'dvc-ts', [30, 40, 50]),
    ]);
    // Per round: (200-100)/10 = 10, (300-200)/10 = 10, (1100-100)/10 = 100.
    assert.deepEqual(findComparison(w, 'cold', 'dvc-ts:repro', 'commands', 'minus-per-stage'), { median: 10, min: 10, max: 100, n: 3 });
    // Per round: 3, 2, 5: the median of the ratios, not the ratio of the medians (40/10 = 4).
    assert.deepEqual(findComparison(w, 'noop', 'dvc-ts:repro', 'make:q', 'ratio'), { median: 3, min: 2, max: 5, n: 3 });
    const titles = comparisons(w).map((c) => c.title);
    assert.ok(titles.includes('no-op: dvc-ts repro ÷ make -q (built-in rules tried: no floor)'));
    assert.ok(!titles.some((t) => t.includes('snakemake')), 'no comparison without both rows');
  });

  test('net hashing rate: bytes over the cold − warm difference, round by round', () => {
    const w = workload('W3', 2, [
      row('hash-dir', 'dvc-ts:status', 'dvc-ts', [300, 400, 250], { bytes: 100e6 }),
      row('hash-dir', 'dvc-ts:status-warm', 'dvc-ts', [200, 200, 260]),
    ]);
    // 100 MB in 100 ms and in 200 ms; the third round (−10 ms) is noise and says nothing.
    assert.deepEqual(findComparison(w, 'hash-dir', 'dvc-ts:status', 'dvc-ts:status-warm', 'net-MBps'), { median: 750, min: 500, max: 1000, n: 2 });
  });

  test('the hashing phase alone: b3sum over the cold − warm difference, round by round', () => {
    const w = workload('W3', 2, [
      row('hash-file', 'b3sum:1', 'b3sum', [180, 200, 190, 170]),
      row('hash-file', 'dvc-ts:status', 'dvc-ts', [380, 350, 250, undefined as unknown as number]),
      row('hash-file', 'dvc-ts:status-warm', 'dvc-ts', [200, 150, 260, 150]),
    ]);
    // 180/180 = 1, 200/200 = 1; the third round (−10 ms) is noise; the fourth has no cold run.
    assert.deepEqual(findComparison(w, 'hash-file', 'b3sum:1', 'dvc-ts:status', 'ratio-net', 'dvc-ts:status-warm'), { median: 1, min: 1, max: 1, n: 2 });
    assert.ok(comparisons(w).some((c) => c.title.startsWith('cold hashing (file): hashing phase alone')));
  });

  test('throughput in MB/s from the median, and the largest dvc-ts RSS', () => {
    const r = row('hash-dir', 'dvc-ts:status', 'dvc-ts', [500, 1000, 2000], { bytes: 1e9, rssKb: 1000 });
    assert.equal(throughputMBps(r), 1000);
    const w = workload('W3', 2, [r, row('noop', 'dvc-ts:status', 'dvc-ts', [1], { rssKb: 3000 }), row('noop', 'node:start', 'node', [1], { rssKb: 9000 })]);
    assert.equal(peakDvcTsRssKb(w), 3000);
  });
});

function report(workloads: WorkloadResult[]): BenchReport {
  return {
    date: '2026-01-01T00:00:00.000Z',
    command: 'npm run bench',
    scale: 1,
    runs: 3,
    machine: { cpuModel: 'Test CPU', cores: 2, nodeVersion: 'v20.0.0', os: 'Linux', memoryGiB: 8, loadAvgStart: [0, 0, 0], loadAvgEnd: [0, 0, 0] },
    tools: [{ name: 'make', version: 'GNU Make 4.3' }, { name: 'dvc', missing: 'not installed' }],
    workloads,
    notes: ['a note'],
  };
}

describe('targets', () => {
  test('each target is met, not met, or not measured from the rows present', () => {
    const W1 = workload('W1', 100, [
      row('noop', 'make:rq', 'make', [10, 10, 10]),
      row('noop', 'dvc-ts:repro', 'dvc-ts', [25, 29, 35], { rssKb: 150_000 }),
      row('noop', 'snakemake:n', 'snakemake', [200, 200, 200]),
    ]);
    const W3 = workload('W3', 2, [
      row('noop', 'node:start', 'node', [40, 40, 40]),
      row('noop', 'dvc-ts:status', 'dvc-ts', [100, 100, 100], { rssKb: 250_000 }),
    ]);
    const checks = checkTargets(report([W1, W3]));
    const status = (prefix: string) => checks.find((c) => c.target.startsWith(prefix))?.status;
    assert.equal(status('W1 no-op repro ≤ 3× make -r -q'), 'met'); // 2.9× median
    assert.equal(status('W1 no-op status ≤ 3×'), 'not measured');
    assert.equal(status('W1 no-op repro ≥ 10×'), 'not met'); // 200/29 ≈ 6.9
    assert.equal(status('W3 warm re-check'), 'not met'); // 60 ms
    assert.equal(status('W2 per-stage'), 'not measured');
    assert.equal(status('W1 peak RSS'), 'met');
    assert.equal(status('W3 peak RSS'), 'not met'); // 256 MB
    assert.equal(status('W1 cost at scale 10'), 'not measured');
    assert.equal(status('W4 (100,000-file dep dir) no-op repro ≤ 1 s'), 'not measured');
    assert.equal(status('W5 (50 MB params file) peak RSS'), 'not measured');
  });

  test('linearity is judged on the ×10 ÷ ×1 ratio', () => {
    const r = report([]);
    r.linearity = { baseScale: 1, tenfoldScale: 10, baseShape: 'a', tenfoldShape: 'b', rows: [
      { figure: 'cold repro', label: 'dvc-ts repro', baseMs: 100, tenfoldMs: 1000, tenfoldRssKb: 100_000 },
      { figure: 'no-op repro', label: 'dvc-ts repro', baseMs: 100, tenfoldMs: 1500, tenfoldRssKb: 250_000 },
    ] };
    const checks = checkTargets(r);
    const lin = checks.filter((c) => c.target.includes('linear from'));
    assert.deepEqual(lin.map((c) => [c.measured, c.status]), [['10.00×', 'met'], ['15.00×', 'not met']]);
    const rss = checks.find((c) => c.target === 'W1 at scale 10 (linearity run) peak RSS < 200 MB');
    assert.deepEqual([rss?.measured, rss?.status], ['256.0 MB', 'not met']);
  });
});

describe('renderReport', () => {
  test('machine, tools, per-workload table with ratios, targets and notes', () => {
    const W1 = workload('W1', 100, [
      row('noop', 'make:rq', 'make', [10, 12], { label: 'make -r -q' }),
      row('noop', 'dvc-ts:repro', 'dvc-ts', [30, 36], { label: 'dvc-ts repro', figure: 'no-op repro', rssKb: 80_000 }),
      row('noop', 'dvc:repro', 'dvc', [undefined], { label: 'dvc repro', error: 'exit 1: boom | bang' }),
    ]);
    const text = renderReport(report([W1]));
    assert.match(text, /- CPU: Test CPU; cores: 2/);
    assert.match(text, /\| dvc \| not installed \|/);
    assert.match(text, /\| no-op repro \| dvc-ts \| `dvc-ts repro` \| 33\.0 \| 30\.0 \| 36\.0 \| 2 \| 81\.9 \|  \|/);
    assert.match(text, /\| failed: exit 1: boom \\\| bang \|/, 'a pipe inside a cell is escaped');
    assert.match(text, /\| no-op: dvc-ts repro ÷ make -r -q \(the floor\) \| 3\.00 \| 3\.00 \| 3\.00 \|/);
    assert.match(text, /## Targets/);
    assert.match(text, /- a note\n$/);
  });
});
