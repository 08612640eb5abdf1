import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { flattenData } from '../../engine/report/flatten.js';
import { decimalDifference } from '../../engine/report/decimal.js';
import { diffToJson, diffValues } from '../../engine/report/compare.js';

describe('flattenData', () => {
  test('nested mappings and lists become dotted keys, nulls vanish', () => {
    const flat = flattenData({ a: { b: { c: 1 } }, list: [10, { x: true }], s: 'text', n: null, empty: {} });
    assert.deepEqual(flat, { 'a.b.c': 1, 'list.0': 10, 'list.1.x': true, s: 'text' });
    assert.deepEqual(Object.keys(flat), ['a.b.c', 'list.0', 'list.1.x', 's']);
  });

  test('a bare scalar is one value under the prefix', () => {
    assert.deepEqual(flattenData(42), { '': 42 });
    assert.deepEqual(flattenData({ lr: 0.1 }, 'train'), { 'train.lr': 0.1 });
    assert.deepEqual(flattenData(0.5, 'train.lr'), { 'train.lr': 0.5 });
  });

  test('a __proto__ key is kept as data, not as a prototype', () => {
    const flat = flattenData(JSON.parse('{"__proto__": {"x": 1}}'));
    assert.equal(Object.getPrototypeOf(flat), Object.prototype);
    assert.deepEqual(Object.entries(flat), [['__proto__.x', 1]]);
  });
});

describe('decimalDifference', () => {
  test('differences carry no binary float noise', () => {
    assert.equal(0.85 - 0.8 === 0.05, false); // the noise this avoids
    assert.equal(decimalDifference(0.85, 0.8), 0.05);
    assert.equal(decimalDifference(0.35, 0.1), 0.25);
    assert.equal(decimalDifference(0.1, 0.3), -0.2);
    assert.equal(decimalDifference(3, 4), -1);
    assert.equal(decimalDifference(1e-7, 3e-8), 7e-8);
    assert.equal(decimalDifference(1.5e21, 5e20), 1e21);
    assert.equal(decimalDifference(2, 2), 0);
    assert.ok(Object.is(decimalDifference(-0.5, -0.5), 0));
  });

  test('non-finite values fall back to plain subtraction', () => {
    assert.equal(decimalDifference(Infinity, 1), Infinity);
    assert.ok(Number.isNaN(decimalDifference(NaN, 1)));
  });
});

describe('diffValues', () => {
  const before = { 'm.json': { acc: 0.8, loss: 0.5, name: 'a', gone: 1 } };
  const after = { 'm.json': { acc: 0.85, loss: 0.5, name: 'b', added: 2 }, 'new.json': { x: true } };

  test('changed keys only, with a change for numbers', () => {
    assert.deepEqual(diffValues(before, after), [
      { path: 'm.json', key: 'acc', old: 0.8, new: 0.85, change: 0.05 },
      { path: 'm.json', key: 'name', old: 'a', new: 'b' },
      { path: 'm.json', key: 'added', old: undefined, new: 2 },
      { path: 'm.json', key: 'gone', old: 1, new: undefined },
      { path: 'new.json', key: 'x', old: undefined, new: true },
    ]);
  });

  test('--all keeps unchanged keys', () => {
    const rows = diffValues(before, after, { all: true });
    assert.deepEqual(rows.find((r) => r.key === 'loss'), { path: 'm.json', key: 'loss', old: 0.5, new: 0.5, change: 0 });
    assert.equal(rows.length, 6);
  });

  test('JSON shape is path → key → old/new/diff with nulls for absent sides', () => {
    assert.deepEqual(diffToJson(diffValues(before, after)), {
      'm.json': {
        acc: { old: 0.8, new: 0.85, diff: 0.05 },
        name: { old: 'a', new: 'b' },
        added: { old: null, new: 2 },
        gone: { old: 1, new: null },
      },
      'new.json': { x: { old: null, new: true } },
    });
  });
});
