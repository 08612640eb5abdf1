// DVC's semantics where dvc-ts used to differ (issue 9), through the real CLI in temporary git
// repositories: the run-cache with `cache: false` outs, a params file an earlier stage writes,
// deps outside the repository, outs outside it refused before anything runs, and a damaged
// cache object that makes the stage run again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { TempRepo } from '../helpers/repo.js';
import { flipFirstByte } from '../cache/fixtures.js';

interface LockShape {
  stages: Record<string, { deps?: { path: string; hash: string }[]; params?: Record<string, Record<string, unknown>>; outs?: { path: string; hash: string }[] }>;
}
interface StatusShape {
  upToDate: boolean;
  stages: { name: string; state: string; outcome: string; summary: string; reasons: { kind: string; path?: string; file?: string }[] }[];
}

const statusOf = async (repo: TempRepo): Promise<StatusShape> => {
  const r = await repo.run(['status', '--json']);
  assert.equal(r.code, 0, r.all);
  return JSON.parse(r.stdout) as StatusShape;
};

describe('run-cache with cache: false outs', () => {
  // train writes a cached model and an uncached metrics file, as most DVC pipelines do.
  const PIPELINE = `stages:
  train:
    cmd: |-
      mkdir -p .runs && echo run >> .runs/train && echo "model lr=\${lr} $(date +%N)" > model.bin && echo "{\\"lr\\": \${lr}, \\"t\\": \\"$(date +%N)\\"}" > metrics.json
    params: [lr]
    outs: [model.bin]
    metrics:
      - metrics.json:
          cache: false
`;
  let repo: TempRepo;
  before(async () => {
    repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': 'lr: 1\n' });
  });
  after(async () => repo.remove());

  test('reverting a param restores model and metrics from the run-cache without running', async () => {
    assert.equal((await repo.run(['repro'])).code, 0);
    const first = { model: await repo.read('model.bin'), metrics: await repo.read('metrics.json') };
    await repo.write({ 'params.yaml': 'lr: 2\n' });
    assert.equal((await repo.run(['repro'])).code, 0);
    assert.equal(await repo.count('.runs/train'), 2);
    assert.notEqual(await repo.read('metrics.json'), first.metrics);

    await repo.write({ 'params.yaml': 'lr: 1\n' });
    // All three commands take the same decision before anything happens.
    const status = await statusOf(repo);
    assert.equal(status.stages[0]!.outcome, 'run-cache');
    const dry = await repo.run(['repro', '--dry']);
    assert.match(dry.stdout, /Would restore 'train' from the run-cache/);
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /restored from the run-cache/);
    assert.equal(await repo.count('.runs/train'), 2, 'train did not run');
    assert.equal(await repo.read('metrics.json'), first.metrics, 'the uncached metrics of the lr=1 run are back');
    assert.equal(await repo.read('model.bin'), first.model);
    assert.equal((await repo.run(['status', '-q'])).code, 0, 'the lock agrees with the restored workspace');
    assert.doesNotMatch(await repo.read('.gitignore').catch(() => ''), /metrics\.json/, 'the metrics file stays git-tracked');
  });

  test('an up-to-date stage never has its uncached out overwritten from the run-cache', async () => {
    await repo.write({ 'metrics.json': '{"edited": "by hand"}\n' });
    // The edited metric makes the stage stale (out modified), so it runs: never a silent restore.
    const status = await statusOf(repo);
    assert.equal(status.stages[0]!.reasons[0]!.kind, 'out-modified');
    assert.notEqual(status.stages[0]!.outcome, 'restore');
  });
});

describe('a params file written by an earlier stage', () => {
  const PIPELINE = `stages:
  tune:
    cmd: |-
      mkdir -p .runs && echo run >> .runs/tune && echo "lr: \${search.top}" > best.yaml
    params: [search.top]
    outs:
      - best.yaml:
          cache: false
  train:
    cmd: mkdir -p .runs && echo run >> .runs/train && cat best.yaml > model.txt
    params:
      - best.yaml: [lr]
    outs: [model.txt]
`;
  let repo: TempRepo;
  before(async () => {
    repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': 'search:\n  top: 0.5\n' });
  });
  after(async () => repo.remove());

  test('status, --dry and repro work from scratch; the params file is a DAG edge', async () => {
    const status = await statusOf(repo);
    const train = status.stages.find((s) => s.name === 'train')!;
    assert.equal(train.outcome, 'pending');
    assert.match(train.summary, /may run: depends on what tune writes/);
    assert.deepEqual(train.reasons.map((r) => [r.kind, r.file]), [['never-run', undefined], ['params-missing', 'best.yaml']]);
    const dry = await repo.run(['repro', '--dry']);
    assert.equal(dry.code, 0, dry.all);
    assert.match(dry.stdout, /Stage 'train' may run: depends on what tune writes/);
    const dag = await repo.run(['dag', '--dot']);
    assert.match(dag.stdout, /"tune" -> "train"/);

    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.equal(await repo.read('model.txt'), 'lr: 0.5\n');
    const lock = parse(await repo.read('pipeline.lock')) as LockShape;
    assert.deepEqual(lock.stages.train!.params, { 'best.yaml': { lr: 0.5 } });
    assert.equal((await repo.run(['status', '-q'])).code, 0);
  });

  test('when tune writes a new best.yaml, train reruns in the same repro with the new value', async () => {
    await repo.write({ 'params.yaml': 'search:\n  top: 0.7\n' });
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.equal(await repo.count('.runs/train'), 2);
    assert.equal(await repo.read('model.txt'), 'lr: 0.7\n');
    assert.equal((await repo.run(['status', '-q'])).code, 0);
  });

  test('a params file no stage writes and nobody made fails the stage, not the load', async () => {
    await repo.write({ 'pipeline.yaml': PIPELINE.replace('- best.yaml: [lr]', '- nowhere.yaml: [lr]') });
    const list = await repo.run(['stage', 'list', '--name-only']);
    assert.equal(list.code, 0, list.all);
    const r = await repo.run(['repro']);
    assert.equal(r.code, 1, r.all);
    assert.match(r.stdout, /Stage 'train' failed: missing dependencies: nowhere\.yaml/);
  });
});

describe('deps outside the repository', () => {
  let repo: TempRepo;
  let outside: string;
  let upRel: string;
  before(async () => {
    outside = await mkdtemp(join(tmpdir(), 'dvc-ts-outside-'));
    await writeFile(join(outside, 'abs.csv'), 'a,b\n1,2\n');
    await writeFile(join(outside, 'up.csv'), 'x\n');
    repo = await TempRepo.create({});
    upRel = relative(repo.root, join(outside, 'up.csv'));
    assert.match(upRel, /^\.\.\//);
    await repo.write({
      'pipeline.yaml': `stages:
  use:
    cmd: mkdir -p .runs && echo run >> .runs/use && cat ${join(outside, 'abs.csv')} ${upRel} > joined.txt
    deps:
      - ${join(outside, 'abs.csv')}
      - ${upRel}
    outs: [joined.txt]
`,
    });
  });
  after(async () => {
    await repo.remove();
    await rm(outside, { recursive: true, force: true });
  });

  test('are hashed and recorded in the lock, never cached or moved', async () => {
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    const lock = parse(await repo.read('pipeline.lock')) as LockShape;
    const deps = lock.stages.use!.deps!;
    assert.deepEqual(deps.map((d) => d.path).sort(), [join(outside, 'abs.csv'), upRel].sort());
    for (const d of deps) assert.match(d.hash, /^[0-9a-f]{64}$/);
    const cached = await readdir(repo.path('.dvc-ts/cache/files/b3'), { recursive: true });
    for (const d of deps) assert.ok(!cached.some((f) => f.replace(/[\\/]/g, '') === d.hash), `dep ${d.path} is not in the cache`);
    assert.equal(await repo.run(['repro']).then((x) => x.code), 0);
    assert.equal(await repo.count('.runs/use'), 1);
  });

  test('a change to either makes the stage stale, and repro reruns it', async () => {
    await writeFile(join(outside, 'abs.csv'), 'a,b\n3,4\n');
    let status = await statusOf(repo);
    assert.deepEqual(status.stages[0]!.reasons.map((x) => [x.kind, x.path]), [['dep-modified', join(outside, 'abs.csv')]]);
    assert.equal((await repo.run(['repro'])).code, 0);
    assert.equal(await repo.count('.runs/use'), 2);
    await writeFile(join(outside, 'up.csv'), 'y\n');
    status = await statusOf(repo);
    assert.deepEqual(status.stages[0]!.reasons.map((x) => [x.kind, x.path]), [['dep-modified', upRel]]);
    assert.equal((await repo.run(['repro'])).code, 0);
    assert.equal(await repo.count('.runs/use'), 3);
    assert.equal(await repo.read('joined.txt'), 'a,b\n3,4\ny\n');
  });
});

describe('an out outside the repository', () => {
  const PIPELINE = `stages:
  first:
    cmd: mkdir -p .runs && echo run >> .runs/first && echo 1 > a.txt
    outs: [a.txt]
  escape:
    cmd: mkdir -p .runs && echo run >> .runs/escape && echo 2 > ../escaped.txt
    deps: [a.txt]
    outs: [../escaped.txt]
`;
  test('is refused by repro and checkout before any stage runs; listing commands still describe it', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 2, r.all);
      assert.match(r.stderr, /pipeline\.yaml:8:\d+: output '\.\.\/escaped\.txt' of stage 'escape' is outside the repository/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(await repo.exists('.runs/first'), false, 'no stage ran');
      assert.equal(await repo.exists('a.txt'), false);
      const checkout = await repo.run(['checkout']);
      assert.equal(checkout.code, 2, checkout.all);
      assert.match(checkout.stderr, /outside the repository/);
      const list = await repo.run(['stage', 'list', '--name-only']);
      assert.equal(list.code, 0, list.all);
      assert.deepEqual(list.stdout.trim().split('\n'), ['first', 'escape']);
      const dag = await repo.run(['dag', '--dot']);
      assert.equal(dag.code, 0, dag.all);
      assert.match(dag.stdout, /"first" -> "escape"/);
    } finally {
      await repo.remove();
    }
  });
});

describe('a damaged cache object met while restoring', () => {
  test('makes the stage run again: the object is removed, the user told, the run succeeds', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': `stages:
  make:
    cmd: mkdir -p .runs && echo run >> .runs/make && echo made > out.txt
    outs: [out.txt]
`,
    });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      const lock = parse(await repo.read('pipeline.lock')) as LockShape;
      const hash = lock.stages.make!.outs![0]!.hash;
      const object = repo.path(`.dvc-ts/cache/files/b3/${hash.slice(0, 2)}/${hash.slice(2)}`);
      await flipFirstByte(object);
      await rm(repo.path('out.txt'));
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.match(r.all, /damaged cache object/);
      assert.equal(await repo.count('.runs/make'), 2, 'the stage ran again');
      assert.equal(await repo.read('out.txt'), 'made\n');
      assert.equal((await repo.run(['status', '-q'])).code, 0);
      const again = await repo.run(['repro']);
      assert.equal(again.code, 0, again.all);
      assert.equal(await repo.count('.runs/make'), 2);
    } finally {
      await repo.remove();
    }
  });
});
