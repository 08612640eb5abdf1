import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse as parseCsv } from 'csv-parse/sync';
import { CLI, TempRepo, waitFor } from '../helpers/repo.js';

// train ─► evaluate; each appends its name to $MARK (outside every workspace) so the tests count
// real runs; train's out is cached (it travels through the data remote), metrics are not.
const PIPELINE = `stages:
  train:
    cmd: echo train >> "$MARK" && echo "\${train.lr} \${train.depth}" > model.txt
    params: [train]
    outs: [model.txt]
  evaluate:
    cmd: echo evaluate >> "$MARK" && sh evaluate.sh
    deps: [evaluate.sh, model.txt]
    metrics:
      - metrics.json:
          cache: false
`;
const EVALUATE = `awk '{ printf "{\\"score\\": %s}\\n", $1 * $2 }' model.txt > metrics.json\n`;
const PARAMS = `# Team params.
train:
  lr: 0.1 # learning rate
  depth: 1
  layers: [16, 8]
`;

interface ShowJson {
  experiments: { name: string; commit: string; params: Record<string, Record<string, unknown>>; metrics: Record<string, Record<string, unknown>> }[];
  queued: { name: string; state: string; running: boolean; error?: string; params: Record<string, Record<string, unknown>> }[];
}

async function cli(cwd: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; all: string }> {
  const r = await execa(process.execPath, [CLI, ...args], { cwd, reject: false, all: true, env: { CI: 'true', NO_COLOR: '1', ...env }, stdin: 'ignore' });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), all: String(r.all) };
}

async function showJson(cwd: string, env: Record<string, string>, ...args: string[]): Promise<ShowJson> {
  const r = await cli(cwd, ['exp', 'show', '--json', ...args], env);
  assert.equal(r.code, 0, r.all);
  return JSON.parse(r.stdout) as ShowJson;
}

describe('exp: two clones share experiments through a bare git remote and a folder data remote', () => {
  let work: string;
  let repo: TempRepo;
  let cloneB: string;
  const envA: Record<string, string> = {};
  const envB: Record<string, string> = {};
  const marks = async (env: Record<string, string>) => (await readFile(env.MARK!, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'dvc-ts-team-'));
    envA.MARK = join(work, 'marks-a');
    envB.MARK = join(work, 'marks-b');
    const bare = join(work, 'origin.git');
    await execa('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': PARAMS, 'evaluate.sh': EVALUATE });
    assert.equal((await repo.run(['init'], { env: envA })).code, 0);
    const remote = await repo.run(['remote', 'add', '-d', 'store', join(work, 'data-remote')], { env: envA });
    assert.equal(remote.code, 0, remote.all);
    const r = await repo.run(['repro'], { env: envA });
    assert.equal(r.code, 0, r.all);
    await repo.git('add', '-A');
    await repo.git('commit', '-q', '-m', 'baseline');
    await repo.git('remote', 'add', 'origin', bare);
    await repo.git('push', '-q', 'origin', 'main');
    cloneB = join(work, 'clone-b');
    await execa('git', ['clone', '-q', bare, cloneB]);
  });
  after(async () => {
    await repo.remove();
    await rm(work, { recursive: true, force: true });
  });

  test('clone A runs a 2 × 2 grid and pushes the best two; clone B pulls them, shows them and applies one without running a stage', async () => {
    const grid = await repo.run(['exp', 'run', '-S', 'train.lr=0.2,0.3', '-S', 'train.depth=2,4', '-j', '2'], { env: envA });
    assert.equal(grid.code, 0, grid.all);
    const ranked = (await showJson(repo.root, envA, '--sort-by', 'score', '--sort-order', 'desc')).experiments;
    assert.equal(ranked.length, 4);
    const best = ranked.slice(0, 2);
    assert.deepEqual(best.map((e) => e.metrics['metrics.json']!['score']), [1.2, 0.8]);
    const pushed = await repo.run(['exp', 'push', 'origin', ...best.map((e) => e.name)], { env: envA });
    assert.equal(pushed.code, 0, pushed.all);
    assert.match(pushed.stdout, /Pushed 2 experiment\(s\)/);
    const onRemote = await repo.run(['exp', 'list', 'origin', '--name-only'], { env: envA });
    assert.deepEqual(onRemote.stdout.trim().split('\n').sort(), best.map((e) => e.name).sort());

    const pulled = await cli(cloneB, ['exp', 'pull', 'origin'], envB);
    assert.equal(pulled.code, 0, pulled.all);
    assert.match(pulled.stdout, /Pulled 2 experiment\(s\)/);
    const shownB = await showJson(cloneB, envB);
    assert.deepEqual(
      shownB.experiments.map((e) => [e.name, e.params['params.yaml']!['train.lr'], e.params['params.yaml']!['train.depth'], e.metrics['metrics.json']!['score']]).sort(),
      best.map((e) => [e.name, e.params['params.yaml']!['train.lr'], e.params['params.yaml']!['train.depth'], e.metrics['metrics.json']!['score']]).sort(),
    );
    const name = best[0]!.name;
    const appliedB = await cli(cloneB, ['exp', 'apply', name], envB);
    assert.equal(appliedB.code, 0, appliedB.all);
    assert.equal(await marks(envB), 0, 'clone B ran no stage: the outs came from the data remote');
    const appliedA = await repo.run(['exp', 'apply', name], { env: envA });
    assert.equal(appliedA.code, 0, appliedA.all);
    for (const out of ['model.txt', 'metrics.json', 'params.yaml', 'pipeline.lock']) {
      assert.deepEqual(await readFile(join(cloneB, out)), await readFile(repo.path(out)), `${out} is byte-identical in both clones`);
    }
    assert.equal(await readFile(join(cloneB, 'model.txt'), 'utf8'), '0.3 4\n');
    const status = await cli(cloneB, ['status'], envB);
    assert.match(status.stdout, /up to date/i, status.all);
    await repo.git('checkout', '--', '.');
  });

  test('pushing again is a no-op; a name taken on the remote by another experiment is refused without --force; rename', async () => {
    const again = await repo.run(['exp', 'push', 'origin', '--no-cache'], { env: envA });
    assert.equal(again.code, 0, again.all);
    assert.match(again.stdout, /Already there: /);
    const [first] = (await showJson(cloneB, envB)).experiments;
    const renamed = await cli(cloneB, ['exp', 'rename', first!.name, 'shared-best'], envB);
    assert.equal(renamed.code, 0, renamed.all);
    assert.deepEqual((await showJson(cloneB, envB)).experiments.map((e) => e.name).includes('shared-best'), true);
    // Clone A saves a different experiment under the same new name: pushing it collides.
    const saved = await repo.run(['exp', 'save', '-n', 'shared-best', '-m', 'by hand'], { env: envA });
    assert.equal(saved.code, 0, saved.all);
    assert.equal((await cli(cloneB, ['exp', 'push', 'origin', 'shared-best', '--no-cache'], envB)).code, 0);
    const clash = await repo.run(['exp', 'push', 'origin', 'shared-best', '--no-cache'], { env: envA });
    assert.equal(clash.code, 2, clash.all);
    assert.match(clash.all, /'shared-best' already exists in origin/);
    const forced = await repo.run(['exp', 'push', 'origin', 'shared-best', '--no-cache', '-f'], { env: envA });
    assert.equal(forced.code, 0, forced.all);
    const log = await execa('git', ['log', '-1', '--format=%s', 'refs/exps/shared-best'], { cwd: join(work, 'origin.git') });
    assert.equal(log.stdout, 'by hand', 'exp save -m is the commit message');
    const gone = await repo.run(['exp', 'remove', '-g', 'origin', 'shared-best'], { env: envA });
    assert.equal(gone.code, 0, gone.all);
    assert.doesNotMatch((await repo.run(['exp', 'list', 'origin', '--name-only'], { env: envA })).stdout, /shared-best/);
    assert.match((await repo.run(['exp', 'list', '--name-only'], { env: envA })).stdout, /shared-best/, 'removed from the remote only');
  });

  test('exp show --csv parses as CSV with a header naming file and key for every metric column', async () => {
    const r = await repo.run(['exp', 'show', '--csv'], { env: envA });
    assert.equal(r.code, 0, r.all);
    const records = parseCsv(r.stdout, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    assert.ok(records.length >= 5, r.stdout);
    const header = Object.keys(records[0]!);
    assert.deepEqual(header.slice(0, 2), ['Experiment', 'Created']);
    assert.ok(header.includes('metrics.json:score'), header.join(','));
    assert.ok(!header.some((h) => h === 'score'), 'no metric column without its file');
    const scores = records.map((row) => row['metrics.json:score']);
    assert.ok(scores.includes('1.2') && scores.includes('0.1'), scores.join(','));
    assert.ok(records.every((row) => !Number.isNaN(Date.parse(row['Created']!))), 'Created is a parseable time');
  });
});

describe('exp: the queue under control', () => {
  test('4 queued: status shows them, kill of the running one leaves it failed with a reason and its log, the others run', async () => {
    const work = await mkdtemp(join(tmpdir(), 'dvc-ts-queue-'));
    const env = { MARK: join(work, 'marks'), GO: join(work, 'go') };
    const repo = await TempRepo.create({
      // Stage x=1 waits for $GO; the others run through.
      'pipeline.yaml': 'stages:\n  slow:\n    cmd: echo "working on ${x}" && echo start-${x} >> "$MARK" && while [ ${x} = 1 ] && [ ! -f "$GO" ]; do sleep 0.1; done && echo ${x} > out.txt\n    params: [x]\n    outs: [out.txt]\n',
      'params.yaml': 'x: 0\n',
    });
    try {
      assert.equal((await repo.run(['init'])).code, 0);
      await repo.git('add', '-A');
      await repo.git('commit', '-q', '-m', 'baseline');
      const queued = await repo.run(['exp', 'run', '--queue', '-n', 'q', '-S', 'x=1,2,3,4'], { env });
      assert.equal(queued.code, 0, queued.all);
      const status = await repo.run(['queue', 'status'], { env });
      assert.deepEqual(status.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/).filter((w) => w !== '')).map((w) => [w[0], w[3]]), [['q-1', 'Queued'], ['q-2', 'Queued'], ['q-3', 'Queued'], ['q-4', 'Queued']]);
      const child = execa(process.execPath, [CLI, 'exp', 'run', '--run-all', '-j', '1'], { cwd: repo.root, reject: false, all: true, env: { ...env, CI: 'true' } });
      await waitFor(async () => (await readFile(env.MARK, 'utf8').catch(() => '')).includes('start-1'), 'q-1 to start');
      const running = JSON.parse((await repo.run(['queue', 'status', '--json'], { env })).stdout) as { name: string; state: string }[];
      assert.deepEqual(running.map((e) => e.state), ['running', 'queued', 'queued', 'queued']);
      const logsNow = await repo.run(['queue', 'logs', 'q-1'], { env });
      assert.match(logsNow.stdout, /working on 1/, 'logs of a running experiment');
      const killed = await repo.run(['queue', 'kill', 'q-1'], { env });
      assert.equal(killed.code, 0, killed.all);
      const r = await child;
      assert.equal(r.exitCode, 1, String(r.all));
      const report = JSON.parse((await repo.run(['exp', 'show', '--json'])).stdout) as ShowJson;
      assert.deepEqual(report.experiments.map((e) => e.name).sort(), ['q-2', 'q-3', 'q-4'], 'the others ran after the kill');
      assert.deepEqual(report.queued.map((q) => [q.name, q.state]), [['q-1', 'failed']]);
      assert.match(report.queued[0]!.error!, /killed by `dvc-ts queue kill`/);
      const logs = await repo.run(['queue', 'logs', 'q-1'], { env });
      assert.equal(logs.code, 0, logs.all);
      assert.match(logs.stdout, /Running stage 'slow'/);
      assert.match(logs.stdout, /working on 1/);
      assert.match(logs.stdout, /Failed: killed/);
      const notRunning = await repo.run(['queue', 'kill', 'q-1'], { env });
      assert.equal(notRunning.code, 2);
      assert.match(notRunning.all, /not running/);
      const removed = await repo.run(['queue', 'remove', '--failed'], { env });
      assert.equal(removed.code, 0, removed.all);
      assert.match((await repo.run(['queue', 'status'])).stdout, /The queue is empty/);
      assert.equal(await repo.read('params.yaml'), 'x: 0\n');
    } finally {
      await repo.remove();
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe('exp: sweeps, identity and params layout', () => {
  let work: string;
  let repo: TempRepo;
  let env: Record<string, string>;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'dvc-ts-sweep-'));
    env = { MARK: join(work, 'marks') };
    repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': PARAMS, 'evaluate.sh': EVALUATE });
    assert.equal((await repo.run(['init'], { env })).code, 0);
    assert.equal((await repo.run(['repro'], { env })).code, 0);
    await repo.git('add', '-A');
    await repo.git('commit', '-q', '-m', 'baseline');
  });
  after(async () => {
    await repo.remove();
    await rm(work, { recursive: true, force: true });
  });

  test("-S 'train.lr=range(0.1,0.4,0.1)' and choice() expand as Hydra's sweeper does for DVC", async () => {
    const r = await repo.run(['exp', 'run', '--queue', '-S', 'train.lr=range(0.1,0.4,0.1)', '-S', 'train.depth=choice(2,8)'], { env });
    assert.equal(r.code, 0, r.all);
    const queued = (await showJson(repo.root, env)).queued.map((q) => [q.params['params.yaml']!['train.lr'], q.params['params.yaml']!['train.depth']]);
    assert.deepEqual(queued, [[0.1, 2], [0.1, 8], [0.2, 2], [0.2, 8], [0.30000000000000004, 2], [0.30000000000000004, 8], [0.4, 2], [0.4, 8]]);
    assert.equal((await repo.run(['exp', 'remove', '--queue'], { env })).code, 0);
  });

  test('an experiment changes only the set line of the params file: lists, comments and spacing stay', async () => {
    const r = await repo.run(['exp', 'run', '-n', 'layout', '-S', 'train.lr=0.5'], { env });
    assert.equal(r.code, 0, r.all);
    const saved = await repo.git('show', 'refs/exps/layout:params.yaml');
    assert.equal(saved + '\n', PARAMS.replace('lr: 0.1 # learning rate', 'lr: 0.5 # learning rate'));
  });

  test('exp show --rev / -n pick the baselines; exp list groups by baseline; exp clean sweeps what a killed run left', async () => {
    const before = (await showJson(repo.root, env)).experiments.map((e) => e.name).sort();
    assert.ok(before.includes('layout'));
    const baseline = await repo.git('rev-parse', 'HEAD');
    await repo.write({ 'notes.txt': 'a new commit\n' });
    await repo.git('add', 'notes.txt');
    await repo.git('commit', '-q', '-m', 'next');
    assert.deepEqual((await showJson(repo.root, env)).experiments, [], "HEAD moved on: its experiments are the new commit's (none)");
    assert.deepEqual((await showJson(repo.root, env, '-n', '2')).experiments.map((e) => e.name).sort(), before);
    assert.deepEqual((await showJson(repo.root, env, '--rev', baseline.slice(0, 10))).experiments.map((e) => e.name).sort(), before);
    const listed = await repo.run(['exp', 'list', '-A'], { env });
    assert.equal(listed.stdout.split('\n')[0], `${baseline.slice(0, 7)}:`);
    // A workspace this host made for a process that is gone goes; one of a live process stays.
    const tmp = join(work, 'tmp');
    const dead = join(tmp, 'dvc-ts-exp-999999999-abc123');
    const live = join(tmp, `dvc-ts-exp-${process.pid}-def456`);
    await mkdir(join(dead, 'data'), { recursive: true });
    await mkdir(join(dead, '.dvc-ts', 'tmp'), { recursive: true });
    await writeFile(join(dead, '.dvc-ts', 'tmp', 'exp-owner-host'), `${hostname()}\n`);
    await mkdir(live, { recursive: true });
    const cleaned = await repo.run(['exp', 'clean'], { env: { ...env, TMPDIR: tmp } });
    assert.equal(cleaned.code, 0, cleaned.all);
    assert.match(cleaned.stdout, /dvc-ts-exp-999999999-abc123/);
    assert.equal(existsSync(dead), false, 'the dead one is gone');
    assert.equal(existsSync(live), true, 'the live one stays');
    await repo.git('reset', '-q', '--hard', baseline);
  });

  test("exp branch commits carry the user's git identity from the global config, not a placeholder", async () => {
    const home = join(work, 'home');
    await mkdir(join(home, '.config', 'git'), { recursive: true });
    await writeFile(join(home, '.gitconfig'), '[user]\n\tname = Home User\n\temail = home@example.org\n');
    await repo.git('config', '--unset', 'user.name');
    await repo.git('config', '--unset', 'user.email');
    const own = { ...env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1' };
    const r = await repo.run(['exp', 'run', '-n', 'who', '-S', 'train.depth=3'], { env: own });
    assert.equal(r.code, 0, r.all);
    assert.equal((await repo.run(['exp', 'branch', 'who', 'who-branch'], { env: own })).code, 0);
    const author = await execa('git', ['log', '-1', '--format=%an <%ae>|%cn <%ce>', 'who-branch'], { cwd: repo.root, env: { HOME: home } });
    assert.equal(author.stdout, 'Home User <home@example.org>|Home User <home@example.org>');
    // The environment wins over config files, as in git.
    const byEnv = await repo.run(['exp', 'run', '-n', 'who-env', '-S', 'train.depth=5'], { env: { ...own, GIT_AUTHOR_NAME: 'Env Author', GIT_AUTHOR_EMAIL: 'env@example.org' } });
    assert.equal(byEnv.code, 0, byEnv.all);
    const envAuthor = await execa('git', ['log', '-1', '--format=%an <%ae>|%cn', 'refs/exps/who-env'], { cwd: repo.root, env: { HOME: home } });
    assert.equal(envAuthor.stdout, 'Env Author <env@example.org>|Home User');
  });
});

describe('exp: every experiment of a batch compares against the same champion', () => {
  test('an experiment whose change does not reach the evaluation does not keep the verdict its baseline recorded without a champion', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': `stages:
  train:
    cmd: echo \${train.a} > model.txt
    params: [train.a]
    outs: [model.txt]
  evaluate:
    cmd: sh evaluate.sh
    deps:
      - evaluate.sh
      - model.txt
      # The champion the last package run left (absent on the first run).
      - champion.txt:
          previous: true
    metrics:
      - verdict.json:
          cache: false
  package:
    cmd: cp model.txt champion.txt
    deps: [model.txt, verdict.json]
    outs: [champion.txt]
`,
      'evaluate.sh': `if [ -f champion.txt ]; then
  if [ "$(cat model.txt)" -gt "$(cat champion.txt)" ]; then p=true; else p=false; fi
  printf '{"champion_exists": true, "promote": %s}\\n' $p > verdict.json
else
  printf '{"champion_exists": false, "promote": true}\\n' > verdict.json
fi
`,
      'params.yaml': 'train:\n  a: 1\n',
    });
    try {
      assert.equal((await repo.run(['init'])).code, 0);
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.read('verdict.json'), '{"champion_exists": false, "promote": true}\n', 'the baseline ran before any champion existed');
      await repo.git('add', '-A');
      await repo.git('commit', '-q', '-m', 'baseline');
      // train.a=1 is the baseline's own value: nothing upstream of evaluate changes for it.
      const grid = await repo.run(['exp', 'run', '-S', 'train.a=1,2,0']);
      assert.equal(grid.code, 0, grid.all);
      const shown = await showJson(repo.root, {});
      const verdicts = shown.experiments.map((e) => [e.params['params.yaml']!['train.a'], e.metrics['verdict.json']!['champion_exists'], e.metrics['verdict.json']!['promote']]);
      assert.deepEqual(verdicts.sort(), [[0, true, false], [1, true, false], [2, true, true]], 'all three compared against the packaged champion (1)');
    } finally {
      await repo.remove();
    }
  });
});
