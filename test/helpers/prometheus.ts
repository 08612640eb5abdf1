// A strict reader of the Prometheus text exposition format (0.0.4), for tests: every line must
// be a comment, a HELP/TYPE line or a sample, every sample's metric must have been TYPEd, label
// values must be properly quoted. Throws on the first violation, naming the line.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const METRIC = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${METRIC})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const m = LABEL.exec(rest);
    if (!m) throw new Error(`line ${line}: bad labels '${text}'`);
    labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    rest = rest.slice(m[0].length);
  }
  return labels;
}

function parseValue(text: string, line: number): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  // Values are read as Go's ParseFloat reads them, which takes NaN in any case: prom-client writes
  // 'Nan' (its default event-loop gauges are NaN before the first sample lands).
  if (/^nan$/i.test(text)) return Number.NaN;
  const v = Number(text);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) || Number.isNaN(v)) throw new Error(`line ${line}: bad value '${text}'`);
  return v;
}

export function parsePrometheusText(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (m?.[1] === 'TYPE') {
        if (!TYPES.has(m[3]!)) throw new Error(`line ${line}: unknown type '${m[3]}'`);
        types.set(m[2]!, m[3]!);
      }
      return;
    }
    const m = SAMPLE.exec(raw);
    if (!m) throw new Error(`line ${line}: not a sample: '${raw}'`);
    const name = m[1]!;
    const base = [name, name.replace(/_(bucket|sum|count)$/, '')].find((n) => types.has(n));
    if (!base) throw new Error(`line ${line}: sample of ${name} before its # TYPE`);
    samples.push({ name, labels: m[2] ? parseLabels(m[2], line) : {}, value: parseValue(m[3]!, line) });
  });
  return samples;
}
