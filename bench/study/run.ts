// `npm run study`: does drift-triggered retraining earn its keep against a calendar? Every policy
// drives the example pipeline month by month through the real engine, in every scenario and for
// several seeds, with labels that arrive late; the results go to markdown tables, a JSON file and
// a self-contained HTML page with one chart per scenario.
//
//   node dist/bench/study/run.js [--scenarios no-change,seasonal,abrupt,gradual,sensor-fault]
//     [--seeds 5] [--months 7] [--days 14] [--delay 1] [--policies monthly,never,drift]
//     [--jobs 1] [--out DIR] [--quick] [--quiet]
//   node dist/bench/study/run.js --render bench/study/results/study.json   # tables and page again, no runs
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { escapeHtml, renderPlotsPage } from '../../engine/report/plots/html.js';
import { loadVegaLibraries } from '../../engine/report/plots/libs.js';
import { DEFAULT_POLICIES, policyByName, type Policy, type PolicyRun } from './policy.js';
import { goalsTable, scenarioChart, scenarioTable } from './report.js';
import { scenarioByName, SCENARIOS, type Scenario } from './scenarios.js';
import { runPolicy, type RunSpec } from './simulate.js';
import { figuresOf, goals, summarize, type Goal, type PolicyRow } from './summary.js';
import { createStudyFolder, removeStudyFolder, sweepAbandonedStudies } from './workspace.js';

/** The repository root: the example the study copies (this file is dist/bench/study/run.js). */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface StudyOptions {
  scenarios: Scenario[];
  /** The seeds: 1 … seeds. */
  seeds: number;
  /** Simulated months per scenario; undefined: each scenario's own. */
  months?: number;
  days: number;
  intervalMinutes: number;
  /** Months before a month's labels can be read. */
  labelDelay: number;
  policies: Policy[];
  /** Policy runs at once (1 for honest compute figures; more only to finish sooner). */
  jobs: number;
  out: string;
  log: (line: string) => void;
}

export interface StudyResult {
  runs: PolicyRun[];
  rows: PolicyRow[];
  goals: Goal[];
  markdown: string;
  files: { markdown: string; html: string; json: string };
}

/** Every scenario × seed × policy, `jobs` at a time, in one study folder removed at the end. */
async function runAll(options: StudyOptions): Promise<PolicyRun[]> {
  const specs: RunSpec[] = options.scenarios.flatMap((scenario) =>
    Array.from({ length: options.seeds }, (_, i) => i + 1).flatMap((seed) =>
      options.policies.map((policy) => ({
        scenario, seed, policy, months: options.months ?? scenario.months, labelDelay: options.labelDelay,
        shape: { days: options.days, intervalMinutes: options.intervalMinutes },
      })),
    ),
  );
  const swept = await sweepAbandonedStudies();
  if (swept) options.log(`Removed ${swept} study folder(s) a killed study left in the temp folder`);
  const folder = await createStudyFolder(PROJECT_ROOT);
  try {
    const runs: PolicyRun[] = new Array(specs.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < specs.length; i = next++) runs[i] = await runPolicy(folder, PROJECT_ROOT, specs[i]!, options.log);
    };
    await Promise.all(Array.from({ length: Math.min(options.jobs, specs.length) }, worker));
    return runs;
  } finally {
    await removeStudyFolder(folder.root);
  }
}

function setupLine(options: StudyOptions): string {
  const months = options.months === undefined ? 'each scenario\'s months' : `${options.months} simulated months`;
  return `${options.scenarios.length} scenario(s) × ${options.seeds} seed(s) × ${options.policies.length} policies; ${months} of ${options.days} days ` +
    `(a reading every ${options.intervalMinutes} minutes); labels arrive ${options.labelDelay} month(s) late for every policy.`;
}

export async function runStudy(options: StudyOptions): Promise<StudyResult> {
  return renderStudy(await runAll(options), options);
}

/** The tables, goals, JSON and page from the policy runs (a finished study's JSON renders again with --render). */
export async function renderStudy(runs: PolicyRun[], options: StudyOptions): Promise<StudyResult> {
  const monthsOf = (s: Scenario) => options.months ?? s.months;
  const eventsOf = (name: string) => {
    const s = scenarioByName(name);
    return s.events(monthsOf(s));
  };
  const figures = figuresOf(runs, eventsOf);
  const rows = summarize(runs, figures, options.scenarios.map((s) => s.name), options.policies.map((p) => p.name));
  const goalList = goals(runs, figures);
  const sections = options.scenarios.map((s) => {
    const events = eventsOf(s.name);
    const changes = events.length ? events.map((e) => `${e.name} at month ${e.month}`).join(', ') : 'no change';
    return { scenario: s, heading: `${s.label} (${changes})`, table: scenarioTable(rows.filter((r) => r.scenario === s.name), events) };
  });
  const markdown = `## Goals\n\n${goalsTable(goalList)}\n` + sections.map((s) => `## ${s.heading}\n\n${s.table}`).join('\n');
  await mkdir(options.out, { recursive: true });
  const files = { markdown: join(options.out, 'study.md'), html: join(options.out, 'study.html'), json: join(options.out, 'study.json') };
  await writeFile(files.markdown, `# Retrain-policy study\n\n${setupLine(options)}\n\n${markdown}`);
  const { log: _log, scenarios, policies, out: _out, ...rest } = options;
  await writeFile(files.json, JSON.stringify({ options: { ...rest, scenarios: scenarios.map((s) => s.name), policies: policies.map((p) => p.name) }, goals: goalList, rows, runs }, null, 2) + '\n');
  const plots = sections.map(({ scenario, heading }) => ({
    kind: 'vega' as const, id: `study/${scenario.name}`, title: heading, template: 'layered', revisions: [], problems: [],
    spec: scenarioChart(scenario.label, runs.filter((r) => r.scenario === scenario.name), eventsOf(scenario.name)) as never,
  }));
  const page = renderPlotsPage({ revisions: options.policies.map((p) => p.name), problems: [], plots }, await loadVegaLibraries(), { title: 'Retrain-policy study' });
  const tables = `<p>${escapeHtml(setupLine(options))}</p>\n<h2>Goals</h2>\n${htmlTable(goalsTable(goalList))}\n` +
    sections.map((s) => `<h2>${escapeHtml(s.heading)}</h2>\n${htmlTable(s.table)}`).join('\n');
  await writeFile(files.html, page.replace('</h1>', `</h1>\n${tables}`).replace('<p class="revisions">Revisions:', '<p class="revisions">Policies:'));
  return { runs, rows, goals: goalList, markdown, files };
}

/** A markdown table as an HTML table (cells escaped). */
function htmlTable(markdown: string): string {
  const [head, , ...body] = markdown.trim().split('\n').map((line) => line.slice(2, -2).split(' | '));
  const row = (cells: string[], tag: string) => `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  return `<table class="study">${row(head!, 'th')}${body.map((r) => row(r, 'td')).join('')}</table>`;
}

function wholeNumber(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return n;
}

/** --quick: one scenario, one seed, six months of four days (the test's size; seconds, not minutes). */
const QUICK = { scenarios: 'abrupt', seeds: '1', months: '6', days: '4' };

export function parseStudyArgs(args: string[]): StudyOptions & { render?: string } {
  const { values } = parseArgs({
    args,
    options: {
      scenarios: { type: 'string' }, seeds: { type: 'string' }, months: { type: 'string' }, days: { type: 'string' },
      delay: { type: 'string' }, policies: { type: 'string' }, out: { type: 'string' }, jobs: { type: 'string' },
      quick: { type: 'boolean' }, quiet: { type: 'boolean' }, render: { type: 'string' },
    },
  });
  const v = values.quick ? { ...QUICK, ...Object.fromEntries(Object.entries(values).filter(([, x]) => x !== undefined)) } : values;
  const options: StudyOptions & { render?: string } = {
    render: v.render === undefined ? undefined : resolve(v.render),
    scenarios: (v.scenarios ?? SCENARIOS.map((s) => s.name).join(',')).split(',').map((s) => scenarioByName(s.trim())),
    seeds: wholeNumber(v.seeds, 'seeds', 5),
    months: v.months === undefined ? undefined : wholeNumber(v.months, 'months', 0),
    days: wholeNumber(v.days, 'days', 14),
    intervalMinutes: 20,
    labelDelay: wholeNumber(v.delay, 'delay', 1, 0),
    policies: (v.policies ?? DEFAULT_POLICIES.join(',')).split(',').map((p) => policyByName(p.trim())),
    jobs: wholeNumber(v.jobs, 'jobs', 1),
    out: resolve(v.out ?? join(PROJECT_ROOT, 'bench/study/results')),
    log: values.quiet ? () => undefined : (line) => process.stdout.write(line + '\n'),
  };
  if (options.days > 28) throw new Error('--days must be at most 28');
  if (!options.policies.some((p) => p.name === 'monthly')) throw new Error('--policies must include monthly: accuracy lost is measured against it');
  return options;
}

/** Render a finished study again from its study.json (its own scenarios, seeds, size and policies). */
async function renderSaved(path: string, options: StudyOptions): Promise<StudyResult> {
  const saved = JSON.parse(await readFile(path, 'utf8')) as { options: Omit<StudyOptions, 'scenarios' | 'policies' | 'log' | 'out'> & { scenarios: string[]; policies: string[] }; runs: PolicyRun[] };
  const { scenarios, policies, ...size } = saved.options;
  return renderStudy(saved.runs, { ...options, ...size, scenarios: scenarios.map(scenarioByName), policies: policies.map(policyByName) });
}

async function main(): Promise<void> {
  const options = parseStudyArgs(process.argv.slice(2));
  const started = performance.now();
  const result = options.render === undefined ? await runStudy(options) : await renderSaved(options.render, options);
  process.stdout.write(`\n${result.markdown}\n`);
  process.stdout.write(`Wrote ${relative(process.cwd(), result.files.markdown)}, ${relative(process.cwd(), result.files.html)} (charts) and ${relative(process.cwd(), result.files.json)} in ${((performance.now() - started) / 1000).toFixed(0)} s.\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`study: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
