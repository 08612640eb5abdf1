import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { calendarOf, firstCalendarMonthFor } from '../../bench/study/calendar.js';
import { accuracyLost, latency, policyByName, retrainedIn, runFigures, type MonthRecord, type PolicyRun } from '../../bench/study/policy.js';
import { goalsTable, scenarioTable } from '../../bench/study/report.js';
import { SCENARIOS, scenarioByName, studyMonth } from '../../bench/study/scenarios.js';
import { figuresOf, goals, summarize } from '../../bench/study/summary.js';
import { labelWindow } from '../../bench/study/window.js';
import { rowCount } from '../../stages/lib/dataset.js';

const month = (m: number, retrained: boolean, accuracy: number, promoted = retrained): MonthRecord => ({
  month: m, retrained, promoted, accuracy, estimatedAccuracy: accuracy + 0.01, trainSeconds: retrained ? 1.5 : 0, drift: false, driftedFeatures: [], gateOpen: retrained, qualityAlert: false,
  triggers: retrained ? ['dataset drift'] : [], labelledMonths: [m - 1],
});
const run = (policy: string, months: MonthRecord[], seed = 1, scenario = 'abrupt'): PolicyRun => ({ scenario, seed, policy, months, cacheBytesAdded: 1000 * months.filter((m) => m.retrained).length });

describe('study calendar, scenarios and policies (pure)', () => {
  test('simulated months map onto the calendar', () => {
    assert.equal(calendarOf(6, firstCalendarMonthFor(6)).month, 6);
    assert.deepEqual(calendarOf(13, 1), { year: 2025, month: 1, yearIndex: 1 });
    assert.deepEqual(calendarOf(0, 1), { year: 2023, month: 12, yearIndex: -1 });
  });

  test('labels of month m are read from month m + delay on, never before', () => {
    assert.deepEqual(labelWindow(5, 1), { reference: [1, 2, 3], labelled: 4, unlabelled: 5 });
    assert.deepEqual(labelWindow(5, 0), { reference: [2, 3, 4], labelled: 5 });
    assert.deepEqual(labelWindow(0, 2).labelled, -2, 'the first model trains on history before month 1');
  });

  test('calendar policies and the registry', () => {
    const months = (name: string) => [1, 2, 3, 4, 5, 6, 7].filter((t) => policyByName(name).retrainsIn!(t));
    assert.deepEqual(months('monthly'), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(months('every-3'), [1, 4, 7]);
    assert.deepEqual(months('never'), []);
    assert.equal(policyByName('drift').retrainsIn, undefined);
    assert.throws(() => policyByName('weekly'), /unknown policy/);
    assert.throws(() => scenarioByName('meteor'), /unknown scenario/);
  });

  test('every scenario gives reproducible, labelled months; only its change alters the office', () => {
    const shape = { days: 2, intervalMinutes: 60 };
    for (const s of SCENARIOS) {
      const a = studyMonth(s, 3, 7, shape);
      assert.deepEqual(studyMonth(s, 3, 7, shape), a, `${s.name}: same seed, same month`);
      assert.equal(rowCount(a), 48);
      assert.ok(a.occupied.every((y) => y === 0 || y === 1));
      assert.notDeepEqual(studyMonth(s, 3, 8, shape).features.co2, a.features.co2, `${s.name}: months differ`);
    }
    const quiet = scenarioByName('no-change');
    const abrupt = scenarioByName('abrupt');
    assert.deepEqual(studyMonth(abrupt, 3, 3, shape), studyMonth(quiet, 3, 3, shape), 'before the change, the abrupt scenario is the quiet one');
    const after = studyMonth(abrupt, 3, 6, shape);
    assert.deepEqual(after.occupied, studyMonth(quiet, 3, 6, shape).occupied, 'lighting changes readings, not who is in');
    const fault = studyMonth(scenarioByName('sensor-fault'), 3, 4, { days: 14, intervalMinutes: 20 });
    assert.ok(fault.features.temperature.includes(85), 'impossible temperature readings');
  });

  test('latency, accuracy lost, per-run figures, the summary across seeds and the goals', () => {
    const monthly = [month(1, true, 0.9), month(2, true, 0.95), month(3, true, 0.9)];
    const drift = [month(1, false, 0.8), month(2, false, 0.97), month(3, true, 0.6, false)];
    assert.equal(latency(drift, 2, retrainedIn), 1);
    assert.equal(latency(drift, 4, retrainedIn), null);
    assert.ok(Math.abs(accuracyLost(drift, monthly) - (0.1 + 0 + 0.3)) < 1e-12, 'better months do not offset worse ones');
    const f = runFigures(run('drift', drift), run('monthly', monthly), [{ name: 'change', month: 2 }]);
    assert.equal(f.retrains, 1);
    assert.equal(f.unnecessary, 1);
    assert.equal(f.response, 1);
    assert.equal(f.detection, null, 'no alert in any month');
    assert.equal(f.triggers['dataset drift'], 1);
    assert.ok(Math.abs(f.estimateError - 0.01) < 1e-12);
    const runs = [run('monthly', monthly), run('drift', drift), run('monthly', monthly, 2), run('drift', monthly.map((m) => ({ ...m, retrained: false })), 2)];
    const figures = figuresOf(runs, () => [{ name: 'change', month: 2 }]);
    const rows = summarize(runs, figures, ['abrupt'], ['monthly', 'drift']);
    assert.deepEqual(rows.map((r) => [r.policy, r.seeds, r.retrains]), [['monthly', 2, { mean: 3, min: 3, max: 3 }], ['drift', 2, { mean: 0.5, min: 0, max: 1 }]]);
    assert.deepEqual(rows[1]!.response, { spread: { mean: 1, min: 1, max: 1 }, never: 1 });
    const table = scenarioTable(rows, [{ name: 'change', month: 2 }]).trim().split('\n');
    assert.equal(table.length, 4);
    assert.match(table[3]!, /^\| drift-triggered .* \| 0\.200 \(0\.000–0\.400\) \| .* \| never in 2 of 2 \| 1\.0 mo; never in 1 of 2 \| 0\.5 \(0\.0–1\.0\) \| /);
    const g = goals(runs, figures);
    assert.deepEqual(g.map((x) => x.name).filter((n) => !n.startsWith('(diagnostic)')).slice(0, 3), ['accuracy lost vs monthly', 'retrains vs monthly', 'retrains that promote']);
    assert.equal(g.find((x) => x.name === 'retrains that promote')!.met, false);
    assert.ok(!g.some((x) => x.name.startsWith('no change')), 'a scenario not run has no goal');
    assert.match(goalsTable(g), /\| retrains vs monthly \| ≤ 40 % \| 17 % \| met \|/);
  });
});
