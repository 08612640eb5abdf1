// Option parsers the `exp` and `queue` sub-commands share.
import { InvalidArgumentError, type Command } from 'commander';
import { UserError } from '../../errors.js';

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function regexOption(name: string, value: string | undefined): RegExp | undefined {
  if (value === undefined) return undefined;
  try {
    return new RegExp(value);
  } catch (e) {
    throw new UserError(`${name} ${JSON.stringify(value)} is not a regular expression: ${(e as Error).message}`);
  }
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

/** DVC's revision options of exp show/push/pull/list: -A, --rev, -n. */
export function addRevisionOptions(command: Command): Command {
  return command
    .option('-A, --all-commits', 'experiments of every commit')
    .option('--rev <commit>', 'experiments of this revision (default HEAD); repeatable', collect, [])
    .option('-n, --num <n>', 'also of the N-1 commits before each revision (first parents)', positiveInt);
}

export interface RevisionCliOptions {
  allCommits?: boolean;
  rev: string[];
  num?: number;
}
