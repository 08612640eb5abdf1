import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { oneError, resolveText, stage, userErrors } from './helpers.js';

describe('outputs across stages', () => {
  test('two stages with the same output', () => {
    const text = 'stages:\n  a:\n    cmd: x\n    outs: [data]\n  b:\n    cmd: y\n    outs: [data]\n';
    oneError(() => resolveText(text), /output 'data' of stage 'b' is already an output of stage 'a'/, [7, 12]);
  });

  test('an output inside another stage’s output directory', () => {
    const text = 'stages:\n  a:\n    cmd: x\n    outs: [data]\n  b:\n    cmd: y\n    metrics: [data/x.csv]\n';
    oneError(() => resolveText(text), /output 'data\/x\.csv' of stage 'b' is inside output 'data' of stage 'a'/, [7, 15]);
  });

  test('nesting is found however the paths interleave', () => {
    const text = [
      'stages:',
      '  a:',
      '    cmd: x',
      '    outs: [d, d-2, d/x/y, e]',
      '  b:',
      '    cmd: y',
      '    outs: [d/z, d.txt]',
    ].join('\n');
    const errors = userErrors(() => resolveText(text));
    assert.deepEqual(errors.map((e) => e.message).sort(), [
      "output 'd/x/y' of stage 'a' is inside output 'd' of the same stage",
      "output 'd/z' of stage 'b' is inside output 'd' of stage 'a'",
    ]);
  });

  test('similar names that are not nested are fine', () => {
    const p = resolveText('stages:\n  a:\n    cmd: x\n    outs: [data, data-2, data.csv, datax/y]\n');
    assert.equal(stage(p, 'a').outs.length, 4);
  });

  test('the same path twice in one list is one output with merged flags', () => {
    const text = 'stages:\n  a:\n    cmd: x\n    outs:\n      - m.pkl\n      - m.pkl:\n          cache: false\n';
    const outs = stage(resolveText(text), 'a').outs;
    assert.equal(outs.length, 1);
    assert.equal(outs[0]!.cache, false);
  });
});

describe('dependencies against the stage’s own outputs', () => {
  test('an output that is also a dependency', () => {
    const text = 'stages:\n  a:\n    cmd: x\n    deps: [model.pkl]\n    outs: [model.pkl]\n';
    oneError(() => resolveText(text), /'model\.pkl' is both a dependency and an output of stage 'a'/, [4, 12]);
  });

  test('a dependency inside an output, and one containing an output', () => {
    const text = 'stages:\n  a:\n    cmd: x\n    deps: [out/part.csv]\n    outs: [out]\n  b:\n    cmd: y\n    deps: [src]\n    outs: [src/gen.py]\n';
    const messages = userErrors(() => resolveText(text)).map((e) => e.message);
    assert.deepEqual(messages, [
      "dependency 'out/part.csv' of stage 'a' is inside its own output 'out'",
      "dependency 'src' of stage 'b' contains its own output 'src/gen.py'",
    ]);
  });

  test('a previous-run dependency may name an output of a downstream stage or its own', () => {
    const text = [
      'stages:',
      '  evaluate:',
      '    cmd: eval',
      '    deps:',
      '      - candidate.pkl',
      '      - champion.pkl: {previous: true}',
      '    outs: [report.json]',
      '  package:',
      '    cmd: pkg',
      '    deps: [report.json]',
      '    outs: [champion.pkl]',
      '  rotate:',
      '    cmd: rot',
      '    deps:',
      '      - log.txt: {previous: true}',
      '    outs: [log.txt]',
    ].join('\n');
    const p = resolveText(text);
    assert.deepEqual(stage(p, 'evaluate').deps.map((d) => [d.path, d.previous ?? false]), [
      ['candidate.pkl', false],
      ['champion.pkl', true],
    ]);
    assert.equal(stage(p, 'rotate').deps[0]!.previous, true);
  });
});

describe('scale', () => {
  test('a chain of thousands of stages loads, every stage in it', () => {
    const n = 5000;
    const lines = ['stages:'];
    for (let i = 0; i < n; i++) {
      lines.push(`  s${i}:`, `    cmd: step ${i}`, `    deps: [data/${i - 1}.csv]`, `    outs: [data/${i}.csv]`);
    }
    // How fast is `npm run bench`'s question (W2, W5); here only that it loads, whole and in order.
    const p = resolveText(lines.join('\n'));
    assert.equal(p.stages.length, n);
    assert.equal(p.stages[n - 1]!.name, `s${n - 1}`);
    assert.equal(p.stages[n - 1]!.deps[0]!.path, `data/${n - 2}.csv`);
  });
});
