import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, utimes } from 'node:fs/promises';
import { TempRepo } from '../helpers/repo.js';

// Every stage appends a line to .runs/<stage> when its command really runs: the tests count
// those lines instead of reading log wording.
const PIPELINE = `stages:
  prepare:
    cmd: mkdir -p .runs && echo run >> .runs/prepare && tr a-z A-Z < data/raw.txt > data/prepared.txt
    deps: [data/raw.txt]
    outs: [data/prepared.txt]
  train:
    cmd: mkdir -p .runs && echo run >> .runs/train && cat data/prepared.txt > model.txt && echo lr=\${train.lr} >> model.txt
    deps: [data/prepared.txt]
    params: [train.epochs]
    outs: [model.txt]
  report:
    cmd: mkdir -p .runs && echo run >> .runs/report && wc -c < model.txt > metrics.txt
    deps: [model.txt]
    metrics:
      - metrics.txt:
          cache: false
  other:
    cmd: mkdir -p .runs && echo run >> .runs/other && cp data/other.txt other.out
    deps: [data/other.txt]
    outs: [other.out]
`;

const PARAMS = `train:
  lr: 0.1
  epochs: 3
unused:
  x: 1
`;

describe('repro reruns exactly the stale stages', () => {
  let repo: TempRepo;
  const counts = async () => ({
    prepare: await repo.count('.runs/prepare'),
    train: await repo.count('.runs/train'),
    report: await repo.count('.runs/report'),
    other: await repo.count('.runs/other'),
  });

  before(async () => {
    repo = await TempRepo.create({
      'pipeline.yaml': PIPELINE,
      'params.yaml': PARAMS,
      'data/raw.txt': 'hello\n',
      'data/other.txt': 'other\n',
    });
  });
  after(async () => repo.remove());

  test('first repro runs every stage and writes the lock', async () => {
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { prepare: 1, train: 1, report: 1, other: 1 });
    assert.equal(await repo.read('model.txt'), 'HELLO\nlr=0.1\n');
    const lock = await repo.read('pipeline.lock');
    assert.match(lock, /^schema: "?1\.0"?/m);
    for (const name of ['prepare', 'train', 'report', 'other']) assert.match(lock, new RegExp(`^  ${name}:`, 'm'));
    // The lock records the params the stage reads: declared and interpolated ones.
    assert.match(lock, /train\.epochs: 3/);
    assert.match(lock, /train\.lr: 0\.1/);
    assert.doesNotMatch(lock, /unused/);
  });

  test('a second repro runs nothing', async () => {
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { prepare: 1, train: 1, report: 1, other: 1 });
    assert.match(r.stdout, /up to date/);
  });

  test('touching a dep (new mtime, same bytes) reruns nothing', async () => {
    const later = new Date(Date.now() + 60_000);
    await utimes(repo.path('data/raw.txt'), later, later);
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { prepare: 1, train: 1, report: 1, other: 1 });
  });

  test('a changed dep reruns its stage and downstream only', async () => {
    await repo.write({ 'data/raw.txt': 'world\n' });
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { prepare: 2, train: 2, report: 2, other: 1 });
    assert.equal(await repo.read('model.txt'), 'WORLD\nlr=0.1\n');
  });

  test('early cutoff: an upstream that rebuilds identical outs does not rerun downstream', async () => {
    await repo.write({ 'data/raw.txt': 'WORLD\n' }); // uppercases to the same prepared.txt
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { prepare: 3, train: 2, report: 2, other: 1 });
  });

  test('a used param change reruns only the stages that read it; an unused one nothing', async () => {
    await repo.write({ 'params.yaml': PARAMS.replace('x: 1', 'x: 2') });
    let r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { prepare: 3, train: 2, report: 2, other: 1 });

    await repo.write({ 'params.yaml': PARAMS.replace('lr: 0.1', 'lr: 0.2') });
    r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { prepare: 3, train: 3, report: 3, other: 1 });
    assert.equal(await repo.read('model.txt'), 'WORLD\nlr=0.2\n');
  });

  test('status names the changed param with old and new values', async () => {
    await repo.write({ 'params.yaml': PARAMS.replace('lr: 0.1', 'lr: 0.2').replace('epochs: 3', 'epochs: 5') });
    const r = await repo.run(['status', '--json']);
    assert.equal(r.code, 0, r.all);
    const report = JSON.parse(r.stdout) as { upToDate: boolean; stages: { name: string; state: string; reasons: { kind: string; key?: string; old?: unknown; new?: unknown }[] }[] };
    assert.equal(report.upToDate, false);
    const train = report.stages.find((s) => s.name === 'train')!;
    assert.equal(train.state, 'stale');
    assert.deepEqual(train.reasons.map((x) => [x.kind, x.key, x.old, x.new]), [['param-modified', 'train.epochs', 3, 5]]);
    const q = await repo.run(['status', '-q']);
    assert.equal(q.code, 1);
    assert.equal(q.stdout, '');
    await repo.write({ 'params.yaml': PARAMS.replace('lr: 0.1', 'lr: 0.2') });
    assert.equal((await repo.run(['status', '-q'])).code, 0);
  });

  test('a cmd change reruns the stage', async () => {
    await repo.write({ 'pipeline.yaml': PIPELINE.replace('cp data/other.txt other.out', 'cat data/other.txt > other.out') });
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { prepare: 3, train: 3, report: 3, other: 2 });
  });

  test('a deleted out is restored from the cache without running', async () => {
    await rm(repo.path('model.txt'));
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { prepare: 3, train: 3, report: 3, other: 2 });
    assert.equal(await repo.read('model.txt'), 'WORLD\nlr=0.2\n');
  });

  test('reverting a param restores outs from the run-cache without running', async () => {
    await repo.write({ 'params.yaml': PARAMS }); // lr back to 0.1, as in an earlier run
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    // train comes from the run-cache, and so does report: its `cache: false` metric is kept in
    // the run-cache too (as DVC does), and comes back with the bytes of that earlier run.
    assert.deepEqual(await counts(), { prepare: 3, train: 3, report: 3, other: 2 });
    assert.equal((await repo.read('metrics.txt')).trim(), String('WORLD\nlr=0.1\n'.length));
    assert.equal(await repo.read('model.txt'), 'WORLD\nlr=0.1\n');
    assert.match(await repo.read('pipeline.lock'), /train\.lr: 0\.1/);
    // With the run-cache off, the same situation really runs the command.
    await repo.write({ 'params.yaml': PARAMS.replace('lr: 0.1', 'lr: 0.2') });
    const r2 = await repo.run(['repro', '--no-run-cache']);
    assert.equal(r2.code, 0, r2.all);
    assert.deepEqual(await counts(), { prepare: 3, train: 4, report: 4, other: 2 });
  });

  test('cached outs are git-ignored, uncached metrics are not', async () => {
    const ignore = await repo.read('.gitignore');
    assert.match(ignore, /^\/model\.txt$/m);
    assert.match(ignore, /^\/other\.out$/m);
    assert.doesNotMatch(ignore, /metrics\.txt/);
    assert.match(await repo.read('data/.gitignore'), /^\/prepared\.txt$/m);
  });

  test('checkout restores the workspace to the lock (an edit the cache lacks only with --force)', async () => {
    await repo.write({ 'model.txt': 'edited by hand\n' });
    await rm(repo.path('other.out'));
    const r = await repo.run(['checkout']);
    assert.equal(r.code, 1, r.all);
    assert.equal(await repo.read('model.txt'), 'edited by hand\n');
    assert.equal(await repo.read('other.out'), 'other\n');
    const forced = await repo.run(['checkout', '--force']);
    assert.equal(forced.code, 0, forced.all);
    assert.equal(await repo.read('model.txt'), 'WORLD\nlr=0.2\n');
  });

  test('--dry says what would run and runs nothing', async () => {
    await repo.write({ 'data/other.txt': 'changed\n' });
    const r = await repo.run(['repro', '--dry']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /other/);
    assert.equal(await repo.count('.runs/other'), 2);
    assert.equal(await repo.read('other.out'), 'other\n');
  });

  test('targets select a stage and its upstream; --downstream the other way', async () => {
    await repo.write({ 'data/raw.txt': 'again\n' });
    let r = await repo.run(['repro', 'prepare']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { prepare: 4, train: 4, report: 4, other: 2 });
    r = await repo.run(['repro', '--downstream', 'train']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { prepare: 4, train: 5, report: 5, other: 2 });
    r = await repo.run(['repro', 'nosuchstage']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown stage 'nosuchstage'/);
  });

  test('--force reruns up-to-date stages', async () => {
    assert.equal((await repo.run(['repro'])).code, 0);
    const before = await counts();
    assert.equal(before.other, 3);
    const r = await repo.run(['repro', '--force', 'other', '--single-item']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(await counts(), { ...before, other: before.other + 1 });
  });
});

describe('repro --check (CI)', () => {
  test('fails on a stale pipeline naming the stage, passes after repro', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': 'stages:\n  build:\n    cmd: cp in.txt out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n',
      'in.txt': 'a\n',
    });
    try {
      let r = await repo.run(['repro', '--check']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.stdout, /build: stale/);
      assert.equal(await repo.exists('out.txt'), false, 'the check runs nothing');
      assert.equal((await repo.run(['repro'])).code, 0);
      r = await repo.run(['repro', '--check']);
      assert.equal(r.code, 0, r.all);
      await repo.write({ 'out.txt': 'edited\n' });
      r = await repo.run(['repro', '--check']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.stdout, /out modified: out\.txt/);
    } finally {
      await repo.remove();
    }
  });
});
