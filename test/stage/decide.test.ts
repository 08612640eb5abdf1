// The one decision (engine/stage/decide.ts) without a file system: observations and readers are
// plain values, so every rule is checked directly.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../engine/errors.js';
import { decide, type DecideInput, type DecideReaders, type Observation } from '../../engine/stage/decide.js';
import { describeOutcome, nothingToDo, outcomeLine, upToDate } from '../../engine/stage/outcome.js';
import type { GateDecision, HashInfo, LockEntry, LockPathEntry, StageDef } from '../../engine/types.js';
import { stage } from '../graph/fixtures.js';

const h = (c: string): HashInfo => ({ hash: c.repeat(64).slice(0, 64), size: 1 });
const at = (path: string, c: string): LockPathEntry => ({ path, ...h(c) });

function observed(deps: Record<string, string | undefined>, outs: Record<string, string | undefined>, inCache: string[] = []): Observation {
  const map = (o: Record<string, string | undefined>) => new Map(Object.entries(o).map(([p, c]) => [p, c === undefined ? undefined : h(c)]));
  return { deps: map(deps), outs: map(outs), lockedOutInCache: (e) => inCache.includes(e.path), params: {}, paramsMissing: [], paramKeysMissing: [] };
}

const readers = (gate?: GateDecision | Error, run?: LockPathEntry[]): DecideReaders & { gateReads: number } => {
  const r = {
    gateReads: 0,
    async readGate() {
      r.gateReads++;
      if (gate instanceof Error) throw gate;
      if (!gate) throw new Error('no gate expected');
      return gate;
    },
    async findRun() {
      return run;
    },
  };
  return r;
};

const TRAIN = stage('train', ['data.csv'], ['model.bin']);
const LOCKED: LockEntry = { cmd: TRAIN.cmd, deps: [at('data.csv', 'a')], params: {}, outs: [at('model.bin', 'b')] };
const base = (over: Partial<DecideInput> = {}): DecideInput => ({
  stage: TRAIN,
  entry: LOCKED,
  observed: observed({ 'data.csv': 'a' }, { 'model.bin': 'b' }, ['model.bin']),
  upstream: [],
  gateFeeders: [],
  ...over,
});

describe('decide', () => {
  test('nothing changed: up to date; frozen is never looked at unless forced by name', async () => {
    assert.equal((await decide(base(), readers())).kind, 'up-to-date');
    const frozen: StageDef = { ...TRAIN, frozen: true };
    assert.equal((await decide(base({ stage: frozen, observed: observed({}, {}) }), readers())).kind, 'frozen');
    assert.equal((await decide(base({ stage: frozen, force: true, forceFrozen: true }), readers())).kind, 'run');
  });

  test('a cached out gone from the workspace is restored; a changed dep runs, or comes from the run-cache', async () => {
    const gone = base({ observed: observed({ 'data.csv': 'a' }, { 'model.bin': undefined }, ['model.bin']) });
    assert.equal((await decide(gone, readers())).kind, 'restore');
    const changed = base({ observed: observed({ 'data.csv': 'c' }, { 'model.bin': 'b' }, ['model.bin']) });
    const run = await decide(changed, readers());
    assert.equal(run.kind, 'run');
    assert.ok(run.kind === 'run' && run.runKey, 'a run key to save the run under');
    const hit = await decide(changed, readers(undefined, [at('model.bin', 'd')]));
    assert.equal(hit.kind, 'run-cache');
    assert.equal((await decide({ ...changed, runCache: false }, readers(undefined, [at('model.bin', 'd')]))).kind, 'run');
    assert.equal((await decide({ ...changed, force: true }, readers(undefined, [at('model.bin', 'd')]))).kind, 'run');
  });

  test('a stage below a stage that will run is pending, naming it, with what is already known', async () => {
    const o = await decide(base({ upstream: [{ name: 'prepare', state: 'pending' }] }), readers());
    assert.deepEqual(o, { kind: 'pending', reasons: [], upstream: ['prepare'], gateOnly: false });
    assert.equal(describeOutcome(o), 'may run: depends on what prepare writes');
    // Forced (and not gated), it runs whatever prepare writes.
    assert.equal((await decide(base({ upstream: [{ name: 'prepare', state: 'pending' }], force: true }), readers())).kind, 'run');
  });

  test('below a failed stage nothing runs, frozen or forced, and nothing is read; the words follow a real or a dry run', async () => {
    const r = readers({ open: true, expr: 'x', values: {} });
    const gated: StageDef = { ...TRAIN, frozen: true, when: { expr: 'x', files: {} } } as StageDef;
    const o = await decide(base({ stage: gated, force: true, forceFrozen: true, upstream: [{ name: 'ok', state: 'done' }, { name: 'prepare', state: 'failed' }] }), r);
    assert.deepEqual(o, { kind: 'not-run', reasons: [], upstream: 'prepare', upstreamFailed: true });
    assert.equal(r.gateReads, 0);
    assert.deepEqual(outcomeLine('train', o, false), ['not-run', "Stage 'train' not run: upstream 'prepare' failed"]);
    assert.deepEqual(outcomeLine('train', o, true), ['not-run', "Stage 'train' not run: upstream 'prepare' would fail"]);
    const below = await decide(base({ upstream: [{ name: 'train', state: 'not-run' }] }), r);
    assert.equal(describeOutcome(below), "not run: upstream 'train' did not run");
  });

  test('nothing to do and up to date are counted from the outcomes alone', () => {
    assert.equal(nothingToDo(['up-to-date', 'frozen']), true);
    assert.equal(nothingToDo([]), false);
    assert.equal(nothingToDo(['up-to-date', 'gated']), false);
    assert.equal(upToDate(['up-to-date', 'gated', 'blocked']), true);
    assert.equal(upToDate(['up-to-date', 'not-run']), false);
    assert.equal(upToDate(['up-to-date', undefined]), false);
  });

  test('a restore upstream is projected: the dep will have its locked hash again', async () => {
    const depGone = observed({ 'data.csv': undefined }, { 'model.bin': 'b' }, ['model.bin']);
    const upstream = [{ name: 'prepare', state: 'done' as const, projected: [at('data.csv', 'a')] }];
    assert.equal((await decide(base({ observed: depGone, upstream }), readers())).kind, 'up-to-date');
    const other = [{ name: 'prepare', state: 'done' as const, projected: [at('data.csv', 'e')] }];
    assert.equal((await decide(base({ observed: depGone, upstream: other }), readers())).kind, 'run');
  });

  test('a missing dep: blocked below a gated stage, else a failure naming it', async () => {
    const depGone = observed({ 'data.csv': undefined }, { 'model.bin': 'b' }, ['model.bin']);
    const blocked = await decide(base({ observed: depGone, upstream: [{ name: 'check', state: 'gated' }] }), readers());
    assert.deepEqual(blocked.kind === 'blocked' && [blocked.upstream, blocked.missing], ['check', ['data.csv']]);
    const fail = await decide(base({ observed: depGone }), readers());
    assert.deepEqual(fail.kind === 'fail' && fail.why, 'missing dependencies: data.csv');
  });

  test('a params file not there yet is a reason and, when nobody will write it, a failure', async () => {
    const tuned: StageDef = { ...TRAIN, paramSources: [{ file: 'best.yaml', keys: ['lr'] }] };
    const seen = { ...observed({ 'data.csv': 'a' }, { 'model.bin': 'b' }, ['model.bin']), paramsMissing: ['best.yaml'] };
    const o = await decide(base({ stage: tuned, observed: seen }), readers());
    assert.deepEqual(o.reasons, [{ kind: 'params-missing', file: 'best.yaml' }]);
    assert.deepEqual(o.kind === 'fail' && o.why, 'missing dependencies: best.yaml');
  });

  test('gates: closed skips, a closed gate upstream propagates unread, --ignore-gates opens, a bad gate fails', async () => {
    const gated: StageDef = { ...TRAIN, when: { expr: 'go', files: { '': 'v.json' }, pos: TRAIN.pos } };
    const stale = observed({ 'data.csv': 'c' }, { 'model.bin': 'b' }, ['model.bin']);
    const closed = { open: false, expr: 'go', values: { go: false } };
    assert.equal((await decide(base({ stage: gated, observed: stale }), readers(closed))).kind, 'gated');
    const r = readers(closed);
    const up = await decide(base({ stage: gated, observed: stale, upstream: [{ name: 'check', state: 'gated' }], gateFeeders: ['check'] }), r);
    assert.deepEqual(up.kind === 'gated' && up.gate.upstream, 'check');
    assert.equal(r.gateReads, 0);
    const opened = await decide(base({ stage: gated, observed: stale, ignoreGates: true }), readers(closed));
    assert.deepEqual(opened.kind === 'run' && opened.gate, { ...closed, open: true, ignored: true });
    const bad = await decide(base({ stage: gated, observed: stale }), readers(new UserError('go not found in v.json')));
    assert.deepEqual(bad.kind === 'fail' && bad.why, 'go not found in v.json');
  });
});
