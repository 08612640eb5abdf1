// DVC repositories as they are: several pipeline files taken together, and a dvc.yaml runs
// DVC's commands.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo } from '../helpers/repo.js';

describe('a dvc.yaml runs the command DVC would run', () => {
  test('$(pwd) through a variable is expanded by the shell, in the stage folder', async () => {
    const repo = await TempRepo.create({
      'dvc.yaml': [
        'vars:',
        '  - data_dir: $(pwd)/datasets',
        '    flags: --verbose --save-json',
        'stages:',
        '  fetch:',
        '    cmd: mkdir -p ${data_dir} && echo ${flags} > ${data_dir}/args.txt && pwd > ${data_dir}/where.txt',
        '    outs: [datasets/args.txt, datasets/where.txt]',
        '',
      ].join('\n'),
    });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.equal((await repo.read('datasets/args.txt')).trim(), '--verbose --save-json', 'two options, not one quoted word');
      assert.equal((await repo.read('datasets/where.txt')).trim(), (await repo.git('rev-parse', '--show-toplevel')).trim());
      assert.equal(await repo.exists('$(pwd)/datasets/args.txt'), false, 'no folder named after the unexpanded text');
      const lock = await repo.read('pipeline.lock');
      assert.match(lock, /cmd: mkdir -p \$\(pwd\)\/datasets && echo --verbose --save-json > \$\(pwd\)\/datasets\/args\.txt/);
    } finally {
      await repo.remove();
    }
  });
});

/** A root dvc.yaml and two sub-folder pipelines: sub/ consumes prep/'s out, the root consumes sub/'s. */
const MANY = {
  '.gitignore': 'ignored/\n',
  'prep/dvc.yaml': 'stages:\n  make:\n    cmd: echo make >> ../order.log && printf "a\\nb\\n" > raw.txt\n    outs: [raw.txt]\n',
  'sub/dvc.yaml': 'stages:\n  train:\n    cmd: echo train >> ../order.log && wc -l < ../prep/raw.txt > model.txt\n    deps: [../prep/raw.txt]\n    outs: [model.txt]\n',
  'dvc.yaml': 'stages:\n  report:\n    cmd: echo report >> order.log && cat sub/model.txt > report.txt\n    deps: [sub/model.txt]\n    outs: [report.txt]\n',
  'ignored/dvc.yaml': 'stages:\n  never:\n    cmd: echo never >> ../order.log\n',
};

async function lines(repo: TempRepo, rel: string): Promise<string[]> {
  return (await repo.read(rel).catch(() => '')).split('\n').filter((l) => l !== '');
}

describe('several pipeline files in one repository', () => {
  test('repro at the root runs every pipeline in order, each lock beside its file; a second repro runs nothing', async () => {
    const repo = await TempRepo.create(MANY);
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.deepEqual(await lines(repo, 'order.log'), ['make', 'train', 'report']);
      assert.equal((await repo.read('report.txt')).trim(), '2');
      assert.match(await repo.read('prep/pipeline.lock'), /^ {2}make:$/m);
      assert.match(await repo.read('sub/pipeline.lock'), /^ {2}train:$/m);
      assert.match(await repo.read('pipeline.lock'), /^ {2}report:$/m);
      assert.doesNotMatch(await repo.read('pipeline.lock'), /train|make/);

      const again = await repo.run(['repro']);
      assert.equal(again.code, 0, again.all);
      assert.deepEqual(await lines(repo, 'order.log'), ['make', 'train', 'report'], 'nothing ran again');
      const status = await repo.run(['status']);
      assert.equal(status.code, 0, status.all);
      assert.match(status.stdout, /up to date/);

      await repo.write({ 'prep/dvc.yaml': MANY['prep/dvc.yaml'].replace('"a', '"z\\na') });
      const changed = await repo.run(['status']);
      assert.match(changed.stdout, /^prep\/dvc\.yaml:make: /m);
    } finally {
      await repo.remove();
    }
  });

  test('repro sub/dvc.yaml:train runs that stage and its upstream only; a bare unique name works too', async () => {
    const repo = await TempRepo.create(MANY);
    try {
      const r = await repo.run(['repro', 'sub/dvc.yaml:train']);
      assert.equal(r.code, 0, r.all);
      assert.deepEqual(await lines(repo, 'order.log'), ['make', 'train']);
      assert.equal(await repo.exists('report.txt'), false);
      const bare = await repo.run(['repro', '--force', '--single-item', 'train']);
      assert.equal(bare.code, 0, bare.all);
      assert.deepEqual(await lines(repo, 'order.log'), ['make', 'train', 'train']);
    } finally {
      await repo.remove();
    }
  });

  test('stage list --all names stages path/to/dvc.yaml:stage, leaving git-ignored folders out', async () => {
    const repo = await TempRepo.create(MANY);
    try {
      const all = await repo.run(['stage', 'list', '--all', '--name-only']);
      assert.equal(all.code, 0, all.all);
      assert.deepEqual(all.stdout.split('\n').filter((l) => l !== ''), ['report', 'prep/dvc.yaml:make', 'sub/dvc.yaml:train']);
      const here = await repo.run(['stage', 'list', '--name-only']);
      assert.deepEqual(here.stdout.split('\n').filter((l) => l !== ''), ['report'], 'without --all: the pipeline here');
      const one = await repo.run(['stage', 'list', '--name-only', 'sub']);
      assert.deepEqual(one.stdout.split('\n').filter((l) => l !== ''), ['sub/dvc.yaml:train']);
      const dag = await repo.run(['dag']);
      assert.equal(dag.code, 0, dag.all);
      assert.match(dag.stdout, /sub\/dvc\.yaml:train/);
    } finally {
      await repo.remove();
    }
  });
});
