// The slurm executor on a real one-node Slurm cluster: parity with local runs, failures as Slurm
// reports them, interrupts and a killed coordinator. Skips, saying why, where no cluster answers.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { execa } from 'execa';
import { CLI, TempRepo, waitFor } from '../helpers/repo.js';
import { isActive, jobsOf, slurmSkip } from './slurm-cluster.js';

if (slurmSkip) console.log(`# slurm tests skipped: ${slurmSkip}`);

/** A diamond with a foreach, a gate and a param; every stage appends to runs/<stage> when it runs. */
const DIAMOND = {
  'params.yaml': 'scale: 2\n',
  'pipeline.yaml': `stages:
  prepare:
    cmd: echo prepare >> runs/prepare && seq 1 5 > data.txt
    outs: [data.txt]
  shard:
    foreach: [a, b]
    do:
      cmd: echo \${item} >> runs/shard-\${item} && awk -v s=\${scale} '{print $1 * s}' data.txt > shard-\${item}.txt
      deps: [data.txt]
      params: [scale]
      outs:
        - shard-\${item}.txt
      resources: {cpus: 1, mem: 64M, time: 10}
  check:
    cmd: >-
      echo check >> runs/check && echo '{"go": true}' > verdict.json
    deps: [shard-a.txt]
    outs: [verdict.json]
  join:
    cmd: echo join >> runs/join && cat shard-a.txt shard-b.txt > joined.txt
    deps: [shard-a.txt, shard-b.txt]
    outs: [joined.txt]
    when:
      file: verdict.json
      if: go
`,
  'runs/.keep': '',
};

const STAGES = ['prepare', 'shard-a', 'shard-b', 'check', 'join'];

async function runCounts(repo: TempRepo): Promise<number[]> {
  return Promise.all(STAGES.map((s) => repo.count(`runs/${s}`)));
}

describe('slurm executor', { skip: slurmSkip }, () => {
  const repos: TempRepo[] = [];
  after(async () => {
    // A failed assertion must not leave sleeping jobs holding the node's CPUs.
    const left = (await Promise.all(repos.map((r) => jobsOf(basename(r.root))))).flat().filter(isActive);
    if (left.length > 0) await execa('scancel', left.map((j) => j.id), { reject: false });
    for (const r of repos) await r.remove();
  });
  const repoWith = async (files: Record<string, string>) => {
    const repo = await TempRepo.create(files);
    repos.push(repo);
    return repo;
  };

  it('runs a diamond with a gate and a foreach as a local run does; a second repro submits nothing', async () => {
    const local = await repoWith(DIAMOND);
    const cluster = await repoWith(DIAMOND);
    const l = await local.run(['repro', '-j', '4']);
    assert.equal(l.code, 0, l.all);
    const c = await cluster.run(['repro', '-j', '4', '--executor', 'slurm']);
    assert.equal(c.code, 0, c.all);
    const jobs = await jobsOf(basename(cluster.root));
    assert.equal(jobs.length, 5, 'one job per stage');
    assert.ok(jobs.every((j) => j.state === 'COMPLETED'), JSON.stringify(jobs));
    assert.equal(await cluster.read('pipeline.lock'), await local.read('pipeline.lock'));
    for (const out of ['data.txt', 'shard-a.txt', 'shard-b.txt', 'verdict.json', 'joined.txt']) {
      assert.equal(await cluster.read(out), await local.read(out), out);
    }
    assert.deepEqual(await runCounts(cluster), [1, 1, 1, 1, 1]);
    assert.deepEqual(await runCounts(cluster), await runCounts(local));

    const again = await cluster.run(['repro', '-j', '4', '--executor', 'slurm']);
    assert.equal(again.code, 0, again.all);
    assert.equal((await jobsOf(basename(cluster.root))).length, 5, 'no job submitted by an up-to-date repro');
    assert.deepEqual(await runCounts(cluster), [1, 1, 1, 1, 1]);

    // A changed param reruns the shards (and what reads them) as jobs; reverted, the run-cache
    // restores the first results without any job.
    await cluster.write({ 'params.yaml': 'scale: 3\n' });
    const changed = await cluster.run(['repro', '-j', '4', '--executor', 'slurm']);
    assert.equal(changed.code, 0, changed.all);
    assert.deepEqual(await runCounts(cluster), [1, 2, 2, 2, 2]);
    const submitted = (await jobsOf(basename(cluster.root))).length;
    await cluster.write({ 'params.yaml': 'scale: 2\n' });
    const reverted = await cluster.run(['repro', '-j', '4', '--executor', 'slurm']);
    assert.equal(reverted.code, 0, reverted.all);
    assert.equal((await jobsOf(basename(cluster.root))).length, submitted, 'the run-cache restored without a job');
    assert.deepEqual(await runCounts(cluster), [1, 2, 2, 2, 2]);
    assert.equal(await cluster.read('joined.txt'), await local.read('joined.txt'));
    assert.equal(await cluster.read('pipeline.lock'), await local.read('pipeline.lock'));
  });

  it('names the job, its Slurm state and the log tail of each failure, and records none of them', async () => {
    const repo = await repoWith({
      'pipeline.yaml': `stages:
  too_big:
    cmd: echo never > big.txt
    outs: [big.txt]
    resources: {mem: 900T}
  too_long:
    cmd: sleep 600 && echo never > long.txt
    outs: [long.txt]
    resources: {time: 1}
  exits_3:
    cmd: echo about to fail && exit 3
    outs: [three.txt]
  cancelled:
    cmd: sleep 600 && echo never > cancelled.txt
    outs: [cancelled.txt]
  after_3:
    cmd: cat three.txt > after.txt
    deps: [three.txt]
    outs: [after.txt]
  fine:
    cmd: echo fine > fine.txt
    outs: [fine.txt]
`,
    });
    const name = basename(repo.root);
    const run = repo.run(['repro', '-j', '6', '-k', '--executor', 'slurm']);
    // Cancel `cancelled` by hand once Slurm runs it, as an operator would.
    await waitFor(async () => (await jobsOf(name)).some((j) => j.name.endsWith(':cancelled') && j.state === 'RUNNING'), 'the job to run', 300_000);
    const victim = (await jobsOf(name)).find((j) => j.name.endsWith(':cancelled'))!;
    await execa('scancel', [victim.id]);
    const r = await run;
    assert.equal(r.code, 1, r.all);
    const jobs = await jobsOf(name);
    const idOf = (stage: string) => jobs.find((j) => j.name.endsWith(`:${stage}`))?.id;
    assert.match(r.all, /Stage 'too_big' failed: sbatch refused the job: .*Memory specification can not be satisfied/);
    assert.match(r.all, new RegExp(`Stage 'too_long' failed: Slurm job ${idOf('too_long')} ended TIMEOUT`));
    assert.match(r.all, new RegExp(`Stage 'exits_3' failed: Slurm job ${idOf('exits_3')} ended FAILED.*exit code 3 \\(log: \\.dvc-ts/logs/exits_3\\.log\\)\\n(\\s+\\|.*\\n)*\\s+\\| about to fail`));
    assert.match(r.all, new RegExp(`Stage 'cancelled' failed: Slurm job ${victim.id} ended CANCELLED`));
    assert.match(r.all, /Stage 'after_3' not run: upstream 'exits_3' failed/);
    const lock = await repo.read('pipeline.lock');
    assert.match(lock, /^ {2}fine:/m);
    for (const stage of ['too_big', 'too_long', 'exits_3', 'cancelled', 'after_3']) assert.doesNotMatch(lock, new RegExp(`^ {2}${stage}:`, 'm'), stage);
    assert.equal(await repo.read('fine.txt'), 'fine\n');
  });

  it('Ctrl-C cancels every submitted job; after a SIGKILL the next repro cancels the orphans first', async () => {
    const sleepers = (seconds: number) => `stages:\n${[1, 2, 3, 4].map((i) => `  s${i}:\n    cmd: sleep ${seconds} && echo ${i} > s${i}.txt\n    outs: [s${i}.txt]\n`).join('')}`;
    const repo = await repoWith({ 'pipeline.yaml': sleepers(600) });
    const name = basename(repo.root);

    const child = execa(process.execPath, [CLI, 'repro', '-j', '4', '--executor', 'slurm'], { cwd: repo.root, reject: false, all: true, env: { CI: 'true' } });
    await waitFor(async () => (await jobsOf(name)).filter(isActive).length === 4, 'four jobs submitted', 300_000);
    await waitFor(async () => (await jobsOf(name)).some((j) => j.state === 'RUNNING'), 'a job running', 300_000);
    child.kill('SIGINT');
    const r = await child;
    assert.equal(r.exitCode, 130, String(r.all));
    // A guard against hanging, not a timing: the cancellation is one scancel call.
    await waitFor(async () => (await jobsOf(name)).filter(isActive).length === 0, 'the queue to be empty of this run', 60_000);
    assert.ok((await jobsOf(name)).every((j) => j.state === 'CANCELLED'));
    assert.equal(await repo.exists('pipeline.lock'), false, 'nothing recorded');

    const killed = execa(process.execPath, [CLI, 'repro', '-j', '4', '--executor', 'slurm'], { cwd: repo.root, reject: false, env: { CI: 'true' } });
    await waitFor(async () => (await jobsOf(name)).filter(isActive).length === 4, 'four new jobs', 300_000);
    killed.kill('SIGKILL');
    await killed;
    const orphans = (await jobsOf(name)).filter(isActive);
    assert.equal(orphans.length, 4, 'a SIGKILLed coordinator cannot cancel its jobs');

    await repo.write({ 'pipeline.yaml': sleepers(0) });
    const next = await repo.run(['repro', '-j', '4', '--executor', 'slurm']);
    assert.equal(next.code, 0, next.all);
    assert.match(next.all, /Cancelled 4 Slurm job\(s\) left by a killed dvc-ts/);
    const after = await jobsOf(name);
    for (const o of orphans) assert.equal(after.find((j) => j.id === o.id)?.state, 'CANCELLED', `orphan ${o.id}`);
    const lock = await repo.read('pipeline.lock');
    for (const i of [1, 2, 3, 4]) {
      assert.equal(await repo.read(`s${i}.txt`), `${i}\n`);
      assert.match(lock, new RegExp(`cmd: sleep 0 && echo ${i} > s${i}.txt`));
    }
  });

  it('a 3 × 3 experiment grid gives the same exp show --json as a local run', async () => {
    const files = {
      'params.yaml': 'a: 1\nb: 1\n',
      'pipeline.yaml': `stages:
  fit:
    cmd: >-
      echo \${a} \${b} | awk '{printf "{\\"score\\": %d}\\n", $1 * 10 + $2}' > score.json
    params: [a, b]
    metrics:
      - score.json:
          cache: false
`,
    };
    const shows: unknown[] = [];
    for (const executor of ['local', 'slurm']) {
      const repo = await repoWith(files);
      await repo.git('add', '-A');
      await repo.git('commit', '-qm', 'base');
      const q = await repo.run(['exp', 'run', '--queue', '-S', 'a=1,2,3', '-S', 'b=1,2,3', '-n', 'grid']);
      assert.equal(q.code, 0, q.all);
      const r = await repo.run(['exp', 'run', '--run-all', '-j', '4', '--executor', executor]);
      assert.equal(r.code, 0, r.all);
      if (executor === 'slurm') assert.equal((await jobsOf(basename(repo.root))).length, 0, 'experiment workspaces are temporary folders');
      const show = await repo.run(['exp', 'show', '--json']);
      assert.equal(show.code, 0, show.all);
      shows.push(normalise(JSON.parse(show.stdout)));
    }
    assert.deepEqual(shows[1], shows[0]);
  });
});

/**
 * exp show --json without what differs between two repositories by nature (commits, dates, and
 * the order experiments finished in), experiments sorted by name.
 */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalise);
    const name = (v: unknown) => String((v as { name?: unknown })?.name ?? '');
    return items.every((v) => name(v) !== '') ? items.sort((a, b) => name(a).localeCompare(name(b))) : items;
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !['rev', 'commit', 'baseline', 'created', 'timestamp', 'durationSeconds', 'stageSeconds'].includes(k))
        .map(([k, v]) => [k, normalise(v)]),
    );
  }
  return value;
}
