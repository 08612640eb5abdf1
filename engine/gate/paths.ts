// Which files and keys a condition reads. With a single gate file (alias '') a path is read
// from that file whole; with several files the path's first segment names the file.

import type { SourcePos } from '../types.js';
import { UserError, UserErrors } from '../errors.js';
import { closest } from '../util/suggest.js';
import { renderPath } from './ast.js';
import type { Condition, PathNode, PathSegment } from './ast.js';

export interface ReferencedPath {
  /** The file alias ('' for the single-file form `when: { file: …, if: … }`). */
  alias: string;
  /** Segments inside that file's data. */
  path: PathSegment[];
  /** The path as written canonically, alias included (`drift.dataset_drift`). */
  text: string;
  /** Where the path is written in the pipeline file. */
  pos: SourcePos;
}

/** True for the single-file form, whose only alias is ''. */
export function isSingleFileForm(files: Readonly<Record<string, string>>): boolean {
  const aliases = Object.keys(files);
  return aliases.length === 1 && aliases[0] === '';
}

/** Splits a path into the alias it reads and the segments within that file. */
export function splitAlias(segments: readonly PathSegment[], singleFile: boolean): { alias: string; path: PathSegment[] } {
  if (singleFile) return { alias: '', path: [...segments] };
  const [first, ...rest] = segments;
  return { alias: String(first ?? ''), path: rest };
}

/** Every path node in source order (short-circuiting does not matter here). */
export function pathNodes(cond: Condition): PathNode[] {
  const found: PathNode[] = [];
  const visit = (node: Condition): void => {
    switch (node.kind) {
      case 'path':
        found.push(node);
        break;
      case 'literal':
        break;
      case 'not':
        visit(node.operand);
        break;
      case 'compare':
        visit(node.left);
        visit(node.right);
        break;
      case 'and':
      case 'or':
        node.operands.forEach(visit);
        break;
    }
  };
  visit(cond);
  return found;
}

/**
 * The paths a condition reads, each occurrence in source order. Pass the gate's `files` so the
 * form is known: without it (or with the single alias '') every path reads the one file, alias ''.
 */
export function referencedPaths(cond: Condition, files?: Readonly<Record<string, string>>): ReferencedPath[] {
  const singleFile = files === undefined || isSingleFileForm(files);
  return pathNodes(cond).map((node) => ({ ...splitAlias(node.segments, singleFile), text: node.text, pos: node.pos }));
}

/** Throws a UserError at each path whose alias is not one of the gate's files. */
export function checkGateAliases(cond: Condition, files: Readonly<Record<string, string>>): void {
  const known = Object.keys(files);
  const errors = referencedPaths(cond, files)
    .filter((ref) => !Object.hasOwn(files, ref.alias))
    .map((ref) => {
      const hint = closest(ref.alias, known);
      const aliasText = renderPath([ref.alias]);
      return new UserError(
        `gate condition reads '${ref.text}', but '${aliasText}' is not one of the gate's files ` +
          `(${known.map((a) => renderPath([a])).join(', ')})${hint !== undefined ? `; did you mean '${renderPath([hint])}'?` : ''}`,
        { pos: ref.pos },
      );
    });
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new UserErrors(errors);
}
