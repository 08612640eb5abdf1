import { access, open, readFile, rename, unlink, mkdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { rethrowEnvironmentError } from '../errors.js';

/**
 * A temp path beside `target`, so that rename() stays on one file system and is atomic. The pid
 * keeps processes apart and 32 random bits keep one process's writes apart; Math.random is
 * enough for that (nothing here is secret), and loading node:crypto would cost every command 5 ms.
 */
export function tempPathFor(target: string): string {
  const suffix = Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return join(dirname(target), `.${basename(target)}.${process.pid}.${suffix}.tmp`);
}

export interface AtomicWriteOptions {
  mode?: number;
  /**
   * fsync the file and its directory (default true). Off for files whose loss after a power cut
   * costs nothing but a recomputation (run-cache entries, .gitignore lines): the rename still
   * makes the write all-or-nothing for every process that reads it.
   */
  durable?: boolean;
  /**
   * Write the temp file in this folder instead of beside the target (it must be on the same file
   * system; where it is not, the temp goes beside the target after all). A folder git ignores
   * keeps a temp left by a killed writer out of `git status` until the next command sweeps it.
   */
  tempDir?: string;
}

/**
 * Write a whole file or nothing: temp file, fsync, rename over the target, fsync the directory.
 * A crash at any point leaves either the old file or the new one, never a torn one.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, options: AtomicWriteOptions | number = {}): Promise<void> {
  const { mode, durable = true, tempDir } = typeof options === 'number' ? { mode: options } : options;
  // A full disk or a read-only mount names the file the user knows, not the temp beside it.
  const fail = (e: unknown): never => rethrowEnvironmentError(e, { action: 'write', path: target });
  await ensureDir(dirname(target)).catch(fail);
  if (tempDir !== undefined) await ensureDir(tempDir).catch(fail);
  const tmp = tempPathFor(tempDir === undefined ? target : join(tempDir, basename(target)));
  const fh = await open(tmp, 'w', mode ?? 0o666).catch(fail);
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    return fail(e);
  }
  try {
    await fh.close();
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    if (tempDir !== undefined && (e as NodeJS.ErrnoException).code === 'EXDEV') return writeFileAtomic(target, data, { mode, durable });
    return fail(e);
  }
  if (durable) await syncDir(dirname(target));
}

/** writeFileAtomic unless the file already holds exactly `text`; whether it wrote. */
export async function writeFileIfChanged(target: string, text: string): Promise<boolean> {
  const before = await readFile(target, 'utf8').catch(() => undefined);
  if (before === text) return false;
  await writeFileAtomic(target, text);
  return true;
}

/** writeFileAtomic unless something is already at `target` (a user's file is never replaced); whether it wrote. */
export async function writeFileIfAbsent(target: string, text: string, options: AtomicWriteOptions = {}): Promise<boolean> {
  try {
    await access(target);
    return false;
  } catch {
    await writeFileAtomic(target, text, options);
    return true;
  }
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

/**
 * `mkdir -p` that reports the real cause. Node's recursive mkdir answers ENOENT where a parent
 * cannot be created (a read-only file system, a denied directory); one level at a time, the
 * failing mkdir says EROFS or EACCES and names the directory.
 */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdirStepwise(dir); // a parent removed meanwhile: this makes it, or throws the cause
  }
}

async function mkdirStepwise(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw e;
    await mkdirStepwise(dirname(dir));
    await mkdir(dir).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== 'EEXIST') throw again;
    });
  }
}
