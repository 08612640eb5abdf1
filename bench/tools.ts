// Finding the peer tools, and installing the missing ones from Debian's packages when allowed.
// A tool that cannot be had is reported as missing; the benchmark never fails for it.

import { capture } from './exec.js';
import { shellQuote } from './render.js';

export interface Tool {
  /** The command name (`snakemake`). */
  name: string;
  /** Absolute path, when found. */
  path?: string;
  /** First line of its version output. */
  version?: string;
  /** Why it is not available, when it is not. */
  missing?: string;
}

export interface ToolWanted {
  name: string;
  /** Debian package providing it; undefined when it cannot be installed here (DVC). */
  debPackage?: string;
  /** Arguments that print its version; undefined when it has none (the path is shown instead). */
  versionArgs?: string[];
}

export async function findOnPath(name: string): Promise<string | undefined> {
  const r = await capture(['sh', '-c', `command -v ${shellQuote(name)}`]);
  const p = r.stdout.trim();
  return r.code === 0 && p.startsWith('/') ? p : undefined;
}

async function versionOf(path: string, args: string[]): Promise<string | undefined> {
  const r = await capture([path, ...args]);
  const line = (r.stdout.trim() || r.stderr.trim()).split('\n')[0]?.trim();
  return line || undefined;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function aptInstall(pkg: string, log: (line: string) => void): Promise<boolean> {
  const cmd = `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${shellQuote(pkg)}`;
  log(`installing ${pkg} (apt-get install -y ${pkg}) …`);
  if ((await capture(['sh', '-c', cmd])).code === 0) return true;
  // The package lists may be missing or stale on a fresh machine.
  await capture(['sh', '-c', 'apt-get update -qq']);
  return (await capture(['sh', '-c', cmd])).code === 0;
}

/** Find a tool; when missing, install its Debian package if `install` and running as root. */
export async function ensureTool(wanted: ToolWanted, install: boolean, log: (line: string) => void): Promise<Tool> {
  let path = await findOnPath(wanted.name);
  if (!path && wanted.debPackage && install && isRoot()) {
    if (await aptInstall(wanted.debPackage, log)) path = await findOnPath(wanted.name);
  }
  if (!path) {
    const how = wanted.debPackage
      ? `missing (Debian package '${wanted.debPackage}'${isRoot() ? (install ? ' could not be installed' : '; --no-install given') : '; run as root to install it'})`
      : 'not installed';
    return { name: wanted.name, missing: how };
  }
  const tool: Tool = { name: wanted.name, path };
  const version = wanted.versionArgs ? await versionOf(path, wanted.versionArgs) : undefined;
  if (version) tool.version = version;
  return tool;
}

export const PEER_TOOLS: readonly ToolWanted[] = [
  { name: 'make', debPackage: 'make', versionArgs: ['--version'] },
  { name: 'snakemake', debPackage: 'snakemake', versionArgs: ['--version'] },
  { name: 'dvc', versionArgs: ['--version'] },
  { name: 'b3sum', debPackage: 'b3sum', versionArgs: ['--version'] },
  { name: 'sha256sum', debPackage: 'coreutils', versionArgs: ['--version'] },
  { name: 'taskset', debPackage: 'util-linux', versionArgs: ['--version'] },
  { name: 'vmtouch', debPackage: 'vmtouch' },
];

/** GNU time, for peak RSS; `/usr/bin/time` itself, not the shell keyword. */
export const GNU_TIME: ToolWanted = { name: 'time', debPackage: 'time' };
