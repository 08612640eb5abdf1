// Evaluates a parsed condition against the data of its gate files. Pure: no I/O.
//
// Strictness, to avoid silent surprises:
// - a bare value used as a condition must be a boolean (`"false"` the string, 0 or null are
//   errors, not falsy);
// - `==`/`!=` need both sides of the same type, except that anything may be compared with null;
// - `<`, `<=`, `>`, `>=` need two numbers or two strings;
// - lists and objects cannot be compared, only their items;
// - a path missing from the data is an error naming the path and the file, never false.
// `and`/`or` short-circuit: a path on the skipped side is neither read nor required.

import type { SourcePos } from '../types.js';
import { UserError } from '../errors.js';
import { closest } from '../util/suggest.js';
import { renderPath } from './ast.js';
import type { CompareNode, CompareOp, Condition, PathNode, PathSegment } from './ast.js';
import { isSingleFileForm, splitAlias } from './paths.js';

export interface GateEvaluation {
  open: boolean;
  /** Each path text read, in reading order, with the value found. */
  values: Record<string, unknown>;
}

export interface EvaluateOptions {
  /** Names the stage in error messages (`gate of stage 'train': …`). */
  stageName?: string;
}

/**
 * @param data alias → parsed content of that gate file
 * @param fileNames alias → file path, for messages; its keys decide the form ('' alone: one file)
 */
export function evaluateCondition(
  cond: Condition,
  data: Readonly<Record<string, unknown>>,
  fileNames: Readonly<Record<string, string>>,
  options: EvaluateOptions = {},
): GateEvaluation {
  const evaluator = new Evaluator(data, fileNames, options.stageName);
  const open = evaluator.truth(cond);
  return { open, values: evaluator.values };
}

/** `dataset_drift = false, new_data_fraction = 0.12` ('' when nothing was read). */
export function describeDecision(values: Readonly<Record<string, unknown>>): string {
  return Object.entries(values)
    .map(([text, value]) => `${text} = ${formatValue(value)}`)
    .join(', ');
}

/** A value as shown in messages: JSON, shortened when long. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

type ValueType = 'null' | 'boolean' | 'number' | 'string' | 'list' | 'object';

function typeOf(value: unknown): ValueType {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'bigint':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

function article(type: ValueType): string {
  return type === 'null' ? 'null' : type === 'object' ? 'an object' : `a ${type}`;
}

class Evaluator {
  readonly values: Record<string, unknown> = {};
  private readonly singleFile: boolean;
  private readonly prefix: string;

  constructor(
    private readonly data: Readonly<Record<string, unknown>>,
    private readonly fileNames: Readonly<Record<string, string>>,
    stageName: string | undefined,
  ) {
    this.singleFile = isSingleFileForm(fileNames);
    this.prefix = stageName !== undefined ? `gate of stage '${stageName}'` : 'gate';
  }

  /** The node as a condition: must come out a boolean. */
  truth(node: Condition): boolean {
    switch (node.kind) {
      case 'and':
        return node.operands.every((operand) => this.truth(operand));
      case 'or':
        return node.operands.some((operand) => this.truth(operand));
      case 'not':
        return !this.truth(node.operand);
      case 'compare':
        return this.compare(node);
      case 'literal':
        if (typeof node.value === 'boolean') return node.value;
        throw this.error(`${formatValue(node.value)} is not a condition; only true or false is`, node.pos);
      case 'path': {
        const value = this.read(node);
        if (typeof value === 'boolean') return value;
        throw this.error(
          `'${node.text}' is ${article(typeOf(value))} (${formatValue(value)}), not true or false; ${comparisonHint(node.text, value)}`,
          node.pos,
        );
      }
    }
  }

  /** The node as an operand of a comparison. */
  private value(node: Condition): unknown {
    if (node.kind === 'path') return this.read(node);
    if (node.kind === 'literal') return node.value;
    return this.truth(node);
  }

  private compare(node: CompareNode): boolean {
    const left = this.value(node.left);
    const right = this.value(node.right);
    const leftType = typeOf(left);
    const rightType = typeOf(right);
    const sides = (): string => `${this.describeOperand(node.left, left)} ${node.op} ${this.describeOperand(node.right, right)}`;
    for (const [side, type] of [
      [node.left, leftType],
      [node.right, rightType],
    ] as const) {
      if (type === 'list' || type === 'object') {
        const what = side.kind === 'path' ? `'${side.text}'` : 'the value';
        throw this.error(`cannot compare ${what}: it is ${article(type)}; compare one of its ${type === 'list' ? 'items' : 'fields'} (${sides()})`, node.opPos);
      }
    }
    if (node.op === '==' || node.op === '!=') {
      if (leftType !== rightType && leftType !== 'null' && rightType !== 'null') {
        throw this.error(`cannot compare ${article(leftType)} with ${article(rightType)}: ${sides()}`, node.opPos);
      }
      const equal = leftType === 'null' || rightType === 'null' ? leftType === rightType : left === right;
      return node.op === '==' ? equal : !equal;
    }
    if (leftType !== rightType || (leftType !== 'number' && leftType !== 'string')) {
      const problem =
        leftType === rightType
          ? `'${node.op}' needs numbers or strings, not ${leftType === 'null' ? 'null' : `${leftType}s`}`
          : `cannot compare ${article(leftType)} with ${article(rightType)}`;
      throw this.error(`${problem}: ${sides()}`, node.opPos);
    }
    return order(node.op, left as number | string, right as number | string);
  }

  private describeOperand(node: Condition, value: unknown): string {
    return node.kind === 'path' ? `${node.text} (= ${formatValue(value)})` : formatValue(value);
  }

  /** Resolves a path in its file's data and records the value read. */
  private read(node: PathNode): unknown {
    const { alias, path } = splitAlias(node.segments, this.singleFile);
    if (!Object.hasOwn(this.data, alias)) {
      const known = Object.keys(this.data);
      const hint = closest(alias, known);
      throw this.error(
        `'${node.text}' reads '${alias}', which is not one of the gate's files (${known.join(', ') || 'none'})` +
          (hint !== undefined ? `; did you mean '${hint}'?` : ''),
        node.pos,
      );
    }
    const file = this.fileNames[alias] ?? alias;
    const walked: PathSegment[] = this.singleFile ? [] : [alias];
    let current: unknown = this.data[alias];
    for (const segment of path) {
      const next = step(current, segment);
      if (!next.found) {
        const where = walked.length === 0 ? 'the file' : `'${renderPath(walked)}'`;
        throw this.error(`'${node.text}' not found in ${file}`, node.pos, [missingDetail(where, current, segment, node.text)]);
      }
      walked.push(segment);
      current = next.value;
    }
    if (!Object.hasOwn(this.values, node.text)) this.values[node.text] = current;
    return current;
  }

  private error(message: string, pos: SourcePos, details: string[] = []): UserError {
    return new UserError(`${this.prefix}: ${message}`, { pos, details });
  }
}

function step(container: unknown, segment: PathSegment): { found: true; value: unknown } | { found: false } {
  if (Array.isArray(container)) {
    return typeof segment === 'number' && segment < container.length ? { found: true, value: container[segment] } : { found: false };
  }
  if (typeOf(container) === 'object') {
    const record = container as Record<string, unknown>;
    const key = String(segment);
    return Object.hasOwn(record, key) ? { found: true, value: record[key] } : { found: false };
  }
  return { found: false };
}

/** Why a step failed, with a hint when one is likely. */
function missingDetail(where: string, container: unknown, segment: PathSegment, text: string): string {
  const type = typeOf(container);
  if (type === 'list') {
    const list = container as unknown[];
    return typeof segment === 'number'
      ? `${where} has ${list.length} item${list.length === 1 ? '' : 's'}, so [${segment}] is out of range`
      : `${where} is a list; index it with a number, e.g. [0]`;
  }
  if (type === 'object') {
    const keys = Object.keys(container as object);
    const hint = closest(String(segment), keys);
    const shown = keys.slice(0, 10).join(', ') + (keys.length > 10 ? ', …' : '');
    const literalHint = /^(True|False|TRUE|FALSE|None|NULL|Null)$/.test(text) ? `; for the literal write ${text === 'None' || /^null$/i.test(text) ? 'null' : text.toLowerCase()}` : '';
    return `${where} has no key '${segment}'` + (hint !== undefined ? ` (did you mean '${hint}'?)` : keys.length ? ` (keys: ${shown})` : ' (it is empty)') + literalHint;
  }
  return `${where} is ${article(type)} (${formatValue(container)}), which has no key '${segment}'`;
}

function comparisonHint(text: string, value: unknown): string {
  switch (typeOf(value)) {
    case 'string':
      return `compare it explicitly, e.g. ${text} == ${formatValue(value)}`;
    case 'number':
      return `compare it explicitly, e.g. ${text} > 0`;
    case 'null':
      return `compare it explicitly, e.g. ${text} != null`;
    default:
      return 'compare one of its items or fields instead';
  }
}

function order(op: CompareOp, left: number | string, right: number | string): boolean {
  switch (op) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    default:
      return false;
  }
}
