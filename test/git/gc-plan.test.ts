import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expandKept, garbageObjects, lockHashes, staleRunEntries } from '../../engine/git/gc-plan.js';
import type { LockFile } from '../../engine/types.js';

const h = (c: string) => c.repeat(64);
const dir = (c: string) => `${h(c)}.dir`;

describe('gc plan', () => {
  const lock: LockFile = {
    schema: '1.0',
    stages: {
      a: { cmd: ['x'], deps: [{ path: 'in', hash: h('1'), size: 1 }, { path: 'md5dep', hash: 'not-an-object', size: 1 }], params: {}, outs: [{ path: 'o', hash: h('2'), size: 1 }] },
      b: { cmd: ['y'], deps: [], params: {}, outs: [{ path: 'd', hash: dir('3'), size: 2, nfiles: 2 }] },
    },
  };

  test('a lock refers to its outs and its object-named deps', () => {
    assert.deepEqual([...lockHashes(lock)].sort(), [h('1'), h('2'), dir('3')].sort());
  });

  test('kept manifests keep their files; everything else is garbage', () => {
    const kept = expandKept(lockHashes(lock), new Map([[dir('3'), [h('4'), h('5')]]]));
    const objects = [h('1'), h('2'), dir('3'), h('4'), h('5'), h('6'), dir('7')].sort();
    assert.deepEqual(garbageObjects(objects, kept), [h('6'), dir('7')].sort());
  });

  test('run-cache entries go when any object they need is gone', () => {
    const survivors = new Set([h('2'), dir('3'), h('4')]);
    const manifests = new Map([[dir('3'), [h('4'), h('5')]]]);
    const entries = [
      { key: 'aa/keep', outs: [{ path: 'o', hash: h('2'), size: 1 }] },
      { key: 'bb/gone-file', outs: [{ path: 'o', hash: h('2'), size: 1 }, { path: 'p', hash: h('6'), size: 1 }] },
      { key: 'cc/gone-in-dir', outs: [{ path: 'd', hash: dir('3'), size: 2 }] },
    ];
    assert.deepEqual(staleRunEntries(entries, survivors, manifests).map((e) => e.key), ['bb/gone-file', 'cc/gone-in-dir']);
  });
});
