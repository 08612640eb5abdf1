// The options `exp push` and `exp pull` share (DVC's names).
import type { Command } from 'commander';
import { parseJobs } from '../repro.js';
import { addRevisionOptions, type RevisionCliOptions } from './options.js';

export interface ShareCliOptions extends RevisionCliOptions {
  force?: boolean;
  cache: boolean;
  remote?: string;
  jobs?: number;
  runCache?: boolean;
}

export function addShareOptions(command: Command): Command {
  return addRevisionOptions(command)
    .option('-f, --force', 'replace experiments of the same name that point elsewhere')
    .option('--no-cache', 'move the git refs only, not the cached outs')
    .option('-r, --remote <name>', 'data remote for the cached outs (default: the configured default)')
    .option('-j, --jobs <n>', 'parallel transfers', parseJobs)
    .option('--run-cache', 'also the run-cache entries');
}

export function shareOptions(opts: ShareCliOptions, file: string | undefined) {
  return { allCommits: opts.allCommits, revs: opts.rev, num: opts.num, force: opts.force, noCache: !opts.cache, remote: opts.remote, jobs: opts.jobs, runCache: opts.runCache, file };
}

export function describeShare(verb: string, where: string, r: { moved: string[]; upToDate: string[]; objects: number; dataFiles: number; notes: string[] }): string {
  const lines = [`${verb} ${r.moved.length} experiment(s) ${where}${r.moved.length ? `: ${r.moved.join(', ')}` : ''} (${r.objects} git object(s), ${r.dataFiles} cached file(s)).`];
  if (r.upToDate.length) lines.push(`Already there: ${r.upToDate.join(', ')}.`);
  lines.push(...r.notes.map((n) => `note: ${n}`));
  return lines.join('\n') + '\n';
}
