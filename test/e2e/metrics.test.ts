import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo } from '../helpers/repo.js';

// The stage turns a param into metrics: a JSON file kept in git, a YAML file kept in the cache
// (so reading it at an old commit goes through that commit's lock and the local cache).
const PIPELINE = `stages:
  train:
    cmd: node gen.js \${train.lr}
    deps: [gen.js]
    params: [train.epochs]
    outs: [model.txt]
    metrics:
      - metrics.json:
          cache: false
      - scores.yaml
`;

const GEN = `const fs = require('fs');
const lr = Number(process.argv[2]);
fs.writeFileSync('metrics.json', JSON.stringify({ acc: 0.5 + lr, loss: { val: 1 - lr }, name: 'm' + lr }));
fs.writeFileSync('scores.yaml', 'f1: ' + lr * 2 + '\\n');
fs.writeFileSync('model.txt', 'model ' + lr + '\\n');
`;

const DIFF_JSON = {
  'metrics.json': {
    acc: { old: 0.6, new: 0.85, diff: 0.25 },
    'loss.val': { old: 0.9, new: 0.65, diff: -0.25 },
    name: { old: 'm0.1', new: 'm0.35' },
  },
  'scores.yaml': { f1: { old: 0.2, new: 0.7, diff: 0.5 } },
};

describe('metrics show / diff across git revisions', () => {
  let repo: TempRepo;
  let statusBefore: string;
  let first: string;
  let second: string;

  before(async () => {
    repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'gen.js': GEN, 'params.yaml': 'train:\n  lr: 0.1\n  epochs: 3\n' });
    assert.equal((await repo.run(['init'])).code, 0);
    let r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    await repo.git('add', '-A');
    await repo.git('commit', '-q', '-m', 'lr 0.1');
    await repo.git('tag', 'v1');
    await repo.git('branch', 'first');
    await repo.write({ 'params.yaml': 'train:\n  lr: 0.35\n  epochs: 4\n' });
    r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    await repo.git('add', '-A');
    await repo.git('commit', '-q', '-m', 'lr 0.35');
    first = await repo.git('rev-parse', 'HEAD~1');
    second = await repo.git('rev-parse', 'HEAD');
    // Something uncommitted, so that "untouched" is checked against a non-empty status.
    await repo.write({ 'notes.txt': 'draft\n' });
    statusBefore = await repo.git('status', '--porcelain');
  });
  after(async () => repo.remove());

  test('diff HEAD~1 HEAD in JSON: exact old, new and change', async () => {
    const r = await repo.run(['metrics', 'diff', 'HEAD~1', 'HEAD', '--json']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(JSON.parse(r.stdout), DIFF_JSON);
  });

  // (TempRepo's runner drops the final newline of stdout.)
  test('diff as markdown and as an aligned text table', async () => {
    let r = await repo.run(['metrics', 'diff', 'HEAD~1', 'HEAD', '--md']);
    assert.equal(r.code, 0, r.all);
    assert.equal(
      r.stdout,
      [
        '| Path | Metric | HEAD~1 | HEAD | Change |',
        '|---|---|---|---|---|',
        '| metrics.json | acc | 0.6 | 0.85 | +0.25 |',
        '| metrics.json | loss.val | 0.9 | 0.65 | -0.25 |',
        '| metrics.json | name | m0.1 | m0.35 | - |',
        '| scores.yaml | f1 | 0.2 | 0.7 | +0.5 |',
      ].join('\n'),
    );
    r = await repo.run(['metrics', 'diff', 'HEAD~1', 'HEAD']);
    assert.equal(
      r.stdout,
      [
        'Path          Metric    HEAD~1  HEAD   Change',
        'metrics.json  acc       0.6     0.85   +0.25',
        'metrics.json  loss.val  0.9     0.65   -0.25',
        'metrics.json  name      m0.1    m0.35  -',
        'scores.yaml   f1        0.2     0.7    +0.5',
      ].join('\n'),
    );
  });

  test('a branch, a tag, a short sha and a full sha name the same old side', async () => {
    for (const rev of ['first', 'v1', first.slice(0, 7), first]) {
      const r = await repo.run(['metrics', 'diff', rev, 'main', '--json']);
      assert.equal(r.code, 0, `${rev}: ${r.all}`);
      assert.deepEqual(JSON.parse(r.stdout), DIFF_JSON, rev);
    }
  });

  test('show --all-commits lists the workspace and each commit with its values', async () => {
    const r = await repo.run(['metrics', 'show', '--all-commits', '--json']);
    assert.equal(r.code, 0, r.all);
    const shown = JSON.parse(r.stdout) as { rev: string; commit: string | null; metrics: Record<string, Record<string, unknown>> }[];
    assert.deepEqual(
      shown.map((s) => [s.rev, s.commit, s.metrics['metrics.json']?.acc, s.metrics['scores.yaml']?.f1]),
      [
        ['workspace', null, 0.85, 0.7],
        [second.slice(0, 7), second, 0.85, 0.7],
        [first.slice(0, 7), first, 0.6, 0.2],
      ],
    );
    const text = await repo.run(['metrics', 'show', '-r', 'v1']);
    assert.equal(text.stdout, 'Path          Metric    Value\nmetrics.json  acc       0.6\nmetrics.json  loss.val  0.9\nmetrics.json  name      m0.1\nscores.yaml   f1        0.2');
  });

  test('the default diff is HEAD against the workspace', async () => {
    await repo.write({ 'metrics.json': JSON.stringify({ acc: 0.9, loss: { val: 0.65 }, name: 'm0.35' }) });
    try {
      const r = await repo.run(['metrics', 'diff', '--json']);
      assert.equal(r.code, 0, r.all);
      assert.deepEqual(JSON.parse(r.stdout), { 'metrics.json': { acc: { old: 0.85, new: 0.9, diff: 0.05 } } });
      const all = await repo.run(['metrics', 'diff', '--all', '--json']);
      assert.equal(Object.keys((JSON.parse(all.stdout) as Record<string, object>)['metrics.json']!).length, 3);
    } finally {
      await repo.git('checkout', '--', 'metrics.json');
    }
  });

  test('an unknown revision is an error naming it', async () => {
    const r = await repo.run(['metrics', 'diff', 'nope', 'HEAD']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: unknown revision 'nope'$/m);
    assert.equal(r.stdout, '');
  });

  test('a metrics file that is not valid JSON is named, with its line', async () => {
    await repo.write({ 'metrics.json': '{\n  "acc": 0.9,\n}\n' });
    try {
      const diff = await repo.run(['metrics', 'diff']);
      assert.equal(diff.code, 2);
      assert.match(diff.stderr, /^error: metrics\.json:3:1: invalid JSON in metrics\.json/m);
      const show = await repo.run(['metrics', 'show']);
      assert.equal(show.code, 1);
      assert.match(show.stderr, /metrics\.json:3:1: invalid JSON in metrics\.json/);
      // The other metrics file is still shown.
      assert.match(show.stdout, /scores\.yaml\s+f1\s+0\.7/);
    } finally {
      await repo.git('checkout', '--', 'metrics.json');
    }
  });

  test('reading history touched neither the work tree nor the index', async () => {
    assert.equal(await repo.git('status', '--porcelain'), statusBefore);
    assert.match(statusBefore, /\?\? notes\.txt/);
  });
});
