import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlTree } from '../../engine/pipeline/yaml-tree.js';
import { oneError, resolveText, stage, userErrors } from './helpers.js';

describe('YAML safety and positions', () => {
  test('an alias bomb is refused with a clear error', () => {
    const lines = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    // 9^9 values if expanded: refused by the expansion budget, not by running out of memory.
    oneError(() => resolveText(lines.join('\n')), /expands to more than \d+ values/);
  });

  test('moderate alias use is fine', () => {
    const text = 'vars:\n  - &common\n    cmd: run\nstages:\n  a: *common\n  b:\n    <<: *common\n    deps: [in]\n';
    const p = resolveText(text);
    assert.deepEqual(p.stages.map((s) => [s.name, s.cmd[0], s.deps.length]), [['a', 'run', 0], ['b', 'run', 1]]);
  });

  test('very deep nesting is refused with a UserError', () => {
    const deep = `stages:\n  a:\n    cmd: x\n    meta: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const errors = userErrors(() => resolveText(deep));
    assert.ok(errors.length >= 1);
  });

  test('nesting past the limit gives its own message', () => {
    assert.throws(() => parseYamlTree(`${'- '.repeat(50)}x`, { file: 'f.yaml', maxDepth: 10 }), /nesting deeper than 10 levels/);
  });

  test('duplicate keys are an error at the second key', () => {
    oneError(() => resolveText('stages:\n  a:\n    cmd: x\n  a:\n    cmd: y\n'), /^duplicate key 'a' \(first defined at line 2, column 3\)$/, [4, 3]);
  });

  test('syntax errors carry line and column', () => {
    const e = oneError(() => resolveText('params:\n- p.yaml\nmetrics:\n-m.json\n', {}, { file: 'dvc.yaml' }), /invalid YAML/);
    assert.match(e.format(), /^dvc\.yaml:4:1: /);
  });

  test('an unclosed [ or { is pointed at where it opens, not at the line after it', () => {
    const list = 'stages:\n  a:\n    cmd: x\n    deps: [a.txt, b.txt\n    outs: [c.txt]\n';
    oneError(() => resolveText(list), /^invalid YAML: this '\[' is never closed with '\]'$/, [4, 11]);
    oneError(() => parseYamlTree('k: [a]\nm: [b, [c]\nz: 1\n', { file: 'p.yaml' }), /this '\[' is never closed/, [2, 4]);
    oneError(() => parseYamlTree('a: {x: 1\nb: 2\n', { file: 'p.yaml' }), /^invalid YAML: this '\{' is never closed with '\}'$/, [1, 4]);
  });

  test('a BOM and CRLF line ends do not shift positions', () => {
    const text = '\uFEFFstages:\r\n  a:\r\n    cmd: x\r\n    bad: 1\r\n';
    oneError(() => resolveText(text), /unknown field 'bad'/, [4, 5]);
  });

  test('an empty file is an empty pipeline', () => {
    assert.deepEqual(resolveText('# nothing\n').stages, []);
  });

  test('floats keep their Python spelling in names and commands', () => {
    const p = resolveText('stages:\n  s:\n    foreach: [1.0, 0.50, 1e-5, 10]\n    do:\n      cmd: x ${item}\n');
    assert.deepEqual(p.stages.map((s) => s.name), ['s@1.0', 's@0.5', 's@1e-05', 's@10']);
    assert.deepEqual(stage(p, 's@1e-05').cmd, ['x 1e-05']);
  });
});
