// `node build/stages/monitor-plan.js` (run by .github/workflows/monitor.yml after `repro`): print
// the plan as JSON — {open_pr, pr_reason, issues: [{id, kind, event, title}]} — and, under
// GitHub Actions, write `open_pr` and `issues` to $GITHUB_OUTPUT. Reads the working tree and
// HEAD of the repository in the current directory; changes nothing.

import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseIncidentState } from './lib/incidents.js';
import { EVALUATE_METRICS, INCIDENTS_FILE } from './lib/layout.js';
import { monitorPlan } from './lib/monitor-plan.js';

const LOCK = 'pipeline.lock';

function atHead(path: string): string | undefined {
  try {
    return execFileSync('git', ['show', `HEAD:${path}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

function inTree(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const packageOuts = (lockText: string | undefined): unknown =>
  lockText === undefined ? undefined : (parse(lockText) as { stages?: Record<string, { outs?: unknown }> } | null)?.stages?.['package']?.outs;

const incidentsText = inTree(INCIDENTS_FILE);
const evaluationText = inTree(EVALUATE_METRICS);
const plan = monitorPlan({
  packageOutsNow: packageOuts(inTree(LOCK)),
  packageOutsHead: packageOuts(atHead(LOCK)),
  evaluation: evaluationText === undefined ? undefined : (JSON.parse(evaluationText) as Record<string, unknown>),
  incidents: parseIncidentState(incidentsText === undefined ? undefined : JSON.parse(incidentsText), INCIDENTS_FILE),
  incidentsChanged: incidentsText !== undefined && incidentsText !== atHead(INCIDENTS_FILE),
});
process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
const output = process.env['GITHUB_OUTPUT'];
if (output) appendFileSync(output, `open_pr=${plan.open_pr}\nissues=${JSON.stringify(plan.issues)}\n`);
