import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_FILE, DVC_TS_DIR } from '../config.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { yaml as loadYaml } from '../util/lazy-libs.js';
import { REMOTE_OPTIONS, schemeOf } from './schemes.js';

/** Machine-local settings (credentials among them): git-ignored, merged over the committed file. */
export const LOCAL_CONFIG_FILE = `${DVC_TS_DIR}/config.local.yaml`;

/** What a remote's entry may hold. */
export interface RemoteSettings {
  url: string;
  endpointurl?: string;
  region?: string;
  profile?: string;
  force_path_style?: boolean;
  jobs?: number;
  /** Bytes at which a pack of small objects is closed; 0: every object alone (the layout before packs). */
  pack_size?: number;
  access_key_id?: string;
  secret_access_key?: string;
  session_token?: string;
}

export interface RemotesConfig {
  /** `core.remote`: the remote used when `-r` is not given. */
  default?: string;
  remotes: Record<string, RemoteSettings>;
}

export { REMOTE_OPTIONS, folderRemotePath } from './schemes.js';

/** Never written to the committed config: it is pushed to every clone of the repository. */
export const SECRET_OPTIONS: ReadonlySet<string> = new Set(['access_key_id', 'secret_access_key', 'session_token']);

/** Options whose value is a URL: one with a user or password in it carries a credential. */
const URL_OPTIONS: ReadonlySet<string> = new Set(['url', 'endpointurl']);

/**
 * Why `option: value` must stay out of the committed config, or undefined when it may go there
 * (pure): a credential option, or a URL with userinfo (`http://user:secret@host`).
 */
export function secretReason(option: string, value: unknown): string | undefined {
  if (SECRET_OPTIONS.has(option)) return `${option} is a credential`;
  if (!URL_OPTIONS.has(option) || typeof value !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    // Not parseable as a URL: look for `user[:password]@` before the host all the same.
    return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value) ? `the ${option} holds a user name or password` : undefined;
  }
  return parsed.username !== '' || parsed.password !== '' ? `the ${option} holds a user name or password` : undefined;
}

/** How to keep a secret setting local instead. */
function localHint(name: string, option: string): string {
  return `dvc-ts remote modify --local ${name} ${option} …   (kept in the git-ignored ${LOCAL_CONFIG_FILE}, mode 0600), or use the AWS credential chain`;
}

/** Refuse a secret on its way to the committed config (exit 2). */
export function assertNotSecret(name: string, option: string, value: unknown, local: boolean): void {
  const reason = local ? undefined : secretReason(option, value);
  if (reason) throw new UserError(`${reason}: it goes to the git-ignored local config only, never to the committed ${CONFIG_FILE}`, { details: [localHint(name, option)] });
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function checkRemoteName(name: string): void {
  if (!NAME_RE.test(name)) throw new UserError(`invalid remote name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-'`);
}

/** Check a remote URL's form against the kinds of remote (pure). */
export function checkRemoteUrl(url: string): void {
  schemeOf(url);
}

/** Parse a value given on the command line for an option (pure). */
export function parseOptionValue(option: string, value: string): string | boolean | number {
  const kind = REMOTE_OPTIONS[option];
  if (kind === undefined) {
    throw new UserError(`unknown remote option '${option}'`, { details: [`known options: ${Object.keys(REMOTE_OPTIONS).join(', ')}`] });
  }
  if (kind === 'boolean') {
    if (!/^(true|false)$/.test(value)) throw new UserError(`${option} must be true or false`);
    return value === 'true';
  }
  if (kind === 'bytes') {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UserError(`${option} must be a whole number of bytes ≥ 0 (0: no packs)`);
    return n;
  }
  if (kind === 'jobs') {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`${option} must be a whole number ≥ 1`);
    return n;
  }
  if (option === 'url') checkRemoteUrl(value);
  return value;
}

async function loadDoc(root: string, file: string): Promise<{ doc: import('yaml').Document; lines: import('yaml').LineCounter }> {
  const yaml = loadYaml();
  const text = await readFile(join(root, file), 'utf8').catch(() => undefined);
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text ?? '', { lineCounter: lines });
  if (doc.errors.length > 0) {
    const { line, col } = lines.linePos(doc.errors[0]!.pos[0]);
    throw new UserError(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { pos: { file, line, col } });
  }
  return { doc, lines };
}

/** Read the remotes of the committed config with the local one merged over it. */
export async function readRemotesConfig(root: string): Promise<RemotesConfig> {
  const result: RemotesConfig = { remotes: {} };
  await tightenLocalConfig(root);
  for (const file of [CONFIG_FILE, LOCAL_CONFIG_FILE]) {
    const { doc, lines } = await loadDoc(root, file);
    const raw = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as { core?: { remote?: unknown }; remote?: unknown };
    const at = (path: (string | number)[]): { file: string; line: number; col: number } => {
      const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0] ?? 0;
      const { line, col } = lines.linePos(offset);
      return { file, line, col };
    };
    if (raw.core?.remote !== undefined) {
      if (typeof raw.core.remote !== 'string') throw new UserError('core.remote must be a remote name', { pos: at(['core', 'remote']) });
      result.default = raw.core.remote;
    }
    if (raw.remote === undefined || raw.remote === null) continue;
    if (typeof raw.remote !== 'object' || Array.isArray(raw.remote)) throw new UserError('remote must map names to settings', { pos: at(['remote']) });
    for (const [name, settings] of Object.entries(raw.remote as Record<string, unknown>)) {
      if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
        throw new UserError(`remote '${name}' must be a mapping of settings`, { pos: at(['remote', name]) });
      }
      const merged: Record<string, unknown> = { ...(result.remotes[name] ?? {}) };
      for (const [key, value] of Object.entries(settings as Record<string, unknown>)) {
        const kind = REMOTE_OPTIONS[key];
        if (kind === undefined) throw new UserError(`remote '${name}': unknown option '${key}'`, { pos: at(['remote', name, key]) });
        const secret = file === CONFIG_FILE ? secretReason(key, value) : undefined;
        if (secret) {
          throw new UserError(`remote '${name}': ${key} must not be in the committed ${CONFIG_FILE}: ${secret}`, {
            pos: at(['remote', name, key]),
            details: [`move it: ${localHint(name, key)}`],
          });
        }
        const ok =
          kind === 'boolean'
            ? typeof value === 'boolean'
            : kind === 'jobs' || kind === 'bytes'
              ? Number.isInteger(value) && (value as number) >= (kind === 'jobs' ? 1 : 0)
              : typeof value === 'string';
        if (!ok) throw new UserError(`remote '${name}': ${key} has the wrong type`, { pos: at(['remote', name, key]) });
        merged[key] = value;
      }
      result.remotes[name] = merged as unknown as RemoteSettings;
    }
  }
  for (const [name, s] of Object.entries(result.remotes)) {
    if (typeof s.url !== 'string') throw new UserError(`remote '${name}' has no url`, { pos: { file: CONFIG_FILE, line: 1, col: 1 } });
  }
  return result;
}

/**
 * Change one config file (committed or local) through the YAML document, so comments and the
 * other settings stay as they were. `edit` returns false to leave the file unwritten.
 */
export async function editConfig(root: string, local: boolean, edit: (doc: import('yaml').Document) => void): Promise<void> {
  const file = local ? LOCAL_CONFIG_FILE : CONFIG_FILE;
  const { doc } = await loadDoc(root, file);
  if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  edit(doc);
  // The local config holds credentials: readable by its owner only, whatever the umask.
  await writeFileAtomic(join(root, file), doc.toString({ flowCollectionPadding: false }), local ? { mode: 0o600 } : {});
  if (local) await ensureLocalConfigIgnored(root);
}

/** A local config others can read (made by hand or by an older dvc-ts) is tightened to 0600. */
async function tightenLocalConfig(root: string): Promise<void> {
  const abs = join(root, LOCAL_CONFIG_FILE);
  const st = await stat(abs).catch(() => undefined);
  if (st && (st.mode & 0o077) !== 0) await chmod(abs, st.mode & 0o700).catch(() => undefined);
}

/** The local config holds credentials: make sure git never sees it. */
async function ensureLocalConfigIgnored(root: string): Promise<void> {
  const file = join(root, DVC_TS_DIR, '.gitignore');
  const text = await readFile(file, 'utf8').catch(() => '');
  if (text.split(/\r?\n/).some((l) => l.trim() === '/config.local.yaml')) return;
  await writeFileAtomic(file, text + (text === '' || text.endsWith('\n') ? '' : '\n') + '/config.local.yaml\n');
}
