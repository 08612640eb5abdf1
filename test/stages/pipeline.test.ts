// The example pipeline run stage by stage as real processes: the champion loop, determinism,
// drift in a summer month but not in a stable winter month, the bundle's manifest, the report.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { makeWorkdir, mustRun, readJsonFile, removeDir, setParams, runStage } from './helpers.js';

const OUTPUTS = [
  'data/reference.csv', 'data/current.csv', 'metrics/ingest.json', 'metrics/drift.json', 'reports/drift.json', 'reports/drift.html',
  'plots/drift_features.csv', 'models/challenger.json', 'metrics/train.json', 'reports/train.json', 'plots/train_search.csv',
  'metrics/evaluate.json', 'reports/evaluate.json', 'plots/roc.csv', 'bundle/model.json', 'bundle/MODEL_CARD.md', 'bundle/manifest.json',
];

function runAll(dir: string): void {
  for (const s of ['ingest', 'drift', 'train', 'evaluate', 'package'] as const) mustRun(dir, s);
}

interface FeatureJson { drifted: boolean; psi: number; ks_p_value: number | null; ks_statistic: number | null; wasserstein_normed: number | null }

describe('fresh clone, default params (stable month 3, no champion)', () => {
  let dir = '';
  before(async () => {
    dir = await makeWorkdir();
    runAll(dir);
  });
  after(() => removeDir(dir));

  test('no champion: drift says so and recommends training; evaluate promotes the first model', async () => {
    const drift = await readJsonFile(dir, 'reports/drift.json');
    assert.equal(drift['champion_exists'], false);
    assert.equal(drift['retrain_recommended'], true);
    assert.equal(drift['model'], null);
    assert.ok((drift['reasons'] as string[]).some((r) => r.includes('no champion')));
    const evaluation = await readJsonFile(dir, 'reports/evaluate.json');
    assert.equal(evaluation['promote'], true);
    assert.equal(evaluation['champion'], null);
    assert.match(String(evaluation['reason']), /no champion/);
  });

  test('a stable month shows no drift: every verdict, PSI and KS on light and temperature within thresholds', async () => {
    const drift = await readJsonFile(dir, 'reports/drift.json');
    assert.equal(drift['dataset_drift'], false);
    const features = drift['features'] as Record<string, FeatureJson>;
    for (const [name, f] of Object.entries(features)) {
      assert.equal(f.drifted, false, `${name} drifted`);
      assert.ok(f.psi < 0.1, `${name} PSI ${f.psi}`);
    }
    for (const name of ['light', 'temperature']) assert.ok(features[name]!.ks_p_value! > 0.05, `${name} KS p ${features[name]!.ks_p_value}`);
  });

  test('the manifest hashes match the bundle files', async () => {
    const manifest = await readJsonFile(dir, 'bundle/manifest.json');
    const files = manifest['files'] as Record<string, { sha256: string; size: number }>;
    const onDisk = (await readdir(join(dir, 'bundle'))).filter((n) => n !== 'manifest.json').sort();
    assert.deepEqual(Object.keys(files).sort(), onDisk);
    for (const [name, entry] of Object.entries(files)) {
      const bytes = await readFile(join(dir, 'bundle', name));
      assert.equal(entry.sha256, createHash('sha256').update(bytes).digest('hex'), name);
      assert.equal(entry.size, bytes.length, name);
    }
    const model = await readJsonFile(dir, 'bundle/model.json');
    assert.equal(manifest['model_id'], model['model_id']);
    assert.equal((model['lineage'] as unknown[]).length, 1);
    const card = await readFile(join(dir, 'bundle/MODEL_CARD.md'), 'utf8');
    for (const heading of ['## Training data', '## Drift and promotion history', '## Metrics', '## Known limitations']) assert.ok(card.includes(heading), heading);
  });

  test('reports/drift.html is self-contained with one <svg per feature', async () => {
    const html = await readFile(join(dir, 'reports/drift.html'), 'utf8');
    assert.ok(!/https?:\/\//.test(html), 'no http(s) references');
    assert.ok(!/<script|<link|@import|url\(/i.test(html), 'no scripts, stylesheets or fetched resources');
    assert.equal(html.match(/<svg/g)?.length, 7);
    for (const f of ['temperature', 'humidity', 'light', 'co2', 'humidity_ratio', 'hour', 'weekday']) assert.ok(html.includes(`id="feature-${f}"`), f);
  });

  test('a summer month drifts and the packaged champion is compared, beaten and replaced', async () => {
    await setParams(dir, { 'data.current_month': 7 });
    mustRun(dir, 'ingest');
    mustRun(dir, 'drift');
    const drift = await readJsonFile(dir, 'reports/drift.json');
    assert.equal(drift['dataset_drift'], true);
    assert.equal(drift['champion_exists'], true);
    const features = drift['features'] as Record<string, FeatureJson>;
    for (const name of ['light', 'temperature']) {
      const f = features[name]!;
      assert.equal(f.drifted, true, name);
      assert.ok(f.psi >= 0.1, `${name} PSI ${f.psi}`);
      assert.ok(f.ks_p_value! <= 0.05, `${name} KS p ${f.ks_p_value}`);
    }
    assert.equal(drift['performance_drift'], true);
    assert.equal(drift['prediction_drift'], true);
    const first = await readJsonFile(dir, 'bundle/model.json');
    mustRun(dir, 'train');
    mustRun(dir, 'evaluate');
    const evaluation = await readJsonFile(dir, 'reports/evaluate.json');
    assert.equal(evaluation['champion_exists'], true);
    assert.equal((evaluation['champion'] as { model_id: string }).model_id, first['model_id']);
    assert.equal(evaluation['promote'], true, String(evaluation['reason']));
    mustRun(dir, 'package');
    const second = await readJsonFile(dir, 'bundle/model.json');
    assert.notEqual(second['model_id'], first['model_id']);
    assert.deepEqual((second['lineage'] as { model_id: string }[]).map((e) => e.model_id), [first['model_id'], second['model_id']]);
  });

  test('package refuses when evaluate did not promote', async () => {
    const evaluation = await readJsonFile(dir, 'reports/evaluate.json');
    evaluation['promote'] = false;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'reports/evaluate.json'), JSON.stringify(evaluation));
    const r = runStage(dir, 'package');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^package: reports\/evaluate\.json says promote is false/);
  });
});

describe('determinism', () => {
  test('same params → byte-identical outputs in two separate directories', async () => {
    const a = await makeWorkdir();
    const b = await makeWorkdir();
    try {
      runAll(a);
      runAll(b);
      for (const path of OUTPUTS) {
        const [x, y] = await Promise.all([readFile(join(a, path)), readFile(join(b, path))]);
        assert.ok(x.equals(y), `${path} differs`);
      }
      // And a different seed really changes the data (the comparison above can fail).
      await setParams(b, { seed: 99 });
      mustRun(b, 'ingest');
      const [x, y] = await Promise.all([readFile(join(a, 'data/current.csv')), readFile(join(b, 'data/current.csv'))]);
      assert.ok(!x.equals(y));
    } finally {
      await removeDir(a);
      await removeDir(b);
    }
  });
});

describe('production logs', () => {
  test('logged requests join the current batch; unlabelled rows are kept but not evaluated', async () => {
    const dir = await makeWorkdir();
    try {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'data/logs/requests.csv'), [
        'timestamp,temperature,humidity,light,co2,humidity_ratio,hour,weekday,occupied',
        '2024-03-29T09:00,21.9,26.1,455.0,702.0,0.004210,9,4,',
        '2024-03-29T10:00,22.1,26.4,,731.5,0.004280,10,4,1',
      ].join('\n') + '\n');
      mustRun(dir, 'ingest');
      const ingest = await readJsonFile(dir, 'metrics/ingest.json');
      const current = ingest['current'] as { rows: number; log_rows: number; labelled_rows: number; generated_rows: number };
      assert.equal(current.log_rows, 2);
      assert.equal(current.rows, current.generated_rows + 2);
      assert.equal(current.labelled_rows, current.rows - 1);
      const text = await readFile(join(dir, 'data/current.csv'), 'utf8');
      assert.ok(text.trimEnd().endsWith('2024-03-29T10:00,22.10,26.40,,731.5,0.004280,10,4,1'));
    } finally {
      await removeDir(dir);
    }
  });
});
