import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DVC_TS_DIR } from '../config.js';
import type { StageDef } from '../types.js';
import type { StageSite } from './types.js';
import { ensureDir } from '../util/atomic.js';

/** Before a stage runs, with any executor: its outs removed (unless `persist`), their folders made. */
export async function prepareOuts(site: StageSite, stage: StageDef): Promise<void> {
  for (const out of stage.outs) if (!out.persist) await rm(site.abs(out.path), { recursive: true, force: true });
  await Promise.all(stage.outs.map((o) => ensureDir(join(site.abs(o.path), '..'))));
}

/** `.dvc-ts/logs/<stage>.log`, its folder made: where a stage's output is kept, by any executor. */
export async function stageLogPath(site: StageSite, stage: StageDef): Promise<string> {
  const logDir = join(site.root, DVC_TS_DIR, 'logs');
  await ensureDir(logDir);
  return join(logDir, `${stage.name.replace(/[^A-Za-z0-9_.@-]/g, '_')}.log`);
}
