import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph, findCycles } from '../../engine/graph/dag.js';
import { selectStages } from '../../engine/graph/select.js';
import { renderDag } from '../../engine/graph/render.js';
import { UserError } from '../../engine/errors.js';
import { stage } from './fixtures.js';

describe('buildGraph', () => {
  test('edges from deps to the outs that produce them, at, above and below the path', () => {
    const g = buildGraph([
      stage('data', [], ['data']),
      stage('file', ['data/raw.csv'], ['feat.csv']), // dep inside an out directory
      stage('dir', [], ['models/a.bin']),
      stage('all', ['models', 'feat.csv'], ['report.html']), // dep above an out
      stage('lone', ['src/x.py'], ['x.out']),
    ]);
    assert.deepEqual(g.upstream.get('file'), ['data']);
    assert.deepEqual(g.upstream.get('all'), ['file', 'dir']);
    assert.deepEqual(g.upstream.get('lone'), []);
    assert.deepEqual(g.downstream.get('data'), ['file']);
    assert.deepEqual(g.order, ['data', 'file', 'dir', 'all', 'lone']);
  });

  test('topological order keeps declaration order where edges allow', () => {
    const g = buildGraph([stage('late', ['a.txt'], ['b.txt']), stage('early', [], ['a.txt']), stage('free', [], ['c.txt'])]);
    assert.deepEqual(g.order, ['early', 'late', 'free']);
  });

  test('a previous dep makes no edge, a gate file does', () => {
    const gate = { expr: 'ok', files: { '': 'verdict.json' }, pos: { file: 'pipeline.yaml', line: 1, col: 1 } };
    const g = buildGraph([
      stage('judge', [], ['verdict.json']),
      stage('use', [], ['model'], { when: gate }),
      stage('compare', [], ['cmp.json'], { deps: [{ path: 'model', previous: true, pos: gate.pos }] }),
    ]);
    assert.deepEqual(g.upstream.get('use'), ['judge']);
    assert.deepEqual(g.upstream.get('compare'), []);
  });

  test('a cycle is an error naming every stage in it', () => {
    assert.throws(
      () => buildGraph([stage('a', ['c.txt'], ['a.txt']), stage('b', ['a.txt'], ['b.txt']), stage('c', ['b.txt'], ['c.txt']), stage('d', [], ['d.txt'])]),
      (e: unknown) => e instanceof UserError && /cycle/.test(e.message) && /a -> b -> c -> a/.test(e.message),
    );
  });

  test('findCycles handles long chains without recursion', () => {
    const n = 50_000;
    const names = Array.from({ length: n }, (_, i) => `s${i}`);
    const up = new Map(names.map((name, i) => [name, i === 0 ? [`s${n - 1}`] : [`s${i - 1}`]]));
    const cycles = findCycles(names, up);
    assert.equal(cycles.length, 1);
    assert.equal(cycles[0]!.length, n);
  });

  test('a wide graph builds in well under quadratic work', () => {
    const stages = Array.from({ length: 5000 }, (_, i) => stage(`s${i}`, i ? [`out/${i - 1}.txt`] : [], [`out/${i}.txt`]));
    const g = buildGraph(stages);
    assert.equal(g.order.length, 5000);
    assert.deepEqual(g.upstream.get('s4999'), ['s4998']);
  });
});

describe('selectStages', () => {
  const g = buildGraph([
    stage('a', [], ['a.txt']),
    stage('b', ['a.txt'], ['b.txt']),
    stage('c', ['b.txt'], ['c.txt']),
    stage('x@1', [], ['x1']),
    stage('x@2', [], ['x2']),
  ]);
  test('targets with their upstream, or downstream, or alone', () => {
    assert.deepEqual(selectStages(g, { targets: ['b'] }), ['a', 'b']);
    assert.deepEqual(selectStages(g, { targets: ['b'], downstream: true }), ['b', 'c']);
    assert.deepEqual(selectStages(g, { targets: ['c'], single: true }), ['c']);
    assert.deepEqual(selectStages(g, { targets: [] }), ['a', 'b', 'c', 'x@1', 'x@2']);
  });
  test('a foreach group name selects every expanded stage', () => {
    assert.deepEqual(selectStages(g, { targets: ['x'] }), ['x@1', 'x@2']);
  });
  test('an unknown target suggests the closest name', () => {
    assert.throws(() => selectStages(g, { targets: ['bb'] }), /unknown stage 'bb'; did you mean 'b'\?/);
  });
});

describe('renderDag', () => {
  const g = buildGraph([stage('a', [], ['a.txt']), stage('b', ['a.txt'], ['b.txt'])]);
  test('text, mermaid and dot', () => {
    assert.equal(renderDag(g, g.order, 'text'), 'a -> b\n');
    assert.match(renderDag(g, g.order, 'mermaid'), /flowchart TD\n {2}s0\["a"\]\n {2}s1\["b"\]\n {2}s0 --> s1/);
    assert.match(renderDag(g, g.order, 'dot'), /"a" -> "b";/);
  });
});

describe('renderDag as text: a chain on one line, branches as a tree', () => {
  test('a linear pipeline reads as one chain, without the edges implied by it', () => {
    // c needs a and b, d needs everything: only the direct links are drawn.
    const g = buildGraph([
      stage('a', [], ['a.txt']),
      stage('b', ['a.txt'], ['b.txt']),
      stage('c', ['a.txt', 'b.txt'], ['c.txt']),
      stage('d', ['a.txt', 'b.txt', 'c.txt'], ['d.txt']),
    ]);
    assert.equal(renderDag(g, g.order, 'text'), 'a -> b -> c -> d\n');
  });

  test('a stage feeding two hangs both branches below itself; a join names its other upstream', () => {
    const g = buildGraph([
      stage('prepare', [], ['p.txt']),
      stage('featurize', ['p.txt'], ['f.txt']),
      stage('split', ['p.txt'], ['s.txt']),
      stage('train', ['f.txt', 's.txt'], ['m.txt']),
      stage('report', ['m.txt'], ['r.txt']),
      stage('lonely', [], ['l.txt']),
    ]);
    assert.equal(
      renderDag(g, g.order, 'text'),
      ['prepare', '├─> featurize', '└─> split -> train (also after featurize) -> report', 'lonely', ''].join('\n'),
    );
  });

  test('branches below a chain line up under the stage they leave from', () => {
    const g = buildGraph([
      stage('build', [], ['b']),
      stage('drift', ['b'], ['d']),
      stage('train', ['d'], ['t']),
      stage('alert', ['d'], ['a']),
      stage('deploy', ['t'], ['x']),
      stage('notify', ['t'], ['y']),
    ]);
    assert.equal(
      renderDag(g, g.order, 'text'),
      [
        'build -> drift',
        '         ├─> train',
        '         │   ├─> deploy',
        '         │   └─> notify',
        '         └─> alert',
        '',
      ].join('\n'),
    );
  });
});
