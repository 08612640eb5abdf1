// A large params file whose values a `cmd` interpolates: only what `${}` uses is parsed and
// held, so `status` and `repro` fit in a small heap (the whole 60 MB file as context nodes took
// gigabytes and ended in V8's out-of-memory abort).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { CLI, TempRepo } from '../helpers/repo.js';

/** ~60 MB of YAML: a small key the stage uses, then 50 groups of 50,000 values it does not. */
function largeParams(): string {
  const parts = ['used: 7\n'];
  for (let g = 0; g < 50; g++) {
    parts.push(`group${g}:\n`);
    for (let i = 0; i < 50_000; i++) parts.push(`  key${i}: value-${g}-${i}\n`);
  }
  return parts.join('');
}

describe('a large params file interpolated into a cmd', () => {
  test('status and repro succeed in a 400 MB heap, recording the used param', { timeout: 600_000 }, async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': 'stages:\n  s:\n    cmd: echo ${used} ${group3.key17} > out.txt\n    outs: [out.txt]\n' });
    try {
      await writeFile(repo.path('params.yaml'), largeParams());
      const cli = (args: string[]) =>
        execa(process.execPath, ['--max-old-space-size=400', CLI, ...args], { cwd: repo.root, reject: false, all: true, env: { CI: 'true', NO_COLOR: '1' } });
      const status = await cli(['status']);
      assert.equal(status.exitCode, 0, status.all);
      assert.match(String(status.stdout), /s: stale/);
      const repro = await cli(['repro']);
      assert.equal(repro.exitCode, 0, repro.all);
      assert.equal(await repo.read('out.txt'), '7 value-3-17\n');
      const lock = await repo.read('pipeline.lock');
      assert.match(lock, /used: 7/);
      assert.match(lock, /group3\.key17: value-3-17/);
      assert.doesNotMatch(lock, /key18/, 'only the values used are recorded');
    } finally {
      await repo.remove();
    }
  });
});
