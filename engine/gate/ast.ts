// The syntax tree of a gate condition. Every node keeps its span in the expression text and
// its position in the pipeline file, so evaluation errors can point at the exact operand.

import type { SourcePos } from '../types.js';

/** One step of a dotted path: a key (`metrics`, `"my key"`) or a list index (`[0]`). */
export type PathSegment = string | number;

export type LiteralValue = string | number | boolean | null;

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

interface NodeBase {
  /** Offset of the node's first character in the expression text. */
  start: number;
  /** Offset just past the node's last character. */
  end: number;
  /** Position of the node's first character in the pipeline file. */
  pos: SourcePos;
}

/** A dotted path into a gate file's data; with several files the first segment is the alias. */
export interface PathNode extends NodeBase {
  kind: 'path';
  segments: PathSegment[];
  /** Canonical spelling, used as the key of the values read (`metrics.f1`, `a["my key"][0]`). */
  text: string;
}

export interface LiteralNode extends NodeBase {
  kind: 'literal';
  value: LiteralValue;
}

export interface NotNode extends NodeBase {
  kind: 'not';
  operand: Condition;
}

export interface CompareNode extends NodeBase {
  kind: 'compare';
  op: CompareOp;
  left: Condition;
  right: Condition;
  /** Position of the operator, where type errors of the comparison are reported. */
  opPos: SourcePos;
}

/** `and`/`or` are n-ary so a long chain `a and b and c …` stays a shallow tree. */
export interface AndNode extends NodeBase {
  kind: 'and';
  operands: Condition[];
}

export interface OrNode extends NodeBase {
  kind: 'or';
  operands: Condition[];
}

export type Condition = PathNode | LiteralNode | NotNode | CompareNode | AndNode | OrNode;

/** Words that cannot start a path (write `["true"]` for a key spelled like one). */
export const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'true', 'false', 'null']);

const BARE_FIRST_KEY = /^[\p{L}_][\p{L}\p{N}_-]*$/u;
const BARE_LATER_KEY = /^[\p{L}\p{N}_-]+$/u;
const DIGITS = /^\d+$/;

/**
 * Canonical text of a path: `a.b[0]["odd key"]`. It parses back to the same segments, so it is
 * a stable key for recorded values.
 */
export function renderPath(segments: readonly PathSegment[]): string {
  let text = '';
  segments.forEach((segment, i) => {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
    } else if (i === 0 && BARE_FIRST_KEY.test(segment) && !KEYWORDS.has(segment)) {
      text += segment;
    } else if (i > 0 && BARE_LATER_KEY.test(segment) && !DIGITS.test(segment)) {
      text += `.${segment}`;
    } else {
      text += `[${JSON.stringify(segment)}]`;
    }
  });
  return text;
}
