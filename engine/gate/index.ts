// Gate conditions: a stage's `when:` field, which decides whether a stale stage runs.

import type { GateDecision, GateSpec } from '../types.js';
import type { Condition } from './ast.js';
import { evaluateCondition } from './evaluate.js';
import { parseCondition } from './parse.js';
import type { ParseOptions } from './parse.js';
import { checkGateAliases } from './paths.js';
import { readGateFiles } from './read.js';

export type { Condition, PathNode, LiteralNode, NotNode, CompareNode, AndNode, OrNode, PathSegment, LiteralValue, CompareOp } from './ast.js';
export { renderPath, KEYWORDS } from './ast.js';
export { parseCondition, MAX_CONDITION_LENGTH, MAX_NESTING_DEPTH } from './parse.js';
export type { ParseOptions } from './parse.js';
export { referencedPaths, checkGateAliases, isSingleFileForm, pathNodes } from './paths.js';
export type { ReferencedPath } from './paths.js';
export { evaluateCondition, describeDecision, formatValue } from './evaluate.js';
export type { GateEvaluation, EvaluateOptions } from './evaluate.js';
export { readGateFiles, parseGateFileText } from './read.js';

/** Parses a gate's expression and checks that every path names one of its files (load time). */
export function parseGate(gate: GateSpec, options: ParseOptions = {}): Condition {
  const cond = parseCondition(gate.expr, gate.pos, options);
  checkGateAliases(cond, gate.files);
  return cond;
}

/** Reads the gate's files and decides it. Every failure is a UserError for the user. */
export async function decideGate(root: string, stageName: string, gate: GateSpec): Promise<GateDecision> {
  const cond = parseGate(gate);
  const data = await readGateFiles(root, gate, stageName);
  const { open, values } = evaluateCondition(cond, data, gate.files, { stageName });
  return { open, expr: gate.expr, values };
}
