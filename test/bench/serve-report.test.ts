import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lostLines, renderGoals, renderLoadTable, renderSweepTable, renderSweepVerdict, rowsWithinP99, type LoadResult, type Round, type SweepRow } from '../../bench/serve/report.js';

const result = (over: Partial<LoadResult>): LoadResult => ({
  service: 'dvc-ts serve', detail: 'Node', requestsPerSecond: 9000, p50Ms: 1, p99Ms: 8, answered2xx: 1000, sent: 1050, failed: 0, logLines: 1050, ...over,
});

test('load report: lost lines are answers missing from the log, goals judged over the rounds', () => {
  assert.equal(lostLines(result({ logLines: 990 })), 10);
  assert.equal(lostLines(result({})), 0, 'lines of requests autocannon stopped waiting for are not losses');
  const rounds: Round[] = [
    { round: 1, ours: result({}), peer: result({ service: 'FastAPI + uvicorn', requestsPerSecond: 2000 }) },
    { round: 2, ours: result({ p99Ms: 25 }), peer: result({ service: 'FastAPI + uvicorn', requestsPerSecond: 4000 }) },
  ];
  const table = renderLoadTable(rounds);
  assert.equal(table.split('\n').length, 6);
  assert.match(table, /\| 2 \| FastAPI \+ uvicorn \(Node\) \| 4,000 \|/);
  const goals = renderGoals(rounds);
  assert.match(goals, /median 3\.38× \(rounds 2\.25–4\.50\) — met/);
  assert.match(goals, /p99 ≤ 20 ms: 8\.0–25\.0 ms over the rounds — NOT met/);
  assert.match(goals, /0 answered request\(s\) missing from the log — met/);
  const missing = renderGoals([{ round: 1, ours: result({ logLines: 999 }), peer: { service: 'FastAPI + uvicorn', missing: 'apt-get install python3-fastapi python3-uvicorn' } }]);
  assert.match(missing, /not measured \(FastAPI missing\)/);
  assert.match(missing, /1 answered request\(s\) missing from the log — NOT met/);
  assert.match(renderLoadTable([{ round: 1, ours: result({}), peer: { service: 'FastAPI + uvicorn', missing: 'x' } }]), /\| missing: x \|/);
});

const sweepRow = (connections: number, requestsPerSecond: number, p99Ms: number, over: Partial<SweepRow> = {}): SweepRow => ({
  connections, requestsPerSecond, p50Ms: 1, p99Ms, p999Ms: p99Ms * 2, answered2xx: requestsPerSecond * 10, failed: 0, loadBefore: [0.4, 0.6, 0.9], ...over,
});

test('concurrency sweep: p99 ≤ 20 ms holds up to the fastest row before the first one over the limit', () => {
  // Out of order on purpose: the verdict reads the rows by rising concurrency.
  const rows = [sweepRow(16, 15000, 12), sweepRow(1, 2500, 1), sweepRow(64, 21000, 35), sweepRow(4, 9000, 3)];
  assert.deepEqual(rowsWithinP99(rows, 20).map((r) => r.connections), [1, 4, 16]);
  const verdict = renderSweepVerdict(rows, 20, 0);
  assert.match(verdict, /p99 ≤ 20 ms holds up to 15,000 req\/s \(16 connection\(s\), p99 12\.0 ms\); at 64 connections p99 is 35\.0 ms at 21,000 req\/s/);
  assert.match(verdict, /1-min load average before the rows: 0\.40–0\.40/);
  assert.match(verdict, /0 answered request\(s\) missing from the log — met/);
  // A row with a failed request ends the range even under the limit; a later fast row does not count.
  assert.deepEqual(rowsWithinP99([sweepRow(1, 2500, 1), sweepRow(4, 9000, 3, { failed: 2 }), sweepRow(16, 15000, 5)], 20).map((r) => r.connections), [1]);
  assert.match(renderSweepVerdict([sweepRow(1, 2500, 25)], 20, 3), /holds at no concurrency measured \(p99 25\.0 ms at 1 connection\(s\)\)[\s\S]*3 answered request\(s\) missing from the log — NOT met/);
  assert.match(renderSweepVerdict([sweepRow(1, 2500, 2), sweepRow(4, 9000, 3)], 20, 0), /holds up to 9,000 req\/s \(4 connection\(s\), p99 3\.0 ms\), the highest concurrency measured/);
  const table = renderSweepTable(rows, 2);
  assert.match(table, /load average before \(1 \/ 5 \/ 15 min, 2 cores\)/);
  assert.match(table, /\| 64 \| 21,000 \| 1\.0 \| 35\.0 \| 70\.0 \| 210,000 \| 0 \| 0\.40 \/ 0\.60 \/ 0\.90 \|/);
});
