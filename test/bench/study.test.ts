import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../helpers/repo.js';
import { chromiumSkip, countMarks, renderedDom } from '../helpers/chromium.js';
import type { MonthRecord, PolicyRow, PolicyRun } from '../../bench/study/policy.js';

// The retrain-policy study at a small size, through the real engine and the real example
// stages: 6 months of 3 days, summer at month 3, the concept change at month 5.
const MONTHS = 6;
const SEASON = 3;
const CONCEPT = 5;

interface StudyJson {
  events: { name: string; month: number }[];
  rows: PolicyRow[];
  runs: PolicyRun[];
}

describe('the retrain-policy study (small size)', () => {
  let out: string;
  let study: StudyJson;
  let stdout: string;
  const months = (policy: string): MonthRecord[] => study.runs.find((r) => r.policy.name === policy)!.months;
  const row = (policy: string): PolicyRow => study.rows.find((r) => r.policy === policy)!;

  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'dvc-ts-study-'));
    const r = await execa(
      process.execPath,
      [resolve(PROJECT_ROOT, 'dist/bench/study/run.js'), '--months', String(MONTHS), '--days', '3', '--season', String(SEASON), '--concept', String(CONCEPT), '--policies', 'every-1,every-3,drift', '--jobs', '3', '--out', out, '--quiet'],
      { reject: false, all: true },
    );
    assert.equal(r.exitCode, 0, String(r.all));
    stdout = String(r.stdout);
    study = JSON.parse(await readFile(join(out, 'study.json'), 'utf8')) as StudyJson;
  });
  after(async () => rm(out, { recursive: true, force: true }));

  test('one row per policy, every month recorded; month 1 has no model in production yet', () => {
    assert.deepEqual(study.rows.map((r) => r.policy), ['every-1', 'every-3', 'drift']);
    for (const run of study.runs) {
      assert.deepEqual(run.months.map((m) => m.month), [1, 2, 3, 4, 5, 6]);
      assert.equal(run.months[0]!.accuracy, null);
      assert.equal(run.months[0]!.retrained, true, 'no champion: every policy trains in month 1');
      for (const m of run.months.slice(1)) assert.ok(m.accuracy !== null && m.accuracy > 0 && m.accuracy <= 1, `${run.policy.name} month ${m.month}`);
    }
  });

  test('calendar policies retrain on their calendar: every month 6 times, every 3 months in months 1 and 4', () => {
    assert.equal(row('every-1').retrains, MONTHS);
    assert.deepEqual(months('every-3').filter((m) => m.retrained).map((m) => m.month), [1, 4]);
    assert.equal(row('every-3').retrains, 2);
    assert.deepEqual(row('every-3').latency, { 'seasonal change': 1, 'concept change': null });
    assert.deepEqual(row('every-1').latency, { 'seasonal change': 0, 'concept change': 0 });
  });

  test("the drift policy retrains exactly when the example's gates open (drift, or no champion)", () => {
    for (const m of months('drift')) assert.equal(m.retrained, m.drift || m.month === 1, `month ${m.month}`);
  });

  test('figures are consistent with the months they come from', () => {
    const reference = new Map(months('every-1').map((m) => [m.month, m.accuracy]));
    for (const r of study.rows) {
      const ms = months(r.policy);
      const lost = ms.reduce((s, m) => (m.accuracy === null ? s : s + Math.max(0, reference.get(m.month)! - m.accuracy)), 0);
      assert.ok(r.accuracyLost !== null && Math.abs(r.accuracyLost - lost) < 1e-12, r.policy);
      assert.ok(r.promotions <= r.retrains && r.promotions >= 1, r.policy);
      for (const m of ms) assert.equal(m.trainSeconds > 0, m.retrained, `${r.policy} month ${m.month}: compute only when it trained`);
      assert.ok(Math.abs(r.trainSeconds - ms.reduce((s, m) => s + m.trainSeconds, 0)) < 1e-9);
    }
    assert.equal(row('every-1').accuracyLost, 0);
  });

  test('the markdown table (file and terminal) and the self-contained HTML page', async () => {
    const md = await readFile(join(out, 'study.md'), 'utf8');
    const lines = md.split('\n').filter((l) => l.startsWith('|'));
    assert.equal(lines.length, 2 + 3);
    const retrainsColumn = lines[0]!.split(' | ').findIndex((c) => c === 'Retrains');
    assert.deepEqual(lines.slice(2).map((l) => Number(l.split(' | ')[retrainsColumn])), [6, 2, row('drift').retrains]);
    assert.ok(stdout.includes(lines[2]!), 'the table is printed on the terminal');
    const html = await readFile(join(out, 'study.html'), 'utf8');
    assert.match(html, /<table class="study">/);
    assert.doesNotMatch(html, /<script[^>]+src=/, 'no script loaded from elsewhere');
    const specs = JSON.parse(/<script type="application\/json" id="dvc-ts-specs">([\s\S]*?)<\/script>/.exec(html)![1]!) as { layer: { data: { values: unknown[] } }[] }[];
    assert.equal(specs.length, 1);
    assert.equal(specs[0]!.layer[1]!.data.values.length, 3 * (MONTHS - 1), 'one point per policy and month with a model');
    assert.equal(specs[0]!.layer[2]!.data.values.length, study.rows.reduce((s, r) => s + r.retrains, 0) - 3, 'a mark per retrain after month 1');
  });

  test('the chart as a browser draws it: a line per policy, a point per retrain with a model to measure, a rule per change', { skip: chromiumSkip }, async () => {
    const dom = await renderedDom(join(out, 'study.html'));
    assert.equal(countMarks(dom, 'line mark'), 3);
    assert.equal(countMarks(dom, 'point'), study.rows.reduce((s, r) => s + r.retrains, 0) - 3);
    assert.equal(countMarks(dom, 'rule mark'), 2);
  });
});
