// Kill `repro` at random moments, many times, and check after each kill what must survive any
// interruption. SIGKILL of dvc-ts itself leaves its stages running in their own process groups;
// the test waits briefly for them and then ends their groups (reapOrphanStages), as a user would
// have to: dvc-ts cannot clean up after a SIGKILL, it can only make the next run safe.
//
// DVC_TS_KILLS=<n> raises the number of kills (default 51, a third per signal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { runStatus, formatStatus } from '../../engine/api/status.js';
import { parseLock } from '../../engine/lock/lockfile.js';
import type { LockFile } from '../../engine/types.js';
import { CLI, TempRepo } from '../helpers/repo.js';
import { verifyCache } from '../../engine/api/cache.js';
import { checkRepo, findTempFiles, reapOrphanStages } from './invariants.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
type KillSignal = (typeof SIGNALS)[number];
const KILLS = Math.max(3, Number(process.env.DVC_TS_KILLS ?? 51));
/** Repositories driven at once (each its own kill loop). */
const WORKERS = 3;
/** Upper bound of the random delay before the kill: about one whole run on a busy machine. */
const MAX_DELAY_MS = 700;

// Ten stages, file and directory outs, a diamond in the middle. Every command writes the round
// (so every stage is stale in each new round and its lock entry says which round it finished)
// and appends to its counter as its very last act.
const STAGE_NAMES = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9'];
const PIPELINE = `stages:
  s0:
    cmd: mkdir -p out/d0 && for i in 1 2 3 4; do echo "r\${round} s0 $i" > out/d0/f$i.txt; done && echo x >> counts/s0
    outs: [out/d0]
  s1:
    cmd: cat out/d0/f1.txt > out/s1.txt && echo "r\${round} s1" >> out/s1.txt && echo x >> counts/s1
    deps: [out/d0]
    outs: [out/s1.txt]
  s2:
    cmd: cat out/d0/f2.txt > out/s2.txt && echo "r\${round} s2" >> out/s2.txt && echo x >> counts/s2
    deps: [out/d0]
    outs: [out/s2.txt]
  s3:
    cmd: mkdir -p out/d3/sub && cp out/s1.txt out/d3/a.txt && echo "r\${round} s3" > out/d3/sub/b.txt && echo x >> counts/s3
    deps: [out/s1.txt]
    outs: [out/d3]
  s4:
    cmd: head -c 200000 /dev/zero > out/s4.bin && echo "r\${round}" >> out/s4.bin && echo x >> counts/s4
    deps: [out/s2.txt]
    outs: [out/s4.bin]
  s5:
    cmd: cat out/d3/a.txt out/s4.bin > out/s5.txt && echo "r\${round} s5" >> out/s5.txt && echo x >> counts/s5
    deps: [out/d3, out/s4.bin]
    outs: [out/s5.txt]
  s6:
    cmd: mkdir -p out/d6 && for i in 1 2 3 4 5 6; do echo "r\${round} s6 $i" > out/d6/g$i.txt; done && echo x >> counts/s6
    deps: [out/s5.txt]
    outs: [out/d6]
  s7:
    cmd: wc -c out/s5.txt > out/s7.txt && echo "r\${round} s7" >> out/s7.txt && echo x >> counts/s7
    deps: [out/s5.txt]
    outs: [out/s7.txt]
  s8:
    cmd: cat out/d6/g1.txt out/s7.txt > out/s8.txt && echo "r\${round} s8" >> out/s8.txt && echo x >> counts/s8
    deps: [out/d6, out/s7.txt]
    outs: [out/s8.txt]
  s9:
    cmd: cat out/s8.txt > out/s9.txt && echo "r\${round} s9" >> out/s9.txt && echo x >> counts/s9
    deps: [out/s8.txt]
    outs: [out/s9.txt]
`;

interface Tally {
  kills: Record<KillSignal, number>;
  /** Runs that finished before the signal arrived (not counted as kills). */
  missed: number;
  violations: string[];
  tempFilesAfterSigkill: number;
  /** Stage processes still running after dvc-ts was SIGKILLed (waited for), and those killed. */
  orphansFound: number;
  orphansReaped: number;
  leftoversRemoved: number;
}

/** The stage finished in `round` when its lock entry records that round's params. */
const finishedIn = (round: number) => (stage: string, lock: LockFile) => lock.stages[stage]?.params['params.yaml']?.round === round;

async function counts(repo: TempRepo): Promise<Map<string, number>> {
  return new Map(await Promise.all(STAGE_NAMES.map(async (s) => [s, await repo.count(`counts/${s}`)] as const)));
}

async function killLoop(worker: number, kills: number, tally: Tally): Promise<void> {
  const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': 'round: 0\n', 'counts/.keep': '' });
  const violation = (round: number, signal: string, what: string) => tally.violations.push(`[worker ${worker} round ${round} ${signal}] ${what}`);
  try {
    const first = await repo.run(['repro']);
    assert.equal(first.code, 0, first.all);
    let done = 0;
    for (let round = 1; done < kills; round++) {
      const signal = SIGNALS[(worker + round) % SIGNALS.length]!;
      await repo.write({ 'params.yaml': `round: ${round}\n` });
      const before = await counts(repo);
      const tempBefore = new Set(await findTempFiles(repo.root));
      const args = [CLI, 'repro', ...(round % 4 === 0 ? ['-j', '2'] : [])];
      const child = execa(process.execPath, args, { cwd: repo.root, reject: false, all: true, env: { CI: 'true', NO_COLOR: '1' } });
      let exited = false;
      void child.finally(() => (exited = true));
      await new Promise((r) => setTimeout(r, Math.random() * MAX_DELAY_MS));
      const landed = !exited;
      child.kill(signal);
      const result = await child;
      if (!landed) {
        tally.missed++;
        continue;
      }
      done++;
      tally.kills[signal]++;
      // A graceful stop exits 130; a signal that arrives before node installs its handlers, or
      // SIGKILL, ends the process by the signal itself.
      if (result.exitCode !== undefined && result.exitCode !== 130 && result.exitCode !== 0) {
        violation(round, signal, `repro exited ${result.exitCode}: ${String(result.all).slice(-500)}`);
      }
      if (signal === 'SIGKILL') {
        const orphans = await reapOrphanStages(repo.root, 2000);
        tally.orphansFound += orphans.found;
        tally.orphansReaped += orphans.killed;
      }

      const afterKill = await checkRepo(repo.root, finishedIn(round));
      afterKill.violations.forEach((v) => violation(round, signal, v));
      const newTemp = afterKill.tempFiles.filter((t) => !tempBefore.has(t));
      if (signal === 'SIGKILL') tally.tempFilesAfterSigkill += newTemp.length;
      else if (newTemp.length > 0 && result.exitCode === 130) {
        violation(round, signal, `temp files left after a graceful stop: ${newTemp.join(', ')}`);
      }
      const finished = new Set(STAGE_NAMES.filter((s) => afterKill.lock && finishedIn(round)(s, afterKill.lock)));
      const mid = await counts(repo);

      // The next run completes and reruns only what had not finished.
      const next = await repo.run(['repro']);
      if (next.code !== 0) {
        violation(round, signal, `the next repro failed (${next.code}): ${next.all.slice(-800)}`);
        continue;
      }
      const after = await counts(repo);
      if (signal === 'SIGKILL') {
        const unswept = (await findTempFiles(repo.root)).filter((t) => newTemp.includes(t));
        if (unswept.length > 0) violation(round, signal, `temp files of the killed run not swept by the next repro: ${unswept.join(', ')}`);
      }
      for (const s of STAGE_NAMES) {
        const rerun = after.get(s)! - mid.get(s)!;
        if (finished.has(s) && rerun !== 0) violation(round, signal, `stage ${s} had finished but ran again`);
        if (!finished.has(s) && rerun > 1) violation(round, signal, `stage ${s} ran ${rerun} times in the next repro`);
        if (after.get(s)! - before.get(s)! < 1 && !/restored from the run-cache/.test(next.stdout)) {
          violation(round, signal, `stage ${s} never ran in round ${round}`);
        }
      }
      const lock = parseLock(await repo.read('pipeline.lock'));
      const notCurrent = STAGE_NAMES.filter((s) => !finishedIn(round)(s, lock));
      if (notCurrent.length > 0) violation(round, signal, `after the next repro, lock entries not current: ${notCurrent.join(', ')}`);
      // `status -q` through the CLI every few rounds; in between the same check in-process
      // (runStatus is what the CLI calls), to keep the default run short.
      if (done % 5 === 0) {
        const status = await repo.run(['status', '-q']);
        if (status.code !== 0) violation(round, signal, `status -q exited ${status.code} after the next repro: ${status.all}`);
      } else {
        const report = await runStatus(repo.root);
        if (!report.upToDate) violation(round, signal, `status not up to date after the next repro: ${formatStatus(report)}`);
      }
    }
    // What SIGKILL left behind is never mistaken for an object, and `cache verify --remove`
    // clears it.
    const leftInCache = (await findTempFiles(repo.root)).filter((t) => t.startsWith('.dvc-ts/cache/files/'));
    const verify = await verifyCache(repo.root, { remove: true });
    if (verify.bad.length > 0) tally.violations.push(`[worker ${worker}] cache verify: ${verify.bad.map((b) => b.path).join(', ')}`);
    if (verify.leftovers.length !== leftInCache.length) {
      tally.violations.push(`[worker ${worker}] cache verify saw ${verify.leftovers.length} leftovers, there were ${leftInCache.length}`);
    }
    tally.leftoversRemoved += verify.leftovers.length;
  } finally {
    await reapOrphanStages(repo.root, 0);
    await repo.remove();
  }
}

test(`repro survives ${KILLS} kills at random moments (SIGINT, SIGTERM, SIGKILL)`, { timeout: 30 * 60_000 }, async () => {
  const tally: Tally = { kills: { SIGINT: 0, SIGTERM: 0, SIGKILL: 0 }, missed: 0, violations: [], tempFilesAfterSigkill: 0, orphansFound: 0, orphansReaped: 0, leftoversRemoved: 0 };
  const started = Date.now();
  const share = Math.ceil(KILLS / WORKERS);
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => killLoop(w, share, tally)));
  const total = tally.kills.SIGINT + tally.kills.SIGTERM + tally.kills.SIGKILL;
  console.log(
    `interrupts: ${total} kills survived (SIGINT ${tally.kills.SIGINT}, SIGTERM ${tally.kills.SIGTERM}, SIGKILL ${tally.kills.SIGKILL}); ` +
      `${tally.missed} runs finished before the signal; ${tally.violations.length} invariant violations; ` +
      `${tally.tempFilesAfterSigkill} temp files left by SIGKILL (never trusted; ${tally.leftoversRemoved} in the object cache removed by cache verify); ${tally.orphansFound} stage processes outlived a SIGKILLed dvc-ts (${tally.orphansReaped} still running after 2 s, killed); ` +
      `${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
  for (const v of tally.violations.slice(0, 30)) console.log(`  violation: ${v}`);
  assert.ok(total >= KILLS, `only ${total} kills landed`);
  assert.deepEqual(tally.violations, []);
});
