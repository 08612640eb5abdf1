import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeReason, onlyRestorable, staleReasons, type StageObservation } from '../../engine/stage/staleness.js';
import type { HashInfo, LockEntry } from '../../engine/types.js';
import { stage } from '../graph/fixtures.js';

const h = (hash: string, size = 1): HashInfo => ({ hash, size });
function seen(deps: Record<string, HashInfo | undefined>, outs: Record<string, HashInfo | undefined>, cached: string[] = []): StageObservation {
  return { deps: new Map(Object.entries(deps)), outs: new Map(Object.entries(outs)), lockedOutInCache: (e) => cached.includes(e.hash) };
}
const base = stage('train', ['data.csv'], ['model.bin'], { params: { 'params.yaml': { lr: 0.1 } } });
const entry: LockEntry = {
  cmd: ['run train'],
  deps: [{ path: 'data.csv', hash: 'd1', size: 1 }],
  params: { 'params.yaml': { lr: 0.1 } },
  outs: [{ path: 'model.bin', hash: 'm1', size: 1 }],
};
const kinds = (s = base, e: LockEntry | null = entry, o = seen({ 'data.csv': h('d1') }, { 'model.bin': h('m1') }, ['m1'])) =>
  staleReasons(s, e ?? undefined, o).map((r) => r.kind);

describe('staleReasons (DVC rules)', () => {
  test('nothing changed: up to date', () => assert.deepEqual(kinds(), []));
  test('never run', () => assert.deepEqual(kinds(base, null), ['never-run']));
  test('cmd changed', () => assert.deepEqual(kinds({ ...base, cmd: ['run train --fast'] }), ['cmd-changed']));
  test('dep modified, missing, added, removed', () => {
    assert.deepEqual(kinds(base, entry, seen({ 'data.csv': h('d2') }, { 'model.bin': h('m1') }, ['m1'])), ['dep-modified']);
    assert.deepEqual(kinds(base, entry, seen({}, { 'model.bin': h('m1') }, ['m1'])), ['dep-missing']);
    const more = stage('train', ['data.csv', 'extra.csv'], ['model.bin'], { params: base.params });
    assert.deepEqual(kinds(more, entry, seen({ 'data.csv': h('d1'), 'extra.csv': h('e') }, { 'model.bin': h('m1') }, ['m1'])), ['dep-added']);
    const fewer = stage('train', [], ['model.bin'], { params: base.params });
    assert.deepEqual(kinds(fewer), ['dep-removed']);
  });
  test('param modified, added, removed, with old and new values', () => {
    const changed = staleReasons({ ...base, params: { 'params.yaml': { lr: 0.2 } } }, entry, seen({ 'data.csv': h('d1') }, { 'model.bin': h('m1') }, ['m1']));
    assert.deepEqual(changed, [{ kind: 'param-modified', file: 'params.yaml', key: 'lr', old: 0.1, new: 0.2 }]);
    assert.equal(describeReason(changed[0]!), 'param modified: params.yaml:lr 0.1 -> 0.2');
    assert.deepEqual(kinds({ ...base, params: { 'params.yaml': { lr: 0.1, epochs: 3 } } }), ['param-added']);
    assert.deepEqual(kinds({ ...base, params: {} }), ['param-removed']);
  });
  test('structured param values compare by value', () => {
    const e = { ...entry, params: { 'params.yaml': { grid: { lr: [0.1, 0.2] } } } };
    assert.deepEqual(kinds({ ...base, params: { 'params.yaml': { grid: { lr: [0.1, 0.2] } } } }, e), []);
    assert.deepEqual(kinds({ ...base, params: { 'params.yaml': { grid: { lr: [0.1, 0.3] } } } }, e), ['param-modified']);
  });
  test('outs: missing (restorable or not), modified, not cached', () => {
    const missing = staleReasons(base, entry, seen({ 'data.csv': h('d1') }, {}, ['m1']));
    assert.deepEqual(missing, [{ kind: 'out-missing', path: 'model.bin', restorable: true }]);
    assert.equal(onlyRestorable(missing), true);
    assert.equal(onlyRestorable(staleReasons(base, entry, seen({ 'data.csv': h('d1') }, {}, []))), false);
    assert.deepEqual(kinds(base, entry, seen({ 'data.csv': h('d1') }, { 'model.bin': h('m2') }, ['m1'])), ['out-modified']);
    assert.deepEqual(kinds(base, entry, seen({ 'data.csv': h('d1') }, { 'model.bin': h('m1') }, [])), ['out-not-cached']);
  });
  test('an uncached out is never "not in cache"', () => {
    const s = { ...base, outs: base.outs.map((o) => ({ ...o, cache: false })) };
    assert.deepEqual(kinds(s, entry, seen({ 'data.csv': h('d1') }, { 'model.bin': h('m1') }, [])), []);
  });
  test('always_changed, and a gate that was closed last time', () => {
    assert.deepEqual(kinds({ ...base, alwaysChanged: true }), ['always-changed']);
    assert.deepEqual(kinds(base, { ...entry, skipped: true }), ['gate-was-closed']);
  });
  test('a previous dep never makes the stage stale', () => {
    const s = stage('evaluate', [], ['model.bin'], { params: base.params, deps: [{ path: 'champion.json', previous: true, pos: base.pos }] });
    const e = { ...entry, cmd: ['run evaluate'], deps: [{ path: 'champion.json', hash: 'c1', size: 1 }] };
    assert.deepEqual(kinds(s, e, seen({ 'champion.json': h('c2') }, { 'model.bin': h('m1') }, ['m1'])), []);
  });
});
