// What the canary decision reads: the request logs' lines written while a canary ran (those
// with `canary_arm`), joined by request id to the labels of POST /feedback (labels-*.jsonl),
// tallied per side of the canary and model version. Lines outside a canary, or without a key,
// are not evidence: the two models are compared on the same traffic, split by key (a model that
// was the candidate of an earlier canary brings none of those lines as a champion). A last line without its newline
// is a write in progress and is left unread; a malformed line stops with file:line.

import { readFile } from 'node:fs/promises';
import { StageInputError } from '../stages/lib/errors.js';
import { listLabelFiles, listRequestLogs, parseLabels } from '../stages/lib/request-log.js';
import type { CanaryArm } from './canary.js';
import type { VersionTally } from './canary-decision.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface CanaryLine {
  arm: CanaryArm;
  request_id: string;
  model_version: string;
  prediction: 0 | 1;
}

function canaryLine(text: string, file: string, line: number): CanaryLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StageInputError(`${file}:${line}: not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(value) || value['canary_arm'] === undefined) return undefined;
  const { canary_arm: arm, request_id: id, model_version: version, prediction } = value;
  if ((arm !== 'champion' && arm !== 'candidate') || typeof id !== 'string' || typeof version !== 'string' || (prediction !== 0 && prediction !== 1)) {
    throw new StageInputError(`${file}:${line}: a canary line needs canary_arm champion or candidate, request_id, model_version and prediction 0 or 1`);
  }
  return { arm, request_id: id, model_version: version, prediction };
}

async function readLabels(logsDir: string): Promise<Map<string, 0 | 1>> {
  const labels = new Map<string, 0 | 1>();
  for (const file of await listLabelFiles(logsDir)) parseLabels(await readFile(file, 'utf8'), file, labels);
  return labels;
}

/** Each line of a file with its number; a last line without its newline is not given. */
async function completeLines(file: string): Promise<{ text: string; line: number }[]> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  lines.pop();
  return lines.map((text, i) => ({ text, line: i + 1 })).filter((l) => l.text.trim() !== '');
}

/** Per side and model version: the canary requests it answered, how many have a label, how many it got right. */
export type CanaryEvidence = Record<CanaryArm, Map<string, VersionTally>>;

export async function readCanaryEvidence(logsDir: string): Promise<CanaryEvidence> {
  const labels = await readLabels(logsDir);
  const evidence: CanaryEvidence = { champion: new Map(), candidate: new Map() };
  for (const file of await listRequestLogs(logsDir)) {
    for (const { text, line } of await completeLines(file)) {
      const entry = canaryLine(text, file, line);
      if (!entry) continue;
      const tallies = evidence[entry.arm];
      let tally = tallies.get(entry.model_version);
      if (!tally) tallies.set(entry.model_version, (tally = { version: entry.model_version, requests: 0, labelled: 0, correct: 0 }));
      tally.requests += 1;
      const label = labels.get(entry.request_id);
      if (label === undefined) continue;
      tally.labelled += 1;
      if (label === entry.prediction) tally.correct += 1;
    }
  }
  return evidence;
}

/** A version that answered nothing during the canary. */
export const emptyTally = (version: string): VersionTally => ({ version, requests: 0, labelled: 0, correct: 0 });
