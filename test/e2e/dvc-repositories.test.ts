// DVC repositories as they are: a dvc.yaml runs DVC's commands.
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
