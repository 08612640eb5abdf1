// `npm run study`: is drift-triggered retraining better than a calendar? Each policy drives the
// example pipeline month by month through the real engine (`runRepro` on a temporary copy of
// the repository), and the results go to a markdown table and a self-contained HTML chart.
//
//   node dist/bench/study/run.js [--months 24] [--season 6] [--concept 15] [--days 28]
//                                [--policies every-1,every-3,every-6,drift] [--jobs 1] [--out DIR] [--quiet]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { runRepro } from '../../engine/api/repro.js';
import { createWorkspace, removeWorkspace } from '../../engine/exp/workspace.js';
import { lockPathFor } from '../../engine/lock/lockfile.js';
import { loadPipeline } from '../../engine/pipeline/load.js';
import { escapeHtml, renderPlotsPage } from '../../engine/report/plots/html.js';
import { loadVegaLibraries } from '../../engine/report/plots/libs.js';
import type { RunReporter } from '../../engine/run/output.js';
import { calendarOf, firstCalendarMonthFor } from './calendar.js';
import { accuracyChart, calendarRetrain, markdownTable, policyByName, summarize, type MonthRecord, type Policy, type PolicyRun, type StudyEvent } from './policy.js';

/** The repository root: the example the study copies (this file is dist/bench/study/run.js). */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const STUDY_INGEST = 'dist/bench/study/ingest.js';

export interface StudyOptions {
  months: number;
  season: number;
  concept: number;
  days: number;
  policies: Policy[];
  /** Policies run at once (1 for honest compute figures; more only to finish sooner). */
  jobs: number;
  out: string;
  log: (line: string) => void;
}

const silent: RunReporter = { begin() {}, stageStarted() {}, stageOutput() {}, stageDone() {}, info() {}, end() {} };

/** The copy's pipeline: the study's ingest; for a calendar policy, train and evaluate gated on the calendar. */
async function preparePipeline(copy: string, policy: Policy): Promise<void> {
  const path = join(copy, 'pipeline.yaml');
  const doc = parseDocument(await readFile(path, 'utf8'));
  doc.setIn(['stages', 'ingest', 'cmd'], `node ${STUDY_INGEST}`);
  doc.setIn(['stages', 'ingest', 'deps'], doc.createNode([STUDY_INGEST, 'dist/bench/study/calendar.js']));
  doc.setIn(['stages', 'ingest', 'params'], doc.createNode(['seed', 'data.days_per_month', 'data.interval_minutes', 'study.current', 'study.reference', 'study.first_calendar_month', 'study.concept_change']));
  if (policy.every !== undefined) {
    for (const stage of ['train', 'evaluate']) {
      if (!doc.hasIn(['stages', stage, 'when'])) throw new Error(`pipeline.yaml: stage '${stage}' has no gate for the study to replace`);
      doc.setIn(['stages', stage, 'when', 'if'], '${study.retrain}');
    }
  }
  await writeFile(path, doc.toString());
}

async function setMonthParams(copy: string, options: StudyOptions, policy: Policy, t: number): Promise<void> {
  const path = join(copy, 'params.yaml');
  const doc = parseDocument(await readFile(path, 'utf8'));
  const first = firstCalendarMonthFor(options.season);
  const cal = (m: number) => calendarOf(m, first);
  doc.setIn(['data', 'days_per_month'], options.days);
  doc.setIn(['data', 'year'], cal(t).year);
  doc.setIn(['data', 'current_month'], cal(t).month);
  doc.setIn(['data', 'reference_months'], doc.createNode([cal(t - 2).month, cal(t - 1).month], { flow: true }));
  doc.setIn(['study'], doc.createNode({
    current: t,
    reference: [t - 2, t - 1],
    first_calendar_month: first,
    concept_change: options.concept,
    retrain: policy.every === undefined ? false : calendarRetrain(policy, t),
  }));
  await writeFile(path, doc.toString());
}

interface DriftVerdict {
  dataset_drift?: boolean;
  performance_drift?: boolean;
  model?: { performance?: { current?: { accuracy?: number } | null } } | null;
}

/**
 * What the drift stage found: the whole report (with the champion's accuracy on the month) is
 * `reports/drift.json` where the example keeps its headline verdicts apart in metrics/drift.json,
 * else metrics/drift.json itself.
 */
async function readDriftReport(copy: string): Promise<DriftVerdict> {
  let verdict: DriftVerdict | undefined;
  for (const path of ['reports/drift.json', 'metrics/drift.json']) {
    const text = await readFile(join(copy, path), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    verdict = JSON.parse(text) as DriftVerdict;
    if (verdict.model !== undefined) return verdict;
  }
  if (!verdict) throw new Error('the drift stage wrote no report');
  return verdict;
}

/** One policy over every month, in its own copy of the repository with a cache of its own. */
export async function runPolicy(options: StudyOptions, policy: Policy): Promise<PolicyRun> {
  const pipeline = await loadPipeline(PROJECT_ROOT);
  // Start like a fresh clone: no lock, no outputs, no champion.
  const skip = new Set([lockPathFor(pipeline.file), ...pipeline.stages.flatMap((s) => s.outs.map((o) => o.path))]);
  const copy = await createWorkspace(PROJECT_ROOT, skip, { shareCache: false });
  try {
    await preparePipeline(copy, policy);
    const months: MonthRecord[] = [];
    for (let t = 1; t <= options.months; t++) {
      await setMonthParams(copy, options, policy, t);
      // No run-cache: a policy's compute must be its own, never restored from an earlier month.
      const summary = await runRepro(copy, { runCache: false, quiet: true, handleSignals: false, reporter: silent });
      if (summary.failed || summary.interrupted) {
        const failed = summary.results.filter((r) => r.status === 'failed').map((r) => `${r.name}: ${r.error ?? ''}`);
        throw new Error(`policy ${policy.name}, month ${t}: the pipeline failed\n${failed.join('\n')}`);
      }
      const status = (name: string) => summary.results.find((r) => r.name === name);
      const drift = await readDriftReport(copy);
      const train = status('train');
      const record: MonthRecord = {
        month: t,
        retrained: train?.status === 'ran',
        promoted: status('package')?.status === 'ran',
        accuracy: drift.model?.performance?.current?.accuracy ?? null,
        trainSeconds: train?.status === 'ran' ? train.durationMs / 1000 : 0,
        drift: Boolean(drift.dataset_drift || drift.performance_drift),
      };
      months.push(record);
      options.log(
        `${policy.name.padEnd(8)} month ${String(t).padStart(2)}: accuracy ${record.accuracy === null ? '  –  ' : record.accuracy.toFixed(3)}` +
          `${record.drift ? ', drift' : ''}${record.retrained ? `, retrained (${record.trainSeconds.toFixed(1)} s)` : ''}${record.promoted ? ', promoted' : ''}`,
      );
    }
    return { policy, months };
  } finally {
    await removeWorkspace(copy);
  }
}

export interface StudyResult {
  runs: PolicyRun[];
  events: StudyEvent[];
  markdown: string;
  files: { markdown: string; html: string; json: string };
}

export async function runStudy(options: StudyOptions): Promise<StudyResult> {
  // A change after the last simulated month is not in the study.
  const events: StudyEvent[] = [
    { name: 'seasonal change', month: options.season },
    { name: 'concept change', month: options.concept },
  ].filter((e) => e.month <= options.months);
  const runs: PolicyRun[] = new Array(options.policies.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < options.policies.length; i = next++) runs[i] = await runPolicy(options, options.policies[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, options.policies.length) }, worker));
  const rows = summarize(runs, events);
  const markdown = markdownTable(rows, events);
  const setup =
    `${options.months} simulated months of ${options.days} days; seasonal change (summer begins) at month ${options.season}, ` +
    `concept change (automatic lighting) at month ${options.concept}.`;
  await mkdir(options.out, { recursive: true });
  const files = { markdown: join(options.out, 'study.md'), html: join(options.out, 'study.html'), json: join(options.out, 'study.json') };
  await writeFile(files.markdown, `# Retrain-policy study\n\n${setup}\n\n${markdown}`);
  await writeFile(files.json, JSON.stringify({ options: { ...options, policies: options.policies.map((p) => p.name), log: undefined }, events, rows, runs }, null, 2) + '\n');
  const page = renderPlotsPage(
    {
      revisions: options.policies.map((p) => p.name),
      problems: [],
      plots: [{ kind: 'vega', id: 'study/accuracy', title: 'Accuracy in production by policy', template: 'layered', revisions: [], spec: accuracyChart(runs, events) as never, problems: [] }],
    },
    await loadVegaLibraries(),
    { title: 'Retrain-policy study' },
  );
  const html = page.replace('</h1>', `</h1>\n<p>${escapeHtml(setup)}</p>\n${htmlTable(markdown)}`).replace('<p class="revisions">Revisions:', '<p class="revisions">Policies:');
  await writeFile(files.html, html);
  return { runs, events, markdown, files };
}

/** The markdown table as an HTML table (cells escaped). */
function htmlTable(markdown: string): string {
  const [head, , ...body] = markdown.trim().split('\n').map((line) => line.slice(2, -2).split(' | '));
  const row = (cells: string[], tag: string) => `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  return `<table class="study">${row(head!, 'th')}${body.map((r) => row(r, 'td')).join('')}</table>`;
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      months: { type: 'string' },
      season: { type: 'string' },
      concept: { type: 'string' },
      days: { type: 'string' },
      policies: { type: 'string' },
      out: { type: 'string' },
      jobs: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  const options: StudyOptions = {
    months: positiveInt(values.months, 'months', 24),
    season: positiveInt(values.season, 'season', 6),
    concept: positiveInt(values.concept, 'concept', 15),
    days: positiveInt(values.days, 'days', 28),
    policies: (values.policies ?? 'every-1,every-3,every-6,drift').split(',').map((p) => policyByName(p.trim())),
    jobs: positiveInt(values.jobs, 'jobs', 1),
    out: resolve(values.out ?? join(PROJECT_ROOT, 'bench/study/results')),
    log: values.quiet ? () => undefined : (line) => process.stdout.write(line + '\n'),
  };
  if (options.days > 28) throw new Error('--days must be at most 28');
  const started = performance.now();
  const result = await runStudy(options);
  process.stdout.write(`\n${result.markdown}\n`);
  process.stdout.write(`Wrote ${relative(process.cwd(), result.files.markdown)}, ${relative(process.cwd(), result.files.html)} (chart) and ${relative(process.cwd(), result.files.json)} in ${((performance.now() - started) / 1000).toFixed(0)} s.\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`study: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
