import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { outsideRepoErrors } from '../../engine/pipeline/runnable.js';
import { oneError, resolveText, stage } from './helpers.js';

describe('when (gate) field', () => {
  test('single file: alias "", paths repository-relative, pos at the condition text', () => {
    const text = [
      'stages:',
      '  deploy:',
      '    cmd: deploy',
      '    wdir: svc',
      '    when:',
      '      file: ../metrics.json',
      '      if: "acc > ${threshold} and name == \'${model name}\'"',
    ].join('\n');
    const s = stage(resolveText(text, { 'params.yaml': 'threshold: 0.9\nmodel name: a b\n' }), 'deploy');
    assert.deepEqual(s.when, {
      expr: "acc > 0.9 and name == 'a b'",
      files: { '': 'metrics.json' },
      filePos: { '': { file: 'pipeline.yaml', line: 6, col: 13 } },
      pos: { file: 'pipeline.yaml', line: 7, col: 12 },
    });
    // Values used in the condition are params of the stage, like any other ${} use.
    assert.deepEqual(s.params, { 'params.yaml': { threshold: 0.9, 'model name': 'a b' } });
  });

  test('named files', () => {
    const text = 'stages:\n  s:\n    cmd: x\n    when:\n      files:\n        m: eval/${dir}/m.json\n        base: base.json\n      if: m.acc > base.acc\n';
    const s = stage(resolveText(text, { 'params.yaml': 'dir: run 1\n' }), 's');
    assert.deepEqual(s.when?.files, { m: 'eval/run 1/m.json', base: 'base.json' });
    assert.equal(s.when?.expr, 'm.acc > base.acc');
    assert.deepEqual([s.when?.pos.line, s.when?.pos.col], [8, 11]);
  });

  test('file and files together, or neither, is an error', () => {
    oneError(() => resolveText('stages:\n  s:\n    cmd: x\n    when:\n      if: a\n'), /exactly one of 'file' or 'files'/, [5, 7]);
    oneError(
      () => resolveText('stages:\n  s:\n    cmd: x\n    when:\n      file: a\n      files: {b: b}\n      if: a\n'),
      /exactly one of 'file' or 'files'/,
    );
  });

  test('a gate file outside the repository is refused for running', () => {
    const errors = outsideRepoErrors(resolveText('stages:\n  s:\n    cmd: x\n    when:\n      file: ../m.json\n      if: a\n'));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /gate file '\.\.\/m\.json' of stage 's' is outside the repository/);
  });

  test('a misspelt gate field gets a suggestion', () => {
    oneError(() => resolveText('stages:\n  s:\n    cmd: x\n    when:\n      fiel: m.json\n      if: a\n'), /unknown field 'fiel' in 'when' of stage 's'; did you mean 'file' or 'files'\?/, [5, 7]);
  });
});
