// Who a commit dvc-ts writes is by, found as git finds it: GIT_AUTHOR_*/GIT_COMMITTER_*
// environment variables first, then user.name/user.email from the repository's config, the
// global config ($GIT_CONFIG_GLOBAL, else ~/.gitconfig, else $XDG_CONFIG_HOME/git/config) and
// the system config (/etc/gitconfig unless GIT_CONFIG_NOSYSTEM), the first that sets them.
// isomorphic-git reads only the repository's own config, so this reads the others itself.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface GitPerson {
  name: string;
  email: string;
}

export interface GitIdentity {
  author: GitPerson;
  committer: GitPerson;
}

/** Experiment refs are local bookkeeping: without any identity they are still worth keeping. */
const FALLBACK: GitPerson = { name: 'dvc-ts', email: 'dvc-ts@localhost' };

/**
 * The value of `section.key` (no subsection) in a git config file's text; the last one wins, as
 * in git. Handles `[section]`, `key = value`, quotes, `#`/`;` comments. Pure.
 */
export function configValue(text: string, section: string, key: string): string | undefined {
  let current = '';
  let found: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[([A-Za-z0-9.-]+)(?:\s+"[^"]*")?\]\s*(.*)$/.exec(line);
    if (header) {
      // `[section "sub"]` belongs to a subsection, not to `section` itself.
      current = /"/.test(line.slice(0, line.indexOf(']'))) ? '' : header[1]!.toLowerCase();
      continue;
    }
    if (current !== section.toLowerCase()) continue;
    const entry = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (!entry || entry[1]!.toLowerCase() !== key.toLowerCase()) continue;
    found = unquote(entry[2] ?? 'true');
  }
  return found;
}

/** A config value without its trailing comment and with quotes and escapes resolved. */
function unquote(value: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) {
      const n = value[++i]!;
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
    } else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '#' || c === ';')) break;
    else out += c;
  }
  return out.trim();
}

/** Config files in the order git lets them win: repository, global, system. */
export function configFiles(gitDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME ?? homedir();
  const xdg = env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, 'git', 'config') : join(home, '.config', 'git', 'config');
  const global = env.GIT_CONFIG_GLOBAL ? [env.GIT_CONFIG_GLOBAL] : [join(home, '.gitconfig'), xdg];
  const system = env.GIT_CONFIG_NOSYSTEM ? [] : [env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig'];
  return [join(gitDir, 'config'), ...global, ...system];
}

async function userFromConfig(gitDir: string, env: NodeJS.ProcessEnv): Promise<Partial<GitPerson>> {
  const person: Partial<GitPerson> = {};
  for (const file of configFiles(gitDir, env)) {
    const text = await readFile(file, 'utf8').catch(() => '');
    person.name ??= configValue(text, 'user', 'name');
    person.email ??= configValue(text, 'user', 'email');
    if (person.name !== undefined && person.email !== undefined) break;
  }
  return person;
}

/** The author and committer of a commit written in the repository whose git dir is `gitDir`. */
export async function gitIdentity(gitDir: string, env: NodeJS.ProcessEnv = process.env): Promise<GitIdentity> {
  const user = await userFromConfig(gitDir, env);
  const email = user.email ?? env.EMAIL;
  const author = { name: env.GIT_AUTHOR_NAME ?? user.name ?? FALLBACK.name, email: env.GIT_AUTHOR_EMAIL ?? email ?? FALLBACK.email };
  const committer = { name: env.GIT_COMMITTER_NAME ?? user.name ?? FALLBACK.name, email: env.GIT_COMMITTER_EMAIL ?? email ?? FALLBACK.email };
  return { author, committer };
}
