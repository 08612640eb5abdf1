// Putting a workload on disk: its data files (once), one workspace per tool (hard links to the
// data, so W3's bytes exist once and every tool reads the same inodes at first), and the file
// edits and resets between timed runs.

import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { STATE_RELPATH } from '../engine/hash/state.js';
import { runChecked } from './exec.js';
import type { Workload } from './workloads.js';

/** Bytes per write; also the period of the per-chunk header that keeps every chunk distinct. */
const CHUNK_BYTES = 4 * 1024 * 1024;
const HEADER_BYTES = 16;

/** A fixed pseudo-random block (xorshift32): content looks random to a hash, and is reproducible. */
function baseBlock(): Buffer {
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let x = 0x9e3779b9;
  for (let i = 0; i < buf.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf.writeUInt32LE(x >>> 0, i);
  }
  return buf;
}

let block: Buffer | undefined;

/**
 * The bytes of chunk `chunk` of file `fileIndex`, version `version` (0 = as generated). Only a
 * header differs between chunks, which is enough for every file and every version to differ.
 */
export function chunkContent(fileIndex: number, chunk: number, version: number, length: number): Buffer {
  block ??= baseBlock();
  const out = Buffer.from(block.subarray(0, Math.min(length, CHUNK_BYTES)));
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(fileIndex, 0);
  header.writeUInt32LE(chunk, 4);
  header.writeUInt32LE(version, 8);
  header.write('dvts', 12, 'latin1');
  header.copy(out, 0, 0, Math.min(HEADER_BYTES, out.length));
  return out;
}

async function writeGenerated(abs: string, fileIndex: number, bytes: number, version: number): Promise<void> {
  const fh = await open(abs, 'w');
  try {
    let written = 0;
    for (let chunk = 0; written < bytes; chunk++) {
      const data = chunkContent(fileIndex, chunk, version, Math.min(CHUNK_BYTES, bytes - written));
      await fh.write(data, 0, data.length, written);
      written += data.length;
    }
  } finally {
    await fh.close();
  }
}

/** Write every data file of the workload below `dir`, a few at a time. */
export async function writeWorkloadData(dir: string, workload: Workload): Promise<void> {
  const parents = new Set(workload.files.map((f) => dirname(join(dir, f.path))));
  for (const d of [...parents, ...workload.dirs.map((d) => join(dir, d))]) await mkdir(d, { recursive: true });
  let next = 0;
  const worker = async () => {
    while (next < workload.files.length) {
      const i = next++;
      const f = workload.files[i]!;
      if (f.text !== undefined) await writeFile(join(dir, f.path), f.text);
      else await writeGenerated(join(dir, f.path), i, f.bytes, 0);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** A tool's workspace: the data hard-linked (no bytes copied), the outs' directories made. */
export async function makeWorkspace(dataDir: string, wsDir: string, workload: Workload): Promise<void> {
  await mkdir(wsDir, { recursive: true });
  await runChecked({ argv: ['cp', '-al', `${dataDir}/.`, wsDir], cwd: dataDir });
  for (const d of workload.dirs) await mkdir(join(wsDir, d), { recursive: true });
}

/**
 * Make the workload's "one dep changed" edit, version `version` (≥ 1, new each time so no tool
 * can answer from a cache of earlier runs). The new content goes to a fresh file renamed over the
 * old one: a new inode, so the hard-linked copies in other workspaces stay as they were.
 */
export async function changeDepFile(wsDir: string, workload: Workload, version: number): Promise<void> {
  const abs = join(wsDir, workload.changeFile);
  const tmp = `${abs}.bench-tmp`;
  if (workload.changeKind === 'append-line') {
    const old = await readFile(abs, 'utf8');
    const firstLine = old.split('\n')[0]!;
    await writeFile(tmp, `${firstLine}\nchange ${version}\n`);
  } else {
    const index = workload.files.findIndex((f) => f.path === workload.changeFile);
    await writeGenerated(tmp, index, workload.files[index]!.bytes, version);
  }
  await rename(tmp, abs);
}

/** Delete every out of the workload (a clean build for make, Snakemake and the commands loop). */
export async function removeOuts(wsDir: string, workload: Workload): Promise<void> {
  await Promise.all(workload.stages.flatMap((s) => s.outs).map((o) => rm(join(wsDir, o), { recursive: true, force: true })));
}

/** Files of `.dvc-ts/` kept by a reset: the repository's config, not anything it learned. */
const KEEP_IN_DVC_TS = new Set(['config.yaml', '.gitignore']);

/** Back to a never-run repository: no cache, no state, no lock, no outs. */
export async function resetDvcTs(wsDir: string, workload: Workload): Promise<void> {
  await removeDvcTsEntries(wsDir, (name) => !KEEP_IN_DVC_TS.has(name));
  await rm(join(wsDir, 'pipeline.lock'), { force: true });
  await removeOuts(wsDir, workload);
}

/**
 * Forget every file hash (the state cache's file), keeping the object cache and the lock. The
 * parsed-pipeline and lock caches beside it stay: a cold-hashing row measures hashing, not
 * parsing a pipeline.yaml of 10,000 deps again.
 */
export async function dropDvcTsState(wsDir: string): Promise<void> {
  await rm(join(wsDir, STATE_RELPATH), { force: true });
}

async function removeDvcTsEntries(wsDir: string, which: (name: string) => boolean): Promise<void> {
  const dir = join(wsDir, '.dvc-ts');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.filter(which).map((n) => rm(join(dir, n), { recursive: true, force: true })));
}
