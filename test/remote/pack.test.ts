import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blake3Hex } from '../../engine/hash/digest.js';
import { coalesceRanges, formatIndex, groupIntoPacks, isPackable, MIN_PACKED_OBJECTS, packId, parseIndex, parsePackKey, planPacks, PACK_OBJECT_LIMIT } from '../../engine/remote/pack.js';

const objects = (n: number, size: number) => Array.from({ length: n }, (_, i) => ({ hash: blake3Hex(`object ${i}`), size }));

test('packs close at the target size, members in hash order laid end to end', () => {
  const packs = groupIntoPacks(objects(100, 1000), 10_000);
  assert.equal(packs.length, 10);
  const all = packs.flatMap((p) => p.members.map((m) => m.hash));
  assert.deepEqual(all, [...all].sort());
  for (const p of packs) {
    assert.equal(p.bytes, 10_000);
    p.members.forEach((m, i) => assert.equal(m.offset, i * 1000));
    assert.equal(p.id, packId(p.members.map((m) => m.hash)));
  }
});

test('a rerun without the packs that landed forms exactly the packs that did not (same ids)', () => {
  const all = objects(95, 700);
  const first = groupIntoPacks(all, 5000);
  const landed = new Set([first[1]!, first[4]!, first[first.length - 1]!].flatMap((p) => p.members.map((m) => m.hash)));
  const rerun = groupIntoPacks(all.filter((o) => !landed.has(o.hash)), 5000);
  const expected = first.filter((_, i) => i !== 1 && i !== 4 && i !== first.length - 1);
  assert.deepEqual(rerun.map((p) => p.id), expected.map((p) => p.id));
  // Duplicated input (the same object wanted twice) is one member.
  assert.equal(groupIntoPacks([...all, ...all], 5000).length, first.length);
});

test('manifests and large objects stay loose', () => {
  assert.equal(isPackable(blake3Hex('x'), 10), true);
  assert.equal(isPackable(blake3Hex('x'), PACK_OBJECT_LIMIT), false);
  assert.equal(isPackable(`${blake3Hex('x')}.dir`, 10), false);
});

test('an index round-trips, and an altered one is refused', () => {
  const [pack] = groupIntoPacks(objects(5, 10), 1000);
  const text = formatIndex(pack!.members);
  assert.deepEqual(parseIndex(text, pack!.id), pack!.members);
  assert.throws(() => parseIndex(text.replace(/ 10\n/, ' 11\n'), pack!.id), /contiguous/);
  const other = blake3Hex('another object');
  assert.throws(() => parseIndex(text.replace(pack!.members[0]!.hash, other), pack!.id), /do not hash to the pack's id/);
  assert.throws(() => parseIndex('garbage\n', pack!.id), /not a dvc-ts pack index/);
  assert.deepEqual(parsePackKey(`packs/${pack!.id}.idx`), { id: pack!.id, kind: 'idx' });
  assert.equal(parsePackKey(`packs/${pack!.id}.tmp`), undefined);
});

test('wanted members are read in coalesced ranges: near ones together, far ones apart', () => {
  const m = (offset: number, length = 100) => ({ hash: blake3Hex(String(offset)), offset, length });
  const ranges = coalesceRanges([m(5000), m(0), m(100), m(300), m(1_000_000)], 1000);
  assert.deepEqual(ranges.map((r) => [r.start, r.end, r.members.length]), [
    [0, 400, 3],
    [5000, 5100, 1],
    [1_000_000, 1_000_100, 1],
  ]);
  assert.equal(coalesceRanges([m(0), m(5000)], 1 << 20).length, 1);
});

test('a push of a few small objects sends them loose, unless they complete a pack left without its index', () => {
  const few = objects(MIN_PACKED_OBJECTS - 1, 100);
  assert.deepEqual(planPacks(few, 1000, new Set()), []);
  const groups = groupIntoPacks(few, 1000);
  const orphan = groups[1]!.id;
  assert.deepEqual(planPacks(few, 1000, new Set([orphan])).map((p) => p.id), [orphan]);
  assert.equal(planPacks(objects(MIN_PACKED_OBJECTS, 100), 1000, new Set()).length, 4);
  assert.deepEqual(planPacks(objects(100, 100), 0, new Set()), [], 'pack_size 0: everything loose');
});
