// Compatibility corpus: 30 real dvc.yaml files and what DVC 3.64 does with each. Accepted files
// must list exactly DVC's stages in DVC's order; rejected ones must fail with a located error.
//
// Each folder is tried in two places in a fresh temporary repository: alone at its root (as
// EXPECTED.txt was made: `dvc stage list` there) and at the path it had in its own repository
// (SOURCES.md, "path in repo"), where its `wdir: ..` and `../` paths point back inside. Listing
// never refuses a path that leaves the repository (only commands that run stages do), and params
// are loaded with missingParams 'omit', as `dvc stage list` reads none.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../../engine/errors.js';
import { buildGraph } from '../../engine/graph/dag.js';
import { loadPipeline } from '../../engine/pipeline/load.js';
import { tempRepo } from './helpers.js';
import { corpusAbsent, corpusDir, expectations, originalPaths, PLACEMENTS } from './corpus-data.js';

describe('dvc.yaml compatibility corpus', () => {
  const absent = corpusAbsent();
  if (absent) {
    test('the corpus beside the repository', { skip: absent }, () => {});
    return;
  }
  const cases = expectations();
  const where = originalPaths();
  test('EXPECTED.txt lists all 30 folders', () => {
    assert.equal(cases.length, 30);
    assert.equal(where.size, 30, 'SOURCES.md should give the original path of every folder');
  });

  for (const placement of PLACEMENTS) {
    for (const c of cases) {
      test(`${c.folder} (${placement}): ${c.verdict}`, async () => {
        const file = placement === 'root' ? 'dvc.yaml' : (where.get(c.folder) ?? 'dvc.yaml');
        const root = await tempRepo({});
        const target = join(root, dirname(file));
        await mkdir(target, { recursive: true });
        for (const name of readdirSync(join(corpusDir, c.folder))) await copyFile(join(corpusDir, c.folder, name), join(target, name));

        let outcome: { names: string[] } | { error: unknown };
        try {
          const pipeline = await loadPipeline(root, { file, missingParams: 'omit' });
          buildGraph(pipeline.stages);
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
  }
});

function explain(e: unknown): string {
  return e instanceof UserError ? e.format() : e instanceof Error ? (e.stack ?? e.message) : String(e);
}
