import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';

/** The .gitignore that ignores `outPath`: the one in the out's own directory. */
export function gitignoreFor(outPath: string): string {
  const dir = posix.dirname(outPath);
  return dir === '.' ? '.gitignore' : `${dir}/.gitignore`;
}

/**
 * Make git ignore cached outs, as DVC does: `/name` in the .gitignore of the out's directory.
 * Entries already present (in any of the usual spellings) are left alone.
 */
export async function ignoreOuts(root: string, outPaths: string[]): Promise<string[]> {
  const byDir = new Map<string, string[]>();
  for (const p of outPaths) {
    const dir = posix.dirname(p);
    const list = byDir.get(dir) ?? [];
    list.push(posix.basename(p));
    byDir.set(dir, list);
  }
  const changed: string[] = [];
  for (const [dir, names] of byDir) {
    const file = gitignoreFor(`${dir}/${names[0]!}`);
    const text = await readFile(join(root, file), 'utf8').catch(() => '');
    const present = new Set(text.split(/\r?\n/).map((l) => l.trim()));
    const missing = names.filter((n) => !present.has(`/${n}`) && !present.has(`/${n}/`));
    if (missing.length === 0) continue;
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    await writeFileAtomic(join(root, file), text + sep + missing.map((n) => `/${n}`).join('\n') + '\n', { durable: false });
    changed.push(file);
  }
  return changed;
}
