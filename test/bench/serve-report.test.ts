import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lostLines, renderGoals, renderLoadTable, type LoadResult, type Round } from '../../bench/serve/report.js';

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
