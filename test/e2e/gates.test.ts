import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { TempRepo } from '../helpers/repo.js';

// check writes a verdict from data/level.txt; train is gated on it; deploy follows train.
const PIPELINE = `stages:
  check:
    cmd: mkdir -p .runs && echo run >> .runs/check && node -e "const l=+require('fs').readFileSync('data/level.txt','utf8');require('fs').writeFileSync('verdict.json',JSON.stringify({drift:l>\${threshold},level:l}))"
    deps: [data/level.txt]
    params: [threshold]
    metrics:
      - verdict.json:
          cache: false
  train:
    cmd: mkdir -p .runs && echo run >> .runs/train && cp data/level.txt model.txt
    deps: [data/level.txt]
    outs: [model.txt]
    when:
      file: verdict.json
      if: drift == true and level >= \${min_level}
  deploy:
    cmd: mkdir -p .runs && echo run >> .runs/deploy && cp model.txt deployed.txt
    deps: [model.txt]
    outs: [deployed.txt]
`;

describe('gated stages', () => {
  let repo: TempRepo;
  const counts = async () => ({ check: await repo.count('.runs/check'), train: await repo.count('.runs/train'), deploy: await repo.count('.runs/deploy') });

  before(async () => {
    repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': 'threshold: 5\nmin_level: 0\n', 'data/level.txt': '9\n' });
  });
  after(async () => repo.remove());

  test('an open gate runs the stage and records the decision in the lock', async () => {
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { check: 1, train: 1, deploy: 1 });
    const lock = parse(await repo.read('pipeline.lock')) as { stages: Record<string, { gate?: { open: boolean; values: Record<string, unknown> } }> };
    assert.deepEqual(lock.stages.train!.gate, { open: true, expr: 'drift == true and level >= 0', values: { drift: true, level: 9 } });
  });

  test('a closed gate skips the stale stage, keeps its outs, and downstream does not run', async () => {
    await repo.write({ 'data/level.txt': '2\n' });
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /skipped: gate closed \(drift = false\)/);
    assert.deepEqual(await counts(), { check: 2, train: 1, deploy: 1 });
    assert.equal(await repo.read('model.txt'), '9\n');
    const lock = parse(await repo.read('pipeline.lock')) as { stages: Record<string, { skipped?: boolean; gate?: { open: boolean; values: unknown } }> };
    assert.equal(lock.stages.train!.skipped, true);
    assert.deepEqual(lock.stages.train!.gate, { open: false, expr: 'drift == true and level >= 0', values: { drift: false } });
  });

  test('status shows the stage as gated, not stale, and -q passes', async () => {
    const r = await repo.run(['status', '--json']);
    assert.equal(r.code, 0, r.all);
    const report = JSON.parse(r.stdout) as { upToDate: boolean; stages: { name: string; state: string; gate?: { open: boolean } }[] };
    const train = report.stages.find((s) => s.name === 'train')!;
    assert.equal(train.state, 'gated');
    assert.equal(train.gate?.open, false);
    assert.equal(report.upToDate, true);
    assert.equal((await repo.run(['status', '-q'])).code, 0);
    assert.match((await repo.run(['status'])).stdout, /train: gated/);
  });

  test('a second repro runs nothing and still reports the gate', async () => {
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { check: 2, train: 1, deploy: 1 });
  });

  test('when the gate opens later the stage runs, though its other inputs did not change', async () => {
    // Lower the threshold: check reruns (its param changed) and now says drift.
    await repo.write({ 'params.yaml': 'threshold: 1\nmin_level: 0\n' });
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { check: 3, train: 2, deploy: 2 });
    assert.equal(await repo.read('deployed.txt'), '2\n');
  });

  test('a threshold in params.yaml interpolated into the condition is tracked', async () => {
    await repo.write({ 'params.yaml': 'threshold: 1\nmin_level: 5\n' });
    const status = JSON.parse((await repo.run(['status', '--json'])).stdout) as { stages: { name: string; state: string; reasons: { kind: string; key?: string }[] }[] };
    const train = status.stages.find((s) => s.name === 'train')!;
    assert.equal(train.state, 'gated');
    assert.deepEqual(train.reasons.map((x) => [x.kind, x.key]), [['param-modified', 'min_level']]);
  });

  test('--ignore-gates runs as if every gate were open', async () => {
    const r = await repo.run(['repro', '--ignore-gates']);
    assert.equal(r.code, 0, r.all);
    assert.equal(await repo.count('.runs/train'), 3);
    const lock = parse(await repo.read('pipeline.lock')) as { stages: Record<string, { gate?: { open: boolean; ignored?: boolean } }> };
    assert.equal(lock.stages.train!.gate?.ignored, true);
  });
});

describe('gate errors', () => {
  const stageWith = (when: string) => `stages:
  check:
    cmd: |-
      echo '{"drift": true}' > verdict.json
    outs: [verdict.json]
  train:
    cmd: echo run >> ran.count
    when:
${when}
`;
  test('bad syntax is a located error at load time; nothing runs', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': stageWith('      file: verdict.json\n      if: "drift =="') });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 2, r.all);
      assert.match(r.stderr, /pipeline\.yaml:10:\d+: .*gate/);
      assert.equal(await repo.exists('verdict.json'), false);
    } finally {
      await repo.remove();
    }
  });

  test('a file that no upstream stage produces is refused at load time', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': stageWith('      file: nowhere.json\n      if: drift') });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 2, r.all);
      assert.match(r.stderr, /pipeline\.yaml:\d+:\d+: .*nowhere\.json.*no stage produces/);
      assert.equal(await repo.exists('verdict.json'), false);
    } finally {
      await repo.remove();
    }
  });

  test('a path missing from the file at run time fails the stage, naming path and file', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': stageWith('      file: verdict.json\n      if: dataset_drift') });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.all, /'dataset_drift' not found in verdict\.json/);
      assert.equal(await repo.exists('ran.count'), false);
    } finally {
      await repo.remove();
    }
  });
});
