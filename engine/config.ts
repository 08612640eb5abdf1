import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from './errors.js';
import { writeFileAtomic } from './util/atomic.js';
import { BUILD_ID } from './util/build-id.js';
import { yaml } from './util/lazy-libs.js';

export type LinkType = 'reflink' | 'hardlink' | 'symlink' | 'copy';
const LINK_TYPES: readonly LinkType[] = ['reflink', 'hardlink', 'symlink', 'copy'];

/** `.dvc-ts/config.yaml`: settings that belong to the repository, committed with it. */
export interface RepoConfig {
  /** How cached outs are put back into the workspace, tried in order (DVC's `cache.type`). */
  linkTypes: LinkType[];
  /** Default for `repro -j`. */
  jobs: number;
  /** `executor:`: what runs the stages (engine/executor/registry.ts); absent = local. */
  executor?: string;
}

export const DVC_TS_DIR = '.dvc-ts';
export const CONFIG_FILE = `${DVC_TS_DIR}/config.yaml`;

export const DEFAULT_CONFIG: RepoConfig = { linkTypes: ['reflink', 'copy'], jobs: 1 };

/**
 * The last config parsed, beside the text it came from: parsing needs the YAML library, whose
 * loading is a sixth of a no-op command's start-up, for a file that rarely changes.
 */
const CONFIG_CACHE = `${DVC_TS_DIR}/state/config-cache.json`;

interface CachedConfig {
  build: string;
  text: string;
  config: RepoConfig;
}

export async function readConfig(root: string): Promise<RepoConfig> {
  let text: string;
  try {
    text = await readFile(join(root, CONFIG_FILE), 'utf8');
  } catch {
    return { ...DEFAULT_CONFIG };
  }
  const cachePath = join(root, CONFIG_CACHE);
  const cached = await readFile(cachePath, 'utf8').then((t) => JSON.parse(t) as CachedConfig).catch(() => undefined);
  if (cached?.build === BUILD_ID && cached.text === text) return cached.config;
  const config = parseConfig(text);
  const entry: CachedConfig = { build: BUILD_ID, text, config };
  await writeFileAtomic(cachePath, JSON.stringify(entry), { durable: false }).catch(() => undefined);
  return config;
}

function parseConfig(text: string): RepoConfig {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const fail = (offset: number, message: string): never => {
    const { line, col } = lines.linePos(offset);
    throw new UserError(message, { pos: { file: CONFIG_FILE, line, col } });
  };
  if (doc.errors.length > 0) fail(doc.errors[0]!.pos[0], `invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const raw = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as { cache?: { type?: unknown }; jobs?: unknown; executor?: unknown };
  const config = { ...DEFAULT_CONFIG };
  const type = raw.cache?.type;
  if (type !== undefined) {
    const list = typeof type === 'string' ? type.split(',').map((t) => t.trim()) : type;
    if (!Array.isArray(list) || list.length === 0 || !list.every((t) => LINK_TYPES.includes(t as LinkType))) {
      fail(0, `cache.type must be a list of ${LINK_TYPES.join(', ')}`);
    }
    config.linkTypes = list as LinkType[];
  }
  if (raw.jobs !== undefined) {
    if (typeof raw.jobs !== 'number' || !Number.isInteger(raw.jobs) || raw.jobs < 1) fail(0, 'jobs must be a whole number ≥ 1');
    config.jobs = raw.jobs as number;
  }
  if (raw.executor !== undefined) {
    if (typeof raw.executor !== 'string' || raw.executor === '') fail(0, 'executor must be a name: local or slurm');
    config.executor = raw.executor as string;
  }
  return config;
}
