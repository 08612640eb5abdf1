// The shipped monitoring files as Prometheus's own tools read them: promtool checks the rules and
// the scrape config, runs the rules' unit tests (alerts.promtool.yml: each alert fires on the
// series it is for and stays quiet on the others), and amtool checks the Alertmanager config.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../helpers/repo.js';
import { AMTOOL, metricNamesIn, missingBinaries, MONITORING, PROMTOOL, scaleDuration, testCopyOfAlertmanager, testCopyOfRules } from './helpers.js';

const skip = await missingBinaries(PROMTOOL, AMTOOL);
const run = (bin: string, args: string[]) => execa(bin, args, { reject: false, all: true, stdin: 'ignore' });

describe('monitoring files checked by promtool and amtool', { skip }, () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'dvc-ts-monitoring-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  test('promtool check rules: alerts.yml is valid, with its seven alerts', async () => {
    const r = await run(PROMTOOL, ['check', 'rules', join(MONITORING, 'alerts.yml')]);
    assert.equal(r.exitCode, 0, r.all);
    assert.match(r.all, /SUCCESS: 7 rules found/);
  });

  test('promtool check config: prometheus.yml is valid and finds alerts.yml', async () => {
    const r = await run(PROMTOOL, ['check', 'config', join(MONITORING, 'prometheus.yml')]);
    assert.equal(r.exitCode, 0, r.all);
    assert.match(r.all, /SUCCESS: 1 rule files found/);
  });

  test('amtool check-config: alertmanager.yml is valid', async () => {
    const r = await run(AMTOOL, ['check-config', join(MONITORING, 'alertmanager.yml')]);
    assert.equal(r.exitCode, 0, r.all);
    assert.match(r.all, /SUCCESS/);
    assert.match(r.all, /1 receivers/);
  });

  test('promtool test rules: every alert fires where it should and nowhere else', async () => {
    const r = await run(PROMTOOL, ['test', 'rules', join(PROJECT_ROOT, 'test/monitoring/alerts.promtool.yml')]);
    assert.equal(r.exitCode, 0, r.all);
    assert.match(r.all, /SUCCESS/);
  });

  test('a rule with a broken expression is refused, naming the file', async () => {
    const broken = (await readFile(join(MONITORING, 'alerts.yml'), 'utf8')).replace('up{job="occupancy-service"} == 0', 'up{job="occupancy-service" == 0');
    const file = join(tmp, 'broken-alerts.yml');
    await writeFile(file, broken);
    const r = await run(PROMTOOL, ['check', 'rules', file]);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.all, /broken-alerts\.yml/);
  });

  test('the e2e test copies (durations divided by 60) are valid too', async () => {
    const rules = join(tmp, 'alerts.yml');
    await writeFile(rules, testCopyOfRules(await readFile(join(MONITORING, 'alerts.yml'), 'utf8')));
    const r = await run(PROMTOOL, ['check', 'rules', rules]);
    assert.equal(r.exitCode, 0, r.all);
    const am = join(tmp, 'alertmanager.yml');
    await writeFile(am, testCopyOfAlertmanager(await readFile(join(MONITORING, 'alertmanager.yml'), 'utf8'), 'http://127.0.0.1:1/hook'));
    const a = await run(AMTOOL, ['check-config', am]);
    assert.equal(a.exitCode, 0, a.all);
  });
});

describe('test copies and PromQL names (no binaries needed)', () => {
  test('scaleDuration divides by 60: minutes become seconds', () => {
    assert.equal(scaleDuration('10m'), '10000ms');
    assert.equal(scaleDuration('30s'), '500ms');
    assert.equal(scaleDuration('4h'), '240000ms');
    assert.throws(() => scaleDuration('1h30m'), /unsupported duration/);
  });

  test('testCopyOfRules changes only durations', async () => {
    const text = await readFile(join(MONITORING, 'alerts.yml'), 'utf8');
    const copy = testCopyOfRules(text);
    assert.match(copy, /for: 10000ms/);
    assert.match(copy, /\[5000ms\]/);
    assert.match(copy, /\[1440000ms\] offset 10080000ms\)/);
    assert.doesNotMatch(copy, /\[\d+[mhdw]\]|for: \d+[mhdw]\b|offset \d+[mhdw]\b/);
    // Thresholds are the shipped ones.
    assert.match(copy, /> 0\.1\n/);
  });

  test('metricNamesIn finds the selected metrics only', () => {
    assert.deepEqual(
      metricNamesIn('sum by (job, le) (rate(http_request_duration_seconds_bucket{job="$job", route="/predict"}[$__rate_interval])) / on (job) up > 0.5 and x_total'),
      ['http_request_duration_seconds_bucket', 'up', 'x_total'],
    );
  });
});
