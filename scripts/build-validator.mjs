#!/usr/bin/env node
// Precompiles the pipeline JSON Schema into a standalone validator (ajv's standalone code), so
// no command pays for loading and compiling ajv at start-up. Run by `npm run build` after tsc.
// The options must stay those of engine/pipeline/schema.ts's runtime fallback.
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { writeFileSync, renameSync } from 'node:fs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const schema = JSON.parse(readFileSync(`${root}/engine/schema/pipeline.schema.json`, 'utf8'));
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, code: { source: true } });
const validate = ajv.compile(schema);
const code = standaloneCode.default ? standaloneCode.default(ajv, validate) : standaloneCode(ajv, validate);
const out = `${root}/dist/engine/schema/pipeline.validate.cjs`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, code);
renameSync(`${out}.tmp`, out);
