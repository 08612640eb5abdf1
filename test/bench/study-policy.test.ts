import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { calendarOf, firstCalendarMonthFor } from '../../bench/study/calendar.js';
import { accuracyLost, calendarRetrain, detectionLatency, markdownTable, policyByName, summarize, type MonthRecord } from '../../bench/study/policy.js';

const month = (m: number, retrained: boolean, accuracy: number | null): MonthRecord => ({ month: m, retrained, promoted: retrained, accuracy, trainSeconds: retrained ? 1.5 : 0, drift: false });

describe('study calendar and policies (pure)', () => {
  test('simulated months map onto the calendar so that summer starts where asked', () => {
    assert.equal(firstCalendarMonthFor(6), 1);
    assert.equal(calendarOf(6, firstCalendarMonthFor(6)).month, 6);
    assert.equal(calendarOf(3, firstCalendarMonthFor(3)).month, 6);
    assert.equal(calendarOf(9, firstCalendarMonthFor(9)).month, 6);
    assert.deepEqual(calendarOf(13, 1), { year: 2025, month: 1, yearIndex: 1 });
    assert.deepEqual(calendarOf(0, 1), { year: 2023, month: 12, yearIndex: -1 });
    assert.deepEqual(calendarOf(-1, 3), { year: 2024, month: 1, yearIndex: 0 });
  });

  test('calendar policies retrain in month 1 and every N months after', () => {
    const months = (name: string) => [1, 2, 3, 4, 5, 6, 7].filter((t) => calendarRetrain(policyByName(name), t));
    assert.deepEqual(months('every-1'), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(months('every-3'), [1, 4, 7]);
    assert.deepEqual(months('every-6'), [1, 7]);
    assert.throws(() => calendarRetrain(policyByName('drift'), 1));
    assert.throws(() => policyByName('weekly'), /unknown policy/);
  });

  test('latency, accuracy lost and the summary row', () => {
    const every = [month(1, true, null), month(2, true, 0.9), month(3, true, 0.95), month(4, true, 0.9)];
    const lazy = [month(1, true, null), month(2, false, 0.8), month(3, false, 0.97), month(4, true, 0.6)];
    assert.equal(detectionLatency(lazy, 2), 2);
    assert.equal(detectionLatency(lazy, 5), null);
    assert.ok(Math.abs(accuracyLost(lazy, every) - (0.1 + 0 + 0.3)) < 1e-12, 'better months do not offset worse ones');
    const rows = summarize(
      [
        { policy: policyByName('every-1'), months: every },
        { policy: policyByName('drift'), months: lazy },
      ],
      [{ name: 'season', month: 2 }],
    );
    assert.deepEqual(rows.map((r) => [r.policy, r.retrains, r.latency['season'], r.trainSeconds]), [
      ['every-1', 4, 0, 6],
      ['drift', 2, 2, 3],
    ]);
    assert.equal(summarize([{ policy: policyByName('drift'), months: lazy }], [])[0]!.accuracyLost, null, 'nothing to compare with');
    const md = markdownTable(rows, [{ name: 'season', month: 2 }]).trim().split('\n');
    assert.equal(md.length, 4);
    assert.match(md[3]!, /^\| drift-triggered .* \| 2 mo \| 0\.400 \| 0\.790 \| 2 \| 2 \| 3\.0 \|$/);
  });
});
