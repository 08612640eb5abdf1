import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo } from '../helpers/repo.js';

// `train` uses train.lr (through ${}) and train.epochs (declared); `unused.*` and `train.note`
// are in params.yaml but no stage reads them.
const PIPELINE = `stages:
  train:
    cmd: echo \${train.lr} > model.txt
    params: [train.epochs]
    outs: [model.txt]
`;

const params = (lr: number, epochs: number, unused: number) => `train:\n  lr: ${lr}\n  epochs: ${epochs}\n  note: fast\nunused:\n  x: ${unused}\n`;

describe('params diff across git revisions', () => {
  let repo: TempRepo;
  let statusBefore: string;

  before(async () => {
    repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': params(0.1, 3, 1) });
    assert.equal((await repo.run(['init'])).code, 0);
    assert.equal((await repo.run(['repro'])).code, 0);
    await repo.git('add', '-A');
    await repo.git('commit', '-q', '-m', 'one');
    await repo.git('tag', 'baseline');
    await repo.write({ 'params.yaml': params(0.3, 5, 2) });
    assert.equal((await repo.run(['repro'])).code, 0);
    await repo.git('add', '-A');
    await repo.git('commit', '-q', '-m', 'two');
    statusBefore = await repo.git('status', '--porcelain');
  });
  after(async () => repo.remove());

  test('params some stage uses, with exact changes (JSON)', async () => {
    const r = await repo.run(['params', 'diff', 'HEAD~1', 'HEAD', '--json']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(JSON.parse(r.stdout), {
      'params.yaml': {
        'train.epochs': { old: 3, new: 5, diff: 2 },
        'train.lr': { old: 0.1, new: 0.3, diff: 0.2 },
      },
    });
  });

  test('markdown table', async () => {
    const r = await repo.run(['params', 'diff', 'baseline', 'HEAD', '--md']);
    assert.equal(r.code, 0, r.all);
    assert.equal(
      r.stdout,
      '| Path | Param | baseline | HEAD | Change |\n|---|---|---|---|---|\n| params.yaml | train.epochs | 3 | 5 | +2 |\n| params.yaml | train.lr | 0.1 | 0.3 | +0.2 |',
    );
  });

  test('--all: every key of the params files, unchanged ones included', async () => {
    const r = await repo.run(['params', 'diff', 'HEAD~1', 'HEAD', '--all', '--json']);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(JSON.parse(r.stdout), {
      'params.yaml': {
        'train.lr': { old: 0.1, new: 0.3, diff: 0.2 },
        'train.epochs': { old: 3, new: 5, diff: 2 },
        'train.note': { old: 'fast', new: 'fast' },
        'unused.x': { old: 1, new: 2, diff: 1 },
      },
    });
  });

  test('default: HEAD against the workspace', async () => {
    let r = await repo.run(['params', 'diff']);
    assert.equal(r.stdout, 'No changes between HEAD and workspace.');
    await repo.write({ 'params.yaml': params(0.25, 5, 2) });
    try {
      r = await repo.run(['params', 'diff', '--json']);
      assert.deepEqual(JSON.parse(r.stdout), { 'params.yaml': { 'train.lr': { old: 0.3, new: 0.25, diff: -0.05 } } });
    } finally {
      await repo.git('checkout', '--', 'params.yaml');
    }
  });

  test('unknown revision', async () => {
    const r = await repo.run(['params', 'diff', 'HEAD~7']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: unknown revision 'HEAD~7'\n {2}HEAD~1 has no parent/);
  });

  test('work tree and index untouched', async () => {
    assert.equal(await repo.git('status', '--porcelain'), statusBefore);
  });
});
