// What the monitor workflow does after `repro`, as a pure function of this run's files and the
// committed ones (HEAD): open a pull request only when `package` promoted a new model in this
// run (its recorded bundle differs from HEAD's lock and evaluate said promote), and open,
// update or close one GitHub issue per incident event the alert stage recorded in this run.

import type { IncidentEvent, IncidentKind, IncidentState } from './incidents.js';

export interface MonitorInputs {
  /** pipeline.lock's `package` entry outs, now and at HEAD (undefined when absent). */
  packageOutsNow: unknown;
  packageOutsHead: unknown;
  /** metrics/evaluate.json now (undefined when absent). */
  evaluation: Record<string, unknown> | undefined;
  /** incidents/state.json now, and its text at HEAD (undefined when absent there). */
  incidents: IncidentState;
  incidentsChanged: boolean;
}

export interface IssueAction {
  id: string;
  kind: IncidentKind;
  event: IncidentEvent;
  /** The issue title; it carries the incident id, so later runs find the same issue. */
  title: string;
}

export interface MonitorPlan {
  open_pr: boolean;
  /** Why a PR is or is not opened (for the run log). */
  pr_reason: string;
  issues: IssueAction[];
}

export function monitorPlan(input: MonitorInputs): MonitorPlan {
  const packaged = input.packageOutsNow !== undefined && JSON.stringify(input.packageOutsNow) !== JSON.stringify(input.packageOutsHead);
  const promoted = input.evaluation?.['promote'] === true;
  const open = packaged && promoted;
  const pr_reason = open
    ? 'package promoted a new model in this run'
    : !packaged ? 'package did not run in this run (gated off or up to date)' : 'the bundle changed but evaluate did not promote';
  // Events are this run's only if the alert stage rewrote the state file in this run.
  const events = input.incidentsChanged ? input.incidents.last_run.events : [];
  const issues = events.map((e) => {
    const incident = input.incidents.incidents.find((i) => i.id === e.id);
    const what = incident?.what.length ? `: ${incident.what.join(', ')}` : '';
    return { ...e, title: `[${e.id}] ${e.kind === 'drift' ? 'Drift' : 'Data-quality'} incident${what}` };
  });
  return { open_pr: open, pr_reason, issues };
}
