import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { parse } from 'yaml';
import { TempRepo } from '../helpers/repo.js';

describe('stage fields', () => {
  test('frozen never runs, always_changed always does', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': `stages:
  cold:
    cmd: echo run >> cold.count
    frozen: true
  hot:
    cmd: echo run >> hot.count
    always_changed: true
`,
    });
    try {
      for (let i = 0; i < 2; i++) assert.equal((await repo.run(['repro'])).code, 0);
      assert.equal(await repo.count('cold.count'), 0);
      assert.equal(await repo.count('hot.count'), 2);
      const status = JSON.parse((await repo.run(['status', '--json'])).stdout) as { stages: { name: string; state: string }[] };
      assert.deepEqual(status.stages.map((s) => [s.name, s.state]), [['cold', 'frozen'], ['hot', 'stale']]);
      // Only a frozen stage named as a target is reached by --force.
      assert.equal((await repo.run(['repro', '--force'])).code, 0);
      assert.equal(await repo.count('cold.count'), 0);
      assert.equal((await repo.run(['repro', '--force', 'cold'])).code, 0);
      assert.equal(await repo.count('cold.count'), 1);
    } finally {
      await repo.remove();
    }
  });

  test('persist keeps an out in place while the stage runs; others are deleted first', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': `stages:
  grow:
    cmd: cat seen.txt > before.txt 2>/dev/null || echo none > before.txt; echo \${n} >> seen.txt; cat fresh.txt >> before.txt 2>/dev/null || true; echo x > fresh.txt
    params: [n]
    outs:
      - seen.txt:
          persist: true
      - fresh.txt
      - before.txt:
          cache: false
`,
      'params.yaml': 'n: 1\n',
    });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      await repo.write({ 'params.yaml': 'n: 2\n' });
      assert.equal((await repo.run(['repro'])).code, 0);
      assert.equal(await repo.read('seen.txt'), '1\n2\n', 'the persisted out grew');
      assert.equal(await repo.read('before.txt'), '1\n', 'fresh.txt was gone when the command ran');
    } finally {
      await repo.remove();
    }
  });

  test('wdir: the command runs there and paths are relative to it', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': `stages:
  sub:
    wdir: src
    cmd: cat in.txt > ../out/result.txt
    deps: [in.txt]
    outs: [../out/result.txt]
`,
      'src/in.txt': 'from src\n',
    });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.read('out/result.txt'), 'from src\n');
      const lock = parse(await repo.read('pipeline.lock')) as { stages: { sub: { deps: { path: string }[]; outs: { path: string }[] } } };
      assert.equal(lock.stages.sub.deps[0]!.path, 'src/in.txt');
      assert.equal(lock.stages.sub.outs[0]!.path, 'out/result.txt');
    } finally {
      await repo.remove();
    }
  });

  test('a cmd list runs in order and stops at the first failure', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': `stages:
  steps:
    cmd:
      - echo one >> steps.log
      - "false"
      - echo three >> steps.log
`,
    });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 1, r.all);
      assert.equal(await repo.read('steps.log'), 'one\n');
    } finally {
      await repo.remove();
    }
  });

  test('foreach stages run with their items; a directory out is cached and restored whole', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': `stages:
  make:
    foreach: [uk, us]
    do:
      cmd: mkdir -p out/\${item} && echo \${item} > out/\${item}/a.txt && echo \${item}2 > out/\${item}/b.txt
      outs:
        - out/\${item}
  join:
    cmd: cat out/uk/a.txt out/us/a.txt > joined.txt
    deps: [out/uk, out/us]
    outs: [joined.txt]
`,
    });
    try {
      let r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.read('joined.txt'), 'uk\nus\n');
      const lock = parse(await repo.read('pipeline.lock')) as { stages: Record<string, { outs: { path: string; hash: string; nfiles?: number }[] }> };
      assert.deepEqual(Object.keys(lock.stages), ['make@uk', 'make@us', 'join']);
      const dirOut = lock.stages['make@uk']!.outs[0]!;
      assert.match(dirOut.hash, /^[0-9a-f]{64}\.dir$/);
      assert.equal(dirOut.nfiles, 2);
      await rm(repo.path('out'), { recursive: true });
      r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.match(r.stdout, /Restored outs of 'make@uk'/);
      assert.equal(await repo.read('out/us/b.txt'), 'us2\n');
      assert.equal((await repo.run(['repro', 'make'])).code, 0, 'a foreach group name is a target');
    } finally {
      await repo.remove();
    }
  });

  test('a missing dep that no stage produces fails at load, located, before anything runs', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': 'stages:\n  s:\n    cmd: echo run >> ran.count\n    deps: [nothere.csv]\n',
    });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 2, r.all);
      assert.match(r.stderr, /pipeline\.yaml:4:12: dependency 'nothere\.csv' of stage 's' does not exist and no stage produces it/);
      assert.equal(await repo.count('ran.count'), 0);
    } finally {
      await repo.remove();
    }
  });
});
