import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_FILE, DVC_TS_DIR, type RepoConfig } from '../config.js';
import { UserError } from '../errors.js';
import { yaml } from '../util/lazy-libs.js';
import type { SlurmSettings } from './types.js';

const LOCAL_CONFIG_FILE = `${DVC_TS_DIR}/config.local.yaml`;
const DEFAULT_POLL_MS = 500;
const SLURM_KEYS = ['partition', 'account', 'qos', 'sbatch_args', 'poll_interval'];

type Doc = ReturnType<ReturnType<typeof yaml>['parseDocument']>;

async function readDoc(root: string, file: string): Promise<{ doc: Doc; at: (path: string[]) => UserError['pos'] } | undefined> {
  const text = await readFile(join(root, file), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  // The key of the last path element where there is one (an unknown option is its key's fault).
  const at = (path: string[]): UserError['pos'] => {
    const parent = path.length > 0 ? (doc.getIn(path.slice(0, -1), true) as { items?: Array<{ key?: { value?: unknown; range?: [number, number] } }> } | undefined) : undefined;
    const key = parent?.items?.find((i) => i.key?.value === path[path.length - 1])?.key;
    const node = key ?? (doc.getIn(path, true) as { range?: [number, number] } | undefined);
    const { line, col } = lines.linePos(node?.range?.[0] ?? doc.errors[0]?.pos[0] ?? 0);
    return { file, line, col };
  };
  if (doc.errors.length > 0) throw new UserError(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { pos: at([]) });
  return { doc, at };
}

/**
 * The executor's name: the command line's, else `executor:` of the git-ignored
 * `.dvc-ts/config.local.yaml` (a cluster is often one person's choice), else of the committed
 * config (already parsed and cached with the rest of it), else `local`.
 */
export async function executorName(root: string, config: RepoConfig, chosen: string | undefined): Promise<string> {
  if (chosen !== undefined) return chosen;
  const local = await readDoc(root, LOCAL_CONFIG_FILE);
  const value: unknown = local?.doc.get('executor');
  if (value !== undefined) {
    if (typeof value !== 'string' || value === '') throw new UserError('executor must be a name: local or slurm', { pos: local!.at(['executor']) });
    return value;
  }
  return config.executor ?? 'local';
}

/** `slurm:` of `.dvc-ts/config.yaml`, each key overridden by `.dvc-ts/config.local.yaml`. */
export async function readSlurmSettings(root: string): Promise<SlurmSettings> {
  const settings: SlurmSettings = { sbatchArgs: [], pollMs: DEFAULT_POLL_MS };
  for (const file of [CONFIG_FILE, LOCAL_CONFIG_FILE]) {
    const found = await readDoc(root, file);
    if (found) applySlurm(settings, found.doc, found.at);
  }
  return settings;
}

function applySlurm(settings: SlurmSettings, doc: Doc, at: (path: string[]) => UserError['pos']): void {
  const fail = (path: string[], message: string): never => {
    throw new UserError(message, { pos: at(path) });
  };
  const slurm: unknown = doc.get('slurm');
  if (slurm === undefined || slurm === null) return;
  const plain = (doc.toJS() as { slurm?: unknown }).slurm;
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) fail(['slurm'], `slurm must be a mapping (${SLURM_KEYS.join(', ')})`);
  const options = plain as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!SLURM_KEYS.includes(key)) fail(['slurm', key], `unknown slurm option '${key}' (known: ${SLURM_KEYS.join(', ')})`);
  }
  for (const key of ['partition', 'account', 'qos'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') fail(['slurm', key], `slurm.${key} must be text`);
    settings[key] = value as string;
  }
  const args = options.sbatch_args;
  if (args !== undefined) {
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) fail(['slurm', 'sbatch_args'], 'slurm.sbatch_args must be a list of sbatch flags');
    settings.sbatchArgs = args as string[];
  }
  const poll = options.poll_interval;
  if (poll !== undefined) {
    if (typeof poll !== 'number' || !(poll >= 0.05 && poll <= 60)) fail(['slurm', 'poll_interval'], 'slurm.poll_interval must be seconds between 0.05 and 60');
    settings.pollMs = Math.round((poll as number) * 1000);
  }
}
