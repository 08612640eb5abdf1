import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { oneError, resolveText, stage } from './helpers.js';

const names = (text: string, files: Record<string, string> = {}): string[] => resolveText(text, files).stages.map((s) => s.name);

describe('foreach', () => {
  test('a list of values names stages by value, with ${item}', () => {
    const text = 'stages:\n  prep:\n    foreach: [uk, us, 1.0, 2, true]\n    do:\n      cmd: prep ${item}\n';
    const p = resolveText(text);
    assert.deepEqual(p.stages.map((s) => s.name), ['prep@uk', 'prep@us', 'prep@1.0', 'prep@2', 'prep@true']);
    assert.deepEqual(stage(p, 'prep@1.0').cmd, ['prep 1.0']);
  });

  test('a list holding mappings names stages by index', () => {
    const text = [
      'stages:',
      '  conv:',
      '    foreach:',
      '      - {src: a.xlsx, dst: a.csv}',
      '      - {src: b.xlsx, dst: b.csv}',
      '    do:',
      '      cmd: conv ${item.src}',
      '      outs:',
      '        - ${item.dst}',
    ].join('\n');
    const p = resolveText(text);
    assert.deepEqual(p.stages.map((s) => s.name), ['conv@0', 'conv@1']);
    assert.equal(stage(p, 'conv@1').outs[0]!.path, 'b.csv');
  });

  test('a mapping names stages by key, with ${key} and ${item}', () => {
    const text = 'stages:\n  train:\n    foreach:\n      small: {size: 1}\n      big: {size: 9}\n    do:\n      cmd: train ${key} ${item.size}\n';
    const p = resolveText(text);
    assert.deepEqual(p.stages.map((s) => s.name), ['train@small', 'train@big']);
    assert.deepEqual(stage(p, 'train@big').cmd, ['train big 9']);
  });

  test('foreach over ${list} from params tracks the item as its params key', () => {
    const params = 'jobs:\n  - {in: a, out: x}\n  - {in: b, out: y}\n';
    const text = 'stages:\n  j:\n    foreach: ${jobs}\n    do:\n      cmd: run ${item.in}\n      outs:\n        - ${item.out}\n';
    const p = resolveText(text, { 'params.yaml': params });
    assert.deepEqual(p.stages.map((s) => s.name), ['j@0', 'j@1']);
    assert.deepEqual(stage(p, 'j@1').params, { 'params.yaml': { 'jobs.1.in': 'b', 'jobs.1.out': 'y' } });
  });

  test('repeated values collapse into one stage, as in DVC', () => {
    assert.deepEqual(names('stages:\n  s:\n    foreach: [a, b, a]\n    do:\n      cmd: x ${item}\n'), ['s@a', 's@b']);
  });

  test('foreach over a plain value is an error at foreach', () => {
    const text = 'vars:\n  - one: 1\nstages:\n  s:\n    foreach: ${one}\n    do:\n      cmd: x\n';
    oneError(() => resolveText(text), /expected list\/dictionary, got int/, [5, 14]);
  });

  test('stage order follows the file, generated stages in place', () => {
    const text = 'stages:\n  a:\n    cmd: a\n  b:\n    foreach: [x, y]\n    do:\n      cmd: b\n  c:\n    cmd: c\n';
    assert.deepEqual(names(text), ['a', 'b@x', 'b@y', 'c']);
  });
});

describe('matrix', () => {
  test('every combination, last axis fastest, named value-value', () => {
    const text = 'stages:\n  t:\n    matrix:\n      data: [ml, lastfm]\n      algo: [als, 0.5]\n    cmd: t ${item.data} ${item.algo} ${key}\n';
    const p = resolveText(text);
    assert.deepEqual(p.stages.map((s) => s.name), ['t@ml-als', 't@ml-0.5', 't@lastfm-als', 't@lastfm-0.5']);
    assert.deepEqual(stage(p, 't@lastfm-0.5').cmd, ['t lastfm 0.5 lastfm-0.5']);
  });

  test('list or mapping values are named axis+index', () => {
    const text = 'stages:\n  t:\n    matrix:\n      year: ["2020"]\n      geo: [[a, b], {k: v}, c]\n    cmd: t\n';
    assert.deepEqual(names(text), ['t@2020-geo0', 't@2020-geo1', 't@2020-c']);
  });

  test('an axis may come from params with ${}', () => {
    const text = 'stages:\n  t:\n    matrix:\n      y: ${years}\n    cmd: t ${item.y}\n';
    assert.deepEqual(names(text, { 'params.yaml': 'years: [2021, 2022]\n' }), ['t@2021', 't@2022']);
  });

  test('a list value used in cmd is an error at the cmd', () => {
    const text = 'stages:\n  t:\n    matrix:\n      geo: [[a, b]]\n    cmd: t ${item.geo}\n';
    oneError(() => resolveText(text), /'stages\.t@geo0\.cmd'.*Cannot interpolate data of type 'list'/, [5, 10]);
  });

  test('an axis that is not a list is an error', () => {
    const text = 'vars:\n  - one: x\nstages:\n  t:\n    matrix:\n      a: ${one}\n    cmd: t\n';
    oneError(() => resolveText(text), /matrix axis 'a' must be a list/);
  });

  test('a matrix with too many combinations is refused before it is generated', () => {
    const axis = `[${Array.from({ length: 100 }, (_, i) => i).join(', ')}]`;
    const text = `stages:\n  t:\n    matrix:\n      a: ${axis}\n      b: ${axis}\n      c: ${axis}\n    cmd: t\n`;
    // The count is known from the axes: a million stages are never built to find out.
    oneError(() => resolveText(text, {}, { maxGenerated: 10_000 }), /matrix generates 1000000 stages/);
  });
});

describe('stage names', () => {
  test('names with dots and parentheses are fine', () => {
    assert.deepEqual(names('stages:\n  "calkit.dvc.compress(results)":\n    cmd: zip\n'), ['calkit.dvc.compress(results)']);
  });

  test("a declared name with '@' is refused", () => {
    oneError(() => resolveText('stages:\n  a@b:\n    cmd: x\n'), /cannot contain '@'/, [2, 3]);
  });
});
