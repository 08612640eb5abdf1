import { rmdir, unlink } from 'node:fs/promises';
import { dirname, relative } from 'node:path';

/**
 * Delete a file (already gone is fine), then its directory when that leaves it empty, never
 * `top` or anything above it: the caches fan out into prefix directories that should not linger.
 */
export async function removeFileAndEmptyParent(path: string, top: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  const dir = dirname(path);
  const up = relative(top, dir);
  if (up !== '' && !up.startsWith('..')) await rmdir(dir).catch(() => undefined);
}
