// Numbers as people read them in reports, reasons and plot files: four significant digits,
// exponent notation for the very small or large.

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6)) return x.toExponential(3);
  return Number(x.toPrecision(4)).toString();
}
