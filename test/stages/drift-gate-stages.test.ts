// The drift gate's inputs, stage by stage (compiled programs as real processes on real files):
// too few rows is "not enough data" and no decision; late labels are joined to requests by id;
// rows the service flagged or that break quality.ranges are quarantined and counted; and the
// label-free performance estimate (CBPE) tracks the truth on calibrated scores.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectedPerformance, fitIsotonic } from '../../stages/lib/cbpe.js';
import { mulberry32 } from '../../stages/lib/prng.js';
import { HEADER, makeWorkdir, readJsonFile, removeDir, runStage, sampleRows } from './helpers.js';

describe('not enough data: no decision', () => {
  let dir = '';
  before(async () => {
    dir = await makeWorkdir({ 'drift.min_rows': 500 });
    await writeFile(join(dir, 'data/reference.csv'), [HEADER, ...sampleRows(480)].join('\n') + '\n');
    // Temperature shifted far enough to drift when there are enough rows.
    await writeFile(join(dir, 'data/current.csv'), [HEADER, ...sampleRows(100, 15)].join('\n') + '\n');
  });
  after(() => removeDir(dir));

  test('100 rows under drift.min_rows 500: "not enough data" with the count, no drift flag, retraining waits', async () => {
    const r = runStage(dir, 'drift');
    assert.equal(r.status, 0, r.stderr);
    const m = await readJsonFile(dir, 'metrics/drift.json');
    assert.equal(m['decision'], 'not enough data: 100 of 500 rows');
    assert.equal(m['enough_data'], false);
    assert.equal(m['dataset_drift'], false);
    assert.equal(m['n_drifted_features'], 0);
    assert.equal(m['retrain_waits_for'], 'not enough data: 100 of 500 rows');
  });

  test('the same rows with drift.min_rows 50: a decision (temperature drifts)', async () => {
    const d2 = await makeWorkdir({ 'drift.min_rows': 50 });
    try {
      await writeFile(join(d2, 'data/reference.csv'), await readFile(join(dir, 'data/reference.csv')));
      await writeFile(join(d2, 'data/current.csv'), await readFile(join(dir, 'data/current.csv')));
      assert.equal(runStage(d2, 'drift').status, 0);
      const m = await readJsonFile(d2, 'metrics/drift.json');
      assert.equal(m['enough_data'], true);
      assert.equal(m['decision'], 'no drift');
      assert.ok((m['n_drifted_features'] as number) >= 1);
      const details = await readJsonFile(d2, 'reports/drift.json');
      assert.ok((details['drifted_features'] as string[]).includes('temperature'));
    } finally {
      await removeDir(d2);
    }
  });
});

describe('ingest: late labels and quarantine', () => {
  let dir = '';
  const features = { temperature: 21, humidity: 30, light: 400, co2: 700, humidity_ratio: 0.004, hour: 9, weekday: 1 };
  const line = (id: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ timestamp: `2026-12-07T09:00:0${id.slice(-1)}.000Z`, request_id: id, model_version: 'm', score: 0.9, prediction: 1, features: { ...features, ...extra } });
  before(async () => {
    dir = await makeWorkdir();
  });
  after(() => removeDir(dir));

  test('labels join requests by id; flagged and out-of-range rows are quarantined and counted', async () => {
    await writeFile(join(dir, 'data/logs/requests-a.jsonl'), [
      line('r1'), line('r2'), line('r3', { co2: 99999 }),
      JSON.stringify({ ...JSON.parse(line('r4')), features: { ...features, temperature: null }, quality: { out_of_range: [], non_finite: ['temperature'] } }),
    ].join('\n') + '\n');
    await writeFile(join(dir, 'data/logs/labels-x.jsonl'), '{"request_id": "r1", "occupied": 1}\n{"request_id": "r9", "occupied": 0}\n');
    const r = runStage(dir, 'ingest');
    assert.equal(r.status, 0, r.stderr);
    const m = await readJsonFile(dir, 'metrics/ingest.json');
    const current = m['current'] as Record<string, number>;
    assert.equal(current['log_rows'], 2);
    assert.equal(current['log_labelled_rows'], 1);
    assert.equal(current['labels_joined'], 1);
    assert.equal(current['labels_unmatched'], 1);
    const q = m['data_quality'] as { rows_quarantined: number; out_of_range_rows: number; non_finite_rows: number; by_feature: Record<string, number> };
    assert.equal(q.rows_quarantined, 2);
    assert.equal(q.out_of_range_rows, 1);
    assert.equal(q.non_finite_rows, 1);
    assert.deepEqual(q.by_feature, { co2: 1, temperature: 1 });
    const csv = await readFile(join(dir, 'data/current.csv'), 'utf8');
    assert.ok(csv.includes('2026-12-07T09:00:01.000Z,21.00,30.00,400.0,700.0,0.004000,9,1,1'), 'the labelled request is in the batch with its label');
    assert.ok(!csv.includes('99999'), 'the out-of-range reading never reaches the batch');
  });

  test('a bad labels line names file and line', async () => {
    await writeFile(join(dir, 'data/logs/labels-x.jsonl'), '{"request_id": "r1", "occupied": 1}\n{"request_id": "r2", "occupied": "yes"}\n');
    const r = runStage(dir, 'ingest');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^ingest: data\/logs\/labels-x\.jsonl:2: expected \{"request_id": "…", "occupied": 0 or 1\}/);
  });
});

test('CBPE: on calibrated scores the expected accuracy is within 0.02 of the realised one', () => {
  const rand = mulberry32(7);
  const scores = Array.from({ length: 4000 }, () => rand());
  const labels = scores.map((p) => (rand() < p ? 1 : 0));
  const calibration = fitIsotonic(scores.slice(0, 2000), labels.slice(0, 2000));
  for (let i = 1; i < calibration.probability.length; i++) assert.ok(calibration.probability[i]! >= calibration.probability[i - 1]!, 'isotonic');
  const estimate = expectedPerformance(scores.slice(2000), calibration, 0.5)!;
  const truth = scores.slice(2000).filter((s, i) => (s >= 0.5 ? 1 : 0) === labels[2000 + i]).length / 2000;
  assert.ok(Math.abs(estimate.accuracy - truth) < 0.02, `estimated ${estimate.accuracy} vs true ${truth}`);
});
