// Compatibility corpus: real dvc.yaml files in three sets and what DVC 3.64 does with each.
// Accepted files must list exactly DVC's stages in DVC's order; rejected ones must fail with a
// located error.
//
// Each case is tried in two places in a fresh temporary repository: the dvc.yaml's folder as the
// root (as `dvc stage list` was run for EXPECTED.txt) and at the path it had in its own
// repository, where its `wdir: ..` and `../` paths point back inside. Loading here is what
// `stage list` does: params are read with missingParams 'omit' (`dvc stage list` reads none),
// and no cross-stage checks run. An accepted file at its root placement must also give a stage
// graph, as `dvc-ts dag` builds it: loaded with the cross-stage checks, then `buildGraph`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../engine/errors.js';
import { loadPipeline } from '../../engine/pipeline/load.js';
import { buildGraph } from '../../engine/graph/dag.js';
import { tempRepo } from './helpers.js';
import { CORPUS_SETS, corpusAbsent, corpusCases, placeCase } from './corpus-data.js';

describe('dvc.yaml compatibility corpus', () => {
  const absent = corpusAbsent();
  if (absent) {
    test('the corpus beside the repository', { skip: absent }, () => {});
    return;
  }
  const cases = corpusCases();
  test('EXPECTED.txt gives both placements of 30 + 30 + 40 folders', () => {
    const count = (set: string): number => cases.filter((c) => c.set === set).length;
    assert.deepEqual(CORPUS_SETS.map((s) => count(s.name)), [60, 60, 80]);
  });

  for (const c of cases) {
    test(`${c.set}/${c.folder} (${c.placement}): ${c.verdict}`, async () => {
      const root = await tempRepo({});
      await placeCase(c, root);
      let outcome: { names: string[] } | { error: unknown };
      try {
        const pipeline = await loadPipeline(root, { file: c.file, missingParams: 'omit', listing: true });
        outcome = { names: pipeline.stages.map((s) => s.name) };
      } catch (error) {
        outcome = { error };
      }
      if (c.verdict === 'OK') {
        assert.ok('names' in outcome, `DVC accepts this file but we reject it:\n${'error' in outcome ? explain(outcome.error) : ''}`);
        assert.deepEqual(outcome.names, c.rest);
        if (c.placement === 'root') {
          const graph = buildGraph((await loadPipeline(root, { file: c.file, missingParams: 'omit' })).stages);
          assert.equal(graph.order.length, c.rest.length);
        }
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
