/**
 * Rounds half away from zero to `decimals` places, on the decimal value a person reads
 * (so 1.005 becomes 1.01, where `Math.round(1.005 * 100) / 100` gives 1).
 */
export function roundToDecimals(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  const text = String(magnitude);
  // Shift the decimal point in the text, not in binary: "1.005e2" is exactly 100.5.
  const scaled = text.includes('e') ? magnitude * 10 ** decimals : Number(`${text}e${decimals}`);
  const rounded = Math.round(scaled) / 10 ** decimals;
  return value < 0 ? -rounded : rounded;
}
