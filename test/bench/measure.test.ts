import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { measureGroup, type PlannedRow } from '../../bench/measure.js';

const cwd = tmpdir();
const planned = (key: string, argv: string[], extra: Partial<PlannedRow> = {}): PlannedRow => ({ group: 'noop', key, figure: key, tool: 't', label: key, cmd: { argv, cwd }, ...extra });

test('rows run round-robin: a warm-up then N timed runs, each after its preparation', async () => {
  const order: string[] = [];
  const rows = [
    planned('a', ['sleep', '0.05'], { prepare: async (r) => void order.push(`a${r}`) }),
    planned('b', ['true'], { prepare: async (r) => void order.push(`b${r}`) }),
  ];
  const res = await measureGroup(rows, { runs: 2, scratch: cwd, stopped: () => false, progress: () => undefined });
  assert.deepEqual(order, ['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
  assert.equal(res[0]!.samplesMs.length, 2);
  assert.ok(res.every((r) => r.samplesMs.every((ms) => ms !== undefined && ms > 0)));
  assert.ok(res[0]!.rssKb !== undefined && res[0]!.rssKb > 0, 'peak RSS from the warm-up');
});

test('a failing row keeps its error and empty slots, so the rounds of other rows stay aligned', async () => {
  const res = await measureGroup([planned('ok', ['true']), planned('bad', ['sh', '-c', 'echo broken >&2; exit 4'])], {
    runs: 3,
    scratch: cwd,
    stopped: () => false,
    progress: () => undefined,
  });
  assert.equal(res[1]!.error, 'exit 4: broken');
  assert.deepEqual(res[1]!.samplesMs, [undefined, undefined, undefined]);
  assert.equal(res[0]!.samplesMs.filter((x) => x !== undefined).length, 3);
});

test('a failed preparation is reported as such and the command is not run', async () => {
  const res = await measureGroup([planned('p', ['true'], { prepare: async () => { throw new Error('disk full'); } })], {
    runs: 1,
    scratch: cwd,
    stopped: () => false,
    progress: () => undefined,
  });
  assert.equal(res[0]!.error, 'preparation failed: disk full');
});
