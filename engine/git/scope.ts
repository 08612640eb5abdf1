// Which revisions a command looks at: the workspace, named revisions, or every branch, tag or
// commit (`metrics show --all-commits`, `gc --all-branches`).
import { UserError } from '../errors.js';
import type { GitHistory } from './history.js';
import { resolveRevision } from './revision.js';

export interface RevisionScope {
  workspace?: boolean;
  allBranches?: boolean;
  allTags?: boolean;
  allCommits?: boolean;
  /** Revisions as the user wrote them. */
  revs?: string[];
}

/** A revision picked by a scope: the workspace (no commit) or a commit, with a display label. */
export interface SelectedRevision {
  /** `workspace`, a branch or tag name, a revision as written, or a short commit id. */
  label: string;
  commit: string | undefined;
}

export const WORKSPACE_LABEL = 'workspace';
export const SHORT_OID_LENGTH = 7;

/** True when the scope names anything in git history (and so needs a git repository). */
export function scopeNeedsGit(scope: RevisionScope): boolean {
  return Boolean(scope.allBranches || scope.allTags || scope.allCommits || (scope.revs && scope.revs.length > 0));
}

/**
 * The revisions of a scope, workspace first when included, then in the order asked for. A
 * commit reached several ways (a branch and a tag on it) is listed under each name.
 */
export async function selectRevisions(history: GitHistory | undefined, scope: RevisionScope): Promise<SelectedRevision[]> {
  const selected: SelectedRevision[] = [];
  if (scope.workspace) selected.push({ label: WORKSPACE_LABEL, commit: undefined });
  if (!scopeNeedsGit(scope)) return selected;
  if (!history) throw new UserError('revisions were asked for, but this is not inside a git repository');
  for (const rev of scope.revs ?? []) selected.push({ label: rev, commit: await resolveRevision(history, rev) });
  if (scope.allBranches) for (const b of await history.branches()) selected.push({ label: b.name, commit: b.commit });
  if (scope.allTags) for (const t of await history.tags()) selected.push({ label: t.name, commit: t.commit });
  if (scope.allCommits) {
    for (const c of await history.allCommits()) selected.push({ label: c.oid.slice(0, SHORT_OID_LENGTH), commit: c.oid });
  }
  return selected;
}
