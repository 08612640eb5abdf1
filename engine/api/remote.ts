import { UserError } from '../errors.js';
import {
  checkRemoteName,
  checkRemoteUrl,
  editConfig,
  parseOptionValue,
  readRemotesConfig,
  assertNotSecret,
  type RemotesConfig,
} from '../remote/config.js';
import { CONFIG_FILE } from '../config.js';

export interface RemoteEditOptions {
  /** Write to the git-ignored `.dvc-ts/config.local.yaml` instead of the committed config. */
  local?: boolean;
}

/** `remote add [-d] [-f] NAME URL`. */
export async function remoteAdd(root: string, name: string, url: string, options: RemoteEditOptions & { default?: boolean; force?: boolean } = {}): Promise<void> {
  checkRemoteName(name);
  checkRemoteUrl(url);
  assertNotSecret(name, 'url', url, options.local ?? false);
  const config = await readRemotesConfig(root);
  if (config.remotes[name] && !options.force) throw new UserError(`remote '${name}' already exists (remote modify changes it; add -f replaces it)`);
  await editConfig(root, options.local ?? false, (doc) => {
    doc.setIn(['remote', name], doc.createNode({ url }));
    if (options.default) doc.setIn(['core', 'remote'], name);
  });
}

/** `remote modify [--local] [-u] NAME OPTION [VALUE]`. Credentials go only to the local config. */
export async function remoteModify(root: string, name: string, option: string, value: string | undefined, options: RemoteEditOptions & { unset?: boolean } = {}): Promise<void> {
  const config = await readRemotesConfig(root);
  if (!config.remotes[name]) throw new UserError(`no remote named '${name}'`);
  // Before --unset too: a credential option is never touched in the committed config.
  assertNotSecret(name, option, value, options.local ?? false);
  if (options.unset) {
    await editConfig(root, options.local ?? false, (doc) => {
      doc.deleteIn(['remote', name, option]);
    });
    return;
  }
  if (value === undefined) throw new UserError(`remote modify ${name} ${option} needs a VALUE (or --unset)`);
  if (option === 'url') checkRemoteUrl(value);
  const parsed = parseOptionValue(option, value);
  await editConfig(root, options.local ?? false, (doc) => {
    doc.setIn(['remote', name, option], parsed);
  });
}

/** `remote remove NAME`: from both configs; the default is cleared when it was this one. */
export async function remoteRemove(root: string, name: string): Promise<void> {
  const config = await readRemotesConfig(root);
  if (!config.remotes[name]) throw new UserError(`no remote named '${name}'`);
  for (const local of [false, true]) {
    await editConfig(root, local, (doc) => {
      if (doc.hasIn(['remote', name])) doc.deleteIn(['remote', name]);
      if (doc.getIn(['core', 'remote']) === name) doc.deleteIn(['core', 'remote']);
    });
  }
}

/** `remote default [NAME]`: set it, or (no name) tell it. */
export async function remoteDefault(root: string, name: string | undefined, options: RemoteEditOptions & { unset?: boolean } = {}): Promise<string | undefined> {
  const config = await readRemotesConfig(root);
  if (options.unset) {
    await editConfig(root, options.local ?? false, (doc) => {
      doc.deleteIn(['core', 'remote']);
    });
    return undefined;
  }
  if (name === undefined) return config.default;
  if (!config.remotes[name]) throw new UserError(`no remote named '${name}'`);
  await editConfig(root, options.local ?? false, (doc) => {
    doc.setIn(['core', 'remote'], name);
  });
  return name;
}

export async function remoteList(root: string): Promise<RemotesConfig> {
  return readRemotesConfig(root);
}

/** `name  url  (default)`, one per remote; credentials are never shown. */
export function formatRemoteList(config: RemotesConfig): string {
  const names = Object.keys(config.remotes).sort();
  if (names.length === 0) return `No remotes (add one to ${CONFIG_FILE}: dvc-ts remote add -d NAME URL).\n`;
  const width = Math.max(...names.map((n) => n.length));
  return names.map((n) => `${n.padEnd(width)}  ${config.remotes[n]!.url}${config.default === n ? '  (default)' : ''}`).join('\n') + '\n';
}
