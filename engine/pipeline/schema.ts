// Validates the pipeline file as written (before interpolation, as DVC does) against
// engine/schema/pipeline.schema.json, and turns ajv's findings into located, readable errors.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { UserError } from '../errors.js';
import type { SourcePos } from '../types.js';
import { nodeAtPath, toPlain } from './yaml-tree.js';
import type { YNode } from './yaml-tree.js';
import { didYouMean, nearMisses } from './suggest.js';

/** Location of the schema file, for editors' `# yaml-language-server: $schema=` comments too. */
export const PIPELINE_SCHEMA_URL = new URL('../../../engine/schema/pipeline.schema.json', import.meta.url);

let compiled: ValidateFunction | undefined;

/** Written by scripts/postbuild.mjs at build time: ajv's standalone code for the schema. */
const PRECOMPILED = new URL('../schema/pipeline.validate.cjs', import.meta.url);
const require = createRequire(import.meta.url);

/**
 * The schema validator: the precompiled one when the build made it (no ajv load, no compile:
 * ~90 ms off every command), else compiled here with the same options.
 */
function validator(): ValidateFunction {
  if (!compiled) {
    if (existsSync(PRECOMPILED)) {
      const mod = require(PRECOMPILED.pathname) as ValidateFunction | { default: ValidateFunction };
      compiled = typeof mod === 'function' ? mod : mod.default;
    } else {
      const schema: unknown = JSON.parse(readFileSync(PIPELINE_SCHEMA_URL, 'utf8'));
      const { Ajv } = require('ajv') as { Ajv: typeof AjvClass };
      compiled = new Ajv({ allErrors: true, verbose: true, strict: true }).compile(schema as object);
    }
  }
  return compiled;
}

/** Schema errors for a parsed pipeline document (null = empty file); [] when valid. */
export function validatePipelineDocument(doc: YNode | null, file: string): UserError[] {
  const data = doc === null ? {} : toPlain(doc);
  const validate = validator();
  if (validate(data)) return [];
  const fallbackPos: SourcePos = doc?.pos ?? { file, line: 1, col: 1 };
  return preferSuggestions(selectRelevant(validate.errors ?? [])).map((err) => toUserError(err, doc, fallbackPos));
}

/** The allowed fields of the object an `additionalProperties` error is about. */
function allowedFields(err: ErrorObject): string[] {
  const parent = err.parentSchema as { properties?: Record<string, unknown> } | undefined;
  return Object.keys(parent?.properties ?? {});
}

/**
 * Unknown fields first; and a missing required field that a misspelt field there stands for
 * (`cmdd:` for `cmd`) is said once, as the misspelling with its "did you mean", not as missing.
 */
function preferSuggestions(errors: ErrorObject[]): ErrorObject[] {
  const suggested = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const suggestion = didYouMean(String(e.params['additionalProperty']), allowedFields(e));
    if (suggestion !== undefined) suggested.add(`${e.instancePath}\u0000${suggestion}`);
  }
  const kept = errors.filter((e) => !(e.keyword === 'required' && suggested.has(`${e.instancePath}\u0000${String(e.params['missingProperty'])}`)));
  return [...kept.filter((e) => e.keyword === 'additionalProperties'), ...kept.filter((e) => e.keyword !== 'additionalProperties')];
}

/**
 * ajv reports every failed branch of an `anyOf`; keep what helps a person. A "must be string"
 * from one branch is noise when another branch got further (an error at or below the same
 * place that is not about the type); type errors left at one place are merged.
 */
function selectRelevant(errors: ErrorObject[]): ErrorObject[] {
  const meaningful = errors.filter((e) => !['anyOf', 'oneOf', 'if'].includes(e.keyword));
  // Places where some branch got further: a non-type error there, or any error below them.
  const furtherAt = new Set<string>();
  for (const e of meaningful) {
    if (e.keyword !== 'type') furtherAt.add(e.instancePath);
    for (let p = e.instancePath; p !== ''; ) {
      p = p.slice(0, p.lastIndexOf('/'));
      furtherAt.add(p);
    }
  }
  const deeperOrSpecific = (path: string): boolean => furtherAt.has(path);
  const out: ErrorObject[] = [];
  const typeErrorsAt = new Map<string, ErrorObject[]>();
  const seen = new Set<string>();
  for (const e of meaningful) {
    if (e.keyword === 'type') {
      if (deeperOrSpecific(e.instancePath)) continue;
      const list = typeErrorsAt.get(e.instancePath) ?? [];
      if (list.length === 0) out.push(e);
      list.push(e);
      typeErrorsAt.set(e.instancePath, list);
    } else {
      const id = `${e.instancePath}\u0000${e.keyword}\u0000${JSON.stringify(e.params)}`;
      if (!seen.has(id)) out.push(e);
      seen.add(id);
    }
  }
  return out.map((e) => {
    if (e.keyword !== 'type') return e;
    const types = [...new Set((typeErrorsAt.get(e.instancePath) ?? [e]).flatMap((t) => String(t.params['type']).split(',')))];
    return { ...e, params: { type: types.join(',') } };
  });
}

function segmentsOf(instancePath: string): string[] {
  if (instancePath === '') return [];
  return instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function toUserError(err: ErrorObject, doc: YNode | null, fallback: SourcePos): UserError {
  const segments = segmentsOf(err.instancePath);
  const node = nodeAtPath(doc, segments);
  const pos = node?.pos ?? fallback;
  const where = describeLocation(segments);
  switch (err.keyword) {
    case 'additionalProperties': {
      const field = String(err.params['additionalProperty']);
      const keyPos = node?.kind === 'map' ? node.entries.find((e) => e.key === field)?.keyPos : undefined;
      const allowed = allowedFields(err);
      const near = nearMisses(field, allowed);
      const hint = near.length ? `; did you mean ${joinOr(near.map((n) => `'${n}'`))}?` : allowed.length ? ` (allowed: ${allowed.join(', ')})` : '';
      return new UserError(`unknown field '${field}' ${where}${hint}`, { pos: keyPos ?? pos });
    }
    case 'required':
      return new UserError(`missing required field '${String(err.params['missingProperty'])}' ${where}`, { pos });
    case 'type': {
      const types = String(err.params['type']).split(',').map(typeName);
      return new UserError(`${describeValue(segments)} must be ${joinOr(types)}`, { pos });
    }
    case 'minProperties':
      return new UserError(`${describeValue(segments)} must not be empty`, { pos });
    default:
      return new UserError(`${describeValue(segments)} ${err.message ?? 'is invalid'}`, { pos });
  }
}

function typeName(t: string): string {
  switch (t) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'empty';
    default:
      return `a ${t}`;
  }
}

function joinOr(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

const SINGULAR: Record<string, string> = { deps: 'dependency', outs: 'out', metrics: 'metric', plots: 'plot', params: 'params file' };

/** "in stage 'train'", "in out 'model.pkl' of stage 'train'", "at the top level"… */
export function describeLocation(segments: readonly string[]): string {
  if (segments.length === 0) return 'at the top level';
  const [section, name, ...rest] = segments;
  if (section === 'stages' && name !== undefined) {
    const inner = rest[0] === 'do' ? rest.slice(1) : rest;
    const stage = `stage '${name}'`;
    if (inner.length === 0) return `in ${stage}`;
    const [field, index, key] = inner;
    if (field && SINGULAR[field] && index !== undefined && key !== undefined && inner.length === 3) {
      return `in ${SINGULAR[field]} '${key}' of ${stage}`;
    }
    return `in '${inner.join('.')}' of ${stage}`;
  }
  if (section === 'artifacts' && name !== undefined) return `in artifact '${name}'`;
  if (section === 'plots' && name !== undefined && rest.length > 0) return `in plot '${rest[0]}'`;
  return `in '${segments.join('.')}'`;
}

function describeValue(segments: readonly string[]): string {
  if (segments.length === 0) return 'the pipeline file';
  const last = segments[segments.length - 1]!;
  const parent = segments.slice(0, -1);
  if (/^\d+$/.test(last)) return `item ${Number(last) + 1} of '${segments[segments.length - 2] ?? ''}' ${describeLocation(segments.slice(0, -2))}`;
  if (segments[0] === 'stages' && segments.length === 2) return `stage '${last}'`;
  return `'${last}' ${describeLocation(parent)}`;
}
