// The canary's parts on their own: routing by key, the pure decision, the evidence read from
// real log and labels files, and the promotion's bundle copy refusing what it must not write.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageInputError } from '../../stages/lib/errors.js';
import { publishBundle } from '../../serve/bundle-publish.js';
import { BundleError } from '../../serve/bundle.js';
import { decideCanary, type VersionTally } from '../../serve/canary-decision.js';
import { readCanaryEvidence } from '../../serve/canary-evidence.js';
import { keyPosition, requestKey, routesToCandidate } from '../../serve/canary-route.js';

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-canary-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('routing by request key', () => {
  const keys = Array.from({ length: 10_000 }, (_, i) => `key-${i}`);

  test('the share of distinct keys routed to the candidate is the configured share', () => {
    for (const share of [0.05, 0.2, 0.5]) {
      const routed = keys.filter((k) => routesToCandidate(k, share)).length / keys.length;
      assert.ok(Math.abs(routed - share) < 0.02, `share ${share}: ${routed}`);
    }
  });

  test('sticky: a key always gets the same side, and a larger share keeps every key it had', () => {
    for (const k of keys.slice(0, 200)) {
      assert.equal(routesToCandidate(k, 0.2), routesToCandidate(k, 0.2));
      if (routesToCandidate(k, 0.1)) assert.ok(routesToCandidate(k, 0.2));
      assert.ok(keyPosition(k) >= 0 && keyPosition(k) < 1);
    }
  });

  test('share 0 routes nothing, share 1 everything; a request without a key stays on the champion', () => {
    assert.ok(keys.every((k) => !routesToCandidate(k, 0)));
    assert.ok(keys.every((k) => routesToCandidate(k, 1)));
    assert.equal(routesToCandidate(undefined, 1), false);
    assert.equal(routesToCandidate('', 1), false);
    assert.equal(requestKey({ 'x-request-key': 'u1' }), 'u1');
    assert.equal(requestKey({ 'x-request-key': ['u1', 'u2'] }), undefined);
    assert.equal(requestKey({}), undefined);
  });
});

describe('the canary decision', () => {
  const tally = (version: string, labelled: number, correct: number): VersionTally => ({ version, requests: labelled + 10, labelled, correct });
  const policy = { minLabelled: 100, margin: 0.02, pThreshold: 0.05 };

  test('too few labels on either side: hold, whatever the accuracies', () => {
    const d = decideCanary(tally('k', 500, 450), tally('c', 99, 10), policy);
    assert.equal(d.verdict, 'hold');
    assert.match(d.reason, /not enough labels: champion 500, candidate 99 labelled rows; 100 needed for each/);
  });

  test('worse by more than the margin, significantly: roll back; at least as accurate with a loss beyond the margin ruled out: promote', () => {
    assert.equal(decideCanary(tally('k', 2000, 1800), tally('c', 2000, 1700), policy).verdict, 'rollback'); // 0.90 vs 0.85
    assert.equal(decideCanary(tally('k', 2000, 1800), tally('c', 2000, 1800), policy).verdict, 'promote'); // equal
    assert.equal(decideCanary(tally('k', 200, 180), tally('c', 200, 195), policy).verdict, 'promote'); // 0.90 vs 0.975
    const rolled = decideCanary(tally('k', 2000, 1800), tally('c', 2000, 1700), policy);
    assert.match(rolled.reason, /worse by more than the margin 0.02, significantly \(p = [\d.e-]+\) → roll back/);
  });

  test('the same differences on few labels are noise: hold for more', () => {
    // 0.90 vs 0.85 on 200 rows a side: the standard error is about 0.03, so a 0.05 loss is not yet evidence.
    const noisy = decideCanary(tally('k', 200, 180), tally('c', 200, 170), policy);
    assert.equal(noisy.verdict, 'hold');
    assert.match(noisy.reason, /worse by more than the margin 0.02, but not significantly yet \(p = [\d.]+ > the level 0.05\)/);
    const equal = decideCanary(tally('k', 200, 180), tally('c', 200, 180), policy);
    assert.equal(equal.verdict, 'hold');
    assert.match(equal.reason, /at least as accurate, but a loss beyond the margin 0.02 is not ruled out yet/);
    const close = decideCanary(tally('k', 200, 180), tally('c', 200, 178), policy); // -0.01
    assert.equal(close.verdict, 'hold');
    assert.match(close.reason, /within the margin 0.02; inconclusive/);
    assert.equal(decideCanary(tally('k', 5000, 4500), tally('c', 5000, 4400), policy).verdict, 'hold', 'exactly the margin is not beyond it');
    assert.ok(Math.abs(close.difference! + 0.01) < 1e-12);
    assert.equal(close.candidate.accuracy, 0.89);
  });
});

describe('the evidence: canary log lines joined to labels', () => {
  const line = (id: string, version: string, prediction: number, arm?: string) =>
    JSON.stringify({ timestamp: '2026-01-01T00:00:00Z', request_id: id, model_version: version, ...(arm ? { canary_arm: arm } : {}), score: 0.5, prediction, features: {} });

  test('only lines of a canary count, labels join by request id, a torn last line is left unread', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'requests-a.jsonl'), [
        line('1', 'K', 1, 'champion'), line('2', 'K', 0, 'champion'), line('3', 'C', 1, 'candidate'),
        line('4', 'K', 1), // before the canary, or without a key: not evidence
        line('6', 'K', 1, 'candidate'), // K as the candidate of an earlier canary
        '',
      ].join('\n') + `${line('5', 'C', 1, 'candidate').slice(0, 30)}`);
      await writeFile(join(dir, 'labels-a.jsonl'), ['{"request_id":"1","occupied":1}', '{"request_id":"2","occupied":1}', '{"request_id":"3","occupied":0}', '{"request_id":"4","occupied":1}', '{"request_id":"5","occupied":1}', ''].join('\n'));
      const evidence = await readCanaryEvidence(dir);
      assert.deepEqual(evidence.champion.get('K'), { version: 'K', requests: 2, labelled: 2, correct: 1 });
      assert.deepEqual(evidence.candidate.get('C'), { version: 'C', requests: 1, labelled: 1, correct: 0 });
      assert.deepEqual(evidence.candidate.get('K'), { version: 'K', requests: 1, labelled: 0, correct: 0 });
      assert.equal(evidence.champion.get('C'), undefined);
    });
  });

  test('a malformed canary line stops with file:line', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'requests-a.jsonl'), `${line('1', 'K', 1, 'champion')}\n{"request_id":"2","canary_arm":"candidate","prediction":1}\n`);
      await assert.rejects(readCanaryEvidence(dir), (e: Error) => e instanceof StageInputError && e.message.startsWith(`${join(dir, 'requests-a.jsonl')}:2: a canary line needs`));
    });
  });
});

describe('publishing the candidate bundle in the champion folder', () => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  async function bundle(dir: string, files: Record<string, string>, listed: Record<string, string> = files): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const manifest = { model_id: 'm', files: Object.fromEntries(Object.entries(listed).map(([n, t]) => [n, { sha256: sha(t), size: t.length }])) };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  }

  test('the listed files replace the champion folder; nothing is left beside it', async () => {
    await withTempDir(async (dir) => {
      await bundle(join(dir, 'candidate'), { 'model.json': 'new model', 'MODEL_CARD.md': 'card' });
      await bundle(join(dir, 'bundle'), { 'model.json': 'old model', 'reference.csv': 'old' });
      await publishBundle(join(dir, 'candidate'), join(dir, 'bundle'));
      assert.deepEqual((await readdir(join(dir, 'bundle'))).sort(), ['MODEL_CARD.md', 'manifest.json', 'model.json']);
      assert.equal(await readFile(join(dir, 'bundle', 'model.json'), 'utf8'), 'new model');
      assert.deepEqual((await readdir(dir)).sort(), ['bundle', 'candidate']);
    });
  });

  test('a manifest naming a path outside the bundle, or a file that does not match it, is refused and the champion is untouched', async () => {
    await withTempDir(async (dir) => {
      await bundle(join(dir, 'bundle'), { 'model.json': 'old model' });
      await bundle(join(dir, 'escape'), { 'model.json': 'x' }, { 'model.json': 'x', '../outside.txt': 'y' });
      await assert.rejects(publishBundle(join(dir, 'escape'), join(dir, 'bundle')), (e: Error) => e instanceof BundleError && /lists '..\/outside.txt', which is not a plain file name/.test(e.message));
      await bundle(join(dir, 'corrupt'), { 'model.json': 'tampered' }, { 'model.json': 'original' });
      await assert.rejects(publishBundle(join(dir, 'corrupt'), join(dir, 'bundle')), (e: Error) => e instanceof BundleError && /does not match its manifest/.test(e.message));
      assert.equal(await readFile(join(dir, 'bundle', 'model.json'), 'utf8'), 'old model');
      assert.deepEqual((await readdir(dir)).sort(), ['bundle', 'corrupt', 'escape']);
    });
  });
});
