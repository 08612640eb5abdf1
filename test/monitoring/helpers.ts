// Helpers for the monitoring tests: the shipped files under monitoring/, their test copies (every
// duration divided by 60, so minutes become seconds; thresholds and expressions unchanged), the
// PromQL metric names they use, and the real Prometheus and Alertmanager as child processes on
// free loopback ports.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { parse, stringify } from 'yaml';
import { PROJECT_ROOT } from '../helpers/repo.js';

export const MONITORING = join(PROJECT_ROOT, 'monitoring');
export const PROMETHEUS = 'prometheus';
export const PROMTOOL = 'promtool';
export const ALERTMANAGER = 'prometheus-alertmanager';
export const AMTOOL = 'amtool';

/** Why a monitoring test cannot run here (a binary not installed), or undefined when it can. */
export async function missingBinaries(...names: string[]): Promise<string | undefined> {
  const missing: string[] = [];
  for (const name of names) {
    const r = await execa(name, ['--version'], { reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0) missing.push(name);
  }
  if (missing.length === 0) return undefined;
  const reason = `${missing.join(', ')} not installed (Debian packages prometheus, prometheus-alertmanager)`;
  console.log(`# monitoring: skipped, ${reason}`);
  return reason;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A Prometheus/Alertmanager duration (one unit: 10m, 30s, 4h, 1w) divided by 60. */
export function scaleDuration(duration: string): string {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(duration);
  if (!m) throw new Error(`unsupported duration '${duration}' (one number and one unit)`);
  return `${Math.round((Number(m[1]) * UNIT_MS[m[2]!]!) / 60)}ms`;
}

const scaleRanges = (expr: string) => expr
  .replace(/\[(\d+(?:ms|s|m|h|d|w))\]/g, (_, d: string) => `[${scaleDuration(d)}]`)
  .replace(/\boffset (\d+(?:ms|s|m|h|d|w))\b/g, (_, d: string) => `offset ${scaleDuration(d)}`);

interface RuleFile {
  groups: { name: string; interval?: string; rules: { alert?: string; expr: string; for?: string }[] }[];
}

/** The test copy of alerts.yml: each `for:`, range selector and offset divided by 60. */
export function testCopyOfRules(text: string): string {
  const rules = parse(text) as RuleFile;
  for (const group of rules.groups) {
    if (group.interval) group.interval = scaleDuration(group.interval);
    for (const rule of group.rules) {
      rule.expr = scaleRanges(rule.expr);
      if (rule.for) rule.for = scaleDuration(rule.for);
    }
  }
  return stringify(rules, { lineWidth: 0 });
}

interface AlertmanagerConfig {
  route: { group_wait?: string; group_interval?: string; repeat_interval?: string };
  receivers: { name: string; webhook_configs?: { url: string }[] }[];
}

/** The test copy of alertmanager.yml: the route's waits divided by 60, webhooks sent to `url`. */
export function testCopyOfAlertmanager(text: string, url: string): string {
  const config = parse(text) as AlertmanagerConfig;
  for (const key of ['group_wait', 'group_interval', 'repeat_interval'] as const) {
    const d = config.route[key];
    if (d) config.route[key] = scaleDuration(d);
  }
  for (const receiver of config.receivers) for (const hook of receiver.webhook_configs ?? []) hook.url = url;
  return stringify(config, { lineWidth: 0 });
}

interface PrometheusConfig {
  global: Record<string, string>;
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
}

/** The test copy of prometheus.yml: the shipped jobs, scraping `service` every `interval`,
 *  evaluating `rulesFile` as often, sending alerts to `alertmanager`. */
export function testCopyOfPrometheus(text: string, o: { service: string; alertmanager: string; rulesFile: string; interval: string }): string {
  const config = parse(text) as PrometheusConfig;
  config.global = { scrape_interval: o.interval, scrape_timeout: o.interval, evaluation_interval: o.interval };
  config.rule_files = [o.rulesFile];
  for (const am of config.alerting.alertmanagers) am.static_configs = [{ targets: [o.alertmanager] }];
  for (const job of config.scrape_configs) job.static_configs = [{ targets: [o.service] }];
  return stringify(config, { lineWidth: 0 });
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects (not functions, labels or keywords). */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/(?<![\w$.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n.toLowerCase())))];
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as { port: number }).port;
  await new Promise((res) => server.close(res));
  return port;
}

export interface Daemon {
  url: string;
  child: ResultPromise;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Start `bin` and wait until `url`/-/ready answers 200 (guard: 60 s, for a loaded machine). */
export async function startDaemon(bin: string, args: string[], url: string): Promise<Daemon> {
  const child = execa(bin, args, { reject: false, stdin: 'ignore', all: true });
  let exited = false;
  void child.then(() => (exited = true));
  const end = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (exited || Date.now() > end) {
      child.kill('SIGKILL');
      const r = await child;
      throw new Error(`${bin} did not become ready at ${url}: ${String(r.all)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await child;
    },
  };
}
