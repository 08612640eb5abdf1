// What a benchmark run measured, as plain data: the analysis and the report read only this.

import type { WorkloadId } from './workloads.js';

/** Groups of rows measured round-robin; ratios are only taken within a group. */
export type GroupId = 'cold' | 'noop' | 'changed' | `hash-${string}` | `evicted-${string}`;

export interface MeasuredRow {
  group: GroupId;
  /** Unique within its group: `dvc-ts:repro`, `make:q`, `b3sum:1`, … */
  key: string;
  /** What is measured, for the table: `no-op repro`, `cold hashing (dir)`. */
  figure: string;
  tool: string;
  /** The command as a person would type it. */
  label: string;
  /** Wall time of each timed round in ms; undefined where the run failed or was skipped. */
  samplesMs: (number | undefined)[];
  /** Peak RSS of the warm-up run in KiB (GNU time's %M). */
  rssKb?: number;
  /** Why the row has no (or fewer) samples. */
  error?: string;
  /** Bytes hashed or read, for throughput rows. */
  bytes?: number;
}

export interface WorkloadResult {
  id: WorkloadId;
  title: string;
  shape: string;
  stageCount: number;
  /** Said under the table: how many stages a change reruns in each tool, and so on. */
  notes: string[];
  rows: MeasuredRow[];
}

export interface LinearityRow {
  figure: string;
  label: string;
  baseMs?: number;
  tenfoldMs?: number;
  /** Peak RSS (KiB) of the warm-up run at each size. */
  baseRssKb?: number;
  tenfoldRssKb?: number;
}

export interface LinearityResult {
  baseScale: number;
  tenfoldScale: number;
  baseShape: string;
  tenfoldShape: string;
  rows: LinearityRow[];
}

export interface ToolLine {
  name: string;
  version?: string;
  missing?: string;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  nodeVersion: string;
  /**
   * Variables set in the environment that change every node process's start-up (NODE_OPTIONS,
   * NODE_EXTRA_CA_CERTS: the latter costs ~40 ms a start on the 2-core VM), by name.
   */
  nodeStartupEnv?: string[];
  os: string;
  memoryGiB: number;
  loadAvgStart: number[];
  loadAvgEnd: number[];
}

export interface BenchReport {
  date: string;
  command: string;
  scale: number;
  runs: number;
  machine: MachineInfo;
  tools: ToolLine[];
  workloads: WorkloadResult[];
  linearity?: LinearityResult;
  /** Caveats: page cache, noise, skipped peers. */
  notes: string[];
}

export function rowByKey(w: WorkloadResult, group: GroupId, key: string): MeasuredRow | undefined {
  return w.rows.find((r) => r.group === group && r.key === key);
}
