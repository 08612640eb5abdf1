import { chmod, mkdir, mkdtemp, open, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/** A fresh repository-like directory under the OS temp dir. */
export function tempRoot(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `dvcts-${label}-`));
}

/** Write files (POSIX relpaths → content) below `root`, with an old mtime so the state keeps them. */
export async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  const past = Math.floor(Date.now() / 1000) - 3600;
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, ...rel.split('/'));
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, content);
    await utimes(p, past, past);
  }
}

/** Every file below `dir` as sorted POSIX relpaths (including dot-files such as temp files). */
export async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((d) => !d.isDirectory())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split('\\').join('/'))
    .sort();
}

/** Leftover temp files (names made by tempPathFor end in `.tmp`). */
export async function tempFilesUnder(dir: string): Promise<string[]> {
  return (await allFiles(dir)).filter((p) => p.endsWith('.tmp'));
}

/** Flip the first byte of a (read-only) cache object in place. */
export async function flipFirstByte(p: string): Promise<void> {
  await chmod(p, 0o644);
  const fh = await open(p, 'r+');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, 0);
  b[0] = (b[0] ?? 0) ^ 0xff;
  await fh.write(b, 0, 1, 0);
  await fh.close();
  await chmod(p, 0o444);
}
