// The canary's decision on disk, so that it holds for every process serving from this folder
// (several workers, a restart with the same --candidate): one small JSON file naming the
// candidate version that was rolled back or promoted. Written whole (temp + rename); a file that
// is missing or unreadable is no decision, said once by the caller.

import { readFile } from 'node:fs/promises';
import { writeJson } from '../stages/lib/io.js';

export interface CanaryRecord {
  candidate: string;
  state: 'rolled_back' | 'promoted';
  at: string;
}

export async function readCanaryRecord(file: string): Promise<CanaryRecord | undefined> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file} is not a canary record: ${(e as Error).message}`);
  }
  const r = value as Partial<CanaryRecord> | null;
  if (typeof r !== 'object' || r === null || typeof r.candidate !== 'string' || (r.state !== 'rolled_back' && r.state !== 'promoted') || typeof r.at !== 'string') {
    throw new Error(`${file} is not a canary record (expected candidate, state rolled_back or promoted, at)`);
  }
  return r as CanaryRecord;
}

export async function writeCanaryRecord(file: string, record: CanaryRecord): Promise<void> {
  await writeJson(file, record);
}
