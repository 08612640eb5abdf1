// The compatibility corpus beside the repository: 30 real dvc.yaml files, EXPECTED.txt (what
// DVC 3.64 does with each) and SOURCES.md (where each file lived in its own repository).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'engine'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root above the test file');
    dir = up;
  }
  return dir;
}

export const corpusDir = resolve(repositoryRoot(), '..', 'shared', 'corpus', 'dvc-yaml');

/** Where each folder's dvc.yaml is put in a fresh repository: alone at its root, and at its original path. */
export const PLACEMENTS = ['root', 'original path'] as const;

/** Why the corpus tests cannot run (no `../shared/corpus` beside this clone), or undefined. */
export function corpusAbsent(): string | undefined {
  if (existsSync(join(corpusDir, 'EXPECTED.txt')) && existsSync(join(corpusDir, 'SOURCES.md'))) return undefined;
  const reason = `skipped: no compatibility corpus at ${corpusDir} (it lives beside the repository, in ../shared/corpus/dvc-yaml)`;
  console.log(reason);
  return reason;
}

export interface Expectation {
  folder: string;
  verdict: 'OK' | 'REJECTED';
  /** Stage names for OK, DVC's message for REJECTED. */
  rest: string[];
}

export function expectations(): Expectation[] {
  const text = readFileSync(join(corpusDir, 'EXPECTED.txt'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [folder, verdict, ...rest] = line.split(' ');
      assert.ok(verdict === 'OK' || verdict === 'REJECTED', `bad EXPECTED.txt line: ${line}`);
      return { folder: folder!, verdict, rest: rest.filter((s) => s !== '') };
    });
}

/** folder → path of its dvc.yaml in the original repository. */
export function originalPaths(): Map<string, string> {
  const sources = readFileSync(join(corpusDir, 'SOURCES.md'), 'utf8');
  const paths = new Map<string, string>();
  for (const m of sources.matchAll(/^\|\s*\d+\s*\|\s*\[([^\]]+)\]\([^)]*\)\s*\|[^|]*\|\s*`([^`]+)`/gm)) {
    paths.set(m[1]!.replace('/', '__'), m[2]!);
  }
  return paths;
}

