// Revisions as git spells them (`main`, `v1.0`, `3f2a9c1`, `HEAD~2`, `main^2`, `@`), resolved
// to commit ids without the git binary.
import { UserError } from '../errors.js';
import type { GitHistory } from './history.js';

/** One step from a commit to an ancestor: `~n` (first parent, n times) or `^n` (nth parent). */
export interface AncestryStep {
  kind: '~' | '^';
  n: number;
}

export interface ParsedRevision {
  /** The ref or object id the steps start from. */
  base: string;
  steps: AncestryStep[];
}

/** Split `main~2^2` into its base and its ancestry steps (pure); undefined when malformed. */
export function parseRevision(rev: string): ParsedRevision | undefined {
  const match = /^([^~^]*)((?:[~^]\d*)*)$/.exec(rev);
  if (!match) return undefined;
  const base = match[1] === '' || match[1] === '@' ? 'HEAD' : match[1]!;
  if (/[\s:?*[\\]|\.\.|@\{/.test(base)) return undefined;
  const steps: AncestryStep[] = [];
  for (const m of match[2]!.matchAll(/([~^])(\d*)/g)) {
    steps.push({ kind: m[1] as '~' | '^', n: m[2] === '' ? 1 : Number(m[2]) });
  }
  return { base, steps };
}

function unknown(rev: string, why?: string): UserError {
  return new UserError(`unknown revision '${rev}'`, why ? { details: [why] } : {});
}

/**
 * The commit a revision names. Refs win over abbreviated ids, as in git; an abbreviated id needs
 * at least 4 hex digits. A UserError (`unknown revision 'x'`) when nothing matches.
 */
export async function resolveRevision(history: GitHistory, rev: string): Promise<string> {
  const parsed = parseRevision(rev);
  if (!parsed) throw unknown(rev, 'not a valid revision');
  let found = await history.resolveRef(parsed.base);
  if (found === undefined && /^[0-9a-fA-F]{4,40}$/.test(parsed.base)) found = await history.expandOid(parsed.base);
  if (found === undefined) {
    const why = parsed.base === 'HEAD' ? 'the repository has no commits yet' : undefined;
    throw unknown(rev, why);
  }
  let oid: string = found;
  let spelled = parsed.base;
  for (const step of parsed.steps) {
    if (step.kind === '^') {
      if (step.n === 0) {
        spelled += '^0';
        continue;
      }
      const parent: string | undefined = (await history.commit(oid)).parents[step.n - 1];
      if (parent === undefined) throw unknown(rev, `${spelled} has no parent number ${step.n}`);
      oid = parent;
      spelled += `^${step.n}`;
    } else {
      for (let i = 0; i < step.n; i++) {
        const parent: string | undefined = (await history.commit(oid)).parents[0];
        if (parent === undefined) throw unknown(rev, `${i === 0 ? spelled : `${spelled}~${i}`} has no parent`);
        oid = parent;
      }
      spelled += `~${step.n}`;
    }
  }
  return oid;
}
