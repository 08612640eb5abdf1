// Sweep values of `-S key=…` as DVC reads them through Hydra's override grammar: `a,b,c` and
// `choice(a,b,c)` (each value typed as YAML reads it), and `range(start,stop[,step])`: integers
// when all three are integers (stop excluded, as Python's range), else Hydra's float range,
// which steps in Python decimals from the exact binary values (28 significant digits) and turns
// each back to a float, so `range(0.1,0.4,0.1)` gives 0.1, 0.2, 0.30000000000000004 and 0.4
// (the sum kept to 28 digits falls just below Decimal(0.4)) as it does in DVC. Pure.
import { UserError } from '../errors.js';

/** Hydra's sweep functions: the text inside `name(…)` split into its arguments. */
export type SweepCall = { fn: 'choice' | 'range'; args: string };

/** `range(…)`/`choice(…)` recognised; anything else is a plain value list. */
export function sweepCall(text: string): SweepCall | undefined {
  const other = /^\s*(interval|shuffle|glob|sort|tag)\s*\(/.exec(text);
  if (other) throw new UserError(`-S: ${other[1]}() is not supported: an experiment grid needs discrete, reproducible values (use choice() or range())`);
  const m = /^\s*(choice|range)\s*\((.*)\)\s*$/s.exec(text);
  return m ? { fn: m[1] as SweepCall['fn'], args: m[2]! } : undefined;
}

/** A decimal `int / 10^scale`, as Python's Decimal holds one. */
interface Dec {
  int: bigint;
  scale: number;
}

/** The exact decimal value of a double (Python's `Decimal(float)`). */
function exactDecimal(x: number): Dec {
  if (Number.isInteger(x)) return { int: BigInt(x), scale: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
  const power = (exponent === 0 ? 1 : exponent) - 1075; // x = mantissa · 2^power, power < 0 here
  // m · 2^-k = m · 5^k / 10^k
  return { int: sign * mantissa * 5n ** BigInt(-power), scale: -power };
}

function aligned(a: Dec, b: Dec): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.int * 10n ** BigInt(scale - a.scale), b.int * 10n ** BigInt(scale - b.scale), scale];
}

/** a + b rounded to 28 significant digits, half to even (Python's default decimal context). */
function add(a: Dec, b: Dec): Dec {
  const [x, y, scale] = aligned(a, b);
  let int = x + y;
  const digits = (int < 0n ? -int : int).toString().length;
  const drop = Math.min(digits - 28, scale);
  if (drop <= 0) return { int, scale };
  const unit = 10n ** BigInt(drop);
  const negative = int < 0n;
  const abs = negative ? -int : int;
  let kept = abs / unit;
  const rest = abs % unit;
  if (rest * 2n > unit || (rest * 2n === unit && kept % 2n === 1n)) kept += 1n;
  int = negative ? -kept : kept;
  return { int, scale: scale - drop };
}

function compare(a: Dec, b: Dec): number {
  const [x, y] = aligned(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function toNumber(d: Dec): number {
  return Number(`${d.int}e-${d.scale}`);
}

/** Hydra's `range(start, stop[, step])` values. */
export function expandRange(args: string, option: string): number[] {
  const parts = args.split(',').map((p) => p.trim());
  const numbers = parts.map(Number);
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '') || numbers.some((n) => !Number.isFinite(n))) {
    throw new UserError(`-S ${option}: range() takes start, stop and an optional step, all numbers (e.g. range(0.1,1,0.1))`);
  }
  const [start, stop, step = 1] = numbers as [number, number, number?];
  if (step === 0) throw new UserError(`-S ${option}: range() step cannot be 0`);
  const ints = parts.every((p) => /^[+-]?\d+$/.test(p));
  const values: number[] = [];
  const limit = 10_000;
  if (ints) {
    for (let v = start; step > 0 ? v < stop : v > stop; v += step) values.push(v);
  } else {
    const to = exactDecimal(stop);
    const by = exactDecimal(step);
    for (let v = exactDecimal(start); step > 0 ? compare(v, to) < 0 : compare(v, to) > 0; v = add(v, by)) {
      values.push(toNumber(v));
      if (values.length > limit) break;
    }
  }
  if (values.length === 0) throw new UserError(`-S ${option}: range(${args}) has no values`);
  if (values.length > limit) throw new UserError(`-S ${option}: range(${args}) has more than ${limit} values`);
  return values;
}
