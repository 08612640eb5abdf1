// Reads the files a gate condition looks at. Parsing the text is kept separate (and pure) from
// reading it off disk.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GateSpec } from '../types.js';
import { UserError } from '../errors.js';
import { toRepoPath } from '../util/paths.js';
import { yaml } from '../util/lazy-libs.js';
import { findJsonProblem } from './strict-json.js';

/**
 * Parses a gate file's text: YAML when the name ends in .yaml/.yml, JSON (strictly, duplicate keys
 * refused) when it ends in .json, otherwise JSON falling back to YAML. Throws a UserError naming
 * the file, and for JSON the line and column, when it does not parse.
 */
export function parseGateFileText(text: string, file: string): unknown {
  const content = text.replace(/^\uFEFF/, '');
  if (content.trim() === '') throw new UserError(`gate file ${file} is empty`);
  const yamlNamed = /\.ya?ml$/i.test(file);
  let jsonProblem: string | undefined;
  if (!yamlNamed) {
    // Validated first: the problem's line and column, and duplicate keys JSON.parse would hide.
    const problem = findJsonProblem(content);
    if (problem === undefined) return JSON.parse(content) as unknown;
    jsonProblem = `line ${problem.line}, column ${problem.col}: ${problem.message}`;
    // A file named .json is JSON: no second guess as YAML (which reads most junk as a string).
    if (/\.json$/i.test(file) || problem.message.startsWith('duplicate key')) {
      throw new UserError(`gate file ${file} is not valid JSON: ${jsonProblem}`);
    }
  }
  try {
    // 'error': YAML warnings (unknown tags, …) are not printed; real errors still throw.
    // Loaded only for YAML gate files: JSON verdicts (the common case) never pay for it.
    return yaml().parse(content, { logLevel: 'error' }) as unknown;
  } catch (e) {
    const problem = jsonProblem ?? firstLine(e);
    throw new UserError(`gate file ${file} is not valid ${yamlNamed ? 'YAML' : 'JSON or YAML'}: ${problem}`);
  }
}

/**
 * Reads every file of the gate: alias → parsed data. A missing or unreadable file is a UserError
 * naming it, positioned at the gate in the pipeline file.
 */
export async function readGateFiles(root: string, gate: GateSpec, stageName?: string): Promise<Record<string, unknown>> {
  const prefix = stageName !== undefined ? `gate of stage '${stageName}': ` : '';
  const entries = await Promise.all(
    Object.entries(gate.files).map(async ([alias, file]): Promise<[string, unknown]> => {
      // The loader normalises paths; this guards against a gate reading outside the repository.
      const relative = toRepoPath('.', file);
      if (relative === undefined) throw new UserError(`${prefix}gate file ${file} is outside the repository`, { pos: gate.pos });
      let text: string;
      try {
        text = await readFile(join(root, relative), 'utf8');
      } catch (e) {
        throw new UserError(`${prefix}cannot read gate file ${file}: ${describeReadError(e)}`, { pos: gate.pos });
      }
      try {
        return [alias, parseGateFileText(text, file)];
      } catch (e) {
        if (e instanceof UserError) throw new UserError(prefix + e.message, { pos: gate.pos });
        throw e;
      }
    }),
  );
  return Object.fromEntries(entries);
}

function describeReadError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'it does not exist (has the stage that produces it run?)';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return firstLine(e);
  }
}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  // The yaml package ends its first line with ':' before a code frame.
  return (message.split('\n')[0] ?? message).replace(/:\s*$/, '');
}
