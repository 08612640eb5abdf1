// The monitor workflow's decisions, made by the compiled stages/monitor-plan.js in a real git
// repository: a pull request only when `package` promoted a model in this run (not when the lock
// changed for another reason, nor when evaluate's verdict is an earlier run's), and one issue
// action per incident event of this run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TempRepo } from '../helpers/repo.js';
import { STAGES_DIR } from './helpers.js';

interface Plan {
  open_pr: boolean;
  pr_reason: string;
  issues: { id: string; kind: string; event: string; title: string }[];
}

const lock = (bundleHash: string, driftHash: string) => stringify({
  schema: '1.0',
  stages: {
    drift: { cmd: 'node build/stages/drift.js', outs: [{ path: 'reports/drift.json', hash: driftHash }] },
    package: { cmd: 'node build/stages/package.js', outs: [{ path: 'bundle', hash: `${bundleHash}.dir` }] },
  },
});
const state = (events: { id: string; kind: string; event: string }[], at: string) => JSON.stringify({
  format: 1,
  incidents: events.map((e) => ({ id: e.id, kind: e.kind, status: e.event === 'resolved' ? 'resolved' : 'open', first_seen: at, last_seen: at, resolved_at: null, runs: 1, what: ['temperature', 'co2'], summary: 's' })),
  last_run: { at, events },
});

describe('monitor-plan: what the workflow does on GitHub after repro', () => {
  let repo: TempRepo;
  const plan = (): { plan: Plan } => {
    const outFile = repo.path('github-output.txt');
    const r = spawnSync(process.execPath, [join(STAGES_DIR, 'monitor-plan.js')], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, GITHUB_OUTPUT: outFile } });
    assert.equal(r.status, 0, r.stderr);
    return { plan: JSON.parse(r.stdout) as Plan };
  };
  const output = () => readFile(repo.path('github-output.txt'), 'utf8');

  before(async () => {
    repo = await TempRepo.create({
      'pipeline.lock': lock('aaaa', 'd1'),
      'metrics/evaluate.json': JSON.stringify({ promote: true }),
      'incidents/state.json': state([{ id: 'drift-20261207T060000Z', kind: 'drift', event: 'opened' }], '2026-12-07T06:00:00.000Z'),
    });
    await repo.git('add', '-A');
    await repo.git('commit', '-qm', 'last week');
  });
  after(() => repo.remove());

  test('nothing ran: no PR, no issue action (the committed state is last week\'s)', async () => {
    const { plan: p } = plan();
    assert.equal(p.open_pr, false);
    assert.deepEqual(p.issues, []);
    assert.match(await output(), /^open_pr=false\nissues=\[\]\n$/);
  });

  test('the lock changed but package was gated off (evaluate\'s promote is an earlier run\'s): no PR', async () => {
    await repo.write({ 'pipeline.lock': lock('aaaa', 'd2') });
    const { plan: p } = plan();
    assert.equal(p.open_pr, false);
    assert.match(p.pr_reason, /package did not run/);
  });

  test('package recorded a new bundle and evaluate promoted: a PR', async () => {
    await repo.write({ 'pipeline.lock': lock('bbbb', 'd2') });
    const { plan: p } = plan();
    assert.equal(p.open_pr, true);
    assert.match(await output(), /open_pr=true\n/);
  });

  test('a new bundle without a promotion verdict: no PR', async () => {
    await repo.write({ 'metrics/evaluate.json': JSON.stringify({ promote: false }) });
    assert.equal(plan().plan.open_pr, false);
  });

  test('this run\'s incident events become issue actions whose titles carry the incident id', async () => {
    await repo.write({
      'incidents/state.json': state([
        { id: 'drift-20261207T060000Z', kind: 'drift', event: 'updated' },
        { id: 'data-quality-20261214T060000Z', kind: 'data_quality', event: 'opened' },
      ], '2026-12-14T06:00:00.000Z'),
    });
    const { plan: p } = plan();
    assert.deepEqual(p.issues.map((i) => [i.id, i.event]), [['drift-20261207T060000Z', 'updated'], ['data-quality-20261214T060000Z', 'opened']]);
    assert.equal(p.issues[0]!.title, '[drift-20261207T060000Z] Drift incident: temperature, co2');
  });
});
