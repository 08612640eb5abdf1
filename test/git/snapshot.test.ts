import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { ObjectStore } from '../../engine/cache/store.js';
import { UserError } from '../../engine/errors.js';
import { blake3Hex } from '../../engine/hash/digest.js';
import { GitHistory } from '../../engine/git/history.js';
import { Snapshot } from '../../engine/git/snapshot.js';
import { readMetrics } from '../../engine/report/metrics.js';

async function write(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
}

// Values reach the pipeline through a vars file and a JSON params file: the resolver asks for
// them only once it has read the pipeline, so a commit snapshot must fetch them in rounds.
const PIPELINE = `vars:
  - config/vars.yaml
stages:
  train:
    cmd: train --lr \${lr} --seed \${seed}
    params: [{conf.json: [batch]}]
    outs: [model.bin]
    metrics:
      - eval.json:
          cache: false
      - scores.json
      - plots_dir
metrics: [summary/]
`;

const cached = '{"f1": 0.5}';
const cachedHash = blake3Hex(cached);

function lockText(scoresHash: string): string {
  return `schema: '1.0'
stages:
  train:
    cmd: train --lr 0.1 --seed 7
    outs:
      - path: scores.json
        hash: ${scoresHash}
        size: ${cached.length}
`;
}

describe('snapshots of a revision and of the workspace', () => {
  let root: string;
  let history: GitHistory;
  let store: ObjectStore;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'dvc-ts-snap-'));
    const git = (...args: string[]) => execa('git', args, { cwd: root });
    await git('init', '-q', '-b', 'main');
    await git('config', 'user.email', 't@dvc-ts.invalid');
    await git('config', 'user.name', 't');
    await write(root, {
      'pipeline.yaml': PIPELINE,
      'params.yaml': 'lr: 0.1\n',
      'config/vars.yaml': 'seed: 7\n',
      'conf.json': '{"batch": 32, "other": 1}',
      'eval.json': '{"acc": 0.9}',
      'summary/a.json': '{"n": 1}',
      'summary/b.yaml': 'm: 2\n',
      'pipeline.lock': lockText(cachedHash),
    });
    await git('add', '-A');
    await git('commit', '-q', '-m', 'one');
    await write(root, { 'params.yaml': 'lr: 0.2\n', 'config/vars.yaml': 'seed: 8\n', 'pipeline.lock': lockText('f'.repeat(64)) });
    await git('commit', '-q', '-am', 'two');
    await write(root, { 'pipeline.yaml': 'stages: [' });
    history = (await GitHistory.open(root))!;
    store = new ObjectStore(root);
    await mkdir(dirname(store.objectPath(cachedHash)), { recursive: true });
    await writeFile(store.objectPath(cachedHash), cached);
  });
  after(async () => rm(root, { recursive: true, force: true }));

  test('the pipeline of a commit is resolved with that commit’s params and vars files', async () => {
    const first = await Snapshot.forRevision(root, history, 'HEAD~1');
    const second = await Snapshot.forRevision(root, history, 'HEAD');
    const [p1, p2] = [(await first.pipeline())!, (await second.pipeline())!];
    assert.deepEqual(p1.stages[0]!.cmd, ['train --lr 0.1 --seed 7']);
    assert.deepEqual(p2.stages[0]!.cmd, ['train --lr 0.2 --seed 8']);
    // Values read from a vars file are tracked as params of that file, as DVC does.
    assert.deepEqual(p1.stages[0]!.params, { 'conf.json': { batch: 32 }, 'params.yaml': { lr: 0.1 }, 'config/vars.yaml': { seed: 7 } });
    assert.deepEqual(p1.metrics, ['summary']);
  });

  test('the workspace has its own pipeline; errors there are not prefixed, a revision’s are', async () => {
    await assert.rejects(Snapshot.workspace(root).pipeline(), (e: unknown) => e instanceof UserError && e.pos?.file === 'pipeline.yaml');
    await write(root, { 'pipeline.yaml': PIPELINE });
    const ws = Snapshot.workspace(root);
    assert.deepEqual((await ws.pipeline())!.stages[0]!.cmd, ['train --lr 0.2 --seed 8']);
    await execa('git', ['commit', '-q', '--allow-empty', '-m', 'three'], { cwd: root });
    await write(root, { 'bad/pipeline.yaml': 'stages: [' });
    await execa('git', ['add', 'bad'], { cwd: root });
    await execa('git', ['commit', '-q', '-m', 'bad'], { cwd: root });
    const bad = await Snapshot.forRevision(root, history, 'HEAD', 'bad/pipeline.yaml');
    await assert.rejects(bad.pipeline(), (e: unknown) => e instanceof UserError && e.format().startsWith('HEAD:bad/pipeline.yaml:1:'));
  });

  test('outs come from git, else from the cache through the lock, else a clear error', async () => {
    const first = await Snapshot.forRevision(root, history, 'HEAD~3');
    assert.deepEqual(await first.readOut('eval.json', store), [{ path: 'eval.json', text: '{"acc": 0.9}' }]);
    assert.deepEqual(await first.readOut('scores.json', store), [{ path: 'scores.json', text: cached }]);
    assert.deepEqual((await first.readOut('summary', store)).map((f) => f.path), ['summary/a.json', 'summary/b.yaml']);
    const second = await Snapshot.forRevision(root, history, 'HEAD~2');
    await assert.rejects(second.readOut('scores.json', store), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(e.message, 'scores.json is not in HEAD~2 and its cached object is not in the local cache');
      assert.match(e.details[0]!, /\.dvc-ts\/cache\/files\/b3\/ff\/f{62}$/);
      return true;
    });
    await assert.rejects(second.readOut('plots_dir', store), /plots_dir does not exist in HEAD~2, and the lock has no record of it/);
  });

  test('metrics of a revision: values, and errors that name the revision and file once', async () => {
    const first = await readMetrics(await Snapshot.forRevision(root, history, 'HEAD~3'), store);
    assert.deepEqual(first.values, { 'eval.json': { acc: 0.9 }, 'scores.json': { f1: 0.5 }, 'summary/a.json': { n: 1 }, 'summary/b.yaml': { m: 2 } });
    assert.deepEqual(first.errors.map((e) => e.path), ['plots_dir']);
    await write(root, { 'eval.json': '{"acc": }' });
    await execa('git', ['commit', '-q', '-am', 'broken'], { cwd: root });
    const broken = await readMetrics(await Snapshot.forRevision(root, history, 'HEAD'), store);
    const evalError = broken.errors.find((e) => e.path === 'eval.json');
    assert.match(evalError?.message ?? '', /^HEAD:eval\.json:1:\d+: invalid JSON in HEAD:eval\.json: /);
  });
});
