// SIGKILL `checkout` in the middle of copying large outs, and `gc` in the middle of removing
// objects: the half-written temp files a killed checkout leaves in the workspace (and inside
// directory outs) are swept by the next command that takes the repository lock, whichever it is
// (checkout, repro or gc), and the repository is whole afterwards.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { ObjectStore } from '../../engine/cache/store.js';
import { hashFile } from '../../engine/hash/file.js';
import { TempRepo } from '../helpers/repo.js';
import { KILL_ENV as ENV, killMidRun } from './kill-harness.js';
import { checkRepo, findTempFiles, present, TEMP_NAME } from './invariants.js';

/** A 40 MB file out and a directory out of three 20 MB files: copies long enough to kill. */
const PIPELINE = `stages:
  big:
    cmd: head -c 40000000 /dev/urandom > big.bin && mkdir -p parts && for i in 1 2 3; do head -c 20000000 /dev/urandom > parts/p$i.bin; done
    outs: [big.bin, parts]
`;
/**
 * A kill lands mid-copy only when it beats a kernel copy of tens of milliseconds: about one try
 * in six on a quiet machine (2 of 12 in one run). Sixty tries make missing three landings a
 * one-in-thousands event; the loop stops at the third.
 */
const ATTEMPTS = 60;

/** Temp files in the workspace where checkout writes: beside big.bin and inside parts/. */
function workspaceTemps(repo: TempRepo): string[] {
  const list = (rel: string) => {
    try {
      return readdirSync(repo.path(rel)).filter((n) => TEMP_NAME.test(n));
    } catch {
      return [];
    }
  };
  return [...list('.'), ...list('parts').map((n) => `parts/${n}`)];
}

/**
 * Start `checkout` with the outs deleted and SIGKILL it as soon as a temp file shows up in the
 * workspace. Returns the temps left behind, or [] when the kill came too early or too late.
 */
async function killCheckoutMidCopy(repo: TempRepo): Promise<string[]> {
  await rm(repo.path('big.bin'), { force: true });
  await rm(repo.path('parts'), { recursive: true, force: true });
  await killMidRun(repo.root, ['checkout'], { env: ENV, when: () => workspaceTemps(repo).length > 0 });
  return (await findTempFiles(repo.root)).filter((t) => !t.startsWith('.dvc-ts/'));
}

describe('a killed checkout or gc leaves nothing behind after the next command', () => {
  test('SIGKILL mid-copy: the next checkout, repro or gc sweeps the temps', { timeout: 30 * 60_000 }, async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE });
    try {
      const first = await repo.run(['repro']);
      assert.equal(first.code, 0, first.all);
      const bigHash = (await hashFile(repo.path('big.bin'))).hash;
      const next = [['checkout'], ['repro'], ['gc', '--workspace']];
      let landed = 0;
      let tries = 0;
      const leftBehind: string[] = [];
      for (let attempt = 0; attempt < ATTEMPTS && landed < next.length; attempt++) {
        tries++;
        const left = await killCheckoutMidCopy(repo);
        if (left.length === 0) continue;
        leftBehind.push(...left);
        const args = next[landed++]!;
        assert.ok(await present(repo.path('.dvc-ts/tmp/repo.lock')), 'the killed checkout held the lock');
        const r = await repo.run(args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.all}`);
        assert.match(r.stdout, /^Removed \d+ temp file\(s\) left by a killed dvc-ts$/m, `${args.join(' ')} after a kill that left ${left.join(', ')}`);
        assert.deepEqual(await findTempFiles(repo.root), [], `temps left after ${args.join(' ')}`);
        assert.equal(await present(repo.path('.dvc-ts/tmp/repo.lock')), false, 'the lock is released');
        // Whatever the next command was, the outs come back whole.
        const checkout = await repo.run(['checkout']);
        assert.equal(checkout.code, 0, checkout.all);
        assert.equal((await hashFile(repo.path('big.bin'))).hash, bigHash);
        assert.equal((await repo.run(['status', '-q'])).code, 0);
        assert.deepEqual((await checkRepo(repo.root, () => true)).violations, []);
      }
      const inside = leftBehind.filter((t) => t.startsWith('parts/')).length;
      console.log(
        `kill-checkout: ${landed} of ${tries} kills landed mid-copy (next command: ${next.slice(0, landed).map((a) => a.join(' ')).join(', ')}); ` +
          `they left ${leftBehind.length} temp files in the workspace, ${inside} inside the directory out; all swept`,
      );
      assert.equal(landed, next.length, `only ${landed} of ${ATTEMPTS} kills landed while a temp file existed`);
    } finally {
      await repo.remove();
    }
  });

  test('SIGKILL of gc at random moments: the cache stays sound, the next gc completes', { timeout: 30 * 60_000 }, async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': 'stages:\n  s:\n    cmd: echo kept > kept.txt\n    outs: [kept.txt]\n' });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      const store = new ObjectStore(repo.root);
      let kills = 0;
      for (let round = 0; round < 4; round++) {
        // Garbage to collect: objects no lock refers to.
        const scratch = repo.path('scratch.bin');
        for (let i = 0; i < 400; i++) {
          await writeFile(scratch, `garbage ${round} ${i}\n`);
          await store.addFile(scratch, { hash: (await hashFile(scratch)).hash, size: (await hashFile(scratch)).size });
        }
        await rm(scratch);
        const killed = await killMidRun(repo.root, ['gc', '--workspace'], { env: ENV, afterMs: 120 + Math.random() * 200 });
        if (killed.landed) kills++;
        const after = await checkRepo(repo.root, () => true);
        assert.deepEqual(after.violations, [], 'every object left is whole');
        const r = await repo.run(['gc', '--workspace']);
        assert.equal(r.code, 0, r.all);
        assert.deepEqual(await findTempFiles(repo.root), []);
        assert.deepEqual(await store.list(), [(await hashFile(repo.path('kept.txt'))).hash], 'only the kept object remains');
        await rm(repo.path('kept.txt'));
        assert.equal((await repo.run(['checkout'])).code, 0);
        assert.equal(await repo.read('kept.txt'), 'kept\n');
      }
      console.log(`kill-gc: ${kills} of 4 gc runs killed before they finished`);
      assert.ok(kills >= 1, 'no gc was killed while running');
    } finally {
      await repo.remove();
    }
  });
});
