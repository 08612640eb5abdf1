// The shipped monitoring files against the real service: a real Prometheus scrapes it on
// 127.0.0.1 and evaluates a test copy of alerts.yml (durations divided by 60, thresholds as
// shipped), a real Alertmanager routes with a test copy of alertmanager.yml to a webhook server in
// this test. Stable traffic fires nothing; drifting traffic makes OccupancyFeatureDrift reach the
// webhook, and it resolves when traffic is stable again. Every dashboard query runs on the
// collected series, and every metric the rules and the dashboard name is one the service exports.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parsePrometheusText } from '../helpers/prometheus.js';
import type { TempRepo } from '../helpers/repo.js';
import { flagshipRepo, monthRows, postJson, startService, type Row, type RunningService } from '../serve/helpers.js';
import { ALERTMANAGER, freePort, metricNamesIn, missingBinaries, MONITORING, PROMETHEUS, startDaemon, testCopyOfAlertmanager, testCopyOfPrometheus, testCopyOfRules, type Daemon } from './helpers.js';
import { TrafficLoop } from './traffic.js';

interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface WebhookPayload {
  status: string;
  alerts: WebhookAlert[];
}
interface DashboardPanel {
  title: string;
  targets?: { expr: string }[];
}
interface RulesAnswer {
  data: { groups: { lastEvaluation: string; rules: { name: string; state: string }[] }[] };
}

const skip = await missingBinaries(PROMETHEUS, ALERTMANAGER);
const INTERVAL_S = 1;
// The longest `for:` (15m / 60, in seconds) of the test copy's rules that can fire within this
// test: OccupancyPredictionShift compares with a week earlier, which this Prometheus never has.
const LONGEST_FOR_S = 15;

async function dashboardExprs(): Promise<{ panel: string; expr: string }[]> {
  const dashboard = JSON.parse(await readFile(join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as { panels: DashboardPanel[] };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}

async function ruleExprs(): Promise<string[]> {
  const rules = parse(await readFile(join(MONITORING, 'alerts.yml'), 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  return rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

describe('monitoring against the real prediction service', () => {
  let repo: TempRepo;
  let service: RunningService;
  let traffic: TrafficLoop;
  const stable: Row[] = monthRows(11);
  const summer: Row[] = monthRows(7);

  before(async () => {
    repo = await flagshipRepo();
    service = await startService(repo, ['--logs', 'served-logs', '--window', '1000']);
    // Traffic flows before Prometheus starts and through every phase, as in production.
    traffic = new TrafficLoop(service.url, stable);
    await traffic.start();
  });
  after(async () => {
    await traffic?.stop();
    await service?.stop();
    await repo?.remove();
  });

  test('every metric the rules and the dashboard select is one the service exports', async () => {
    const exported = new Set(parsePrometheusText(await (await fetch(`${service.url}/metrics`)).text()).map((s) => s.name));
    exported.add('up'); // Prometheus's own, per target.
    const exprs = [...(await ruleExprs()), ...(await dashboardExprs()).map((d) => d.expr)];
    const named = new Set(exprs.flatMap(metricNamesIn));
    assert.ok(named.has('occupancy_feature_psi') && named.has('occupancy_prediction_score_bucket'));
    assert.deepEqual([...named].filter((n) => !exported.has(n)), []);
  });

  describe('Prometheus and Alertmanager', { skip }, () => {
    let tmp: string;
    let prometheus: Daemon;
    let alertmanager: Daemon;
    let webhook: Server;
    const received: WebhookPayload[] = [];
    const api = async <T>(path: string): Promise<T> => {
      const r = await fetch(`${prometheus.url}${path}`);
      const body = (await r.json()) as { status: string; error?: string };
      assert.equal(body.status, 'success', `${path}: ${body.error}`);
      return body as T;
    };
    const query = async (expr: string) => (await api<{ data: { result: { metric: Record<string, string>; value: [number, string] }[] } }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).data.result;
    const lastEvaluation = async () => Date.parse((await api<RulesAnswer>('/api/v1/rules')).data.groups[0]!.lastEvaluation);
    /** Wait until Prometheus has evaluated the rules `seconds` past `from` (its own clock). */
    const waitEvaluations = async (from: number, seconds: number) => {
      const end = Date.now() + 10 * (seconds + 30) * 1000;
      while ((await lastEvaluation()) < from + seconds * 1000) {
        assert.ok(Date.now() < end, `Prometheus stopped evaluating rules (last ${new Date(await lastEvaluation()).toISOString()})`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const uncertainShare = async () => (await query(
      '(sum(rate(occupancy_prediction_score_bucket{le="0.8"}[10s])) - sum(rate(occupancy_prediction_score_bucket{le="0.2"}[10s]))) / sum(rate(occupancy_prediction_score_count[10s]))',
    ))[0]?.value[1];
    /** The alerts named `alertname` in the payloads received from the `from`-th on. */
    const firing = (alertname: string, from = 0) => received.slice(from).flatMap((p) => p.alerts).filter((a) => a.labels['alertname'] === alertname);

    before(async () => {
      tmp = await mkdtemp(join(tmpdir(), 'dvc-ts-prometheus-'));
      webhook = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          received.push(JSON.parse(body) as WebhookPayload);
          res.end();
        });
      });
      await new Promise<void>((res) => webhook.listen(0, '127.0.0.1', res));
      const hookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`;

      const amPort = await freePort();
      await writeFile(join(tmp, 'alertmanager.yml'), testCopyOfAlertmanager(await readFile(join(MONITORING, 'alertmanager.yml'), 'utf8'), hookUrl));
      alertmanager = await startDaemon(ALERTMANAGER, [
        `--config.file=${join(tmp, 'alertmanager.yml')}`, `--storage.path=${join(tmp, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=',
      ], `http://127.0.0.1:${amPort}`);

      const promPort = await freePort();
      await writeFile(join(tmp, 'alerts.yml'), testCopyOfRules(await readFile(join(MONITORING, 'alerts.yml'), 'utf8')));
      await writeFile(join(tmp, 'prometheus.yml'), testCopyOfPrometheus(await readFile(join(MONITORING, 'prometheus.yml'), 'utf8'), {
        service: new URL(service.url).host, alertmanager: `127.0.0.1:${amPort}`, rulesFile: join(tmp, 'alerts.yml'), interval: `${INTERVAL_S}s`,
      }));
      prometheus = await startDaemon(PROMETHEUS, [
        `--config.file=${join(tmp, 'prometheus.yml')}`, `--storage.tsdb.path=${join(tmp, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ], `http://127.0.0.1:${promPort}`);
    });
    after(async () => {
      await prometheus?.stop();
      await alertmanager?.stop();
      await new Promise((res) => webhook?.close(res));
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    test('stable traffic: the rules run on the scraped series and nothing fires', async () => {
      const rules = await api<RulesAnswer>('/api/v1/rules');
      assert.equal(rules.data.groups[0]!.rules.length, 7);
      // Prometheus scrapes the service and sees a full PSI window.
      await waitForQuery(query, 'occupancy_psi_window_rows{job="occupancy-service"} >= 1000');
      assert.equal((await query('up{job="occupancy-service"}'))[0]?.value[1], '1');
      // A bounded number of evaluation cycles: past the longest `for` plus five intervals.
      await waitEvaluations(await lastEvaluation(), LONGEST_FOR_S + 5 * INTERVAL_S);
      const alerts = await api<{ data: { alerts: { labels: Record<string, string>; state: string }[] } }>('/api/v1/alerts');
      assert.deepEqual(alerts.data.alerts.map((a) => `${a.labels['alertname']} ${a.state}`), [], 'no alert pending or firing');
      assert.deepEqual(received, [], 'the webhook received nothing');
      const psi = await query('max(occupancy_feature_psi{job="occupancy-service", feature!~"hour|weekday"})');
      assert.ok(Number(psi[0]!.value[1]) < 0.1, `stable PSI ${psi[0]!.value[1]}`);
      console.log(`# stable traffic: highest sensor PSI ${psi[0]!.value[1]}, uncertain share ${await uncertainShare()}`);
    });

    test('drifting traffic: OccupancyFeatureDrift reaches the webhook through Alertmanager', async () => {
      traffic.rows = summer;
      const started = Date.now();
      await waitFor(() => firing('OccupancyFeatureDrift').some((a) => a.status === 'firing'), 'the drift alert at the webhook', 180_000);
      // What the rule's `for` (10 s here) plus two scrape intervals and Alertmanager's group_wait allow.
      console.log(`# drift alert received ${((Date.now() - started) / 1000).toFixed(1)} s after drifting traffic began`);
      console.log(`# drifting traffic: uncertain share ${await uncertainShare()}`);
      const alert = firing('OccupancyFeatureDrift').find((a) => a.status === 'firing')!;
      assert.ok(['temperature', 'light', 'co2', 'humidity', 'humidity_ratio'].includes(alert.labels['feature']!), JSON.stringify(alert.labels));
      assert.equal(alert.labels['job'], 'occupancy-service');
      assert.equal(alert.labels['instance'], new URL(service.url).host);
      assert.equal(alert.labels['severity'], 'warning');
      assert.match(alert.annotations['summary']!, new RegExp(`^Feature ${alert.labels['feature']} drifted on .* \\(PSI \\d\\.\\d{3}\\)$`));
      // Every series the dashboard plots answers, now that drifted and rejected requests exist.
      assert.equal((await postJson(`${service.url}/predict`, { colour: 'red' })).status, 400);
      await waitForQuery(query, 'rate(http_requests_total{job="occupancy-service", status="400"}[10s])');
      for (const { panel, expr } of await dashboardExprs()) {
        const promql = expr.replaceAll('$__rate_interval', '10s').replaceAll('$job', 'occupancy-service').replaceAll('$instance', '.*');
        const result = await query(promql);
        // No 5xx was answered, and this Prometheus has no week-old series to offset to.
        if (!/status=~"5\.\."|offset 1w/.test(expr)) assert.notEqual(result.length, 0, `${panel}: ${promql}`);
      }
    });

    test('stable traffic again: the drift alert resolves', async () => {
      const fired = firing('OccupancyFeatureDrift').find((a) => a.status === 'firing')!.labels['feature'];
      const from = received.length;
      traffic.rows = stable;
      const resolved = () => firing('OccupancyFeatureDrift', from).some((a) => a.status === 'resolved' && a.labels['feature'] === fired);
      await waitFor(resolved, `the drift alert on ${fired} resolved at the webhook`, 180_000);
      assert.deepEqual(traffic.failures, []);
    });
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitForQuery(query: (expr: string) => Promise<unknown[]>, expr: string): Promise<void> {
  await waitFor(async () => (await query(expr)).length > 0, `a result for ${expr}`, 120_000);
}
