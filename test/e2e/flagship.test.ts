// The flagship drift → retrain → evaluate → package pipeline, run by the real CLI in a temporary
// git repository holding the project's pipeline.yaml, params.yaml and stage sources. The stage
// programs come from this build (dist/stages), linked in, so the test needs no second build.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT, TempRepo } from '../helpers/repo.js';

interface DriftMetrics {
  dataset_drift: boolean;
  champion_exists: boolean;
  features: Record<string, { drifted: boolean; psi: number; ks_p_value: number }>;
  thresholds: { psi_threshold: number; ks_p_threshold: number };
}

describe('the flagship pipeline', () => {
  let repo: TempRepo;
  const setMonth = async (month: number) => {
    const params = await repo.read('params.yaml');
    await repo.write({ 'params.yaml': params.replace(/current_month: \d+/, `current_month: ${month}`) });
  };
  const mtime = async (rel: string) => (await stat(repo.path(rel))).mtimeMs;
  const json = async <T>(rel: string) => JSON.parse(await repo.read(rel)) as T;

  before(async () => {
    repo = await TempRepo.create();
    for (const f of ['pipeline.yaml', 'params.yaml', 'stages', 'data/logs/.gitkeep', '.dvc-ts/config.yaml', '.dvc-ts/.gitignore']) {
      await cp(join(PROJECT_ROOT, f), repo.path(f), { recursive: true });
    }
    await mkdir(repo.path('dist'));
    await symlink(join(PROJECT_ROOT, 'dist/stages'), repo.path('dist/stages'));
    await symlink(join(PROJECT_ROOT, 'node_modules'), repo.path('node_modules'));
    const params = await repo.read('params.yaml');
    assert.match(params, /current_month: 3\b/, 'the example starts in month 3');
  });
  after(async () => repo.remove());

  test('a fresh repository runs the whole pipeline, package included, with no champion', async () => {
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    const lock = parse(await repo.read('pipeline.lock')) as { stages: Record<string, { skipped?: boolean; outs?: unknown[] }> };
    for (const s of ['ingest', 'drift', 'train', 'evaluate', 'package']) {
      assert.ok(lock.stages[s], `${s} ran`);
      assert.equal(lock.stages[s]!.skipped, undefined, `${s} was not skipped`);
    }
    const drift = await json<DriftMetrics>('metrics/drift.json');
    assert.equal(drift.champion_exists, false);
    const evaluation = await json<{ promote: boolean }>('metrics/evaluate.json');
    assert.equal(evaluation.promote, true);
    await assertManifestMatches(repo);
  });

  test('a second repro runs nothing', async () => {
    const before = await Promise.all(['metrics/ingest.json', 'metrics/drift.json', 'metrics/train.json', 'metrics/evaluate.json', 'dist/model/manifest.json'].map(mtime));
    const lockBefore = await repo.read('pipeline.lock');
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /0 ran/);
    assert.deepEqual(await Promise.all(['metrics/ingest.json', 'metrics/drift.json', 'metrics/train.json', 'metrics/evaluate.json', 'dist/model/manifest.json'].map(mtime)), before);
    assert.equal(await repo.read('pipeline.lock'), lockBefore);
  });

  test('a stable month: ingest and drift rerun, train/evaluate/package are skipped by their gates', async () => {
    await setMonth(11);
    const trainBefore = await mtime('metrics/train.json');
    const driftBefore = await mtime('metrics/drift.json');
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.notEqual(await mtime('metrics/drift.json'), driftBefore, 'drift reran');
    assert.equal(await mtime('metrics/train.json'), trainBefore, 'train did not run');
    assert.match(r.stdout, /Stage 'train' skipped: gate closed \(dataset_drift = false/);
    assert.match(r.stdout, /Stage 'evaluate' skipped: gate closed/);
    assert.match(r.stdout, /Stage 'package' skipped: gate closed/);
    const drift = await json<DriftMetrics>('metrics/drift.json');
    assert.equal(drift.dataset_drift, false);
    assert.equal(drift.champion_exists, true);
    const status = JSON.parse((await repo.run(['status', '--json'])).stdout) as { upToDate: boolean; stages: { name: string; state: string }[] };
    assert.deepEqual(
      status.stages.map((s) => [s.name, s.state]),
      [['ingest', 'up-to-date'], ['drift', 'up-to-date'], ['train', 'gated'], ['evaluate', 'gated'], ['package', 'gated']],
    );
    assert.equal(status.upToDate, true);
  });

  test('a drifting month: drift found on light and temperature, train and evaluate run, package iff promote', async () => {
    await setMonth(7);
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    const drift = await json<DriftMetrics>('metrics/drift.json');
    assert.equal(drift.dataset_drift, true);
    for (const f of ['light', 'temperature']) {
      const feature = drift.features[f]!;
      assert.equal(feature.drifted, true, `${f} drifted`);
      assert.ok(feature.psi >= drift.thresholds.psi_threshold, `${f} PSI ${feature.psi} beyond ${drift.thresholds.psi_threshold}`);
      assert.ok(feature.ks_p_value <= drift.thresholds.ks_p_threshold, `${f} KS p ${feature.ks_p_value} beyond ${drift.thresholds.ks_p_threshold}`);
    }
    assert.match(r.stdout, /Running stage 'train'/);
    assert.match(r.stdout, /Running stage 'evaluate'/);
    const evaluation = await json<{ promote: boolean }>('metrics/evaluate.json');
    if (evaluation.promote) assert.match(r.stdout, /Running stage 'package'/);
    else assert.match(r.stdout, /Stage 'package' skipped: gate closed \(promote = false\)/);
    assert.equal(evaluation.promote, true, 'the summer model beats the winter champion');
    await assertManifestMatches(repo);
    const card = await repo.read('dist/model/MODEL_CARD.md');
    assert.match(card, /7/);
  });
});

async function assertManifestMatches(repo: TempRepo): Promise<void> {
  const manifest = JSON.parse(await repo.read('dist/model/manifest.json')) as { algorithm: string; files: Record<string, { sha256: string; size: number }> };
  assert.equal(manifest.algorithm, 'sha256');
  assert.ok(Object.keys(manifest.files).includes('model.json'));
  for (const [name, entry] of Object.entries(manifest.files)) {
    const bytes = await readFile(repo.path(join('dist/model', name)));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), entry.sha256, `${name} hash`);
    assert.equal(bytes.length, entry.size, `${name} size`);
  }
}
