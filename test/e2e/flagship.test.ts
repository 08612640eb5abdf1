// The flagship build → drift → retrain → evaluate → package pipeline, run by the real CLI in a
// temporary git repository holding the project's pipeline.yaml, params.yaml and stage sources, as
// a user sees it: the pipeline compiles its own stage programs (its `build` stage), so an edited
// program reruns with the new code; `metrics diff` between months fits a screen; `repro --commit`
// writes a short message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readFile, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT, TempRepo } from '../helpers/repo.js';

interface DriftMetrics {
  dataset_drift: boolean;
  champion_exists: boolean;
}

interface DriftDetails extends DriftMetrics {
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
    await symlink(join(PROJECT_ROOT, 'node_modules'), repo.path('node_modules'));
    // The project's own ignores, and the link above (a symlink is not matched by `node_modules/`).
    await repo.write({ '.gitignore': `node_modules\n${await readFile(join(PROJECT_ROOT, '.gitignore'), 'utf8')}` });
    const params = await repo.read('params.yaml');
    assert.match(params, /current_month: 3\b/, 'the example starts in month 3');
  });
  after(async () => repo.remove());

  test('a fresh repository runs the whole pipeline, package included, with no champion', async () => {
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    const lock = parse(await repo.read('pipeline.lock')) as { stages: Record<string, { skipped?: boolean; outs?: unknown[] }> };
    for (const s of ['build', 'ingest', 'drift', 'train', 'evaluate', 'package']) {
      assert.ok(lock.stages[s], `${s} ran`);
      assert.equal(lock.stages[s]!.skipped, undefined, `${s} was not skipped`);
    }
    const drift = await json<DriftMetrics>('metrics/drift.json');
    assert.equal(drift.champion_exists, false);
    const evaluation = await json<{ promote: boolean }>('metrics/evaluate.json');
    assert.equal(evaluation.promote, true);
    await assertManifestMatches(repo);
    const untracked = (await repo.git('status', '--porcelain', '--untracked-files=all')).split('\n').map((l) => l.slice(3));
    for (const generated of ['build/stages/ingest.js', 'bundle/model.json', 'data/current.csv', 'reports/drift.json', 'models/challenger.json']) {
      assert.ok(!untracked.includes(generated), `${generated} is git-ignored`);
    }
    assert.ok(untracked.includes('metrics/drift.json') && untracked.includes('pipeline.lock'), 'metrics and the lock are for git');
    await repo.git('add', '-A');
    await repo.git('commit', '-qm', 'month 3');
  });

  test('a second repro runs nothing', async () => {
    const before = await Promise.all(['metrics/ingest.json', 'metrics/drift.json', 'metrics/train.json', 'metrics/evaluate.json', 'bundle/manifest.json'].map(mtime));
    const lockBefore = await repo.read('pipeline.lock');
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /0 ran/);
    assert.deepEqual(await Promise.all(['metrics/ingest.json', 'metrics/drift.json', 'metrics/train.json', 'metrics/evaluate.json', 'bundle/manifest.json'].map(mtime)), before);
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
    assert.match(r.stdout, /Stage 'train' skipped: gate closed \(champion_exists = true, retrain_waits_for = null, dataset_drift = false/);
    assert.match(r.stdout, /Stage 'evaluate' skipped: gate closed/);
    assert.match(r.stdout, /Stage 'package' skipped: gate closed/);
    const drift = await json<DriftMetrics>('metrics/drift.json');
    assert.equal(drift.dataset_drift, false);
    assert.equal(drift.champion_exists, true);
    const status = JSON.parse((await repo.run(['status', '--json'])).stdout) as { upToDate: boolean; stages: { name: string; state: string }[] };
    assert.deepEqual(
      status.stages.map((s) => [s.name, s.state]),
      [['build', 'up-to-date'], ['ingest', 'up-to-date'], ['drift', 'up-to-date'], ['train', 'gated'], ['evaluate', 'gated'], ['package', 'gated'], ['alert', 'up-to-date']],
    );
    assert.equal(status.upToDate, true);
  });

  test('a drifting month: drift found on light and temperature, train and evaluate run, package iff promote', async () => {
    await setMonth(7);
    const r = await repo.run(['repro', '--commit', '-m', 'Retrain on summer data']);
    assert.equal(r.code, 0, r.all);
    const drift = await json<DriftDetails>('reports/drift.json');
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
    const card = await repo.read('bundle/MODEL_CARD.md');
    assert.match(card, /7/);

    const message = await repo.git('log', '-1', '--format=%B');
    assert.ok(Buffer.byteLength(message) < 4096, `commit message of ${Buffer.byteLength(message)} bytes:\n${message}`);
    assert.match(message, /^Retrain on summer data/);
    assert.match(message, /promote/, 'the message names the promotion decision');
  });

  test('metrics diff between month 3 and month 7 fits one screen, changed metrics only', async () => {
    const r = await repo.run(['metrics', 'diff', 'HEAD~1', 'HEAD']);
    assert.equal(r.code, 0, r.all);
    const lines = r.stdout.trimEnd().split('\n');
    assert.ok(lines.length <= 40, `${lines.length} lines:\n${r.stdout}`);
    const widest = Math.max(...lines.map((l) => [...l].length));
    assert.ok(widest <= 120, `${widest} columns:\n${r.stdout}`);
    assert.match(lines[0]!, /HEAD~1\s+HEAD\b/, 'the header names both revisions');
    assert.match(r.stdout, /metrics\/drift\.json\s+dataset_drift\s+false\s+true/);
    assert.doesNotMatch(r.stdout, /histogram|margin/, 'no per-bin data; unchanged metrics are left out');
    const all = await repo.run(['metrics', 'diff', 'HEAD~1', 'HEAD', '--all']);
    assert.match(all.stdout, /metrics\/evaluate\.json\s+margin\s+0\.01\s+0\.01/, '--all shows unchanged metrics too');
  });

  test('an edited stage program reruns with the new code; reverting it restores the earlier outputs', async () => {
    // A champion was promoted since ingest last ran: ingest reads its training window as the
    // reference only when it runs again (a `previous: true` dep). Run it first, so the edit
    // below is the only change.
    assert.equal((await repo.run(['repro', '--force', 'ingest'])).code, 0);
    assert.equal((await repo.run(['repro'])).code, 0);
    const original = await repo.read('stages/ingest.ts');
    const lockBefore = await repo.read('pipeline.lock');
    await repo.write({ 'stages/ingest.ts': `${original}\nimport('node:fs').then((fs) => fs.writeFileSync('marker.txt', 'the edited program ran\\n'));\n` });
    const edited = await repo.run(['repro']);
    assert.equal(edited.code, 0, edited.all);
    assert.equal(await repo.read('marker.txt'), 'the edited program ran\n');
    assert.match(edited.stdout, /Running stage 'ingest'/);
    // Its outputs are byte-identical, so nothing downstream reruns (early cutoff).
    assert.doesNotMatch(edited.stdout, /Running stage '(drift|train|evaluate|package)'/);

    await repo.write({ 'stages/ingest.ts': original });
    const { rm } = await import('node:fs/promises');
    await rm(repo.path('marker.txt'));
    const reverted = await repo.run(['repro']);
    assert.equal(reverted.code, 0, reverted.all);
    assert.match(reverted.stdout, /Stage 'ingest' restored from the run-cache/);
    assert.equal(await repo.exists('marker.txt'), false, 'the old program did not run again');
    assert.equal(await repo.read('pipeline.lock'), lockBefore, 'the lock is as before the edit');
  });

  test('a library change reruns only the stages whose programs load it', async () => {
    const file = 'stages/lib/model-card.ts';
    const original = await repo.read(file);
    await repo.write({ [file]: `${original}\n// A comment: kept by tsc, so only the programs loading this file change.\n` });
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /Running stage 'build'/);
    assert.match(r.stdout, /Running stage 'package'/);
    assert.doesNotMatch(r.stdout, /Running stage '(ingest|drift|train|evaluate)'/);
    await repo.write({ [file]: original });
    assert.equal((await repo.run(['repro'])).code, 0);
  });
});

async function assertManifestMatches(repo: TempRepo): Promise<void> {
  const manifest = JSON.parse(await repo.read('bundle/manifest.json')) as { algorithm: string; files: Record<string, { sha256: string; size: number }> };
  assert.equal(manifest.algorithm, 'sha256');
  assert.ok(Object.keys(manifest.files).includes('model.json'));
  for (const [name, entry] of Object.entries(manifest.files)) {
    const bytes = await readFile(repo.path(join('bundle', name)));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), entry.sha256, `${name} hash`);
    assert.equal(bytes.length, entry.size, `${name} size`);
  }
}
