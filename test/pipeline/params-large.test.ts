// Large YAML params files are parsed only in the top-level sections stages read: the values and
// the positions must be those of a whole-file parse, and any shape a section parse cannot trust
// (aliases, a document marker, a quoted top-level key) falls back to the whole file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ParamsFiles, SECTIONED_PARSE_BYTES } from '../../engine/pipeline/params-files.js';
import { oneError, resolveText, stage } from './helpers.js';

/** `head`, then enough filler records to pass the sectioned-parse size, then `tail`. */
function largeYaml(head: string, tail = ''): string {
  const rows: string[] = [head, 'bulk:\n'];
  let size = head.length;
  for (let i = 0; size < SECTIONED_PARSE_BYTES; i++) {
    const row = `  k${i}: {name: "record ${i}", weight: ${i % 7}}\n`;
    rows.push(row);
    size += row.length;
  }
  rows.push(tail);
  return rows.join('');
}

const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('large params files', () => {
  test('a stage reads its keys; positions are those of the whole file', () => {
    const text = largeYaml('# tuned by hand\ntrain:\n  lr: 0.01\n  layers: [64, 32]\n', 'late:\n  seed: 7\n');
    const files = new ParamsFiles((p) => (p === 'params.yaml' ? text : undefined));
    const tree = files.load('params.yaml', ['late', 'train', 'absent']);
    assert.deepEqual(tree?.entries.map((e) => [e.key, e.keyPos.line]), [['train', 2], ['late', lineOf(text, 'late:')]]);
    const pipeline = 'stages:\n  t:\n    cmd: x\n    params:\n      - train.lr\n      - late.seed\n';
    assert.deepEqual(stage(resolveText(pipeline, { 'params.yaml': text }), 't').params, { 'params.yaml': { 'train.lr': 0.01, 'late.seed': 7 } });
  });

  test('a missing key is still an error located in the pipeline file', () => {
    const text = largeYaml('train:\n  lr: 0.01\n');
    oneError(() => resolveText('stages:\n  t:\n    cmd: x\n    params:\n      - train.momentum\n', { 'params.yaml': text }), /param 'train.momentum' of stage 't' not found/, [5, 9]);
  });

  test('a syntax error inside a section read is reported at its line in the file', () => {
    const text = largeYaml('ok: 1\n', 'broken:\n  a: [1, 2\n');
    const files = new ParamsFiles(() => text);
    assert.throws(() => files.load('params.yaml', ['broken']), (e: Error & { pos?: { line: number } }) => {
      assert.ok((e.pos?.line ?? 0) >= lineOf(text, 'broken:'), `line ${e.pos?.line}`);
      return true;
    });
  });

  test('aliases, document markers and quoted keys make it parse the whole file', () => {
    for (const head of ['base: &b {lr: 0.1}\ntrain: *b\n', '---\ntrain: {lr: 0.1}\n', '"train": {lr: 0.1}\n']) {
      const text = largeYaml(head);
      const files = new ParamsFiles(() => text);
      const tree = files.load('params.yaml', ['train']);
      assert.ok(tree?.entries.some((e) => e.key === 'bulk'), `whole file parsed for ${JSON.stringify(head)}`);
      assert.deepEqual(stage(resolveText('stages:\n  t:\n    cmd: x\n    params: [train.lr]\n', { 'params.yaml': text }), 't').params, { 'params.yaml': { 'train.lr': 0.1 } });
    }
  });

  test('with ${} or vars, params.yaml is still merged whole for interpolation', () => {
    const text = largeYaml('train:\n  lr: 0.01\n', 'late:\n  seed: 7\n');
    assert.deepEqual(stage(resolveText('stages:\n  t:\n    cmd: run ${late.seed}\n', { 'params.yaml': text }), 't').cmd, ['run 7']);
  });
});
