// What the drift gate counts as evidence for a retrain: a performance drop against the champion's
// hold-out (not its own training rows) that is more than the labelled rows' sampling noise, and
// dataset drift that the labelled rows (what a retrain learns from) show too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { analyseModel, type ChampionScores } from '../../stages/lib/drift-analysis.js';
import { driftParams } from '../../stages/lib/drift-params.js';
import { classificationMetrics } from '../../stages/lib/metrics.js';
import { readParams } from '../../stages/lib/params.js';
import { normalSf, worsePValue } from '../../stages/lib/significance.js';
import { HEADER, makeWorkdir, mustRun, readJsonFile, REPO_PARAMS, removeDir, sampleRows } from './helpers.js';

describe('significance of a drop', () => {
  test('normal tail matches scipy.stats.norm.sf', () => {
    assert.ok(Math.abs(normalSf(1.959963985) - 0.025) < 1e-6);
    assert.ok(Math.abs(normalSf(0) - 0.5) < 1e-12);
    assert.ok(Math.abs(normalSf(-1.644853627) - 0.95) < 1e-6);
  });

  test('the same accuracy drop is noise on 50 rows and significant on 2000; an improvement never is', () => {
    const baseline = { value: 0.98, rows: 300 };
    assert.ok(worsePValue(baseline, { value: 0.92, rows: 50 }, true) > 0.05);
    assert.ok(worsePValue(baseline, { value: 0.92, rows: 2000 }, true) < 1e-6);
    assert.equal(worsePValue(baseline, { value: 0.99, rows: 2000 }, true), 1);
    assert.equal(worsePValue({ value: 0.02, rows: 300 }, { value: 0.01, rows: 2000 }, false), 1);
  });
});

/** Scores for `n` rows, all occupied, the first `wrong` of them scored on the wrong side. */
function batch(n: number, wrong: number): { scores: number[]; labels: number[] } {
  return { scores: Array.from({ length: n }, (_, i) => (i < wrong ? 0.1 : 0.9)), labels: new Array<number>(n).fill(1) };
}

function champion(current: { scores: number[]; labels: number[] }, holdout: ReturnType<typeof classificationMetrics> | null): ChampionScores {
  // Its own training rows: every one right, with confident scores (in-sample).
  const reference = { scores: [...new Array<number>(200).fill(0.99), ...new Array<number>(200).fill(0.01)], labels: [...new Array<number>(200).fill(1), ...new Array<number>(200).fill(0)] };
  return {
    modelId: 'm', decisionThreshold: 0.5, holdout,
    referenceScores: reference.scores, referenceLabels: reference.labels, referenceLabelledScores: reference.scores,
    currentScores: current.scores, currentLabels: current.labels, currentLabelledScores: current.scores,
  };
}

describe('performance drift: against the hold-out, beyond the noise', () => {
  let params: ReturnType<typeof driftParams>;
  before(async () => {
    params = driftParams(await readParams(REPO_PARAMS));
  });

  test('a 6-point accuracy drop on 50 labelled rows is not drift; on 2000 rows it is', () => {
    const holdout = classificationMetrics(batch(300, 6).scores, batch(300, 6).labels, 0.5);
    const few = analyseModel(champion(batch(50, 4), holdout), params);
    assert.equal(few.performance.reference_source, 'holdout');
    assert.ok(few.performance.accuracy_drop! >= params.performanceDropThreshold, `drop ${few.performance.accuracy_drop}`);
    assert.equal(few.performance.drifted, false, few.performance.reasons.join('; '));
    const many = analyseModel(champion(batch(2000, 160), holdout), params);
    assert.equal(many.performance.drifted, true);
    assert.match(many.performance.reasons.join('; '), /accuracy fell by 0\.06/);
  });

  test('new rows as good as the hold-out are no drift, though worse than the training rows', () => {
    const holdout = classificationMetrics(batch(300, 15).scores, batch(300, 15).labels, 0.5);
    const m = analyseModel(champion(batch(2000, 110), holdout), params);
    assert.equal(m.performance.drifted, false, m.performance.reasons.join('; '));
    // Without a hold-out (a champion packaged before it was recorded) the training rows are the baseline.
    const inSample = analyseModel(champion(batch(2000, 110), null), params);
    assert.equal(inSample.performance.reference_source, 'reference rows');
    assert.equal(inSample.performance.drifted, true);
  });
});

/** `n` labelled rows (or unlabelled), shifted in four of the seven features when `shifted`. */
function rows(n: number, opts: { shifted: boolean; labelled: boolean; day0: number }): string[] {
  return sampleRows(n).map((line, i) => {
    const c = line.split(',');
    const day = opts.day0 + Math.floor(i / 24);
    c[0] = `2024-${String(1 + Math.floor(day / 28)).padStart(2, '0')}-${String(1 + (day % 28)).padStart(2, '0')}T${c[0]!.slice(11)}`;
    if (opts.shifted) {
      c[1] = (Number(c[1]) + 8).toFixed(2);
      c[2] = (Number(c[2]) + 30).toFixed(2);
      c[4] = (Number(c[4]) + 600).toFixed(1);
      c[5] = (Number(c[5]) + 0.004).toFixed(6);
    }
    if (!opts.labelled) c[8] = '';
    return c.join(',');
  });
}

describe('dataset drift only in rows without labels: retraining waits for their labels', () => {
  let dir = '';
  const writeBatch = (name: string, lines: string[]) => writeFile(join(dir, name), [HEADER, ...lines].join('\n') + '\n');
  before(async () => {
    // The volume trigger is kept out of the way: only dataset drift may open the gate here.
    dir = await makeWorkdir({ 'triggers.new_data_fraction': 100 });
    // A first champion, trained and packaged on unshifted rows.
    await writeBatch('data/reference.csv', rows(480, { shifted: false, labelled: true, day0: 0 }));
    await writeBatch('data/current.csv', rows(480, { shifted: false, labelled: true, day0: 20 }));
    for (const stage of ['drift', 'train', 'evaluate', 'package'] as const) mustRun(dir, stage);
  });
  after(() => removeDir(dir));

  test('labelled rows like the reference, unlabelled rows shifted: drift found, train waits for labels', async () => {
    await writeBatch('data/current.csv', [
      ...rows(300, { shifted: false, labelled: true, day0: 40 }), ...rows(500, { shifted: true, labelled: false, day0: 53 }),
    ]);
    mustRun(dir, 'drift');
    const m = await readJsonFile(dir, 'metrics/drift.json');
    assert.equal(m['dataset_drift'], true);
    assert.equal(m['performance_drift'], false);
    assert.match(String(m['retrain_waits_for']), /^labels: the drift is in rows without labels \(\d of 7 features drift in the batch, \d in its labelled rows\)$/);
    assert.equal(m['retrain_recommended'], false);
  });

  test('the shifted rows labelled: the same drift opens the gate', async () => {
    await writeBatch('data/current.csv', [
      ...rows(300, { shifted: false, labelled: true, day0: 40 }), ...rows(500, { shifted: true, labelled: true, day0: 53 }),
    ]);
    mustRun(dir, 'drift');
    const m = await readJsonFile(dir, 'metrics/drift.json');
    assert.equal(m['dataset_drift'], true);
    assert.equal(m['retrain_waits_for'], null);
    assert.equal(m['retrain_recommended'], true);
  });
});
