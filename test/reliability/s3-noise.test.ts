// The S3 endpoint dies in the middle of a push: each failed upload reaches the user once, as
// dvc-ts's own error, and the AWS SDK's console warning ("An error was encountered in a
// non-retryable streaming request.") is not printed at all.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { TempRepo } from '../helpers/repo.js';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'dying-s3-server.js');

describe('an S3 endpoint that dies mid-push', () => {
  test('push fails with its own error, without the SDK printing a warning per upload', { timeout: 300_000 }, async () => {
    const server = execa(process.execPath, [SERVER], { reject: false });
    const port = await new Promise<string>((resolve) => server.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    // Files above the in-memory limit go up as streams: the SDK's warning is about those.
    const repo = await TempRepo.create({});
    try {
      for (let i = 0; i < 4; i++) await writeFile(repo.path(`big${i}.bin`), randomBytes(9 * 1024 * 1024));
      assert.equal((await repo.run(['add', 'big0.bin', 'big1.bin', 'big2.bin', 'big3.bin'])).code, 0);
      assert.equal((await repo.run(['remote', 'add', '-d', 's', 's3://bucket/cache'])).code, 0);
      assert.equal((await repo.run(['remote', 'modify', 's', 'endpointurl', `http://127.0.0.1:${port}`])).code, 0);
      const env = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
      const r = await repo.run(['push'], { env });
      assert.notEqual(r.code, 0, r.all);
      assert.doesNotMatch(r.all, /non-retryable streaming request/);
      assert.match(r.all, /big\d\.bin/, 'the failed uploads are named');
    } finally {
      server.kill('SIGKILL');
      await server;
      await repo.remove();
    }
  });
});
