// Compatibility corpus: 30 real dvc.yaml files and what DVC 3.64 does with each. Accepted files
// must list exactly DVC's stages in DVC's order; rejected ones must fail with a located error.
//
// Each folder goes into a fresh temporary repository at the path it had in its own repository
// (SOURCES.md, "path in repo"): that is where its `wdir: ..` and `../` paths point, and our
// loader, unlike DVC, refuses paths that leave the repository. Params are loaded with
// missingParams 'omit', as listing stages needs no param values (`dvc stage list` reads none).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../engine/errors.js';
import { loadPipeline } from '../../engine/pipeline/load.js';
import { tempRepo } from './helpers.js';

function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'engine'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root above the test file');
    dir = up;
  }
  return dir;
}

const corpusDir = resolve(repositoryRoot(), '..', 'shared', 'corpus', 'dvc-yaml');

interface Expectation {
  folder: string;
  verdict: 'OK' | 'REJECTED';
  /** Stage names for OK, DVC's message for REJECTED. */
  rest: string[];
}

function expectations(): Expectation[] {
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
function originalPaths(): Map<string, string> {
  const sources = readFileSync(join(corpusDir, 'SOURCES.md'), 'utf8');
  const paths = new Map<string, string>();
  for (const m of sources.matchAll(/^\|\s*\d+\s*\|\s*\[([^\]]+)\]\([^)]*\)\s*\|[^|]*\|\s*`([^`]+)`/gm)) {
    paths.set(m[1]!.replace('/', '__'), m[2]!);
  }
  return paths;
}

describe('dvc.yaml compatibility corpus', () => {
  test('the corpus folder exists', () => {
    assert.ok(
      existsSync(join(corpusDir, 'EXPECTED.txt')),
      `corpus not found at ${corpusDir} (expected <repo>/../shared/corpus/dvc-yaml with EXPECTED.txt)`,
    );
  });
  if (!existsSync(join(corpusDir, 'EXPECTED.txt'))) return;

  const cases = expectations();
  const where = originalPaths();
  test('EXPECTED.txt lists all 30 folders', () => {
    assert.equal(cases.length, 30);
    assert.equal(where.size, 30, 'SOURCES.md should give the original path of every folder');
  });

  for (const c of cases) {
    test(`${c.folder}: ${c.verdict}`, async () => {
      const file = where.get(c.folder) ?? 'dvc.yaml';
      const root = await tempRepo({});
      const target = join(root, dirname(file));
      await mkdir(target, { recursive: true });
      for (const name of readdirSync(join(corpusDir, c.folder))) await copyFile(join(corpusDir, c.folder, name), join(target, name));

      let outcome: { names: string[] } | { error: unknown };
      try {
        const pipeline = await loadPipeline(root, { file, missingParams: 'omit' });
        outcome = { names: pipeline.stages.map((s) => s.name) };
      } catch (error) {
        outcome = { error };
      }
      if (c.verdict === 'OK') {
        assert.ok('names' in outcome, `DVC accepts this file but we reject it:\n${'error' in outcome ? explain(outcome.error) : ''}`);
        assert.deepEqual(outcome.names, c.rest);
      } else {
        assert.ok('error' in outcome, `DVC rejects this file (${c.rest.join(' ')}) but we accept it`);
        assert.ok(outcome.error instanceof UserError, `expected a UserError, got ${explain(outcome.error)}`);
        assert.match(outcome.error.format(), /dvc\.yaml:\d+:\d+: /);
      }
    });
  }
});

function explain(e: unknown): string {
  return e instanceof UserError ? e.format() : e instanceof Error ? (e.stack ?? e.message) : String(e);
}
