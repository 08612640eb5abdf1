// How DVC (Python) turns a value into text when it interpolates it or names a generated stage.
// Matching it keeps stage names such as `train@1.0` and commands identical to DVC's.

/** Python's repr() of a float: shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
}

/** DVC's `to_str` for a scalar: booleans as `true`/`false`, null as `None`, floats as Python. */
export function scalarToString(value: string | number | boolean | null, float: boolean): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return float || !Number.isInteger(value) ? pythonFloatRepr(value) : String(value);
  return value;
}

/** Python's str() of a scalar (used inside lists and dicts unpacked into commands). */
export function pythonStr(value: string | number | boolean | null, float: boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return scalarToString(value, float);
}
