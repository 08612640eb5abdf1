import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../helpers/repo.js';
import { chromiumSkip, countMarks, renderedDom } from '../helpers/chromium.js';
import type { MonthRecord, PolicyRun } from '../../bench/study/policy.js';
import { TABLE_HEADERS } from '../../bench/study/report.js';
import type { Goal, PolicyRow } from '../../bench/study/summary.js';

// The retrain-policy study at its --quick size (one scenario, one seed, six months of four days)
// through the real engine and the real example stages, with its temp folder of its own.
const MONTHS = 6;
const DELAY = 1;

interface StudyJson {
  goals: Goal[];
  rows: PolicyRow[];
  runs: PolicyRun[];
}

describe('the retrain-policy study (--quick)', () => {
  let out: string;
  let temp: string;
  let study: StudyJson;
  let stdout: string;
  let liveOwner: string;
  const months = (policy: string): MonthRecord[] => study.runs.find((r) => r.policy === policy)!.months;
  const row = (policy: string): PolicyRow => study.rows.find((r) => r.policy === policy)!;

  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'dvc-ts-studytest-out-'));
    temp = await mkdtemp(join(tmpdir(), 'dvc-ts-studytest-tmp-'));
    // What a killed study leaves (its owner is gone), and the folder of a study still running (this process).
    const dead = await execa(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    await mkdir(join(temp, 'dvc-ts-study-killed/monthly-copy/build'), { recursive: true });
    await writeFile(join(temp, 'dvc-ts-study-killed/owner.pid'), `${dead.stdout}\n`);
    liveOwner = join(temp, 'dvc-ts-study-running');
    await mkdir(liveOwner);
    await writeFile(join(liveOwner, 'owner.pid'), `${process.pid}\n`);
    const r = await execa(
      process.execPath,
      [resolve(PROJECT_ROOT, 'dist/bench/study/run.js'), '--quick', '--delay', String(DELAY), '--jobs', '2', '--out', out],
      { reject: false, all: true, env: { TMPDIR: temp } },
    );
    assert.equal(r.exitCode, 0, String(r.all));
    stdout = String(r.stdout);
    study = JSON.parse(await readFile(join(out, 'study.json'), 'utf8')) as StudyJson;
  });
  after(async () => {
    await rm(out, { recursive: true, force: true });
    await rm(temp, { recursive: true, force: true });
  });

  test("a killed study's temp folder is swept, a running one's is not, and the run leaves nothing behind", async () => {
    assert.deepEqual((await readdir(temp)).sort(), ['dvc-ts-study-running']);
    assert.match(stdout, /Removed 1 study folder/);
  });

  test('one row per policy; every month recorded with a model in production', () => {
    assert.deepEqual(study.rows.map((r) => [r.scenario, r.policy, r.seeds]), [['abrupt', 'monthly', 1], ['abrupt', 'never', 1], ['abrupt', 'drift', 1]]);
    for (const run of study.runs) {
      assert.deepEqual(run.months.map((m) => m.month), [1, 2, 3, 4, 5, 6]);
      for (const m of run.months) assert.ok(m.accuracy > 0 && m.accuracy <= 1 && m.estimatedAccuracy > 0 && m.estimatedAccuracy <= 1, `${run.policy} month ${m.month}`);
    }
  });

  test('no policy reads a month’s labels before the delay', () => {
    for (const run of study.runs) {
      for (const m of run.months) {
        assert.ok(m.labelledMonths.length > 0);
        assert.ok(Math.max(...m.labelledMonths) <= m.month - DELAY, `${run.policy} month ${m.month} read labels of ${m.labelledMonths.join(', ')}`);
      }
    }
  });

  test('monthly retrains every month, never retrains never; the drift policy retrains exactly when a gate input opens', () => {
    assert.equal(row('monthly').retrains.mean, MONTHS);
    assert.ok(months('monthly').every((m) => m.retrained && m.triggers.join() === 'calendar'));
    assert.equal(row('never').retrains.mean, 0);
    assert.equal(row('never').trainSeconds.mean, 0);
    for (const m of months('drift')) assert.equal(m.retrained, m.gateOpen, `month ${m.month}`);
    for (const m of months('drift')) if (m.triggers.includes('dataset drift') || m.triggers.includes('performance drift')) assert.ok(m.drift);
  });

  test('figures are consistent with the months they come from', () => {
    const reference = new Map(months('monthly').map((m) => [m.month, m.accuracy]));
    for (const r of study.rows) {
      const ms = months(r.policy);
      const lost = ms.reduce((s, m) => s + Math.max(0, reference.get(m.month)! - m.accuracy), 0);
      assert.ok(Math.abs(r.accuracyLost.mean - lost) < 1e-12, r.policy);
      assert.equal(r.unnecessary.mean, ms.filter((m) => m.retrained && !m.promoted).length);
      for (const m of ms) assert.equal(m.trainSeconds > 0, m.retrained, `${r.policy} month ${m.month}: compute only when it trained`);
      assert.ok(r.cacheBytesAdded.mean > 0, `${r.policy}: every month caches its batch`);
    }
    assert.ok(row('monthly').cacheBytesAdded.mean > row('never').cacheBytesAdded.mean, 'retraining adds models and reports to the cache');
    assert.equal(row('monthly').accuracyLost.mean, 0);
    assert.ok(study.goals.some((g) => g.name === 'accuracy lost vs monthly'));
  });

  test('the markdown tables (file and terminal) and the self-contained HTML page', async () => {
    const md = await readFile(join(out, 'study.md'), 'utf8');
    const table = md.slice(md.indexOf('## abrupt concept change')).split('\n').filter((l) => l.startsWith('|') && !l.startsWith('|---'));
    assert.equal(table.length, 1 + 3);
    assert.equal(table[0], `| ${TABLE_HEADERS.join(' | ')} |`);
    const retrainsColumn = TABLE_HEADERS.indexOf('Retrains');
    assert.deepEqual(table.slice(1).map((l) => Number(l.split(' | ')[retrainsColumn])), [MONTHS, 0, row('drift').retrains.mean]);
    assert.ok(stdout.includes(table[1]!), 'the table is printed on the terminal');
    assert.match(md, /\| Goal \(drift-triggered policy\) \| Target \| Measured \|/);
    const html = await readFile(join(out, 'study.html'), 'utf8');
    assert.equal(html.match(/<table class="study">/g)?.length, 2, 'the goals and one table per scenario');
    assert.doesNotMatch(html, /<script[^>]+src=/, 'no script loaded from elsewhere');
    const specs = JSON.parse(/<script type="application\/json" id="dvc-ts-specs">([\s\S]*?)<\/script>/.exec(html)![1]!) as { layer: { data: { values: unknown[] } }[] }[];
    assert.equal(specs.length, 1, 'one chart per scenario');
    assert.equal(specs[0]!.layer[1]!.data.values.length, 3 * MONTHS, 'one point per policy and month');
  });

  test('the chart as a browser draws it: a line per policy, a point per month some seed retrained, a rule per change', { skip: chromiumSkip }, async () => {
    const dom = await renderedDom(join(out, 'study.html'));
    assert.equal(countMarks(dom, 'line mark'), 3);
    const retrainMonths = study.runs.reduce((s, r) => s + r.months.filter((m) => m.retrained).length, 0);
    assert.equal(countMarks(dom, 'point'), retrainMonths);
    assert.equal(countMarks(dom, 'rule mark'), 1);
  });
});
