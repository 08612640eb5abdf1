// The flagship's own .gitignore files: what the prediction service writes while it runs must not
// show up as changes to commit, while the folder's placeholder stays tracked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT, TempRepo } from '../helpers/repo.js';

test('request and feedback logs under data/logs are git-ignored in the flagship', async () => {
  const ignoreFiles = ['.gitignore', 'data/.gitignore'];
  const files: Record<string, string> = {
    'data/logs/.gitkeep': '',
    'data/logs/requests-20260101T000000Z-4242.jsonl': '{"score":0.9}\n',
    'data/logs/feedback.jsonl': '{"occupied":1}\n',
  };
  for (const f of ignoreFiles) files[f] = await readFile(join(PROJECT_ROOT, f), 'utf8');
  const repo = await TempRepo.create(files);
  try {
    const status = await repo.git('status', '--porcelain', '--untracked-files=all');
    assert.deepEqual(status.split('\n').sort(), ['?? .gitignore', '?? data/.gitignore', '?? data/logs/.gitkeep']);
  } finally {
    await repo.remove();
  }
});
