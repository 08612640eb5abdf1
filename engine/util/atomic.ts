import { open, rename, unlink, mkdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temp path beside `target`, so that rename() stays on one file system and is atomic. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export interface AtomicWriteOptions {
  mode?: number;
  /**
   * fsync the file and its directory (default true). Off for files whose loss after a power cut
   * costs nothing but a recomputation (run-cache entries, .gitignore lines): the rename still
   * makes the write all-or-nothing for every process that reads it.
   */
  durable?: boolean;
}

/**
 * Write a whole file or nothing: temp file, fsync, rename over the target, fsync the directory.
 * A crash at any point leaves either the old file or the new one, never a torn one.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, options: AtomicWriteOptions | number = {}): Promise<void> {
  const { mode, durable = true } = typeof options === 'number' ? { mode: options } : options;
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const fh = await open(tmp, 'w', mode ?? 0o666);
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  if (durable) await syncDir(dirname(target));
}

/** fsync a directory so a rename in it survives power loss; not every platform allows it. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic there.
  }
}
