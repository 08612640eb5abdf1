// Differences of decimal numbers without binary float noise: 0.85 − 0.8 is 0.05, not
// 0.04999999999999993. Both operands are taken as the shortest decimal that prints them.

interface Scaled {
  /** The number is digits × 10^−scale. */
  digits: bigint;
  scale: number;
}

function toScaled(n: number): Scaled | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(n));
  if (!m) return undefined;
  const frac = m[3] ?? '';
  let digits = BigInt(`${m[1]}${m[2]}${frac}`);
  let scale = frac.length - Number(m[4] ?? 0);
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits, scale };
}

function fromScaled({ digits, scale }: Scaled): number {
  const negative = digits < 0n;
  const text = (negative ? -digits : digits).toString().padStart(scale + 1, '0');
  const point = text.length - scale;
  return Number(`${negative ? '-' : ''}${text.slice(0, point)}${scale > 0 ? '.' + text.slice(point) : ''}`);
}

/** `a − b`, exact in decimal, rounded once to the nearest double (pure). */
export function decimalDifference(a: number, b: number): number {
  const x = toScaled(a);
  const y = toScaled(b);
  if (!x || !y) return a - b;
  const scale = Math.max(x.scale, y.scale);
  const align = (s: Scaled) => s.digits * 10n ** BigInt(scale - s.scale);
  return fromScaled({ digits: align(x) - align(y), scale });
}
