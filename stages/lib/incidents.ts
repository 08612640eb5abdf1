// Incidents, not alert storms: a finding (drift, or a data-quality problem) opens an incident;
// later runs that find the same kind of problem update it; the first run without it resolves
// it. A run that could draw no conclusion (not enough data) leaves incidents as they are. Pure:
// the previous state and this run's findings in, the next state and the events out. The state
// lives in a versioned file (incidents/state.json), so CI and people see the same history.

export const INCIDENT_KINDS = ['drift', 'data_quality'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];
export type IncidentEvent = 'opened' | 'updated' | 'resolved';

export interface Incident {
  id: string;
  kind: IncidentKind;
  status: 'open' | 'resolved';
  first_seen: string;
  last_seen: string;
  resolved_at: string | null;
  /** Runs that found it (1 when opened). */
  runs: number;
  /** What was found on the last run that found it (drifted features, quality problems). */
  what: string[];
  summary: string;
}

export interface IncidentState {
  format: 1;
  /** Open incidents, then the most recently resolved (at most RESOLVED_KEPT). */
  incidents: Incident[];
  /** What the last run of the alert stage that changed something did. */
  last_run: { at: string; events: { id: string; kind: IncidentKind; event: IncidentEvent }[] };
}

export interface Finding {
  what: string[];
  summary: string;
}

/** This run's findings by kind: null = checked, nothing found; undefined = no decision. */
export type Findings = Partial<Record<IncidentKind, Finding | null>>;

export const RESOLVED_KEPT = 20;

export function emptyState(): IncidentState {
  return { format: 1, incidents: [], last_run: { at: '', events: [] } };
}

/** A readable, sortable id: `<kind>-<UTC time of opening>`. */
export function incidentId(kind: IncidentKind, at: string): string {
  return `${kind.replace('_', '-')}-${at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

export function advanceIncidents(previous: IncidentState, findings: Findings, at: string): IncidentState {
  const incidents = previous.incidents.map((i) => ({ ...i }));
  const events: IncidentState['last_run']['events'] = [];
  for (const kind of INCIDENT_KINDS) {
    const finding = findings[kind];
    if (finding === undefined) continue;
    const open = incidents.find((i) => i.kind === kind && i.status === 'open');
    if (finding && !open) {
      const id = incidentId(kind, at);
      incidents.unshift({ id, kind, status: 'open', first_seen: at, last_seen: at, resolved_at: null, runs: 1, what: finding.what, summary: finding.summary });
      events.push({ id, kind, event: 'opened' });
    } else if (finding && open) {
      Object.assign(open, { last_seen: at, runs: open.runs + 1, what: finding.what, summary: finding.summary });
      events.push({ id: open.id, kind, event: 'updated' });
    } else if (!finding && open) {
      Object.assign(open, { status: 'resolved', resolved_at: at });
      events.push({ id: open.id, kind, event: 'resolved' });
    }
  }
  // Nothing opened, updated or resolved: the state stays byte-identical (no new timestamp), so
  // the versioned file changes only when something happened.
  if (events.length === 0) return previous;
  const openOnes = incidents.filter((i) => i.status === 'open');
  const resolved = incidents.filter((i) => i.status === 'resolved').sort((a, b) => (a.resolved_at! < b.resolved_at! ? 1 : -1)).slice(0, RESOLVED_KEPT);
  return { format: 1, incidents: [...openOnes, ...resolved], last_run: { at, events } };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The state file's content, or an error message naming what is wrong. */
export function parseIncidentState(value: unknown, file: string): IncidentState {
  if (value === undefined) return emptyState();
  if (!isRecord(value) || value['format'] !== 1 || !Array.isArray(value['incidents'])) {
    throw new Error(`${file} is not an incident state (expected {"format": 1, "incidents": […]})`);
  }
  for (const [k, i] of value['incidents'].entries()) {
    if (!isRecord(i) || typeof i['id'] !== 'string' || !(INCIDENT_KINDS as readonly unknown[]).includes(i['kind']) || (i['status'] !== 'open' && i['status'] !== 'resolved')) {
      throw new Error(`${file}: incidents[${k}] is not an incident`);
    }
  }
  const last = isRecord(value['last_run']) && Array.isArray(value['last_run']['events']) ? (value['last_run'] as IncidentState['last_run']) : emptyState().last_run;
  return { format: 1, incidents: value['incidents'] as Incident[], last_run: last };
}
