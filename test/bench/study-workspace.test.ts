import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../helpers/repo.js';
import { policyByName } from '../../bench/study/policy.js';
import { studyPipeline } from '../../bench/study/simulate.js';
import { STUDY_INGEST, sweepAbandonedStudies } from '../../bench/study/workspace.js';

describe('the study folder', () => {
  let parent: string;
  before(async () => {
    parent = await mkdtemp(join(tmpdir(), 'dvc-ts-studytest-sweep-'));
  });
  after(async () => rm(parent, { recursive: true, force: true }));

  test("a killed study's folder is removed; a running study's, a folder being created and other folders are not", async () => {
    const dead = Number((await execa(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])).stdout);
    const folder = async (name: string, owner?: number) => {
      await mkdir(join(parent, name, 'copy/build/stages'), { recursive: true });
      await writeFile(join(parent, name, 'copy/build/stages/train.js'), '// 20 MB in real life\n');
      if (owner !== undefined) await writeFile(join(parent, name, 'owner.pid'), `${owner}\n`);
    };
    await folder('dvc-ts-study-killed', dead);
    await folder('dvc-ts-study-running', process.pid);
    await folder('dvc-ts-study-starting');
    await folder('dvc-ts-exp-someone-elses', dead);
    assert.equal(await sweepAbandonedStudies(parent), 1);
    assert.deepEqual((await readdir(parent)).sort(), ['dvc-ts-exp-someone-elses', 'dvc-ts-study-running', 'dvc-ts-study-starting']);
  });

  test("a copy's pipeline: the study's ingest with the example's other deps, no build stage, calendar gates only for calendar policies", async () => {
    const text = await readFile(join(PROJECT_ROOT, 'pipeline.yaml'), 'utf8');
    type Stages = Record<string, { cmd: string; deps: unknown[]; params: string[]; when?: { if: string } }>;
    const drift = (parse(studyPipeline(text, policyByName('drift'))) as { stages: Stages }).stages;
    const monthly = (parse(studyPipeline(text, policyByName('monthly'))) as { stages: Stages }).stages;
    const example = (parse(text) as { stages: Stages }).stages;
    assert.equal(drift['build'], undefined);
    assert.equal(drift['ingest']!.cmd, `node ${STUDY_INGEST}`);
    assert.ok(!drift['ingest']!.deps.some((d) => typeof d === 'string' && d.startsWith('build/stages/') && d !== 'build/stages/lib'));
    for (const kept of example['ingest']!.deps.filter((d) => typeof d !== 'string' || !d.startsWith('build/stages/'))) assert.ok(drift['ingest']!.deps.some((d) => JSON.stringify(d) === JSON.stringify(kept)));
    assert.ok(drift['ingest']!.params.includes('study.label_delay'));
    assert.equal(drift['train']!.when!.if, example['train']!.when!.if, "the drift policy keeps the example's gate");
    assert.equal(monthly['train']!.when!.if, '${study.retrain}');
    assert.equal(monthly['evaluate']!.when!.if, '${study.retrain}');
  });
});
