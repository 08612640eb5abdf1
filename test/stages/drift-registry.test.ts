// A new drift statistic added through the registry alone (no edit of the analysis, the params
// check, the report or the pipeline) is computed for every feature of its kind, accepted as a
// method in params, shown in the HTML report and the metrics, and usable by a real gate.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { analyseDrift } from '../../stages/lib/drift-analysis.js';
import { driftParams } from '../../stages/lib/drift-params.js';
import { driftStatistics, registerDriftStatistic } from '../../stages/lib/drift-registry.js';
import { concatDatasets } from '../../stages/lib/dataset.js';
import { driftHeadline } from '../../stages/lib/headline.js';
import { formatJson } from '../../stages/lib/io.js';
import { qualityParams, type RawParams } from '../../stages/lib/params.js';
import { renderDriftReport } from '../../stages/lib/report-html.js';
import { generateMonth } from '../../stages/lib/synth.js';
import { TempRepo } from '../helpers/repo.js';
import { REPO_PARAMS } from './helpers.js';

const month = (m: number, seed = 1234) => generateMonth({ seed, year: 2024, month: m, days: 7, intervalMinutes: 20 });

// The fixture statistic: relative change of the mean (a distance; drift at or above 0.05).
registerDriftStatistic({
  id: 'mean_ratio',
  label: 'relative mean change',
  kinds: ['numerical'],
  scale: 'distance',
  thresholdParam: 'mean_ratio_threshold',
  compute: (ref, cur) => {
    const m = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return { score: Math.abs(m(cur) / m(ref) - 1) };
  },
});

describe('a drift statistic added through the registry alone', () => {
  let repo: TempRepo | undefined;
  after(() => repo?.remove());

  const raw = async (extra: Record<string, unknown>): Promise<RawParams> => {
    const params = parse(await readFile(REPO_PARAMS, 'utf8')) as RawParams;
    Object.assign(params['drift'] as Record<string, unknown>, extra);
    return params;
  };

  test('params: its threshold is required and checked, and it is a valid numerical method', async () => {
    assert.ok(driftStatistics().some((s) => s.id === 'mean_ratio'));
    await assert.rejects(async () => driftParams(await raw({})), /parameter 'drift\.mean_ratio_threshold' is missing/);
    await assert.rejects(async () => driftParams(await raw({ mean_ratio_threshold: -1 })), /params\.yaml: parameter 'drift\.mean_ratio_threshold' must be >= 0, found -1/);
    await assert.rejects(async () => driftParams(await raw({ mean_ratio_threshold: 0.05, categorical_method: 'mean_ratio' })), /categorical_method' must be equal to one of the allowed values: auto, chisquare, jensenshannon, psi, found "mean_ratio"/);
    assert.equal(driftParams(await raw({ mean_ratio_threshold: 0.05, numerical_method: 'mean_ratio' })).numericalMethod, 'mean_ratio');
  });

  test('analysis, report and metrics carry it; a gate on it opens in a real repro', async () => {
    const params = await raw({ mean_ratio_threshold: 0.05, numerical_method: 'mean_ratio' });
    const p = driftParams(params);
    const report = analyseDrift(concatDatasets(month(1), month(2)), month(7, 77), p, qualityParams(params), null, {});
    const temperature = report.features['temperature']!;
    assert.equal(temperature.method, 'mean_ratio');
    assert.equal(temperature.drifted, true);
    assert.match(temperature.reason, /^relative mean change [\d.]+ ≥ 0\.05$/);
    assert.equal(report.features['hour']!.statistics['mean_ratio'], undefined, 'not computed for categorical features');
    assert.match(renderDriftReport(report, { referenceFile: 'r.csv', currentFile: 'c.csv' }), /relative mean change \(mean_ratio\)/);
    assert.ok(report.drifted_by['mean_ratio']! >= 3, JSON.stringify(report.drifted_by));
    assert.equal((driftHeadline(report)['feature_scores'] as Record<string, number>)['temperature'], temperature.score);

    repo = await TempRepo.create({
      'headline.json': formatJson(report),
      'copy.mjs': "import { copyFileSync, mkdirSync } from 'node:fs';\nmkdirSync('reports', { recursive: true });\ncopyFileSync('headline.json', 'reports/drift.json');\n",
      'pipeline.yaml': [
        'stages:',
        '  drift:',
        '    cmd: node copy.mjs',
        '    deps: [headline.json, copy.mjs]',
        '    outs:',
        '      - reports/drift.json',
        '  retrain:',
        '    cmd: node -e "require(\'fs\').writeFileSync(\'ran.txt\', \'1\')"',
        '    when:',
        '      file: reports/drift.json',
        '      if: drifted_by.mean_ratio >= 3',
        '    outs:',
        '      - ran.txt',
        '',
      ].join('\n'),
    });
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.equal(await repo.read('ran.txt'), '1');
  });
});
