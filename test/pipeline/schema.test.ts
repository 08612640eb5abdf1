import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PIPELINE_SCHEMA_URL } from '../../engine/pipeline/schema.js';
import { didYouMean } from '../../engine/pipeline/suggest.js';
import { oneError, resolveText, userErrors } from './helpers.js';

describe('schema errors', () => {
  test('an unknown stage field is located at its key, with a suggestion', () => {
    const text = 'stages:\n  train:\n    cmd: python train.py\n    dep:\n      - data\n';
    const e = oneError(() => resolveText(text), /^unknown field 'dep' in stage 'train'; did you mean 'deps'\?$/, [4, 5]);
    assert.equal(e.format(), "pipeline.yaml:4:5: unknown field 'dep' in stage 'train'; did you mean 'deps'?");
  });

  test('a misspelt required field is named as the misspelling, with the field it stands for', () => {
    oneError(() => resolveText('stages:\n  t:\n    cmdd: echo hi\n'), /^unknown field 'cmdd' in stage 't'; did you mean 'cmd'\?$/, [3, 5]);
  });

  test('every near miss is offered, closest first', () => {
    oneError(() => resolveText('stages:\n  t:\n    cmd: x\n    metrix: []\n'), /^unknown field 'metrix' in stage 't'; did you mean 'matrix' or 'metrics'\?$/, [4, 5]);
  });

  test('an unknown output flag names the output', () => {
    const text = 'stages:\n  train:\n    cmd: x\n    outs:\n      - model.pkl:\n          cahce: false\n';
    oneError(() => resolveText(text), /^unknown field 'cahce' in out 'model\.pkl' of stage 'train'; did you mean 'cache'\?$/, [6, 11]);
  });

  test('an unknown top-level field', () => {
    oneError(() => resolveText('stage:\n  a:\n    cmd: x\n'), /^unknown field 'stage' at the top level; did you mean 'stages'\?$/, [1, 1]);
  });

  test('a field with no close match lists the allowed ones', () => {
    oneError(() => resolveText('stages:\n  t:\n    cmd: x\n    live: {}\n'), /unknown field 'live' in stage 't' \(allowed: cmd, wdir, deps/);
  });

  test('a missing cmd is reported at the stage', () => {
    oneError(() => resolveText('stages:\n  t:\n    deps: [a]\n'), /missing required field 'cmd' in stage 't'/, [3, 5]);
  });

  test('do without foreach is refused, as in DVC', () => {
    oneError(() => resolveText('stages:\n  t:\n    do:\n      cmd: x\n'), /missing required field 'foreach' in stage 't'/, [3, 5]);
  });

  test('a wrong type is reported once, at the value', () => {
    oneError(() => resolveText('stages:\n  t:\n    cmd: x\n    frozen: yes\n'), /'frozen' in stage 't' must be true or false/, [4, 13]);
    oneError(() => resolveText('stages:\n  t:\n    cmd: x\n    outs:\n      - 3\n'), /item 1 of 'outs' in stage 't' must be a string or a mapping/, [5, 9]);
  });

  test('all schema errors are reported together', () => {
    const text = 'stages:\n  a:\n    cmd: x\n    outz: [o]\n  b:\n    cmd: y\n    depz: [d]\n';
    const errors = userErrors(() => resolveText(text));
    assert.deepEqual(errors.map((e) => e.pos?.line), [4, 7]);
  });

  test('the schema file is a draft-07 JSON schema editors can use', () => {
    const schema = JSON.parse(readFileSync(PIPELINE_SCHEMA_URL, 'utf8')) as Record<string, unknown>;
    assert.equal(schema['$schema'], 'http://json-schema.org/draft-07/schema#');
    assert.equal(schema['additionalProperties'], false);
  });

  test('didYouMean', () => {
    assert.equal(didYouMean('dep', ['deps', 'outs']), 'deps');
    assert.equal(didYouMean('psersist', ['persist', 'push']), 'persist');
    assert.equal(didYouMean('Outs', ['deps', 'outs']), 'outs');
    assert.equal(didYouMean('always', ['always_changed', 'frozen']), 'always_changed');
    assert.equal(didYouMean('xyz', ['deps', 'outs']), undefined);
  });
});
