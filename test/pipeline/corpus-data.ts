// The compatibility corpus beside the repository (`../shared/corpus`, or DVC_TS_CORPUS): real
// dvc.yaml files in three sets and what DVC 3.64 does with each, at two placements.
// Sets A and B keep each file flat (`<folder>/dvc.yaml` and its params.yaml) with SOURCES.md
// giving its original path; set D keeps each folder's tree as it was, and its EXPECTED.txt gives
// a verdict per placement (`a`: the dvc.yaml's folder as the repository root; `b`: the whole tree).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
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

/** The folder holding the corpus sets. */
export const corpusRoot = process.env['DVC_TS_CORPUS'] !== undefined && process.env['DVC_TS_CORPUS'] !== ''
  ? resolve(process.env['DVC_TS_CORPUS'])
  : resolve(repositoryRoot(), '..', 'shared', 'corpus');

/** The sets, by folder name: flat (A, B) or kept as trees with per-placement verdicts (D). */
export const CORPUS_SETS = [
  { name: 'dvc-yaml', layout: 'flat' },
  { name: 'dvc-yaml-b', layout: 'flat' },
  { name: 'dvc-yaml-d', layout: 'tree' },
] as const;

/** Where each dvc.yaml is put in a fresh repository: alone at its root, and at its original path. */
export const PLACEMENTS = ['root', 'original path'] as const;
export type Placement = (typeof PLACEMENTS)[number];

/** Why the corpus tests cannot run (no corpus beside this clone), or undefined. */
export function corpusAbsent(): string | undefined {
  const missing = CORPUS_SETS.filter((s) => !existsSync(join(corpusRoot, s.name, 'EXPECTED.txt')) || !existsSync(join(corpusRoot, s.name, 'SOURCES.md')));
  if (missing.length === 0) return undefined;
  const reason = `skipped: no compatibility corpus at ${corpusRoot} (${missing.map((s) => s.name).join(', ')} missing; it lives beside the repository, in ../shared/corpus, or where DVC_TS_CORPUS says)`;
  console.log(reason);
  return reason;
}

export interface CorpusCase {
  set: string;
  folder: string;
  placement: Placement;
  verdict: 'OK' | 'REJECTED';
  /** Stage names for OK, DVC's message for REJECTED. */
  rest: string[];
  /** The dvc.yaml, relative to the repository root. */
  file: string;
  /** Files to copy: absolute source → path relative to the repository root. */
  copies: Array<{ from: string; to: string }>;
}

/** Every case of every set, at both placements. */
export function corpusCases(): CorpusCase[] {
  return CORPUS_SETS.flatMap((set) => (set.layout === 'flat' ? flatCases(set.name) : treeCases(set.name)));
}

/** Copy a case's files into `root` (a fresh repository). */
export async function placeCase(c: CorpusCase, root: string): Promise<void> {
  for (const { from, to } of c.copies) {
    await mkdir(dirname(join(root, to)), { recursive: true });
    await copyFile(from, join(root, to));
  }
}

function expectedLines(set: string): string[][] {
  return readFileSync(join(corpusRoot, set, 'EXPECTED.txt'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(' '));
}

function verdictOf(word: string | undefined, line: string[]): 'OK' | 'REJECTED' {
  assert.ok(word === 'OK' || word === 'REJECTED', `bad EXPECTED.txt line: ${line.join(' ')}`);
  return word;
}

function flatCases(set: string): CorpusCase[] {
  const where = originalPaths(set);
  const cases: CorpusCase[] = [];
  for (const line of expectedLines(set)) {
    const [folder, word, ...rest] = line;
    const verdict = verdictOf(word, line);
    for (const placement of PLACEMENTS) {
      const file = placement === 'root' ? 'dvc.yaml' : (where.get(folder!) ?? 'dvc.yaml');
      const dir = posix.dirname(file);
      const copies = readdirSync(join(corpusRoot, set, folder!)).map((name) => ({ from: join(corpusRoot, set, folder!, name), to: posix.join(dir, name) }));
      cases.push({ set, folder: folder!, placement, verdict, rest: rest.filter((s) => s !== ''), file, copies });
    }
  }
  return cases;
}

function treeCases(set: string): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const line of expectedLines(set)) {
    const [folder, which, word, ...rest] = line;
    const verdict = verdictOf(word, line);
    const base = join(corpusRoot, set, folder!);
    const all = filesUnder(base);
    const original = all.find((p) => posix.basename(p) === 'dvc.yaml');
    assert.ok(original, `no dvc.yaml under ${base}`);
    const dir = posix.dirname(original);
    const placement: Placement = which === 'a' ? 'root' : 'original path';
    const inside = (p: string): boolean => dir === '.' || p.startsWith(dir + '/');
    const copies = placement === 'root'
      ? all.filter(inside).map((p) => ({ from: join(base, p), to: dir === '.' ? p : p.slice(dir.length + 1) }))
      : all.map((p) => ({ from: join(base, p), to: p }));
    cases.push({ set, folder: folder!, placement, verdict, rest: rest.filter((s) => s !== ''), file: placement === 'root' ? 'dvc.yaml' : original, copies });
  }
  return cases;
}

function filesUnder(base: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else found.push(relative(base, abs).split(sep).join('/'));
    }
  };
  walk(base);
  return found.sort();
}

/** folder → path of its dvc.yaml in the original repository (sets A and B). */
function originalPaths(set: string): Map<string, string> {
  const sources = readFileSync(join(corpusRoot, set, 'SOURCES.md'), 'utf8');
  const paths = new Map<string, string>();
  for (const m of sources.matchAll(/^\|\s*\d+\s*\|\s*\[([^\]]+)\]\([^)]*\)\s*\|[^|]*\|\s*`([^`]+)`/gm)) {
    paths.set(m[1]!.replace('/', '__'), m[2]!);
  }
  return paths;
}
