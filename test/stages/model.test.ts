// The classifier, its metrics, the energy estimate and the small pure helpers the stages use.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLogistic, predictProbability, sigmoid } from '../../stages/lib/logistic.js';
import { classificationMetrics, rocCurve } from '../../stages/lib/metrics.js';
import { estimateEnergy } from '../../stages/lib/energy.js';
import { parseCsv, formatCsv } from '../../stages/lib/csv.js';
import { deriveSeed, mulberry32, normal, shuffledIndices } from '../../stages/lib/prng.js';
import { emptyDataset, holdoutSplit, parseDataset } from '../../stages/lib/dataset.js';
import { fitOccupancyModel, parseModel, scoreDataset } from '../../stages/lib/model.js';
import { generateMonth, humidityRatio, weekdayOf } from '../../stages/lib/synth.js';
import { promotionVerdict } from '../../stages/lib/promotion.js';
import { HEADER, sampleRows } from './helpers.js';

describe('logistic regression', () => {
  test('learns a linearly separable toy problem perfectly', () => {
    const rand = mulberry32(7);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = rand() * 2 - 1;
      const b = rand() * 2 - 1;
      if (Math.abs(a + 2 * b) < 0.1) continue; // keep a margin around the boundary
      x.push([a, b]);
      y.push(a + 2 * b > 0 ? 1 : 0);
    }
    const coef = fitLogistic(x, y, { l2: 0, learningRate: 1, epochs: 2000 });
    const scores = x.map((row) => predictProbability(coef, row));
    assert.equal(classificationMetrics(scores, y, 0.5).accuracy, 1);
    assert.ok(coef.weights[1]! > coef.weights[0]! && coef.weights[0]! > 0, `weights ${coef.weights}`);
  });

  test('is deterministic and L2 shrinks the weights', () => {
    const x = [[0], [1], [2], [3]];
    const y = [0, 0, 1, 1];
    const a = fitLogistic(x, y, { l2: 0, learningRate: 0.5, epochs: 500 });
    const b = fitLogistic(x, y, { l2: 0, learningRate: 0.5, epochs: 500 });
    assert.deepEqual(a, b);
    const shrunk = fitLogistic(x, y, { l2: 1, learningRate: 0.5, epochs: 500 });
    assert.ok(Math.abs(shrunk.weights[0]!) < Math.abs(a.weights[0]!));
  });

  test('sigmoid is stable at the extremes', () => {
    assert.equal(sigmoid(1000), 1);
    assert.equal(sigmoid(-1000), 0);
    assert.equal(sigmoid(0), 0.5);
  });
});

describe('occupancy model', () => {
  test('fits the synthetic winter, survives missing readings, and round-trips through JSON', () => {
    const data = generateMonth({ seed: 1, year: 2024, month: 1, days: 14, intervalMinutes: 20 });
    data.features.humidity[5] = Number.NaN;
    const model = fitOccupancyModel({
      data, hyperparameters: { l2: 0.001, learningRate: 0.5, epochs: 200 }, decisionThreshold: 0.5,
      training: { reference_months: [1], current_month: 2, rows: 0, positives: 0, data_sha256: {} },
    });
    const scores = scoreDataset(model, data);
    assert.ok(scores.every((s) => Number.isFinite(s)));
    assert.ok(classificationMetrics(scores, data.occupied, 0.5).accuracy > 0.95);
    const again = parseModel(JSON.parse(JSON.stringify(model)), 'm.json');
    assert.deepEqual(scoreDataset(again, data), scores);
    assert.throws(() => parseModel({ ...model, weights: [1] }, 'models/x.json'), /models\/x\.json has malformed coefficients/);
  });
});

describe('metrics and promotion', () => {
  test('confusion counts, precision, recall, F1', () => {
    const m = classificationMetrics([0.9, 0.8, 0.3, 0.2, 0.6], [1, 0, 1, 0, 1], 0.5);
    assert.deepEqual([m.true_positives, m.false_positives, m.true_negatives, m.false_negatives], [2, 1, 1, 1]);
    assert.equal(m.precision, 2 / 3);
    assert.equal(m.recall, 2 / 3);
    assert.ok(Math.abs(m.f1 - 2 / 3) < 1e-15);
    assert.equal(m.accuracy, 0.6);
  });

  test('ROC curve runs from (0,0) to (1,1)', () => {
    const pts = rocCurve([0.9, 0.8, 0.3, 0.2], [1, 0, 1, 0]);
    assert.deepEqual(pts[0], { fpr: 0, tpr: 0, threshold: Infinity });
    assert.deepEqual(pts.at(-1), { fpr: 1, tpr: 1, threshold: 0.2 });
  });

  test('promotion needs the margin, and happens without a champion', () => {
    const result = (f1: number) => ({ model_id: 'x', metrics: { ...classificationMetrics([1], [1], 0.5), f1 }, energy: estimateEnergy([], [], 1, { setpointOccupiedC: 20, setpointUnoccupiedC: 16, kwhPerDegreeHour: 1 }) });
    assert.equal(promotionVerdict(result(0.9), null, 'f1', 0.01).promote, true);
    assert.equal(promotionVerdict(result(0.905), result(0.9), 'f1', 0.01).promote, false);
    assert.equal(promotionVerdict(result(0.92), result(0.9), 'f1', 0.01).promote, true);
  });

  test('energy estimate: setback savings, oracle and comfort violations', () => {
    const e = estimateEnergy([0, 0, 1, 1, 0], [0, 1, 1, 0, 0], 0.5, { setpointOccupiedC: 20, setpointUnoccupiedC: 16, kwhPerDegreeHour: 0.5 });
    // 3 readings set back × 0.5 h × 4 K × 0.5 kWh/(K·h) = 3 kWh; the truly empty readings are 3 too.
    assert.equal(e.saved_kwh, 3);
    assert.equal(e.oracle_saved_kwh, 3);
    assert.equal(e.comfort_violations, 1);
    assert.equal(e.comfort_violation_hours, 0.5);
    assert.equal(e.missed_setbacks, 1);
  });
});

describe('data helpers', () => {
  test('CSV: quotes, CRLF, field-count errors', () => {
    const t = parseCsv('a,b\r\n"x,1","say ""hi"""\r\n');
    assert.ok(!('error' in t));
    if (!('error' in t)) assert.deepEqual(t.records[0]!.fields, ['x,1', 'say "hi"']);
    assert.deepEqual(parseCsv('a,b\n1\n'), { error: 'expected 2 fields, found 1', line: 2 });
    assert.equal(formatCsv(['a'], [['x,y']]), 'a\n"x,y"\n');
  });

  test('seeded streams are reproducible and independent per label', () => {
    const a = mulberry32(deriveSeed(5, 'm1'));
    const b = mulberry32(deriveSeed(5, 'm1'));
    const c = mulberry32(deriveSeed(5, 'm2'));
    const xs = [a(), a(), a()];
    assert.deepEqual(xs, [b(), b(), b()]);
    assert.notDeepEqual(xs, [c(), c(), c()]);
    assert.deepEqual(shuffledIndices(10, mulberry32(3)).sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const r = mulberry32(11);
    const draws = Array.from({ length: 20000 }, () => normal(r));
    const m = draws.reduce((s, v) => s + v, 0) / draws.length;
    assert.ok(Math.abs(m) < 0.03, `mean ${m}`);
  });

  test('calendar and psychrometrics', () => {
    assert.equal(weekdayOf(2024, 1, 1), 0); // 1 January 2024 was a Monday
    assert.equal(weekdayOf(2024, 3, 3), 6);
    const hr = humidityRatio(21, 27);
    assert.ok(hr > 0.0039 && hr < 0.0043, String(hr)); // UCI occupancy data: ~0.0042 at 21 °C, 27 %
  });

  test('hold-out is the newest labelled rows', () => {
    const ds = parseDataset([HEADER, ...sampleRows(10)].join('\n'), { file: 'x.csv' });
    ds.occupied[9] = Number.NaN;
    const split = holdoutSplit(ds, 0.3);
    assert.deepEqual(split.holdout, [6, 7, 8]);
    assert.deepEqual(split.train, [0, 1, 2, 3, 4, 5]);
    assert.equal(emptyDataset().timestamp.length, 0);
  });
});
