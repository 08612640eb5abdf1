import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  choosePart,
  existenceCost,
  groupByShard,
  hashOfKey,
  objectKey,
  planExistence,
  runKeyOfPath,
  runKeyPath,
  sampleShard,
  uploadOrder,
} from '../../engine/remote/plan.js';
import { partSize, MIN_PART_SIZE } from '../../engine/remote/s3.js';

const h = (prefix: string, n: number) => prefix + n.toString(16).padStart(62, '0');

describe('transfer planner (pure)', () => {
  test('object keys round-trip, and foreign keys name no object', () => {
    const hash = h('ab', 7);
    assert.equal(objectKey(hash), `files/b3/ab/${hash.slice(2)}`);
    assert.equal(hashOfKey(objectKey(hash)), hash);
    assert.equal(hashOfKey(objectKey(hash + '.dir')), hash + '.dir');
    assert.equal(hashOfKey('files/b3/ab/.tmp123'), undefined);
    assert.equal(hashOfKey('tmp/host.1.abcdef'), undefined);
    const key = 'cd'.padEnd(64, '1');
    assert.equal(runKeyOfPath(runKeyPath(key)), key);
    assert.equal(runKeyOfPath(`runs/ab/${key}`), undefined, 'an entry filed under the wrong shard is not one');
  });

  test('a partition is listed only when listing costs fewer requests than a HEAD per object', () => {
    // An empty remote: one listing request answers any number of objects.
    assert.deepEqual(choosePart(40, 0, 1000), { how: 'list', requests: 1 });
    // One wanted object: a HEAD is never worse.
    assert.deepEqual(choosePart(1, 0, 1000), { how: 'head', requests: 1 });
    // A million-object remote has ~3,900 keys a shard: 4 pages, so 5+ wanted objects list.
    assert.deepEqual(choosePart(4, 3907, 1000), { how: 'head', requests: 4 });
    assert.deepEqual(choosePart(5, 3907, 1000), { how: 'list', requests: 4 });
  });

  test('the sample is the shard with most wanted objects, and none when HEADs cannot lose', () => {
    const groups = groupByShard([h('aa', 1), h('bb', 1), h('bb', 2), h('bb', 3), h('cc', 1), h('cc', 2)]);
    assert.equal(sampleShard(groups), 'files/b3/bb/');
    assert.equal(sampleShard(groupByShard([h('aa', 1), h('bb', 1)])), undefined);
  });

  test('levels: a small or empty remote is listed whole; a full one in 16 parallel listings', () => {
    const spread = (n: number) => Array.from({ length: n }, (_, i) => Math.floor((i * 256) / n).toString(16).padStart(2, '0') + i.toString(16).padStart(62, '0'));
    const empty = planExistence(spread(10_000), 0, 1000, 32);
    assert.equal(empty.level, 0);
    assert.equal(empty.requests, 1);
    const noop = planExistence(spread(10_000), 10_000, 1000, 32);
    assert.deepEqual([noop.level, noop.requests, noop.rounds], [1, 16, 1]);
    assert.ok(noop.parts.every((p) => p.how === 'list'));
    const few = planExistence(spread(10), 1_000_000, 1000, 32);
    assert.equal(few.requests, 10);
    assert.ok(few.parts.every((p) => p.how === 'head'));
    assert.deepEqual(planExistence([], 5, 1000, 32).parts, []);
  });

  test('uploads put files before manifests', () => {
    const order = uploadOrder([h('aa', 1) + '.dir', h('bb', 1), h('00', 1)]);
    assert.deepEqual(order.files, [h('00', 1), h('bb', 1)]);
    assert.deepEqual(order.manifests, [h('aa', 1) + '.dir']);
  });

  test('request counts at scale: a no-op push of 10,000 objects, and of 10 or 100,000 into a million', () => {
    assert.equal(existenceCost(10_000, 10_000, 1000, 32).planned.requests, 16);
    assert.equal(existenceCost(10, 1_000_000, 1000, 32).planned.requests, 10);
    const all = existenceCost(100_000, 1_000_000, 1000, 32);
    assert.equal(all.head, 100_000);
    assert.equal(all.listAll, 1000);
    assert.deepEqual([all.planned.level, all.planned.requests, all.planned.rounds], [2, 1024, 4]);
  });

  test('multipart parts stay within S3 limits (at most 10,000 parts, at least 16 MiB)', () => {
    assert.equal(partSize(100 * 2 ** 20), MIN_PART_SIZE);
    const huge = 5 * 2 ** 40;
    assert.ok(Math.ceil(huge / partSize(huge)) <= 10_000);
  });
});
