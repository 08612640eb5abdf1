import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { blake3Hex } from '../../engine/hash/digest.js';
import { canonicalJson, computeRunKey, type RunKeyInput } from '../../engine/hash/stage.js';

describe('canonicalJson', () => {
  test('sorts keys at every depth and keeps array order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, 1], c: 'x' } }), '{"a":{"c":"x","d":[3,1]},"b":1}');
    assert.equal(canonicalJson({ a: { c: 'x', d: [3, 1] }, b: 1 }), canonicalJson({ b: 1, a: { d: [3, 1], c: 'x' } }));
  });

  test('drops undefined members, maps -0 to 0, escapes strings', () => {
    assert.equal(canonicalJson({ a: undefined, b: -0, c: 'q"\n' }), '{"b":0,"c":"q\\"\\n"}');
  });

  test('refuses values JSON would silently change', () => {
    assert.throws(() => canonicalJson({ lr: Number.NaN }), /value\.lr/);
    assert.throws(() => canonicalJson(Infinity), TypeError);
    assert.throws(() => canonicalJson(10n), TypeError);
  });
});

describe('computeRunKey', () => {
  const base: RunKeyInput = {
    cmd: ['python train.py'],
    deps: [
      { path: 'data/train.csv', hash: blake3Hex('data'), size: 4 },
      { path: 'src/train.py', hash: blake3Hex('code'), size: 4 },
    ],
    params: { 'params.yaml': { 'train.lr': 0.1, 'train.epochs': 5 } },
    outs: ['model.bin', 'metrics.json'],
  };

  test('is a 64-hex digest, stable for equal input', () => {
    const k = computeRunKey(base);
    assert.match(k, /^[0-9a-f]{64}$/);
    assert.equal(computeRunKey(structuredClone(base)), k);
  });

  test('ignores declaration order of deps, outs and param keys', () => {
    const reordered: RunKeyInput = {
      cmd: base.cmd,
      deps: [...base.deps].reverse(),
      params: { 'params.yaml': { 'train.epochs': 5, 'train.lr': 0.1 } },
      outs: [...base.outs].reverse(),
    };
    assert.equal(computeRunKey(reordered), computeRunKey(base));
  });

  test('changes with the command, a dep hash, a param value or an out path', () => {
    const k = computeRunKey(base);
    const variants: RunKeyInput[] = [
      { ...base, cmd: ['python train.py --fast'] },
      { ...base, cmd: [...base.cmd, 'echo done'] },
      { ...base, deps: [{ ...base.deps[0]!, hash: blake3Hex('other') }, base.deps[1]!] },
      { ...base, params: { 'params.yaml': { 'train.lr': 0.2, 'train.epochs': 5 } } },
      { ...base, outs: ['model2.bin', 'metrics.json'] },
    ];
    const keys = variants.map(computeRunKey);
    for (const key of keys) assert.notEqual(key, k);
    assert.equal(new Set(keys).size, keys.length);
  });
});
